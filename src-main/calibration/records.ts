/**
 * Calibration records in the workspace database, per instrument unit (family + serial): saving a
 * result, finding the one in force for a capture, due-date reminders.
 */
import { randomUUID } from 'node:crypto'
import { z } from 'zod'
import type { Db } from '../store/workspace'
import type { CalibrationCorrection } from './correction'
import { correctionFromResult, type CalibrationResult } from './procedure'

const DAY_MS = 86_400_000
export const DEFAULT_DUE_DAYS = 365

export interface CalibrationRecord {
  id: string
  family: string
  serial: string
  model: string
  firmware: string | null
  performedAt: string
  dueAt: string
  verdict: CalibrationResult['verdict']
  /** Its corrections are applied to new captures of this unit (the newest record in force wins). */
  inForce: boolean
  writtenToDevice: boolean
  operator: string | null
  notes: string
  result: CalibrationResult
}

/** The short reference every recording stores: which calibration its current went through. */
export interface CalibrationRef {
  id: string
  performedAt: string
  dueAt: string
  overdue: boolean
}

export class CalibrationRecordError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'CalibrationRecordError'
  }
}

const num = z.number()
const pointSchema = z.object({
  kind: z.enum(['open', 'load']),
  loadText: z.string().nullable(),
  resistanceOhm: num.nullable(),
  voltageV: num.nullable(),
  toleranceFraction: num.nullable(),
  trueA: num,
  trueUncertaintyA: num,
  rangeIndex: z.number().int(),
  readingA: num,
  sdA: num,
  sampleCount: z.number().int(),
  otherRangeSamples: z.number().int()
})
const rangeSchema = z.object({
  rangeIndex: z.number().int(),
  label: z.string(),
  fit: z.enum(['gain-and-offset', 'gain-only', 'offset-only', 'none']),
  gain: num.positive(),
  offsetA: num,
  gainU: num,
  offsetU: num,
  points: z.array(
    z.object({ loadText: z.string().nullable(), trueA: num, readingA: num, errorFraction: num.nullable(), errorA: num, limit: z.string(), pass: z.boolean().nullable() })
  ),
  uncertainty: z.object({
    residualFraction: num,
    loadFraction: num,
    noiseFraction: num,
    combinedFraction: num,
    expandedFraction: num,
    offsetExpandedA: num,
    coverageFactor: z.literal(2)
  }),
  accuracyFraction: num.nullable(),
  verdict: z.enum(['pass', 'fail', 'not-stated', 'not-measured']),
  marginal: z.boolean()
})
/** Validated on every read: a damaged record is reported, never applied to a capture. */
export const calibrationDocumentSchema = z.object({
  instrument: z.object({ id: z.string(), family: z.string(), model: z.string(), serial: z.string(), firmware: z.string().nullable() }),
  performedAt: z.string(),
  points: z.array(pointSchema),
  ranges: z.array(rangeSchema),
  verdict: z.enum(['pass', 'fail', 'incomplete']),
  suggestions: z.array(z.string()),
  settings: z.object({ settleS: num, measureS: num, voltageToleranceFraction: num }),
  deviceUserGains: z.array(num.positive()).nullable(),
  userGainWrites: z.array(z.object({ rangeIndex: z.number().int(), fromGain: num, toGain: num }))
})

interface Row {
  id: string
  instrument_family: string
  instrument_serial: string
  instrument_model: string
  instrument_firmware: string | null
  performed_at: string
  due_at: string
  verdict: CalibrationResult['verdict']
  in_force: number
  written_to_device: number
  operator: string | null
  notes: string
  document: string
}

export interface SaveOptions {
  /** ISO date the next calibration is due; default performedAt + dueInDays. */
  dueAt?: string
  dueInDays?: number
  notes?: string
  operator?: string | null
  writtenToDevice?: boolean
  inForce?: boolean
}

export interface DueEntry {
  record: CalibrationRecord
  status: 'overdue' | 'due-soon'
  /** Negative when overdue. */
  daysLeft: number
}

export class CalibrationStore {
  constructor(private readonly db: Db) {}

  save(result: CalibrationResult, options: SaveOptions = {}): CalibrationRecord {
    const id = `cal-${randomUUID().replace(/-/g, '').slice(0, 12)}`
    const days = options.dueInDays ?? DEFAULT_DUE_DAYS
    if (!(days > 0)) throw new CalibrationRecordError(`The due interval must be a positive number of days, got ${days}.`)
    const dueAt = options.dueAt ?? new Date(Date.parse(result.performedAt) + days * DAY_MS).toISOString()
    if (Number.isNaN(Date.parse(dueAt))) throw new CalibrationRecordError(`The due date "${options.dueAt}" is not a date; write it as YYYY-MM-DD.`)
    const i = result.instrument
    this.db
      .prepare(
        `INSERT INTO calibration_records (id, instrument_family, instrument_serial, instrument_model, instrument_firmware,
          performed_at, due_at, verdict, in_force, written_to_device, operator, notes, document)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`
      )
      .run(
        id,
        i.family,
        i.serial,
        i.model,
        i.firmware,
        result.performedAt,
        new Date(dueAt).toISOString(),
        result.verdict,
        options.inForce === false ? 0 : 1,
        options.writtenToDevice ? 1 : 0,
        options.operator ?? null,
        options.notes ?? '',
        JSON.stringify(result)
      )
    return this.get(id)
  }

