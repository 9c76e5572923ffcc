/**
 * The one contract between the core and every client (Electron window, browser tab over the loopback
 * WebSocket, tests). Requests are validated here, at the boundary, so no malformed message from a window
 * or a socket ever reaches a driver. The renderer imports only the types of this file.
 *
 * Each area declares its methods in methods/<area>.ts (parameter schemas, result and event types) and
 * answers them in handlers/<area>.ts; this file puts the areas together.
 */
import { z } from 'zod'
import { appParams, type AppResults } from './methods/app'
import { instrumentParams, type InstrumentEvents, type InstrumentResults } from './methods/instruments'
import { resultsParams, type ResultsResults } from './methods/results'
import { recordingParams, type RecordingEvents, type RecordingResults } from './methods/recordings'
import { captureParams, type CaptureApiEvents, type CaptureResults } from './methods/capture'
import { runParams, type RunEvents, type RunResults } from './methods/runs'
import { probeParams, type ProbeEvents, type ProbeResults } from './methods/probes'
import { wiringParams, type WiringEvents, type WiringResults } from './methods/wiring'
import { calibrationParams, type CalibrationEvents, type CalibrationResults } from './methods/calibration'

export type * from './methods/app'
export type * from './methods/instruments'
export type * from './methods/results'
export type * from './methods/recordings'
export type * from './methods/capture'
export type * from './methods/runs'
export type * from './methods/probes'
export type * from './methods/wiring'
export type * from './methods/calibration'

export const API_PARAMS = {
  ...appParams,
  ...instrumentParams,
  ...resultsParams,
  ...recordingParams,
  ...captureParams,
  ...runParams,
  ...probeParams,
  ...wiringParams,
  ...calibrationParams
} satisfies Record<string, z.ZodType>

export interface ApiResults extends AppResults, InstrumentResults, ResultsResults, RecordingResults, CaptureResults, RunResults, ProbeResults, WiringResults, CalibrationResults {}

/** Everything the core pushes to clients without being asked. */
export interface ApiEvents extends InstrumentEvents, RecordingEvents, CaptureApiEvents, RunEvents, ProbeEvents, CalibrationEvents, WiringEvents {}

export type ApiMethod = keyof typeof API_PARAMS
export type ApiParams<M extends ApiMethod> = z.input<(typeof API_PARAMS)[M]>
export type ApiParsedParams<M extends ApiMethod> = z.output<(typeof API_PARAMS)[M]>
export type ApiResult<M extends ApiMethod> = ApiResults[M]
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
