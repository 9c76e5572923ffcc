import { hostname } from 'node:os'
import { randomUUID } from 'node:crypto'
import type { Gap, Mark, SampleBlock, SampleSink } from '../capture/sample-block'
import type { InstrumentIdentity } from '../instruments/identity'
import { encodeBytes, encodeFloat32, encodeFloat64, encodeRawWords, rawWordCodec, type ChunkCodec } from './chunk-codec'
import { checkpointText, rawDecoder, rawFormat, type RawDecoder } from './raw-formats'
import { SummaryBuilder, type PageWrite } from './summary'
import type { Db } from './workspace'

/** Which streams a recording holds; saved with it so readers know what to expect. */
export interface RecordingChannels {
  voltage: boolean
  digital: boolean
  /** Id of the raw word format (registered in raw-formats), or null when currents are stored as floats. */
  raw: string | null
  /** True when samples carry their own times (uneven steps); false for a fixed sample period. */
  variableRate: boolean
}

export interface NewRecording {
  name?: string
  instrument?: InstrumentIdentity | null
  /** Seconds between samples; null for a variable-rate source whose blocks carry timeS. */
  samplePeriodS: number | null
  startedAt?: Date
  /** Supply voltage set on the instrument, for energy when voltage is not measured. */
  supplyV?: number | null
  /** Raw word format id, for instruments that deliver raw words (block.raw). */
  rawFormat?: string | null
  /** The calibration in force: its id in the calibration records (if any) and a JSON snapshot. */
  calibration?: { id: string | null; snapshot: unknown } | null
  /** Declare the optional channels; when left out they are taken from the first block. */
  voltage?: boolean
  digital?: boolean
  notes?: string
  tags?: string[]
  /** Where the data came from (an imported file, its format and options). */
  source?: unknown
}

export interface WriterOptions {
  /** Commit once this much data (in seconds of signal) is waiting. Default 1. */
  commitEveryDataS?: number
  /** Commit at least this often in wall-clock time while samples arrive. Default 1000. */
  commitEveryMs?: number
  /** Largest chunk, in samples. Default 65,536. */
  maxChunkSamples?: number
}

export interface WriterProgress {
  recordingId: number
  /** Sample slots so far, gaps included. */
  sampleCount: number
  committedCount: number
  gapSamples: number
  gapCount: number
  warnings: number
}

interface ChunkRow {
  stream: string
  start: number
  count: number
  codec: ChunkCodec
  t0: number | null
  data: Buffer
  /** The raw decoder's checkpoint at the chunk's first word (raw stream only). */
  decoderState: string | null
}

/** Recordings being written by this process: recovery must leave them alone. */
export const liveRecordingIds = new Set<number>()

function concat<T extends Float32Array | Float64Array | Uint8Array | Uint32Array>(pieces: T[], count: number, make: (n: number) => T): T {
  if (pieces.length === 1 && pieces[0].length === count) return pieces[0]
  const out = make(count)
  let at = 0
  for (const p of pieces) {
    out.set(p as never, at)
    at += p.length
  }
  return out
}

/**
 * Writes one recording into the workspace as samples stream in. Implements SampleSink, so a capture
 * session (or an importer) hands it blocks, gaps and marks directly. Data is committed in one
 * transaction per second of signal (or per wall-clock second), chunks and summaries together, so a
 * killed process loses at most that much and leaves a consistent recording behind.
 */
export class RecordingWriter implements SampleSink {
  readonly id: number
  readonly uuid: string
  readonly samplePeriodS: number | null
  private channels: RecordingChannels
  private channelsFixed: boolean
  private readonly calibration: unknown
  /** One decoder from the first word to the last, so stateful conversions run on as the live one did. */
  private readonly decoder: RawDecoder | null
  private chunkDecoderState: string | null = null
  private next = 0
  private committed = 0
  private gapSamples = 0
  private gapCount = 0
  private warningCount = 0
  private lastTimeS: number | null = null
  private chunkStart = 0
  private chunkCount = 0
  private pieces: { current: Float32Array[]; voltage: Float32Array[]; digital: Uint8Array[]; raw: Uint32Array[]; time: Float64Array[] } = {
    current: [],
    voltage: [],
    digital: [],
    raw: [],
    time: []
  }
  private rows: ChunkRow[] = []
  private gaps: Gap[] = []
  private marks: Mark[] = []
  private warnings: Array<{ index: number; message: string }> = []
  private readonly builders = new Map<string, SummaryBuilder>()
  private sinceCommit = 0
  private lastCommitMs = Date.now()
  private closed = false
  private readonly commitEverySamples: number
  private readonly commitEveryDataS: number
  private readonly commitEveryMs: number
  private readonly maxChunk: number
  private readonly sql

