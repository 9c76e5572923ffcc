import type { DutSignal } from '../../virtual-bench/dut-signal'
import { seededUniform } from '../../virtual-bench/seeded-random'

/**
 * What the virtual DUT draws and drives over time: current intervals (stages of inferences) over an
 * idle floor, and GPIO levels. It is a DutSignal, so any virtual analyzer samples it; it also keeps
 * the exact truth (start, end, energy of every inference) for tests.
 *
 * Everything is scheduled ahead: when the DUT accepts `infer N W` it already knows when each
 * inference will run, so an analyzer rendering any instant gets the same answer whenever it asks.
 */

export interface ActivityInterval {
  startS: number
  endS: number
  /** Total current drawn during the interval (idle floor included). */
  currentA: number
  stage: string
  /** Inference number in the truth list, or -1 for activity outside inferences. */
  inference: number
}

export interface LineInterval {
  line: number
  startS: number
  endS: number
  level: 0 | 1
}

export interface TruthStage {
  stage: string
  startS: number
  endS: number
  currentA: number
  energyJ: number
}

export interface TruthInference {
  /** 0-based over the DUT's life. */
  index: number
  /** Which `infer` command (0-based) ran it. */
  batch: number
  warmup: boolean
  startS: number
  endS: number
  chargeC: number
  energyJ: number
  /** Energy above the idle floor. */
  netEnergyJ: number
  stages: TruthStage[]
}

export interface TimelineConfig {
  idleCurrentA: number
  supplyV: number
  /** Level of each line when nothing drives it (bit n = Dn). */
  restingLines: number
  /** Optional Gaussian noise on the current, seeded so renders repeat. */
  noiseA?: number
  seed?: number
}

export class PowerTimeline implements DutSignal {
  private readonly activity: ActivityInterval[] = []
  private readonly lines: LineInterval[] = []
  readonly inferences: TruthInference[] = []
  private readonly uniform: () => number

  constructor(readonly config: TimelineConfig) {
    this.uniform = seededUniform(config.seed ?? 1)
  }

  /** Schedule activity; intervals must come in time order and not overlap (a DUT does one thing at a time). */
  addActivity(a: ActivityInterval): void {
    const last = this.activity[this.activity.length - 1]
    if (last && a.startS < last.endS - 1e-12) throw new Error(`PowerTimeline: activity at ${a.startS} s overlaps one ending at ${last.endS} s`)
    if (a.endS > a.startS) this.activity.push(a)
  }

  addLine(l: LineInterval): void {
    if (l.endS > l.startS) this.lines.push(l)
  }

  addInference(t: TruthInference): void {
    this.inferences.push(t)
  }

  /** Exact charge and energy drawn in [t1, t2): idle floor plus every scheduled interval. */
  integrate(t1S: number, t2S: number): { chargeC: number; energyJ: number } {
    let charge = this.config.idleCurrentA * Math.max(0, t2S - t1S)
    for (const a of this.activity) {
      const overlap = Math.min(a.endS, t2S) - Math.max(a.startS, t1S)
      if (overlap > 0) charge += (a.currentA - this.config.idleCurrentA) * overlap
    }
    return { chargeC: charge, energyJ: charge * this.config.supplyV }
  }

  /** Drop intervals that ended before `beforeS` (the truth list is kept). */
  forget(beforeS: number): void {
    const keepA = this.activity.findIndex((a) => a.endS >= beforeS)
    this.activity.splice(0, keepA < 0 ? this.activity.length : keepA)
    for (let k = this.lines.length - 1; k >= 0; k--) if (this.lines[k].endS < beforeS) this.lines.splice(k, 1)
  }

  render(t0S: number, periodS: number, currentA: Float64Array, digital: Uint8Array): void {
    const n = currentA.length
    currentA.fill(this.config.idleCurrentA)
    digital.fill(this.config.restingLines, 0, Math.min(n, digital.length))
    const tEnd = t0S + n * periodS
    // Sample i sits at t0 + i·p; it belongs to [s, e) when s ≤ t0 + i·p < e.
    const first = (s: number) => Math.min(n, Math.max(0, Math.ceil((s - t0S) / periodS - 1e-9)))
    let lo = 0
    let hi = this.activity.length
    while (lo < hi) {
      const mid = (lo + hi) >> 1
      if (this.activity[mid].endS <= t0S) lo = mid + 1
      else hi = mid
    }
    for (let k = lo; k < this.activity.length && this.activity[k].startS < tEnd; k++) {
      const a = this.activity[k]
      currentA.fill(a.currentA, first(a.startS), first(a.endS))
    }
    for (const l of this.lines) {
      if (l.endS <= t0S || l.startS >= tEnd) continue
      const bit = 1 << l.line
      for (let i = first(l.startS), e = Math.min(first(l.endS), digital.length); i < e; i++) {
        digital[i] = l.level ? digital[i] | bit : digital[i] & ~bit
      }
    }
    const noise = this.config.noiseA ?? 0
    if (noise > 0) for (let i = 0; i < n; i++) currentA[i] += noise * this.gaussian()
  }

  private gaussian(): number {
    return Math.sqrt(-2 * Math.log(Math.max(this.uniform(), 1e-300))) * Math.cos(2 * Math.PI * this.uniform())
  }
}
