import { EventEmitter } from 'node:events'
import type { Gap, Mark, SampleBlock, SampleSink } from './sample-block'
import type { PowerAnalyzer, StreamOptions } from '../instruments/power-analyzer'
import { RecordingWriter } from '../store/recording-writer'
import { RecordingStore } from '../store/recording-store'
import type { RecordingInfo } from '../store/recording-info'
import type { Db } from '../store/workspace'
import { calibratedCapture } from '../calibration/provenance'
import { CalibrationStore } from '../calibration/records'

export interface CaptureOptions extends StreamOptions {
  name?: string
  notes?: string
  tags?: string[]
  /** Raw word format of the analyzer's block.raw (e.g. 'ppk2-word-v1'), when it delivers raw words. */
  rawFormat?: string | null
  calibration?: { id: string | null; snapshot: unknown } | null
  /** Memory the queue between the driver and the store may hold, in bytes (default 64 MiB). Past it, blocks are dropped and recorded as gaps. */
  maxQueuedBytes?: number
  /** How long the writer may run before yielding to the event loop, in ms (default 15). */
  sliceMs?: number
}

export type CaptureState = 'recording' | 'finished' | 'interrupted'

export interface CaptureProgress {
  recordingId: number
  state: CaptureState
  /** Sample slots so far, gaps included. */
  sampleCount: number
  committedCount: number
  gapSamples: number
  /** Samples dropped because the store fell behind by more than maxQueuedBytes. */
  lostToBackpressure: number
  queuedBytes: number
  /** Mean current of the last second of samples, in amperes (null before any). */
  recentMeanA: number | null
}

type Item =
  | { kind: 'block'; block: SampleBlock; bytes: number }
  | { kind: 'gap'; gap: Gap }
  | { kind: 'mark'; mark: Mark }
  | { kind: 'warning'; message: string }

function blockBytes(b: SampleBlock): number {
  return b.currentA.byteLength + (b.voltageV?.byteLength ?? 0) + (b.digital?.byteLength ?? 0) + (b.raw?.byteLength ?? 0) + (b.timeS?.byteLength ?? 0)
}

function copyBlock(b: SampleBlock): SampleBlock {
  return {
    startIndex: b.startIndex,
    currentA: b.currentA.slice(),
    voltageV: b.voltageV?.slice(),
    digital: b.digital?.slice(),
    raw: b.raw?.slice(),
    timeS: b.timeS?.slice()
  }
}

/**
 * Connects a power analyzer to a recording. The driver's callbacks only queue (copies of) blocks; the
 * queue drains in slices between other events, so serial reads never wait on SQLite. The queue has a
 * byte budget: past it a block is dropped, recorded as a gap with reason 'backpressure', and the user
 * is warned, so memory stays bounded and no loss is silent. A device lost mid-capture ends the recording
 * as 'interrupted' with everything received before kept.
 *
 * Events: 'progress' (CaptureProgress, about twice a second), 'warning' (string), 'state' (CaptureState).
 *
 * Writing stays on the main thread: at the PPK2's 100 kS/s a one-second commit takes a few ms
 * (bench/store-capture.ts), far below what would justify a worker thread.
 */
export class CaptureSession extends EventEmitter {
  private readonly queue: Item[] = []
  private queuedBytes = 0
  private lost = 0
  private backpressureEpisode = false
  private draining = false
  private state: CaptureState = 'recording'
  private readonly timer: NodeJS.Timeout
  private recent: { sum: number; count: number; at: number } = { sum: 0, count: 0, at: Date.now() }
  private recentMeanA: number | null = null
  private readonly maxQueuedBytes: number
  private readonly sliceMs: number
  private finished: Promise<RecordingInfo> | null = null

  static async start(db: Db, uncorrected: PowerAnalyzer, options: CaptureOptions = {}): Promise<CaptureSession> {
    // Every capture runs under the calibration in force for its instrument (if any) and names it, so the
    // recording can be recomputed later under a newer one.
    const cal = calibratedCapture(new CalibrationStore(db), uncorrected, { rawFormat: options.rawFormat ?? null, calibration: options.calibration ?? null })
    const analyzer = cal.analyzer
    options = { ...options, ...cal.recordingFormat }
    const writer = RecordingWriter.create(db, {
      name: options.name,
      instrument: analyzer.identity,
      samplePeriodS: analyzer.samplePeriodS,
      supplyV: options.supplyV ?? analyzer.supplyV,
      rawFormat: options.rawFormat ?? null,
      calibration: options.calibration ?? null,
      notes: options.notes,
      tags: options.tags
    })
    const session = new CaptureSession(db, analyzer, writer, options)
    if (cal.warning) writer.warning(cal.warning)
    analyzer.onDisconnect((reason) => void session.interrupt(reason))
    try {
      await analyzer.start(session.sink, { supplyV: options.supplyV })
    } catch (e) {
      writer.finish('interrupted', `The analyzer did not start: ${(e as Error).message}`)
      clearInterval(session.timer)
      throw e
    }
    return session
  }

