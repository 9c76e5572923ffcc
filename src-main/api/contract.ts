/**
 * The one contract between the core and every client (Electron window, browser tab over the loopback
 * WebSocket, tests). Requests are validated here, at the boundary, so no malformed message from a window
 * or a socket ever reaches a driver. The renderer imports only the types of this file.
 */
import { z } from 'zod'
import type { InstrumentIdentity } from '../instruments/identity'

/** Parameters of every method. Adding a method: a schema here, a result type below, a handler in handlers/. */
export const API_PARAMS = {
  'app.info': z.object({}).strict(),
  'instruments.list': z.object({ refresh: z.boolean().optional() }).strict()
} satisfies Record<string, z.ZodType>

export interface AppInfo {
  version: string
  workspacePath: string
  workspaceId: string
  host: 'electron' | 'server' | 'test'
  platform: string
}

export interface InstrumentEntry extends InstrumentIdentity {
  description: string
  state: 'available' | 'in-use' | 'disconnected'
}

export interface InstrumentList {
  instruments: InstrumentEntry[]
  hints: string[]
}

export interface ApiResults {
  'app.info': AppInfo
  'instruments.list': InstrumentList
}

export type ApiMethod = keyof typeof API_PARAMS
export type ApiParams<M extends ApiMethod> = z.input<(typeof API_PARAMS)[M]>
export type ApiParsedParams<M extends ApiMethod> = z.output<(typeof API_PARAMS)[M]>
export type ApiResult<M extends ApiMethod> = ApiResults[M]

/** Everything the core pushes to clients without being asked. */
export interface ApiEvents {
  'instruments.changed': InstrumentList
}
export type ApiEvent = { [K in keyof ApiEvents]: { event: K; data: ApiEvents[K] } }[keyof ApiEvents]

export const requestEnvelope = z
  .object({
    id: z.number().int().nonnegative(),
    method: z.string().min(1).max(100),
    params: z.unknown().optional(),
    /** The loopback server's per-start token; the Electron host does not need one. */
    token: z.string().max(200).optional()
  })
  .strict()

export type ApiRequest = z.input<typeof requestEnvelope>

export type ApiErrorCode = 'bad-request' | 'unknown-method' | 'invalid-params' | 'unauthorized' | 'failed'

export interface ApiError {
  code: ApiErrorCode
  message: string
  /** For invalid-params: which field and what was wrong with it. */
  issues?: Array<{ path: string; message: string }>
}

export type ApiReply = { id: number; ok: true; result: unknown } | { id: number; ok: false; error: ApiError }

export function isApiMethod(name: string): name is ApiMethod {
  return Object.hasOwn(API_PARAMS, name)
}