  get(id: string): CalibrationRecord {
    const row = this.db.prepare('SELECT * FROM calibration_records WHERE id = ?').get(id) as Row | undefined
    if (!row) throw new CalibrationRecordError(`There is no calibration record "${id}" in this workspace. Run joulebench calibrations to list them.`)
    return this.fromRow(row)
  }

  /** Newest first; optionally one unit only. Damaged records are left out (see damaged()). */
  list(filter: { family?: string; serial?: string } = {}): CalibrationRecord[] {
    const out: CalibrationRecord[] = []
    for (const row of this.rows(filter)) {
      try {
        out.push(this.fromRow(row))
      } catch {
        // Reported by damaged(); one bad row must not hide the others.
      }
    }
    return out
  }

  /** Records whose stored document no longer validates, with what is wrong. */
  damaged(): Array<{ id: string; message: string }> {
    const out: Array<{ id: string; message: string }> = []
    for (const row of this.rows({})) {
      try {
        this.fromRow(row)
      } catch (e) {
        out.push({ id: row.id, message: (e as Error).message })
      }
    }
    return out
  }

  private rows(filter: { family?: string; serial?: string }): Row[] {
    return this.db
      .prepare(
        `SELECT * FROM calibration_records
         WHERE (@family IS NULL OR instrument_family = @family) AND (@serial IS NULL OR instrument_serial = @serial)
         ORDER BY performed_at DESC, rowid DESC`
      )
      .all({ family: filter.family ?? null, serial: filter.serial ?? null }) as Row[]
  }

  /**
   * The record whose corrections apply to a capture of this unit made at `at` (default now): the
   * newest in force before it. Throws CalibrationRecordError if that record is damaged, rather than
   * silently falling back to an older one.
   */
  inForce(family: string, serial: string, at: string = new Date().toISOString()): CalibrationRecord | null {
    const row = this.db
      .prepare(
        `SELECT * FROM calibration_records
         WHERE instrument_family = ? AND instrument_serial = ? AND in_force = 1 AND performed_at <= ?
         ORDER BY performed_at DESC, rowid DESC LIMIT 1`
      )
      .get(family, serial, at) as Row | undefined
    return row ? this.fromRow(row) : null
  }

  correction(id: string): CalibrationCorrection {
    const r = this.get(id)
    return correctionFromResult(r.id, r.result)
  }

  /** Units whose newest record is overdue or due within `withinDays` (default 30), most urgent first. */
  due(options: { now?: Date; withinDays?: number } = {}): DueEntry[] {
    const now = (options.now ?? new Date()).getTime()
    const within = options.withinDays ?? 30
    const latest = new Map<string, CalibrationRecord>()
    for (const r of this.list()) {
      const key = `${r.family}\u0000${r.serial}`
      if (!latest.has(key)) latest.set(key, r)
    }
    const out: DueEntry[] = []
    for (const record of latest.values()) {
      const daysLeft = (Date.parse(record.dueAt) - now) / DAY_MS
      if (daysLeft < 0) out.push({ record, status: 'overdue', daysLeft })
      else if (daysLeft <= within) out.push({ record, status: 'due-soon', daysLeft })
    }
    return out.sort((a, b) => a.daysLeft - b.daysLeft)
  }

  setInForce(id: string, inForce: boolean): CalibrationRecord {
    this.get(id)
    this.db.prepare('UPDATE calibration_records SET in_force = ? WHERE id = ?').run(inForce ? 1 : 0, id)
    return this.get(id)
  }

  /** Note user gains written to the device from this record (they stay relative to the gains it was measured under). */
  markWrittenToDevice(id: string, writes: CalibrationResult['userGainWrites']): CalibrationRecord {
    const record = this.get(id)
    const result: CalibrationResult = { ...record.result, userGainWrites: [...record.result.userGainWrites, ...writes] }
    this.db.prepare('UPDATE calibration_records SET written_to_device = 1, document = ? WHERE id = ?').run(JSON.stringify(result), id)
    return this.get(id)
  }

  private fromRow(row: Row): CalibrationRecord {
    let doc: unknown
    try {
      doc = JSON.parse(row.document)
    } catch (e) {
      throw new CalibrationRecordError(`Calibration record ${row.id} is damaged (its document is not JSON: ${(e as Error).message}). Calibrate the instrument again; this record will not be applied.`)
    }
    const parsed = calibrationDocumentSchema.safeParse(doc)
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!
      throw new CalibrationRecordError(
        `Calibration record ${row.id} is damaged (field "${issue.path.join('.')}": ${issue.message}). Calibrate the instrument again; this record will not be applied.`
      )
    }
    return {
      id: row.id,
      family: row.instrument_family,
      serial: row.instrument_serial,
      model: row.instrument_model,
      firmware: row.instrument_firmware,
      performedAt: row.performed_at,
      dueAt: row.due_at,
      verdict: row.verdict,
      inForce: row.in_force === 1,
      writtenToDevice: row.written_to_device === 1,
      operator: row.operator,
      notes: row.notes,
      result: parsed.data as CalibrationResult
    }
  }
}

export function calibrationRef(record: CalibrationRecord, now: Date = new Date()): CalibrationRef {
  return { id: record.id, performedAt: record.performedAt, dueAt: record.dueAt, overdue: Date.parse(record.dueAt) < now.getTime() }
}
