import type { Gap, Mark } from '../../src-main/capture/sample-block'
import { arrayTrace } from '../../src-main/analysis/array-trace'
import type { TraceReader } from '../../src-main/analysis/trace-reader'
import { gaussian, prng } from './prng'

/** A rectangular burst of extra current between two instants (seconds, not aligned to samples). */
export interface Burst {
  startS: number
  endS: number
  extraA: number
}

export interface SyntheticSpec {
  samplePeriodS: number
  durationS: number
  idleA: number
  bursts: Burst[]
  noiseA?: number
  seed?: number
  supplyV?: number | null
  /** Measured voltage as a function of time, when the "instrument" measures it. */
  voltageAt?: (tS: number) => number
  /** Digital line held high during each burst. */
  burstLine?: number
  /** Instants at which line `pulseLine` is pulled low for `pulseHoldS`. */
  pulses?: { line: number; atS: number[]; holdS: number }
  gaps?: Gap[]
  marks?: Mark[]
}

/**
 * A recording sampled from a continuous-time description: sample i is the signal at t = i·dt, which is
 * how an analyzer that samples instantaneously sees it. The truth stays in seconds.
 */
export function synthesize(spec: SyntheticSpec): TraceReader {
  const n = Math.round(spec.durationS / spec.samplePeriodS)
  const cur = new Float64Array(n)
  const volt = spec.voltageAt ? new Float64Array(n) : undefined
  const dig = spec.burstLine !== undefined || spec.pulses ? new Uint8Array(n) : undefined
  const rand = prng(spec.seed ?? 1)
  for (let i = 0; i < n; i++) {
    const t = i * spec.samplePeriodS
    let c = spec.idleA
    let d = 0
    if (spec.pulses) d |= 1 << spec.pulses.line
    for (const b of spec.bursts) {
      if (t >= b.startS && t < b.endS) {
        c += b.extraA
        if (spec.burstLine !== undefined) d |= 1 << spec.burstLine
      }
    }
    if (spec.pulses) for (const at of spec.pulses.atS) if (t >= at && t < at + spec.pulses.holdS) d &= ~(1 << spec.pulses.line)
    if (spec.noiseA) c += spec.noiseA * gaussian(rand)
    cur[i] = c
    if (volt) volt[i] = spec.voltageAt!(t)
    if (dig) dig[i] = d
  }
  return arrayTrace({
    samplePeriodS: spec.samplePeriodS,
    currentA: cur,
    voltageV: volt,
    digital: dig,
    supplyV: spec.supplyV ?? null,
    gaps: spec.gaps,
    marks: spec.marks
  })
}

/** Evenly spaced bursts with sub-sample offsets so no boundary falls on a sample instant by luck. */
export function burstTrain(count: number, firstS: number, lengthS: number, periodS: number, extraA: number): Burst[] {
  return Array.from({ length: count }, (_, k) => ({
    startS: firstS + k * periodS + 0.37e-6 * (k + 1),
    endS: firstS + k * periodS + lengthS + 0.61e-6 * (k + 1),
    extraA
  }))
}
