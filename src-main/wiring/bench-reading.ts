/**
 * What the wiring checks read from the bench: a short window of current (and voltage, and digital
 * lines) from whichever analyzer is attached. Small on purpose, so a check works with any analyzer
 * and tests can hand it a fake.
 */
import type { Gap, Mark, SampleBlock, SampleSink } from '../capture/sample-block'
import type { PowerAnalyzer } from '../instruments/power-analyzer'
import { streamWindow } from './stream-window'

export interface LineActivity {
  line: number
  /** Level changes seen in the window. */
  edges: number
  /** Fraction of samples in which the line was high. */
  highFraction: number
}

export interface BenchWindow {
  durationS: number
  sampleCount: number
  /** Samples the instrument reported lost inside the window. */
  lostCount: number
  meanA: number
  minA: number
  maxA: number
  /** Mean measured voltage, for analyzers that measure it; null otherwise. */
  meanV: number | null
  /** Activity of digital lines 0–7; null when the analyzer sent no digital data. */
  lines: LineActivity[] | null
  /** Point events (LPM01A D7 edges arrive this way rather than as digital samples). */
  marks: number
  warnings: string[]
}

export interface BenchReading {
  /** Names the instrument in messages: "Nordic PPK2 (virtual:ppk2)". */
  readonly analyzerName: string
  /** The voltage the analyzer's own supply is set to, or null when an external supply feeds the DUT. */
  setSupplyV(): number | null
  /** Measure for about durationS seconds. */
  read(durationS: number): Promise<BenchWindow>
}

/** Builds a BenchWindow from a stream of sample blocks. Pure bookkeeping, no I/O. */
export class WindowAccumulator implements SampleSink {
  private n = 0
  private sum = 0
  private sumV = 0
  private nV = 0
  private min = Infinity
  private max = -Infinity
  private lost = 0
  private markCount = 0
  private readonly edges = new Array<number>(8).fill(0)
  private readonly highs = new Array<number>(8).fill(0)
  private nDigital = 0
  private last: number | null = null
  readonly warnings: string[] = []

  constructor(
    /** Samples to drop at the start (range settling, start-up transients). */
    private skip = 0
  ) {}

  get sampleCount(): number {
    return this.n
  }

  samples(block: SampleBlock): void {
    const { currentA, voltageV, digital } = block
    for (let i = 0; i < currentA.length; i++) {
      if (this.skip > 0) {
        this.skip--
        continue
      }
      const a = currentA[i]!
      if (!Number.isFinite(a)) continue
      this.n++
      this.sum += a
      if (a < this.min) this.min = a
      if (a > this.max) this.max = a
      if (voltageV) {
        const v = voltageV[i]!
        if (Number.isFinite(v)) {
          this.sumV += v
          this.nV++
        }
      }
      if (digital) {
        const d = digital[i]!
        this.nDigital++
        for (let line = 0; line < 8; line++) if (d & (1 << line)) this.highs[line]!++
        if (this.last !== null) {
          const changed = d ^ this.last
          if (changed) for (let line = 0; line < 8; line++) if (changed & (1 << line)) this.edges[line]!++
        }
        this.last = d
      }
    }
  }

  gap(gap: Gap): void {
    this.lost += gap.count
    this.last = null
  }

  mark(_mark: Mark): void {
    if (this.skip === 0) this.markCount++
  }

  warning(message: string): void {
    this.warnings.push(message)
  }

  window(samplePeriodS: number): BenchWindow {
    const n = this.n
    return {
      durationS: (n + this.lost) * samplePeriodS,
      sampleCount: n,
      lostCount: this.lost,
      meanA: n ? this.sum / n : NaN,
      minA: n ? this.min : NaN,
      maxA: n ? this.max : NaN,
      meanV: this.nV ? this.sumV / this.nV : null,
      lines:
        this.nDigital > 0
          ? this.edges.map((edges, line) => ({ line, edges, highFraction: this.highs[line]! / this.nDigital }))
          : null,
      marks: this.markCount,
      warnings: [...this.warnings]
    }
  }
}

export interface AnalyzerReadingOptions {
  /** The supply voltage to set when the analyzer powers the DUT; null for an external supply. */
  supplyV: number | null
  /** Start-up samples to ignore, in seconds (range switching, inrush). Default 20 ms. */
  settleS?: number
  /** Give up when samples stop arriving for this long (a stalled or unplugged analyzer). Default 3 s. */
  stallS?: number
}

/** A BenchReading over a real (or emulated) analyzer: each read() is one short start…stop stream. */
export function analyzerBenchReading(analyzer: PowerAnalyzer, options: AnalyzerReadingOptions): BenchReading {
  return {
    analyzerName: `${analyzer.identity.model} (${analyzer.identity.id})`,
    setSupplyV: () => options.supplyV,
    async read(durationS) {
      const period = analyzer.samplePeriodS
      const skip = Math.round((options.settleS ?? 0.02) / period)
      const acc = new WindowAccumulator(skip)
      await streamWindow(analyzer, acc, {
        supplyV: options.supplyV,
        samples: skip + Math.max(1, Math.round(durationS / period)),
        stallS: options.stallS,
        // A tripped analyzer sends nothing more; the trip itself is what the current-limit check needs.
        endsOnWarning: (w) => /overcurrent|over-current|tripped|powered down/i.test(w)
      })
      return acc.window(period)
    }
  }
}
