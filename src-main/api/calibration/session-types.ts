/**
 * What a calibration run looks like from outside the core: plain data, so the renderer can import
 * these types without the core's own.
 */
import type { CalibrationResult } from '../../calibration/procedure'
import type { CalibrationRecord } from '../../calibration/records'
import type { ReferenceLoad } from '../../calibration/reference-load'
import type { UserGainWrite } from '../../calibration/user-gains'

export type CalibrationSessionState = 'measuring' | 'waiting' | 'measured' | 'saved' | 'failed' | 'cancelled'

export interface CalibrationStepInfo {
  index: number
  total: number
  kind: 'open' | 'load'
  load: ReferenceLoad | null
  /** The load in words: "1 kΩ at 3.3 V (±0.1 %)"; "open output" for the zero check. */
  text: string
}

export interface SaveRequest {
  notes?: string
  operator?: string | null
  dueInDays?: number
  /** YYYY-MM-DD; overrides dueInDays. */
  dueAt?: string
  /** PPK2: store the fitted gains on the device as user gains (within 0.9–1.1). */
  writeUserGains?: boolean
}

export interface CalibrationRunRequest extends SaveRequest {
  instrumentId: string
  loads: ReferenceLoad[]
  /** Range indices to fit; default every range the analyzer reports. */
  ranges?: number[]
  mode: 'source' | 'ampere'
  zeroCheck: boolean
  settleS?: number
  measureS?: number
  voltageToleranceFraction?: number
  /** Save the record as soon as the measurement ends (true), or hold the result for calibration.save. */
  save: boolean
}

export interface CalibrationSessionInfo {
  runId: number
  instrumentId: string
  instrument: { model: string; serial: string | null; virtual: boolean }
  state: CalibrationSessionState
  startedAt: string
  step: CalibrationStepInfo | null
  /** On hardware: what the operator must do before calibration.continue. */
  prompt: string | null
  /** Progress lines, oldest first. */
  log: string[]
  result: CalibrationResult | null
  record: CalibrationRecord | null
  /** The analyzer keeps user gains (PPK2) and is still held, so they can be written on save. */
  canWriteUserGains: boolean
  userGains: { written: UserGainWrite[]; skipped: Array<{ rangeIndex: number; reason: string }> } | null
  error: string | null
}
