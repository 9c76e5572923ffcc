import { basename } from 'node:path'
import { RecordingWriter } from '../store/recording-writer'
import { RecordingStore } from '../store/recording-store'
import type { RecordingInfo } from '../store/recording-info'
import type { Db } from '../store/workspace'
import { FormatError } from './format-error'
import { cells, decimalsOf, numberCell, type HeaderColumn, type Line } from './text-table'

/** A table of samples in a text file: which lines hold data and what each column means. */
export interface TableSpec {
  file: string
  format: string
  /** Data lines only (headers and preambles already skipped), from the start on every call: imports read twice. */
  rows(): AsyncIterable<Line>
  delimiter: string
  decimalComma: boolean
  /** The time column, its scale to seconds set. */
  time: HeaderColumn & { scale: number }
  current?: HeaderColumn & { scale: number }
  power?: HeaderColumn & { scale: number }
  voltage?: HeaderColumn & { scale: number }
}

export interface ImportOptions {
  /** Supply voltage in volts: energy for current-only files, current for power-only files. */
  supplyV?: number
  name?: string
  startedAt?: Date
}

export interface ImportResult {
  recording: RecordingInfo
  rows: number
  /** True when every time lies on a fixed grid (within the file's printed resolution). */
  fixedRate: boolean
  /** Time of the file's first row, in seconds: the recording starts there. */
  timeOffsetS: number
  notes: string[]
}

class Growable {
  data = new Float64Array(1 << 16)
  length = 0
  push(x: number): void {
    if (this.length === this.data.length) {
      const d = new Float64Array(this.data.length * 2)
      d.set(this.data)
      this.data = d
    }
    this.data[this.length++] = x
  }
}

const BLOCK = 8192

/**
 * Imports a table in two passes. The first checks every row (a malformed file fails before anything is
 * written) and collects the times; the second writes. Times on a fixed grid, to within half the file's
 * last printed digit, make a fixed-rate recording; anything else keeps every time as it is (a
 * variable-rate recording), never resampled.
 */
