import { z } from 'zod'

export const appParams = {
  'app.info': z.object({}).strict()
}

export interface AppInfo {
  version: string
  workspacePath: string
  workspaceId: string
  host: 'electron' | 'server' | 'test'
  platform: string
}

export interface AppResults {
  'app.info': AppInfo
}
