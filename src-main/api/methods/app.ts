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
  /** The wiring fault staged on the virtual bench ('none' normally); every virtual instrument sees it. */
  virtualBenchFault: string
}

export interface AppResults {
  'app.info': AppInfo
}
