import type { SampleSink } from '../../src-main/capture/sample-block'
import type { InstrumentIdentity } from '../../src-main/instruments/identity'
import type { CurrentRange, PowerAnalyzer, StreamOptions } from '../../src-main/instruments/power-analyzer'
import { gaussian, prng } from './prng'

/** PPK2-like ranges (reference/ppk2.md §1). */
export const FAKE_RANGES: CurrentRange[] = [
  { index: 0, label: 'R0', minA: 200e-9, maxA: 50e-6, accuracyFraction: 0.1 },
  { index: 1, label: 'R1', minA: 50e-6, maxA: 500e-6, accuracyFraction: 0.1 },
  { index: 2, label: 'R2', minA: 500e-6, maxA: 5e-3, accuracyFraction: 0.1 },
  { index: 3, label: 'R3', minA: 5e-3, maxA: 50e-3, accuracyFraction: 0.1 },
  { index: 4, label: 'R4', minA: 50e-3, maxA: 1, accuracyFraction: 0.15 }
]

export interface FakeBench {
  /** True current drawn at time t (s) with the analyzer's supply at supplyV. */
  currentA(tS: number, supplyV: number | null): number
  /** Digital lines at time t. */
  digital?(tS: number): number
}

/**
 * A power analyzer stand-in for unit tests: a known gain and offset error per range, Gaussian noise,
 * PPK2-style raw words (range in bits 14–16) so range classification is exercised as with the device.
 */
export class FakeAnalyzer implements PowerAnalyzer {
  readonly identity: InstrumentIdentity
  readonly samplePeriodS = 10e-6
  readonly ranges = FAKE_RANGES
  supplyV: number | null = null
  bench: FakeBench = { currentA: () => 0 }
  gains = [1, 1, 1, 1, 1]
  offsetsA = [0, 0, 0, 0, 0]
  /** Noise as a fraction of reading, plus a floor in amperes. */
  noiseFraction = 0.002
  noiseFloorA = 20e-9
  starts: StreamOptions[] = []
  private running = false
  private t = 0
  private readonly rand = prng(7)
  private disconnectListeners: Array<(r: string) => void> = []
  blockSize = 2000

  constructor(serial: string | null = 'FAKE-0001', family = 'ppk2') {
    this.identity = { id: `fake:${family}`, kind: 'power-analyzer', family, model: `Fake ${family}`, serial, firmware: '1.0', location: null, virtual: true }
  }

  rangeFor(a: number): number {
    for (const r of this.ranges) if (a < r.maxA) return r.index
    return 4
  }

  async start(sink: SampleSink, options: StreamOptions = {}): Promise<void> {
    this.starts.push(options)
    if (options.supplyV !== undefined) this.supplyV = options.supplyV
    this.running = true
    let index = 0
    const tick = () => {
      if (!this.running) return
      const n = this.blockSize
      const currentA = new Float32Array(n)
      const raw = new Uint32Array(n)
      const digital = new Uint8Array(n)
      for (let i = 0; i < n; i++) {
        const t = this.t + i * this.samplePeriodS
        const a = this.bench.currentA(t, this.supplyV)
        const r = this.rangeFor(a)
        const reading = this.gains[r]! * a + this.offsetsA[r]! + gaussian(this.rand) * (this.noiseFraction * Math.abs(a) + this.noiseFloorA)
        currentA[i] = reading
        raw[i] = (r << 14) >>> 0
        digital[i] = this.bench.digital?.(t) ?? 0
      }
      this.t += n * this.samplePeriodS
      sink.samples({ startIndex: index, currentA, raw, digital })
      index += n
      setImmediate(tick)
    }
    setImmediate(tick)
  }

  async stop(): Promise<void> {
    this.running = false
  }

  async close(): Promise<void> {
    this.running = false
  }

  onDisconnect(listener: (reason: string) => void): void {
    this.disconnectListeners.push(listener)
  }

  pullCable(): void {
    this.running = false
    for (const l of this.disconnectListeners) l('device disconnected')
  }
}