export async function importTable(db: Db, spec: TableSpec, options: ImportOptions = {}): Promise<ImportResult> {
  const notes: string[] = []
  if (!spec.current && !spec.power) {
    throw new FormatError(spec.file, 'the header', 'a current or power column (such as "Current (mA)" or "Power (mW)")', 'neither', 'Name the columns with their units, or choose the format with --format.')
  }
  const currentFromPower = !spec.current
  if (currentFromPower && !spec.voltage && options.supplyV === undefined) {
    throw new Error(
      `${spec.file} gives power but no current and no voltage: give the supply voltage with --voltage V so that current can be derived (the energy does not depend on it).`
    )
  }

  // Pass 1: check everything, keep only the times.
  const times = new Growable()
  let first = NaN
  let previous = -Infinity
  let previousLine: Line | null = null
  let decimals: number | null = 0
  for await (const line of spec.rows()) {
    const c = cells(line.text, spec.delimiter)
    const t = numberCell(line, c, spec.time, spec.decimalComma)
    if (spec.current) numberCell(line, c, spec.current, spec.decimalComma)
    if (spec.power) numberCell(line, c, spec.power, spec.decimalComma)
    if (spec.voltage) {
      const v = numberCell(line, c, spec.voltage, spec.decimalComma)
      if (currentFromPower && v === 0) throw new FormatError(line.source, `line ${line.line}, column "${spec.voltage.header}"`, 'a non-zero voltage to derive current from power', '0')
    }
    if (!(t > previous)) {
      throw new FormatError(
        line.source,
        `line ${line.line}, column "${spec.time.header}"`,
        `a time after ${previous} (line ${previousLine?.line})`,
        String(t),
        'Times must increase row by row; sort the file or remove repeated rows.'
      )
    }
    if (times.length === 0) first = t
    previous = t
    previousLine = line
    const d = decimalsOf(c[spec.time.index])
    decimals = decimals === null || d === null ? null : Math.max(decimals, d)
    times.push((t - first) * spec.time.scale)
  }
  const n = times.length
  if (n < 2) throw new FormatError(spec.file, 'the end of the file', 'at least two rows of samples', n === 0 ? 'none' : 'one')

  const t = times.data
  const grid = fixedGrid(t, n, decimals === null ? 0 : 0.5 * 10 ** -decimals * spec.time.scale)
  const fixedRate = grid !== null
  const periodS = grid?.periodS ?? NaN
  if (!grid) notes.push(`Time steps are uneven (${n} rows); every time is kept as written.`)
  else if (grid.missing) notes.push(`${grid.missing} sample slots have no row in the file; they are recorded as gaps.`)
  if (currentFromPower) notes.push(spec.voltage ? 'Current derived as power ÷ measured voltage.' : `Current derived as power ÷ ${options.supplyV} V.`)

  const writer = RecordingWriter.create(db, {
    name: options.name ?? basename(spec.file),
    samplePeriodS: fixedRate ? periodS : null,
    startedAt: options.startedAt,
    supplyV: options.supplyV ?? null,
    voltage: !!spec.voltage,
    digital: false,
    instrument: null,
    source: {
      kind: 'import',
      format: spec.format,
      file: spec.file,
      timeOffsetS: first * spec.time.scale,
      columns: {
        time: spec.time.header,
        current: spec.current?.header ?? null,
        power: spec.power?.header ?? null,
        voltage: spec.voltage?.header ?? null
      }
    }
  })
  try {
    // Pass 2: write. On a fixed grid, sample k sits at k × period; rows the grid has no value for are gaps.
    let row = 0
    let fill = 0
    let blockStart = 0
    const cur = new Float32Array(BLOCK)
    const volt = spec.voltage ? new Float32Array(BLOCK) : undefined
    const flush = (): void => {
      if (fill === 0) return
      writer.samples({
        startIndex: blockStart,
        currentA: cur.subarray(0, fill),
        voltageV: volt?.subarray(0, fill),
        timeS: fixedRate ? undefined : t.subarray(blockStart, blockStart + fill)
      })
      fill = 0
    }
    let nextSlot = 0
    for await (const line of spec.rows()) {
      if (row >= n) throw new Error(`${spec.file} changed while it was being imported; import it again.`)
      const c = cells(line.text, spec.delimiter)
      const v = spec.voltage ? numberCell(line, c, spec.voltage, spec.decimalComma) * spec.voltage.scale : undefined
      let i: number
      if (spec.current) i = numberCell(line, c, spec.current, spec.decimalComma) * spec.current.scale
      else i = (numberCell(line, c, spec.power!, spec.decimalComma) * spec.power!.scale) / (v ?? options.supplyV!)
      const slot = fixedRate ? Math.round(t[row] / periodS) : row
      if (slot > nextSlot) {
        flush()
        writer.gap({ startIndex: nextSlot, count: slot - nextSlot, reason: 'no row in the file' })
      }
      if (fill === 0) blockStart = slot
      cur[fill] = i
      if (volt) volt[fill] = v!
      if (++fill === BLOCK) flush()
      nextSlot = slot + 1
      row++
    }
    flush()
    if (row !== n) throw new Error(`${spec.file} changed while it was being imported; import it again.`)
    writer.finish('finished')
  } catch (e) {
    writer.finish('interrupted', (e as Error).message)
    new RecordingStore(db).delete(writer.id)
    throw e
  }
  return { recording: new RecordingStore(db).get(writer.id), rows: n, fixedRate, timeOffsetS: first * spec.time.scale, notes }
}

/**
 * The fixed sample grid the times lie on, if any: every time within tolS (half the last printed digit)
 * of k × period for increasing integers k, with at least 90 % of steps exactly one period. A few missing
 * rows become gaps; anything less regular is not a grid and stays variable-rate.
 */
export function fixedGrid(t: Float64Array, n: number, tolS: number): { periodS: number; missing: number } | null {
  let minStep = Infinity
  for (let i = 1; i < n; i++) minStep = Math.min(minStep, t[i] - t[i - 1])
  if (!(minStep > 0)) return null
  // Without missing rows the period is the mean step; with a few, the smallest step says how many slots there are.
  for (const lastSlot of [n - 1, Math.round(t[n - 1] / minStep)]) {
    if (lastSlot < n - 1 || lastSlot > (n - 1) / 0.9 + 1) continue
    const grid = onGrid(t, n, t[n - 1] / lastSlot, tolS)
    if (grid) return grid
  }
  return null
}

function onGrid(t: Float64Array, n: number, periodS: number, tolS: number): { periodS: number; missing: number } | null {
  const tol = tolS + 1e-9 * periodS
  let previous = -1
  let single = 0
  for (let i = 0; i < n; i++) {
    const k = Math.round(t[i] / periodS)
    if (k <= previous || Math.abs(t[i] - k * periodS) > tol) return null
    if (k === previous + 1) single++
    previous = k
  }
  if (single < 0.9 * n) return null
  return { periodS, missing: previous + 1 - n }
}
