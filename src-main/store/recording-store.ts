import type { Gap, Mark } from '../capture/sample-block'
import type { TraceReader, TraceSamples } from '../analysis/trace-reader'
import {
  accumulateSamples,
  combine,
  emptyAccumulator,
  finishStatistics,
  planWindow,
  type Accumulator,
  type WindowStatistics
} from '../analysis/window-statistics'
import { recordingFromRow, type RecordingInfo, type RecordingRow } from './recording-info'
import { liveRecordingIds } from './recording-writer'
import { RawDecodePass } from './raw-decode-pass'
import { rawFormat } from './raw-formats'
import { SampleReader } from './sample-reader'
import { LEVEL1_SAMPLES, MAX_LEVEL, levelSpan, readSummaryEntries, SummaryBuilder } from './summary'
import { viewColumns, type Columns } from './view-columns'
import type { Db } from './workspace'
import { writerIsGone } from './writer-liveness'

export class RecordingNotFoundError extends Error {
  constructor(ref: string | number, dbPath?: string) {
    super(
      `No recording "${ref}"${dbPath ? ` in ${dbPath}` : ''}: give its number or UUID (or the start of the UUID) as listed by \`joulebench recordings\`.`
    )
    this.name = 'RecordingNotFoundError'
  }
}

/**
 * Min/max envelope plus mean for a window at a pixel width: at most widthPx columns, each starting at
 * tS (seconds from the recording's start). Mean is NaN where a column holds no samples (a gap); for
 * digital lines min is AND, max is OR.
 */
export interface TraceView extends Columns {
  recordingId: number
  channel: string
  /** Summary level the columns were built from (0 = raw samples). */
  level: number
  fromS: number
  toS: number
}

export type ViewChannel = 'current' | 'voltage' | 'power' | 'digital'

const RAW_VIEW_LIMIT_PER_COLUMN = LEVEL1_SAMPLES

/**
 * Read access to the recordings of a workspace: list, look up, views for drawing, statistics over any
 * window, and a TraceReader per recording for analysis.
 */
export class RecordingStore {
  private readonly readers = new Map<number, SampleReader>()
  /** Recordings found open by a dead writer and closed by recover() when the store was opened. */
  recovered: RecordingInfo[] = []

  constructor(
    readonly db: Db,
    private readonly dbPath?: string
  ) {}

  /** Opens the store and closes recordings that a crashed or killed process left in state 'recording'. */
  static open(db: Db, dbPath?: string): RecordingStore {
    const store = new RecordingStore(db, dbPath)
    store.recovered = store.recover()
    return store
  }

  list(): RecordingInfo[] {
    return (this.db.prepare('SELECT * FROM recordings ORDER BY started_at_ms, id').all() as RecordingRow[]).map(recordingFromRow)
  }

  /** By number, UUID or a unique UUID prefix (at least 4 characters). */
  get(ref: string | number): RecordingInfo {
    const row = this.findRow(ref)
    if (!row) throw new RecordingNotFoundError(ref, this.dbPath)
    return recordingFromRow(row)
  }

  private findRow(ref: string | number): RecordingRow | undefined {
    const text = String(ref).trim()
    if (/^\d+$/.test(text)) {
      const r = this.db.prepare('SELECT * FROM recordings WHERE id = ?').get(Number(text)) as RecordingRow | undefined
      if (r) return r
    }
    if (text.length >= 4) {
      const rows = this.db.prepare("SELECT * FROM recordings WHERE uuid LIKE ? || '%' LIMIT 2").all(text.toLowerCase()) as RecordingRow[]
      if (rows.length === 1) return rows[0]
      if (rows.length > 1) throw new Error(`"${text}" matches more than one recording: give more of the UUID.`)
    }
    return undefined
  }

  gaps(ref: string | number): Gap[] {
    const id = this.get(ref).id
    return (
      this.db.prepare('SELECT start_index, count, reason FROM recording_gaps WHERE recording_id = ? ORDER BY start_index').all(id) as Array<{
        start_index: number
        count: number
        reason: string
      }>
    ).map((g) => ({ startIndex: g.start_index, count: g.count, reason: g.reason }))
  }

  marks(ref: string | number): Mark[] {
    const id = this.get(ref).id
    return (
      this.db.prepare('SELECT sample_index, label FROM recording_marks WHERE recording_id = ? ORDER BY sample_index, id').all(id) as Array<{
        sample_index: number
        label: string
      }>
    ).map((m) => ({ index: m.sample_index, label: m.label }))
  }

