import { VERSION } from '../../version'
import type { HandlerMap } from '../core'

export const appHandlers: Pick<HandlerMap, 'app.info' | 'app.chooseFile'> = {
  'app.info': (core) => ({
    version: VERSION,
    workspacePath: core.options.dbPath,
    workspaceId: core.db.prepare("SELECT value FROM workspace_meta WHERE key = 'workspace_id'").pluck().get() as string,
    host: core.options.host,
    platform: `${process.platform}-${process.arch}`,
    virtualBenchFault: core.bench.fault,
    fileDialog: core.options.chooseFile !== undefined
  }),
  'app.chooseFile': async (core, p) => {
    if (!core.options.chooseFile) throw new Error(`This ${core.options.host === 'server' ? 'browser tab' : 'host'} has no file dialog: type the path of the file instead.`)
    return { path: await core.options.chooseFile(p) }
  }
}