  static create(db: Db, meta: NewRecording, options: WriterOptions = {}): RecordingWriter {
    return new RecordingWriter(db, meta, options)
  }

  private constructor(
    private readonly db: Db,
    meta: NewRecording,
    options: WriterOptions
  ) {
    if (meta.samplePeriodS !== null && !(meta.samplePeriodS > 0)) {
      throw new RangeError(`A recording needs a positive sample period in seconds, got ${meta.samplePeriodS}.`)
    }
    this.samplePeriodS = meta.samplePeriodS
    this.uuid = randomUUID()
    this.channels = {
      voltage: meta.voltage ?? false,
      digital: meta.digital ?? false,
      raw: meta.rawFormat ?? null,
      variableRate: meta.samplePeriodS === null
    }
    this.channelsFixed = meta.voltage !== undefined || meta.digital !== undefined
    this.calibration = meta.calibration?.snapshot ?? null
    // Made now so an unregistered format or an unusable snapshot fails here, not mid-capture.
    this.decoder = this.channels.raw ? rawDecoder(rawFormat(this.channels.raw), this.calibration) : null
    this.commitEveryDataS = options.commitEveryDataS ?? 1
    this.commitEverySamples = meta.samplePeriodS ? Math.max(1, Math.round(this.commitEveryDataS / meta.samplePeriodS)) : Infinity
    this.commitEveryMs = options.commitEveryMs ?? 1000
    this.maxChunk = options.maxChunkSamples ?? 65536
    const startedAt = meta.startedAt ?? new Date()
    const now = new Date().toISOString()
    const instrument = meta.instrument ?? null
    const info = db
      .prepare(
        `INSERT INTO recordings (uuid, name, started_at, started_at_ms, sample_period_s, instrument_json, supply_v, state,
           raw_format, calibration_id, calibration_json, channels_json, source_json, notes, tags_json,
           writer_pid, writer_host, created_at, updated_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, 'recording', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`
      )
      .run(
        this.uuid,
        meta.name ?? `${instrument?.model ?? 'Recording'} ${startedAt.toISOString().replace('T', ' ').slice(0, 19)}`,
        startedAt.toISOString(),
        startedAt.getTime(),
        meta.samplePeriodS,
        JSON.stringify(instrument),
        meta.supplyV ?? null,
        this.channels.raw,
        meta.calibration?.id ?? null,
        meta.calibration ? JSON.stringify(meta.calibration.snapshot) : null,
        JSON.stringify(this.channels),
        meta.source === undefined ? null : JSON.stringify(meta.source),
        meta.notes ?? '',
        JSON.stringify(meta.tags ?? []),
        process.pid,
        hostname(),
        now,
        now
      )
    this.id = Number(info.lastInsertRowid)
    liveRecordingIds.add(this.id)
    this.sql = {
      chunk: db.prepare(
        'INSERT OR REPLACE INTO recording_chunks (recording_id, stream, start_index, count, codec, t0_s, data, decoder_state) VALUES (?, ?, ?, ?, ?, ?, ?, ?)'
      ),
      page: db.prepare(
        'INSERT OR REPLACE INTO recording_summaries (recording_id, channel, level, page, entries, data) VALUES (?, ?, ?, ?, ?, ?)'
      ),
      gap: db.prepare('INSERT OR REPLACE INTO recording_gaps (recording_id, start_index, count, reason) VALUES (?, ?, ?, ?)'),
      mark: db.prepare('INSERT INTO recording_marks (recording_id, sample_index, label) VALUES (?, ?, ?)'),
      warning: db.prepare('INSERT INTO recording_warnings (recording_id, sample_index, at, message) VALUES (?, ?, ?, ?)'),
      progress: db.prepare(
        'UPDATE recordings SET sample_count = ?, gap_samples = ?, channels_json = ?, updated_at = ? WHERE id = ?'
      )
    }
  }

  private builder(channel: string, kind: 'analog' | 'bits' = 'analog'): SummaryBuilder {
    let b = this.builders.get(channel)
    if (!b) this.builders.set(channel, (b = new SummaryBuilder(channel, kind)))
    return b
  }