  warnings(ref: string | number): Array<{ index: number; at: string; message: string }> {
    const id = this.get(ref).id
    return (
      this.db.prepare('SELECT sample_index, at, message FROM recording_warnings WHERE recording_id = ? ORDER BY id').all(id) as Array<{
        sample_index: number
        at: string
        message: string
      }>
    ).map((w) => ({ index: w.sample_index, at: w.at, message: w.message }))
  }

  /** Seconds from the first to the end of the last sample slot (fixed rate), or to the last sample's time. */
  durationS(info: RecordingInfo): number {
    if (info.samplePeriodS !== null) return info.sampleCount * info.samplePeriodS
    if (info.sampleCount === 0) return 0
    const top = readSummaryEntries(this.db, info.id, 'time', MAX_LEVEL, 0, 1)
    return top.count[0] ? top.max[0] : 0
  }

  sampleReader(info: RecordingInfo): SampleReader {
    let r = this.readers.get(info.id)
    if (!r) this.readers.set(info.id, (r = new SampleReader(this.db, info)))
    else r.reset(info)
    return r
  }

  /** Sample range [a, b) for the window [fromS, toS]: fixed rate, sample i belongs if fromS ≤ i·T < toS. */
  indexRange(info: RecordingInfo, fromS: number, toS: number): [number, number] {
    const n = info.sampleCount
    if (info.samplePeriodS === null) {
      const reader = this.sampleReader(info)
      const a = reader.indexAtTime(fromS, true)
      const b = reader.indexAtTime(toS, false)
      return [Math.min(a, n), Math.min(Math.max(a, b), n)]
    }
    const p = info.samplePeriodS
    const clamp = (i: number): number => Math.min(n, Math.max(0, i))
    const a = clamp(Math.ceil(fromS / p - 1e-9))
    const b = clamp(Math.ceil(toS / p - 1e-9))
    return [a, Math.max(a, b)]
  }

  private gapSlotsIn(id: number, a: number, b: number): number {
    return this.db
      .prepare(
        `SELECT coalesce(sum(min(start_index + count, @b) - max(start_index, @a)), 0) FROM recording_gaps
         WHERE recording_id = @id AND start_index < @b AND start_index + count > @a`
      )
      .pluck()
      .get({ a, b, id }) as number
  }

  /**
   * Statistics over [fromS, toS] (seconds from the start; defaults: the whole recording). Exact: raw
   * samples at the two ends, whole summary entries in between, so the cost does not grow with the window.
   */
  stats(ref: string | number, fromS?: number, toS?: number): WindowStatistics {
    const info = this.get(ref)
    const duration = this.durationS(info)
    const from = Math.max(0, fromS ?? 0)
    const to = Math.min(duration, toS ?? duration)
    if (!(to >= from)) throw new RangeError(`The window ends (${to} s) before it starts (${from} s).`)
    const [a, b] = this.indexRange(info, from, to)
    const channels = ['current', ...(info.channels.voltage ? ['voltage', 'power'] : [])]
    const acc = new Map<string, Accumulator>(channels.map((c) => [c, emptyAccumulator()]))
    for (const piece of planWindow(a, b, MAX_LEVEL, levelSpan)) {
      if (piece.level === 0) this.accumulateRaw(info, piece.start, piece.end, acc)
      else {
        for (const c of channels) {
          const e = readSummaryEntries(this.db, info.id, c, piece.level, piece.start, piece.end)
          const into = acc.get(c)!
          for (let i = 0; i < e.count.length; i++) {
            if (!e.count[i]) continue
            combine(into, { count: e.count[i], weight: e.weight[i], min: e.min[i], max: e.max[i], sum: e.sum[i], sumsq: e.sumsq[i] })
          }
        }
      }
    }
    return finishStatistics({
      fromS: from,
      toS: to,
      durationS: to - from,
      secondsPerWeight: info.samplePeriodS ?? 1,
      gapSamples: this.gapSlotsIn(info.id, a, b),
      supplyV: info.supplyV,
      current: acc.get('current')!,
      voltage: acc.get('voltage') ?? null,
      power: acc.get('power') ?? null
    })
  }

