import { z } from 'zod'
import type { CalibrationRecord } from '../../calibration/records'
import type { CalibrationSessionInfo } from '../calibration/session-types'
import type { SuggestedLoad } from '../calibration/suggested-loads'

export type { CalibrationRecord } from '../../calibration/records'
export type { CalibrationResult } from '../../calibration/procedure'
export type { RangeCalibration, CalibrationPoint, PointCheck, UncertaintyBudget } from '../../calibration/fit'
export type { ReferenceLoad } from '../../calibration/reference-load'
export type { CalibrationSessionInfo, CalibrationSessionState, CalibrationStepInfo } from '../calibration/session-types'
export type { SuggestedLoad } from '../calibration/suggested-loads'

const instrumentId = z.string().trim().min(1).max(300)
const recordId = z.string().trim().min(1).max(100)
const runId = z.number().int().positive()
const date = z.string().regex(/^\d{4}-\d{2}-\d{2}/, 'a date as YYYY-MM-DD')

/** A reference resistor at a known voltage (I = V / R); tolerance as a fraction, 1 % assumed when left out. */
const load = z
  .object({
    resistanceOhm: z.number().finite().positive().max(1e9),
    voltageV: z.number().finite().positive().max(60),
    toleranceFraction: z.number().min(0).lt(0.5).optional()
  })
  .strict()

/** What a saved record carries besides the measurement. */
const recordOptions = {
  notes: z.string().max(10_000).optional(),
  operator: z.string().trim().max(200).optional(),
  /** Next calibration due this many days after this one (default 365). */
  dueInDays: z.number().finite().positive().max(36_500).optional(),
  dueAt: date.optional(),
  /** PPK2: also store the fitted gains on the device as user gains (kept within 0.9–1.1). */
  writeUserGains: z.boolean().default(false)
}

export const calibrationParams = {
  /** What calibrating this instrument takes: its ranges with stated accuracy, and a starting set of loads. */
  'calibration.defaults': z.object({ instrumentId, voltageV: z.number().finite().positive().max(60).optional() }).strict(),
  /**
   * Start a calibration: the open output, then each load. Progress arrives as calibration.progress
   * events; on hardware the run waits (state "waiting", with a prompt) until calibration.continue.
   * With save: false the result waits for calibration.save or calibration.cancel.
   */
  'calibration.run': z
    .object({
      instrumentId,
      loads: z.array(load).max(40),
      ranges: z.array(z.number().int().nonnegative()).max(16).optional(),
      mode: z.enum(['source', 'ampere']).default('source'),
      zeroCheck: z.boolean().default(true),
      /** Seconds ignored at the start of each point (range switching, settling), then averaged. */
      settleS: z.number().finite().min(0).max(60).optional(),
      measureS: z.number().finite().positive().max(600).optional(),
      /** Tolerance of the supply voltage as a fraction, when it is not measured. */
      voltageToleranceFraction: z.number().min(0).lt(0.5).optional(),
      save: z.boolean().default(true),
      ...recordOptions
    })
    .strict(),
  /** The operator has done what the prompt asked (connected the next load). */
  'calibration.continue': z.object({ runId }).strict(),
  /** Stop a calibration, or discard a result not yet saved. */
  'calibration.cancel': z.object({ runId }).strict(),
  /** Save a measured result as a record. */
  'calibration.save': z.object({ runId, ...recordOptions }).strict(),
  /** Calibrations this core is running or ran lately (to pick up after a reload). */
  'calibration.status': z.object({}).strict(),

  'calibrations.list': z.object({ family: z.string().trim().min(1).max(60).optional(), serial: z.string().trim().min(1).max(200).optional() }).strict(),
  /** Units overdue or due within `withinDays`, most urgent first. */
  'calibrations.due': z.object({ withinDays: z.number().finite().min(0).max(36_500).default(30) }).strict(),
  'calibrations.get': z.object({ id: recordId }).strict(),
  /** The printable certificate: one self-contained HTML document. */
  'calibrations.certificate': z.object({ id: recordId }).strict(),
  /** Whether new captures of the unit go through this record (the newest in force wins). */
  'calibrations.setInForce': z.object({ id: recordId, inForce: z.boolean() }).strict()
}

export interface CalibrationRangeInfo {
  index: number
  label: string
  minA: number
  maxA: number
  /** Stated accuracy as a fraction of reading; null where no source states one. */
  accuracyFraction: number | null
}

export interface CalibrationDefaults {
  instrumentId: string
  family: string
  model: string
  virtual: boolean
  /** Where the analyzer's definition states them; empty for an analyzer without one. */
  ranges: CalibrationRangeInfo[]
  supply: { minV: number; maxV: number } | null
  modes: Array<'source' | 'ampere'>
  suggestedLoads: SuggestedLoad[]
  /** The analyzer keeps per-range user gains (PPK2) that a calibration can write. */
  userGains: { min: number; max: number } | null
  /** On the virtual bench the loads are switched by the bench; on hardware the operator swaps them. */
  operatorSwapsLoads: boolean
}

/** A record with its due state as of now. */
export interface CalibrationRecordEntry extends CalibrationRecord {
  overdue: boolean
  /** Days until due (negative when overdue). */
  daysLeft: number
}

export interface CalibrationResults {
  'calibration.defaults': CalibrationDefaults
  'calibration.run': CalibrationSessionInfo
  'calibration.continue': CalibrationSessionInfo
  'calibration.cancel': CalibrationSessionInfo
  'calibration.save': CalibrationSessionInfo
  'calibration.status': { sessions: CalibrationSessionInfo[] }
  'calibrations.list': { records: CalibrationRecordEntry[]; damaged: Array<{ id: string; message: string }> }
  'calibrations.due': { due: Array<{ record: CalibrationRecordEntry; status: 'overdue' | 'due-soon'; daysLeft: number }> }
  'calibrations.get': CalibrationRecordEntry
  'calibrations.certificate': { id: string; html: string }
  'calibrations.setInForce': CalibrationRecordEntry
}

export interface CalibrationEvents {
  /** A calibration run changed: its state, step, prompt, progress lines or result. */
  'calibration.progress': CalibrationSessionInfo
  /** Calibration records changed (saved, set in force or not). */
  'calibrations.changed': { id: string; change: 'added' | 'updated' }
}