  private constructor(
    private readonly db: Db,
    private readonly analyzer: PowerAnalyzer,
    readonly writer: RecordingWriter,
    options: CaptureOptions
  ) {
    super()
    this.maxQueuedBytes = options.maxQueuedBytes ?? 64 * 2 ** 20
    this.sliceMs = options.sliceMs ?? 15
    this.timer = setInterval(() => this.tick(), 500)
  }

  get recordingId(): number {
    return this.writer.id
  }

  /** What the driver writes to. */
  readonly sink: SampleSink = {
    samples: (block) => {
      if (this.state !== 'recording') return
      const bytes = blockBytes(block)
      if (this.queuedBytes + bytes > this.maxQueuedBytes) {
        const count = block.currentA.length
        this.lost += count
        this.push({ kind: 'gap', gap: { startIndex: block.startIndex, count, reason: 'backpressure' } })
        if (!this.backpressureEpisode) {
          this.backpressureEpisode = true
          this.warn(
            `Recording ${this.writer.id}: the store fell behind by more than ${Math.round(this.maxQueuedBytes / 2 ** 20)} MiB; ` +
              `samples from index ${block.startIndex} are dropped and recorded as gaps until it catches up. Close other programs or lower the sample rate.`
          )
        }
        return
      }
      this.backpressureEpisode = false
      this.queuedBytes += bytes
      this.push({ kind: 'block', block: copyBlock(block), bytes })
    },
    gap: (gap) => this.state === 'recording' && this.push({ kind: 'gap', gap: { ...gap } }),
    mark: (mark) => this.state === 'recording' && this.push({ kind: 'mark', mark: { ...mark } }),
    warning: (message) => {
      if (this.state !== 'recording') return
      this.push({ kind: 'warning', message })
      this.emit('warning', message)
    }
  }

  private warn(message: string): void {
    this.push({ kind: 'warning', message })
    this.emit('warning', message)
  }

  private push(item: Item): void {
    this.queue.push(item)
    if (!this.draining) {
      this.draining = true
      setImmediate(() => this.drain())
    }
  }

  private drain(): void {
    const until = performance.now() + this.sliceMs
    while (this.queue.length && performance.now() < until) this.apply(this.queue.shift()!)
    if (this.queue.length) setImmediate(() => this.drain())
    else this.draining = false
  }

  private apply(item: Item): void {
    if (!this.writer.isOpen) return
    if (item.kind === 'block') {
      this.queuedBytes -= item.bytes
      this.writer.samples(item.block)
      const c = item.block.currentA
      for (let i = 0; i < c.length; i++) if (c[i] === c[i]) ((this.recent.sum += c[i]), this.recent.count++)
    } else if (item.kind === 'gap') this.writer.gap(item.gap)
    else if (item.kind === 'mark') this.writer.mark(item.mark)
    else this.writer.warning(item.message)
  }

  private flushQueue(): void {
    while (this.queue.length) this.apply(this.queue.shift()!)
  }

  private tick(): void {
    if (!this.writer.isOpen) return
    this.writer.commitIfDue()
    const now = Date.now()
    if (now - this.recent.at >= 1000) {
      this.recentMeanA = this.recent.count ? this.recent.sum / this.recent.count : this.recentMeanA
      this.recent = { sum: 0, count: 0, at: now }
    }
    this.emit('progress', this.progress())
  }

  progress(): CaptureProgress {
    const p = this.writer.progress()
    return {
      recordingId: p.recordingId,
      state: this.state,
      sampleCount: p.sampleCount,
      committedCount: p.committedCount,
      gapSamples: p.gapSamples,
      lostToBackpressure: this.lost,
      queuedBytes: this.queuedBytes,
      recentMeanA: this.recentMeanA
    }
  }

  private end(state: 'finished' | 'interrupted', reason: string | null): RecordingInfo {
    this.state = state
    clearInterval(this.timer)
    this.flushQueue()
    this.writer.finish(state, reason)
    this.emit('progress', this.progress())
    this.emit('state', state)
    return new RecordingStore(this.db).get(this.writer.id)
  }

  /** Stops the analyzer and closes the recording as finished, with every queued sample written. */
  stop(): Promise<RecordingInfo> {
    if (this.finished) return this.finished
    this.finished = (async () => {
      try {
        await this.analyzer.stop()
      } catch (e) {
        this.writer.warning(`The analyzer did not stop cleanly: ${(e as Error).message}`)
      }
      return this.end('finished', null)
    })()
    return this.finished
  }

  /** The device went away: keep everything received, close as interrupted. */
  interrupt(reason: string): Promise<RecordingInfo> {
    if (this.finished) return this.finished
    this.finished = Promise.resolve(this.end('interrupted', `${this.analyzer.identity.model} ${this.analyzer.identity.location ?? ''} was lost: ${reason}`.replace('  ', ' ')))
    return this.finished
  }
}
