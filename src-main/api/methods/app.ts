import { z } from 'zod'

export const appParams = {
  'app.info': z.object({}).strict(),
  /** The host's own open-file dialog (the desktop window has one; a browser tab types the path instead). */
  'app.chooseFile': z
    .object({
      title: z.string().trim().min(1).max(200),
      /** What the files are, for the dialog's filter, e.g. "Joulebench workspace". */
      kind: z.string().trim().min(1).max(100),
      extensions: z.array(z.string().regex(/^[A-Za-z0-9]{1,10}$/)).min(1).max(10)
    })
    .strict()
}

export type ChooseFileRequest = z.output<(typeof appParams)['app.chooseFile']>

export interface AppInfo {
  version: string
  workspacePath: string
  workspaceId: string
  host: 'electron' | 'server' | 'test'
  platform: string
  /** The wiring fault staged on the virtual bench ('none' normally); every virtual instrument sees it. */
  virtualBenchFault: string
  /** True when `app.chooseFile` opens a native dialog (the desktop window). */
  fileDialog: boolean
}

export interface AppResults {
  'app.info': AppInfo
  /** The chosen file's absolute path, or null when the dialog was cancelled. */
  'app.chooseFile': { path: string | null }
}