  private accumulateRaw(info: RecordingInfo, a: number, b: number, acc: Map<string, Accumulator>): void {
    const reader = this.sampleReader(info)
    const variable = info.samplePeriodS === null
    // Variable rate: a sample's weight is the step from the previous slot, so read one slot earlier.
    const lead = variable && a > 0 ? 1 : 0
    const s = reader.read(a - lead, b, { voltage: info.channels.voltage, digital: false, time: variable })
    let weights: Float64Array | undefined
    if (variable) {
      const t = s.timeS!
      weights = new Float64Array(t.length)
      for (let i = lead; i < t.length; i++) {
        const prev = i > 0 ? t[i - 1] : NaN
        weights[i] = prev === prev ? t[i] - prev : 0
      }
    }
    accumulateSamples(acc.get('current')!, s.currentA, weights, lead)
    if (s.voltageV) {
      accumulateSamples(acc.get('voltage')!, s.voltageV, weights, lead)
      const p = new Float32Array(s.currentA.length)
      for (let i = 0; i < p.length; i++) p[i] = s.currentA[i] * s.voltageV[i]
      accumulateSamples(acc.get('power')!, p, weights, lead)
    }
  }

  /**
   * Columns for drawing [fromS, toS] at widthPx pixels: at most widthPx columns of min, max and mean,
   * from the coarsest summary level that still gives every column at least one entry (raw samples when
   * the window is short). The cost depends on the width, not on the length of the recording.
   */
  view(ref: string | number, fromS: number, toS: number, widthPx: number, channel: ViewChannel = 'current'): TraceView {
    const info = this.get(ref)
    const width = Math.max(1, Math.floor(widthPx))
    if (channel === 'voltage' || channel === 'power') {
      if (!info.channels.voltage) throw new Error(`Recording ${info.id} has no measured voltage, so no ${channel} channel to draw.`)
    }
    if (channel === 'digital' && !info.channels.digital) throw new Error(`Recording ${info.id} has no digital lines.`)
    const [a, b] = this.indexRange(info, Math.max(0, fromS), toS)
    const n = b - a
    const perColumn = n / width
    let level = 0
    for (let l = MAX_LEVEL; l >= 1; l--) {
      if (levelSpan(l) <= perColumn) {
        level = l
        break
      }
    }
    const base = { recordingId: info.id, channel, level, fromS, toS }
    if (n === 0) return { ...base, tS: new Float64Array(0), min: new Float32Array(0), max: new Float32Array(0), mean: new Float32Array(0) }
    if (level === 0 || perColumn < RAW_VIEW_LIMIT_PER_COLUMN) return { ...base, level: 0, ...this.rawColumns(info, a, b, width, channel) }

    const span = levelSpan(level)
    const e0 = Math.floor(a / span)
    const e1 = Math.ceil(b / span)
    const m = e1 - e0
    const e = readSummaryEntries(this.db, info.id, channel, level, e0, e1)
    const times = info.samplePeriodS === null ? readSummaryEntries(this.db, info.id, 'time', level, e0, e1) : null
    const columns = viewColumns(
      m,
      width,
      channel === 'digital',
      (i, column) => {
        if (!e.count[i]) return
        if (column.count === 0 && times) column.firstTimeS = times.min[i]
        column.add(e.min[i], e.max[i], e.sum[i], e.weight[i], e.count[i])
      },
      (from, column) => (times ? (column.count ? column.firstTimeS : null) : (e0 + from) * span * info.samplePeriodS!)
    )
    return { ...base, ...columns }
  }

  private rawColumns(info: RecordingInfo, a: number, b: number, width: number, channel: ViewChannel): Columns {
    const s = this.sampleReader(info).read(a, b, { voltage: channel !== 'current', digital: channel === 'digital', time: info.samplePeriodS === null })
    let values: ArrayLike<number>
    if (channel === 'current') values = s.currentA
    else if (channel === 'voltage') values = s.voltageV!
    else if (channel === 'digital') values = s.digital!
    else {
      const p = new Float32Array(s.currentA.length)
      for (let i = 0; i < p.length; i++) p[i] = s.currentA[i] * s.voltageV![i]
      values = p
    }
    const timeS = (i: number) => (s.timeS ? s.timeS[i] : (a + i) * info.samplePeriodS!)
    return viewColumns(
      b - a,
      width,
      channel === 'digital',
      (i, column) => {
        const v = values[i]
        // Digital bytes are always numbers: a gap shows as NaN current in the same slot.
        const present = channel === 'digital' ? s.currentA[i] === s.currentA[i] : v === v
        if (!present) return
        if (column.count === 0) column.firstTimeS = timeS(i)
        column.add(v, v, v, 1, 1)
      },
      (from, column) => (column.count ? column.firstTimeS : s.timeS ? null : (a + from) * info.samplePeriodS!)
    )
  }

