import { VERSION } from '../../version'
import type { HandlerMap } from '../core'

export const appHandlers: Pick<HandlerMap, 'app.info'> = {
  'app.info': (core) => ({
    version: VERSION,
    workspacePath: core.options.dbPath,
    workspaceId: core.db.prepare("SELECT value FROM workspace_meta WHERE key = 'workspace_id'").pluck().get() as string,
    host: core.options.host,
    platform: `${process.platform}-${process.arch}`,
    virtualBenchFault: core.bench.fault
  })
}
