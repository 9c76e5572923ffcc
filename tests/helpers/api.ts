/** The API as a client uses it in tests: a core on a fresh workspace, calls through JoulebenchCore.handle as a host makes them. */
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { JoulebenchCore } from '../../src-main/api/core'
import type { ApiEvent, ApiMethod, ApiParams, ApiResult } from '../../src-main/api/contract'
import type { DiscoverySources } from '../../src-main/instruments/discovery'

/** Discovery that finds nothing, so a test sees only the virtual instruments it starts. */
export const noHardware: DiscoverySources = {
  listSerialPorts: async () => [],
  listUsbDevices: async () => []
}

/** A core on a fresh workspace file in a new temporary directory (or on `dbPath`). */
export function makeCore(dbPath = join(mkdtempSync(join(tmpdir(), 'jb-api-')), 'w.db')): JoulebenchCore {
  return new JoulebenchCore({ dbPath, host: 'test', discovery: noHardware })
}

let nextId = 1

/** One API call; an error reply throws, naming the method, the code, the message and any field issues. */
export async function call<M extends ApiMethod>(core: JoulebenchCore, method: M, params: ApiParams<M>): Promise<ApiResult<M>> {
  const reply = await core.handle({ id: nextId++, method, params })
  if (!reply.ok) {
    const { code, message, issues } = reply.error
    throw Object.assign(new Error(`${method}: ${code}: ${message}${issues?.length ? ` ${JSON.stringify(issues)}` : ''}`), { code, issues })
  }
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


/**
 * The first event `pick` accepts (its answer), polling the recorded events; rejects after `timeoutMs`
 * naming what it waited for and the events that did arrive.
 */
export function waitFor<T>(events: ApiEvent[], pick: (e: ApiEvent) => T | undefined | false, what: string, timeoutMs = 30_000): Promise<T> {
  return new Promise((resolve, reject) => {
    const started = Date.now()
    const poll = () => {
      for (const e of events) {
        const hit = pick(e)
        if (hit) return resolve(hit)
      }
      if (Date.now() - started > timeoutMs) return reject(new Error(`timed out waiting for ${what}; events: ${events.map((e) => e.event).join(', ')}`))
      setTimeout(poll, 10)
    }
    poll()
  })
}