  /** The recording as analysis reads it (TraceReader): samples by index, NaN current in gap slots. */
  reader(ref: string | number): TraceReader {
    const info = this.get(ref)
    const samples = this.sampleReader(info)
    const store = this
    return {
      samplePeriodS: info.samplePeriodS ?? NaN,
      sampleCount: info.sampleCount,
      supplyV: info.supplyV,
      read(start: number, end: number): TraceSamples {
        const s = samples.read(Math.max(0, start), Math.min(end, info.sampleCount))
        const t: TraceSamples = { currentA: s.currentA }
        if (s.voltageV) t.voltageV = s.voltageV
        if (s.digital) t.digital = s.digital
        return t
      },
      gaps: () => store.gaps(info.id),
      marks: () => store.marks(info.id)
    }
  }

  /**
   * Rebuilds every summary of a recording from its stored samples (after recovery found them out of step,
   * or under a new calibration). Works chunk by chunk in bounded memory. Raw words are decoded in one
   * pass from the first chunk to the last (RawDecodePass), which also renews each chunk's checkpoint.
   */
  rebuildSummaries(ref: string | number): void {
    const info = this.get(ref)
    const reader = this.sampleReader(info)
    const builders = new Map<string, SummaryBuilder>()
    const b = (c: string, kind: 'analog' | 'bits' = 'analog'): SummaryBuilder => {
      let x = builders.get(c)
      if (!x) builders.set(c, (x = new SummaryBuilder(c, kind)))
      return x
    }
    const put = this.db.prepare(
      'INSERT OR REPLACE INTO recording_summaries (recording_id, channel, level, page, entries, data) VALUES (?, ?, ?, ?, ?, ?)'
    )
    const flush = (): void => {
      this.db.transaction(() => {
        for (const x of builders.values()) for (const p of x.takeDirtyPages()) put.run(info.id, p.channel, p.level, p.page, p.entries, p.data)
      })()
    }
    this.db.prepare('DELETE FROM recording_summaries WHERE recording_id = ?').run(info.id)
    const chunks = this.db
      .prepare('SELECT start_index, count, codec FROM recording_chunks WHERE recording_id = ? AND stream = ? ORDER BY start_index')
      .all(info.id, info.channels.raw ? 'raw' : 'current') as Array<{ start_index: number; count: number; codec: string }>
    const pass = info.channels.raw ? new RawDecodePass(this.db, info) : null
    const digitalInWords = info.channels.raw ? rawFormat(info.channels.raw).decodeDigital !== undefined : false
    let prevTime = NaN
    let prevEnd = -1
    const rebuild = (c: (typeof chunks)[number]): void => {
      const s = reader.read(c.start_index, c.start_index + c.count, {
        current: !pass,
        voltage: info.channels.voltage,
        digital: info.channels.digital && !digitalInWords,
        time: info.channels.variableRate
      })
      if (pass) {
        const decoded = pass.next(c, info.channels.digital && digitalInWords)
        s.currentA = decoded.currentA
        if (decoded.digital) s.digital = decoded.digital
      }
      let weights: Float64Array | undefined
      if (s.timeS) {
        weights = new Float64Array(c.count)
        if (c.start_index !== prevEnd) prevTime = NaN
        for (let i = 0; i < c.count; i++) {
          weights[i] = prevTime === prevTime ? s.timeS[i] - prevTime : 0
          prevTime = s.timeS[i]
        }
        b('time').add(c.start_index, s.timeS, weights)
      }
      prevEnd = c.start_index + c.count
      b('current').add(c.start_index, s.currentA, weights)
      if (s.voltageV) {
        b('voltage').add(c.start_index, s.voltageV, weights)
        const p = new Float32Array(c.count)
        for (let i = 0; i < c.count; i++) p[i] = s.currentA[i] * s.voltageV[i]
        b('power').add(c.start_index, p, weights)
      }
      if (s.digital) b('digital', 'bits').add(c.start_index, s.digital, weights)
      flush()
    }
    try {
      // A chunk's checkpoint and its summary pages change together.
      for (const c of chunks) this.db.transaction(rebuild)(c)
    } finally {
      reader.clear()
    }
  }

