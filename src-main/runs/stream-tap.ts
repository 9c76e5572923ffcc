import type { Mark, SampleSink } from '../capture/sample-block'
import type { PowerAnalyzer, StreamOptions } from '../instruments/power-analyzer'

/**
 * A power analyzer seen through a tap: it streams exactly as the analyzer does (the capture session
 * records everything unchanged), and the run orchestrator learns where the stream has got to — the
 * next sample index and the marks so far — so it can place each infer window on the recording's index
 * line and wait for the analyzer to catch up, in samples rather than in wall-clock time (which also
 * holds on a bench clock running faster than real time).
 */
export class StreamTap implements PowerAnalyzer {
  /** Index of the slot after the last sample or gap delivered so far. */
  nextIndex = 0
  readonly marks: Mark[] = []
  private waiters = new Set<() => void>()
  private lost: string | null = null

  constructor(private readonly inner: PowerAnalyzer) {
    inner.onDisconnect((reason) => {
      this.lost = reason
      this.wake()
    })
  }

  get identity() {
    return this.inner.identity
  }
  get samplePeriodS() {
    return this.inner.samplePeriodS
  }
  get ranges() {
    return this.inner.ranges
  }
  get supplyV() {
    return this.inner.supplyV
  }
  /** Why the analyzer went away, or null while it is there. */
  get lostReason(): string | null {
    return this.lost
  }

  start(sink: SampleSink, options?: StreamOptions): Promise<void> {
    const tap: SampleSink = {
      samples: (block) => {
        sink.samples(block)
        this.advance(block.startIndex + block.currentA.length)
      },
      gap: (gap) => {
        sink.gap(gap)
        this.advance(gap.startIndex + gap.count)
      },
      mark: (mark) => {
        sink.mark(mark)
        this.marks.push({ ...mark })
        this.wake()
      },
      warning: (message) => sink.warning(message)
    }
    return this.inner.start(tap, options)
  }

  stop(): Promise<void> {
    return this.inner.stop()
  }
  close(): Promise<void> {
    return this.inner.close()
  }
  onDisconnect(listener: (reason: string) => void): void {
    this.inner.onDisconnect(listener)
  }

  /** Marks at indices in [from, to). */
  marksIn(from: number, to = Infinity): Mark[] {
    return this.marks.filter((m) => m.index >= from && m.index < to)
  }

  /**
   * Resolves once `ready()` holds; rejects when the analyzer is lost, the signal aborts, or no new
   * sample arrives for `stallS` of wall-clock time (a stream that stopped without saying so).
   */
  waitUntil(ready: () => boolean, options: { signal?: AbortSignal; stallS?: number; what: string }): Promise<void> {
    const stallMs = (options.stallS ?? 10) * 1000
    return new Promise<void>((resolve, reject) => {
      let lastIndex = this.nextIndex
      let lastProgressAt = Date.now()
      const done = (error?: Error) => {
        this.waiters.delete(check)
        clearInterval(timer)
        options.signal?.removeEventListener('abort', onAbort)
        if (error) reject(error)
        else resolve()
      }
      const check = () => {
        if (options.signal?.aborted) return done(abortReason(options.signal))
        if (this.lost !== null) return done(new AnalyzerLostError(`${this.identity.model} (${this.identity.id}) was lost while waiting for ${options.what}: ${this.lost}`))
        if (ready()) return done()
        if (this.nextIndex !== lastIndex) {
          lastIndex = this.nextIndex
          lastProgressAt = Date.now()
        } else if (Date.now() - lastProgressAt > stallMs) {
          done(
            new AnalyzerStalledError(
              `${this.identity.model} (${this.identity.id}) sent no samples for ${stallMs / 1000} s while Joulebench waited for ${options.what} (stream stopped at sample ${this.nextIndex}). Check its USB cable and that nothing else has its port open.`
            )
          )
        }
      }
      const onAbort = () => check()
      const timer = setInterval(check, 200)
      options.signal?.addEventListener('abort', onAbort)
      this.waiters.add(check)
      check()
    })
  }

  private advance(index: number): void {
    if (index > this.nextIndex) this.nextIndex = index
    this.wake()
  }

  private wake(): void {
    for (const w of [...this.waiters]) w()
  }
}

export class AnalyzerLostError extends Error {
  override name = 'AnalyzerLostError'
}
export class AnalyzerStalledError extends Error {
  override name = 'AnalyzerStalledError'
}

export function abortReason(signal: AbortSignal): Error {
  return signal.reason instanceof Error ? signal.reason : new Error(String(signal.reason ?? 'cancelled'))
}
