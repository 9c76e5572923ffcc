import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { JoulebenchCore } from '../../src-main/api/core'
import type { ApiEvent, ApiMethod, ApiParams, ApiResult } from '../../src-main/api/contract'
import type { DiscoverySources } from '../../src-main/instruments/discovery'

export const noHardware: DiscoverySources = {
  listSerialPorts: async () => [],
  listUsbDevices: async () => []
}

export function makeCore(dbPath = join(mkdtempSync(join(tmpdir(), 'jb-capapi-')), 'w.db')): JoulebenchCore {
  return new JoulebenchCore({ dbPath, host: 'test', discovery: noHardware })
}

let nextId = 1

/** One API call through JoulebenchCore.handle, as a host makes it; an error reply throws with its message. */
export async function call<M extends ApiMethod>(core: JoulebenchCore, method: M, params: ApiParams<M>): Promise<ApiResult<M>> {
  const reply = await core.handle({ id: nextId++, method, params })
  if (!reply.ok) throw Object.assign(new Error(reply.error.message), { code: reply.error.code, issues: reply.error.issues })
  return reply.result as ApiResult<M>
}

/** The error reply of a call that must fail. */
export async function refusal(core: JoulebenchCore, method: string, params: unknown): Promise<{ code: string; message: string; issues?: Array<{ path: string; message: string }> }> {
  const reply = await core.handle({ id: nextId++, method, params })
  if (reply.ok) throw new Error(`${method} was expected to fail but answered ${JSON.stringify(reply.result).slice(0, 200)}`)
  return reply.error
}

/** Every event the core emits from now on. */
export function recordEvents(core: JoulebenchCore): ApiEvent[] {
  const events: ApiEvent[] = []
  core.onEvent((e) => events.push(e))
  return events
}