  samples(block: SampleBlock): void {
    this.assertOpen()
    let { startIndex } = block
    let n = block.currentA.length
    if (block.raw && block.raw.length !== n) throw new RangeError(`Sample block at ${startIndex}: ${block.raw.length} raw words for ${n} currents.`)
    if (!this.channelsFixed) {
      this.channels.voltage = block.voltageV !== undefined
      this.channels.digital = block.digital !== undefined
      this.channelsFixed = true
    }
    let skip = 0
    if (startIndex > this.next) {
      this.gap({ startIndex: this.next, count: startIndex - this.next, reason: 'unreported' })
    } else if (startIndex < this.next) {
      skip = Math.min(n, this.next - startIndex)
      this.warning(`${skip} samples at index ${startIndex} arrived twice; the later copy was dropped.`)
      startIndex += skip
      n -= skip
      if (n === 0) return
    }
    const cut = <T extends Float32Array | Float64Array | Uint8Array | Uint32Array>(a: T): T => (skip ? (a.subarray(skip) as T) : a)

    let currentA: Float32Array
    let raw: Uint32Array | undefined
    let digital: Uint8Array | undefined
    if (this.channels.raw) {
      if (!block.raw) throw new TypeError(`Recording ${this.id} keeps raw ${this.channels.raw} words, but the block at ${startIndex} has none.`)
      raw = cut(block.raw).slice()
      // Summaries come from the store's own decoding, so they always agree with what a read returns. The
      // words are decoded in the chunk loop below, so each chunk's checkpoint is the state at its first word.
      currentA = new Float32Array(n)
      const format = rawFormat(this.channels.raw)
      if (this.channels.digital) {
        digital = new Uint8Array(n)
        if (format.decodeDigital) format.decodeDigital(raw, digital)
        else if (block.digital) digital.set(cut(block.digital))
      }
    } else {
      currentA = cut(block.currentA).slice()
      if (this.channels.digital) digital = block.digital ? cut(block.digital).slice() : new Uint8Array(n)
    }
    let voltageV: Float32Array | undefined
    if (this.channels.voltage) {
      if (!block.voltageV) throw new TypeError(`Recording ${this.id} measures voltage, but the block at ${startIndex} has none.`)
      voltageV = cut(block.voltageV).slice()
    }

    let weights: Float64Array | undefined
    let timeS: Float64Array | undefined
    if (this.channels.variableRate) {
      if (!block.timeS) throw new TypeError(`Recording ${this.id} is variable-rate: the block at ${startIndex} needs timeS.`)
      timeS = cut(block.timeS).slice()
      weights = new Float64Array(n)
      let prev = this.lastTimeS
      for (let i = 0; i < n; i++) {
        const t = timeS[i]
        if (prev !== null && !(t > prev)) {
          throw new RangeError(`Recording ${this.id}: sample ${startIndex + i} at ${t} s does not come after the previous one at ${prev} s.`)
        }
        // Each sample stands for the step that ends at it; the first sample (or the first after a gap) opens the span.
        weights[i] = prev === null ? 0 : t - prev
        prev = t
      }
      this.lastTimeS = prev
    }

    // Append to the open chunk, cutting it at the size limit.
    let at = 0
    while (at < n) {
      if (this.chunkCount === 0) {
        this.chunkStart = startIndex + at
        this.chunkDecoderState = this.decoder ? checkpointText(this.decoder.checkpoint()) : null
      }
      const take = Math.min(n - at, this.maxChunk - this.chunkCount)
      const part = <T extends Float32Array | Float64Array | Uint8Array | Uint32Array>(a: T): T =>
        (take === n && at === 0 ? a : (a.subarray(at, at + take) as T))
      if (raw) {
        this.decoder!.decodeCurrent(part(raw), part(currentA))
        this.pieces.raw.push(part(raw))
      } else this.pieces.current.push(part(currentA))
      if (voltageV) this.pieces.voltage.push(part(voltageV))
      if (digital && !(raw && rawFormat(this.channels.raw!).decodeDigital)) this.pieces.digital.push(part(digital))
      if (timeS) this.pieces.time.push(part(timeS))
      this.chunkCount += take
      at += take
      if (this.chunkCount >= this.maxChunk) this.cutChunk()
    }

    if (timeS) this.builder('time').add(startIndex, timeS, weights)
    this.builder('current').add(startIndex, currentA, weights)
    if (voltageV) {
      this.builder('voltage').add(startIndex, voltageV, weights)
      const powerW = new Float32Array(n)
      for (let i = 0; i < n; i++) powerW[i] = currentA[i] * voltageV[i]
      this.builder('power').add(startIndex, powerW, weights)
    }
    if (digital) this.builder('digital', 'bits').add(startIndex, digital, weights)
    this.next = startIndex + n
    this.sinceCommit += n
    this.commitIfDue()
  }

  gap(gap: Gap): void {
    this.assertOpen()
    let { startIndex, count } = gap
    if (startIndex > this.next) this.gap({ startIndex: this.next, count: startIndex - this.next, reason: 'unreported' })
    if (startIndex < this.next) {
      count -= this.next - startIndex
      startIndex = this.next
    }
    if (count <= 0) return
    this.cutChunk()
    // Told exactly the gaps that are stored, so a recomputation, which reads them back, decodes alike.
    this.decoder?.gap({ startIndex, count, reason: gap.reason })
    this.gaps.push({ startIndex, count, reason: gap.reason })
    this.gapSamples += count
    this.gapCount++
    this.next = startIndex + count
    this.lastTimeS = null
  }