  /**
   * Recompute a raw-word recording under another calibration: every current is decoded again from the
   * stored words, the summaries are rebuilt, and the recording remembers which calibration it now uses.
   */
  recompute(ref: string | number, calibration: { id: string | null; snapshot: unknown }): RecordingInfo {
    const info = this.get(ref)
    if (!info.rawFormat) {
      throw new Error(`Recording ${info.id} (${info.name}) keeps calibrated currents, not raw words, so it cannot be recomputed under another calibration.`)
    }
    if (info.state === 'recording') throw new Error(`Recording ${info.id} is still being written; recompute it after it stops.`)
    this.db
      .prepare('UPDATE recordings SET calibration_id = ?, calibration_json = ?, updated_at = ? WHERE id = ?')
      .run(calibration.id, JSON.stringify(calibration.snapshot ?? null), new Date().toISOString(), info.id)
    this.rebuildSummaries(info.id)
    return this.get(info.id)
  }

  delete(ref: string | number): void {
    const info = this.get(ref)
    if (info.state === 'recording' && liveRecordingIds.has(info.id)) throw new Error(`Recording ${info.id} is being written; stop it first.`)
    this.db.prepare('DELETE FROM recordings WHERE id = ?').run(info.id)
    this.readers.delete(info.id)
  }

  /**
   * Recordings left in state 'recording' by a writer that is gone (killed, crashed, power lost) become
   * 'recovered' with everything they committed. A writer still alive on this machine is left alone.
   */
  recover(): RecordingInfo[] {
    const rows = this.db.prepare("SELECT * FROM recordings WHERE state = 'recording'").all() as RecordingRow[]
    const out: RecordingInfo[] = []
    for (const row of rows) {
      if (liveRecordingIds.has(row.id)) continue
      if (!writerIsGone(row)) continue
      const chunkEnd = this.db
        .prepare('SELECT coalesce(max(start_index + count), 0) FROM recording_chunks WHERE recording_id = ?')
        .pluck()
        .get(row.id) as number
      const gapEnd = this.db
        .prepare('SELECT coalesce(max(start_index + count), 0) FROM recording_gaps WHERE recording_id = ?')
        .pluck()
        .get(row.id) as number
      const sampleCount = Math.max(chunkEnd, gapEnd)
      const stored = this.db
        .prepare(`SELECT coalesce(sum(count), 0) FROM recording_chunks WHERE recording_id = ? AND stream = ?`)
        .pluck()
        .get(row.id, row.raw_format ? 'raw' : 'current') as number
      const at = new Date().toISOString()
      this.db
        .prepare('UPDATE recordings SET sample_count = ?, updated_at = ? WHERE id = ?')
        .run(sampleCount, at, row.id)
      // Chunks and summaries are committed together, so they agree; check it, and rebuild if they do not.
      const info = this.get(row.id)
      if (this.summaryCount(info) !== stored) this.rebuildSummaries(row.id)
      this.db
        .prepare(
          `UPDATE recordings SET state = 'recovered', state_reason = @reason, ended_at = @at, updated_at = @at, writer_pid = NULL,
             stored_bytes = (SELECT coalesce(sum(length(data)), 0) FROM recording_chunks WHERE recording_id = @id)
                          + (SELECT coalesce(sum(length(data)), 0) FROM recording_summaries WHERE recording_id = @id)
           WHERE id = @id`
        )
        .run({
          reason:
            `The writing process (pid ${row.writer_pid ?? '?'} on ${row.writer_host ?? '?'}) ended without closing this recording; ` +
            `the ${sampleCount} sample slots it had committed are kept.`,
          at,
          id: row.id
        })
      out.push(this.get(row.id))
    }
    return out
  }

  private summaryCount(info: RecordingInfo): number {
    const e = readSummaryEntries(this.db, info.id, 'current', MAX_LEVEL, 0, Math.ceil(Math.max(1, info.sampleCount) / levelSpan(MAX_LEVEL)))
    let n = 0
    for (let i = 0; i < e.count.length; i++) n += e.count[i]
    return n
  }
}
