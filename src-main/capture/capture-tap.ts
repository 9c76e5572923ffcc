import type { InstrumentIdentity } from '../instruments/identity'
import type { PowerAnalyzer, StreamOptions } from '../instruments/power-analyzer'
import { LiveTail } from './live-tail'
import type { SampleBlock, SampleSink } from './sample-block'

export interface RecentStatistics {
  /** Seconds of signal the figures cover (the samples since the previous take). */
  windowS: number
  count: number
  meanA: number | null
  minA: number | null
  maxA: number | null
}

export interface CaptureTapOptions {
  samplePeriodS: number
  /** Slots the live tail keeps in memory. */
  tailSamples: number
  /** Stop after this many sample slots (a capture of a set duration); the rest is not recorded. */
  limitSamples?: number | null
  /** Called once, when the limit is reached. */
  onLimit?: () => void
}

const cut = <T extends Float32Array | Float64Array | Uint8Array | Uint32Array>(a: T | undefined, n: number): T | undefined =>
  a ? (a.subarray(0, n) as T) : undefined

/**
 * Sits between a driver and the capture session: keeps the live tail for views of the recording in
 * progress, the statistics of the last stretch for progress reports, and cuts the stream at the requested
 * duration so a 10-s capture holds exactly 10 s of slots. It forwards everything else untouched.
 */
export class CaptureTap {
  readonly tail: LiveTail
  /** Slots received (samples and gaps), within the limit. */
  slots = 0
  /** Slots the driver reported lost, or skipped without saying. */
  gapSamples = 0
  gapCount = 0
  private recent = { count: 0, sum: 0, min: Infinity, max: -Infinity, fromSlot: 0 }
  private reached = false

  constructor(private readonly options: CaptureTapOptions) {
    this.tail = new LiveTail(options.tailSamples, options.samplePeriodS)
  }

  get limit(): number {
    return this.options.limitSamples ?? Infinity
  }

  get limitReached(): boolean {
    return this.reached
  }

  private reachLimit(): void {
    if (this.reached) return
    this.reached = true
    // Not from inside the driver's callback: the stop that follows talks to the driver.
    queueMicrotask(() => this.options.onLimit?.())
  }

  wrap(sink: SampleSink): SampleSink {
    return {
      samples: (block) => {
        if (this.reached) return
        let b: SampleBlock = block
        const room = this.limit - block.startIndex
        if (room <= 0) return this.reachLimit()
        if (block.currentA.length > room) {
          b = {
            startIndex: block.startIndex,
            currentA: block.currentA.subarray(0, room),
            voltageV: cut(block.voltageV, room),
            digital: cut(block.digital, room),
            raw: cut(block.raw, room),
            timeS: cut(block.timeS, room)
          }
        }
        if (b.startIndex > this.slots) {
          this.gapSamples += b.startIndex - this.slots
          this.gapCount++
        }
        this.tail.add(b)
        const c = b.currentA
        const r = this.recent
        for (let i = 0; i < c.length; i++) {
          const v = c[i]
          if (v !== v) continue
          r.count++
          r.sum += v
          if (v < r.min) r.min = v
          if (v > r.max) r.max = v
        }
        this.slots = Math.max(this.slots, b.startIndex + c.length)
        sink.samples(b)
        if (this.slots >= this.limit) this.reachLimit()
      },
      gap: (gap) => {
        if (this.reached) return
        const end = Math.min(gap.startIndex + gap.count, this.limit)
        if (end <= this.slots) return
        const start = Math.max(gap.startIndex, this.slots)
        this.gapSamples += end - this.slots
        this.gapCount++
        this.tail.gap({ startIndex: start, count: end - start, reason: gap.reason })
        this.slots = end
        sink.gap({ startIndex: gap.startIndex, count: end - gap.startIndex, reason: gap.reason })
        if (this.slots >= this.limit) this.reachLimit()
      },
      mark: (mark) => {
        if (mark.index < this.limit) sink.mark(mark)
      },
      warning: (message) => sink.warning(message)
    }
  }

  /** Statistics of the samples since the last call, then starts a new stretch. */
  takeRecent(): RecentStatistics {
    const r = this.recent
    const out: RecentStatistics = {
      windowS: (this.slots - r.fromSlot) * this.options.samplePeriodS,
      count: r.count,
      meanA: r.count ? r.sum / r.count : null,
      minA: r.count ? r.min : null,
      maxA: r.count ? r.max : null
    }
    this.recent = { count: 0, sum: 0, min: Infinity, max: -Infinity, fromSlot: this.slots }
    return out
  }
}

/**
 * The analyzer as the capture session sees it: its stream goes through the tap, its loss is reported
 * through `lost` (the capture manager owns the one listener a driver keeps, and forwards), and it goes by
 * the identity the user knows it by.
 */
export function tappedAnalyzer(
  analyzer: PowerAnalyzer,
  tap: CaptureTap,
  lost: { listener: ((reason: string) => void) | null },
  identity: InstrumentIdentity = analyzer.identity
): PowerAnalyzer {
  return {
    identity,
    get samplePeriodS() {
      return analyzer.samplePeriodS
    },
    get ranges() {
      return analyzer.ranges
    },
    get supplyV() {
      return analyzer.supplyV
    },
    start: (sink: SampleSink, options?: StreamOptions) => analyzer.start(tap.wrap(sink), options),
    stop: () => analyzer.stop(),
    close: () => analyzer.close(),
    onDisconnect: (listener) => {
      lost.listener = listener
    }
  }
}