  mark(mark: Mark): void {
    this.assertOpen()
    this.marks.push({ index: mark.index, label: mark.label })
  }

  warning(message: string): void {
    this.assertOpen()
    this.warnings.push({ index: this.next, message })
    this.warningCount++
  }

  private cutChunk(): void {
    const n = this.chunkCount
    if (n === 0) return
    const start = this.chunkStart
    const p = this.pieces
    const row = (stream: string, codec: ChunkCodec, data: Buffer, t0: number | null = null, decoderState: string | null = null): void => {
      this.rows.push({ stream, start, count: n, codec, t0, data, decoderState })
    }
    if (p.raw.length) {
      const codec = rawWordCodec(this.channels.raw!)
      row('raw', codec, encodeRawWords(codec, concat(p.raw, n, (k) => new Uint32Array(k))), null, this.chunkDecoderState)
    }
    if (p.current.length) row('current', 'f32-xor-planes', encodeFloat32(concat(p.current, n, (k) => new Float32Array(k))))
    if (p.voltage.length) row('voltage', 'f32-xor-planes', encodeFloat32(concat(p.voltage, n, (k) => new Float32Array(k))))
    if (p.digital.length) row('digital', 'u8-xor', encodeBytes(concat(p.digital, n, (k) => new Uint8Array(k))))
    if (p.time.length) {
      const t = concat(p.time, n, (k) => new Float64Array(k))
      row('time', 'f64-xor-planes', encodeFloat64(t), t[0])
    }
    this.pieces = { current: [], voltage: [], digital: [], raw: [], time: [] }
    this.chunkCount = 0
  }

  /** Commits when a second of signal (or of wall-clock time) has gathered; a capture's timer calls it in quiet spells. */
  commitIfDue(): void {
    if (this.closed) return
    const pending = this.sinceCommit > 0 || this.gaps.length > 0 || this.marks.length > 0 || this.warnings.length > 0
    if (!pending) return
    if (this.sinceCommit >= this.commitEverySamples || Date.now() - this.lastCommitMs >= this.commitEveryMs) this.commit()
  }

  /** Write everything received so far in one transaction. Safe to call any time (a timer calls it during quiet spells). */
  commit(): void {
    if (this.closed) return
    this.cutChunk()
    const pages: PageWrite[] = []
    for (const b of this.builders.values()) pages.push(...b.takeDirtyPages())
    const rows = this.rows
    const gaps = this.gaps
    const marks = this.marks
    const warnings = this.warnings
    this.rows = []
    this.gaps = []
    this.marks = []
    this.warnings = []
    const at = new Date().toISOString()
    this.db.transaction(() => {
      for (const r of rows) this.sql.chunk.run(this.id, r.stream, r.start, r.count, r.codec, r.t0, r.data, r.decoderState)
      for (const p of pages) this.sql.page.run(this.id, p.channel, p.level, p.page, p.entries, p.data)
      for (const g of gaps) this.sql.gap.run(this.id, g.startIndex, g.count, g.reason)
      for (const m of marks) this.sql.mark.run(this.id, m.index, m.label)
      for (const w of warnings) this.sql.warning.run(this.id, w.index, at, w.message)
      this.sql.progress.run(this.next, this.gapSamples, JSON.stringify(this.channels), at, this.id)
    })()
    this.committed = this.next
    this.sinceCommit = 0
    this.lastCommitMs = Date.now()
  }

  progress(): WriterProgress {
    return {
      recordingId: this.id,
      sampleCount: this.next,
      committedCount: this.committed,
      gapSamples: this.gapSamples,
      gapCount: this.gapCount,
      warnings: this.warningCount
    }
  }

  get isOpen(): boolean {
    return !this.closed
  }

  /** Commit what remains and close the recording as finished (stop) or interrupted (device lost). */
  finish(state: 'finished' | 'interrupted' = 'finished', reason: string | null = null): WriterProgress {
    if (this.closed) return this.progress()
    this.commit()
    const at = new Date().toISOString()
    this.db
      .prepare(
        `UPDATE recordings SET state = ?, state_reason = ?, ended_at = ?, updated_at = ?, writer_pid = NULL,
           stored_bytes = (SELECT coalesce(sum(length(data)), 0) FROM recording_chunks WHERE recording_id = ?)
                        + (SELECT coalesce(sum(length(data)), 0) FROM recording_summaries WHERE recording_id = ?)
         WHERE id = ?`
      )
      .run(state, reason, at, at, this.id, this.id, this.id)
    this.closed = true
    liveRecordingIds.delete(this.id)
    return this.progress()
  }

  private assertOpen(): void {
    if (this.closed) throw new Error(`Recording ${this.id} is already closed; start a new recording to write more samples.`)
  }
}
