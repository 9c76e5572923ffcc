import { describe, expect, it } from 'vitest'
import { measureWindow } from '../../src-main/analysis/integrate'
import { measureInferences, summarizeInferences, type InferenceMetrics } from '../../src-main/analysis/metrics'
import { applyMlperfRule } from '../../src-main/analysis/mlperf-rule'
import { arrayTrace } from '../../src-main/analysis/array-trace'
import { windowFromIndices, type InferenceWindow } from '../../src-main/analysis/segments'
import { studentTQuantile } from '../../src-main/analysis/statistics'

/** Currents are stored as float32, as the recording store keeps them: compare to 1 part in 10⁶. */
const expectNear = (actual: number, expected: number) => expect(Math.abs(actual - expected) / Math.abs(expected)).toBeLessThan(1e-6)

describe('measureWindow', () => {
  it('integrates I·V with measured voltage to within 0.1 % of the analytic integral', () => {
    // I(t) = a + b t, V(t) = c + d t over T: ∫ I V dt = acT + (ad + bc)T²/2 + bdT³/3.
    const dt = 1e-5
    const n = 100_000
    const T = n * dt
    const [a, b, c, d] = [2e-3, 0.03, 3.3, -0.4]
    // Sample i stands for [i·dt, (i+1)·dt): sample it at the middle so the sum is the midpoint rule.
    const cur = Float64Array.from({ length: n }, (_, i) => a + b * (i + 0.5) * dt)
    const volt = Float64Array.from({ length: n }, (_, i) => c + d * (i + 0.5) * dt)
    const trace = arrayTrace({ samplePeriodS: dt, currentA: cur, voltageV: volt })
    const m = measureWindow(trace, windowFromIndices(dt, 0, n))
    const energy = a * c * T + ((a * d + b * c) * T * T) / 2 + (b * d * T ** 3) / 3
    const charge = a * T + (b * T * T) / 2
    expect(Math.abs(m.energyJ - energy) / energy).toBeLessThan(1e-3)
    expect(Math.abs(m.chargeC - charge) / charge).toBeLessThan(1e-3)
    expect(m.durationS).toBeCloseTo(T, 12)
    expect(m.averagePowerW).toBeCloseTo(m.energyJ / T, 12)
    expect(m.peakCurrentA).toBeCloseTo(a + b * (n - 0.5) * dt, 6)
  })

  it('integrates a half-sine pulse with the supply voltage to within 0.1 %', () => {
    const dt = 1e-4
    const n = 5000
    const A = 0.05
    const cur = Float64Array.from({ length: n }, (_, i) => A * Math.sin((Math.PI * (i + 0.5)) / n))
    const trace = arrayTrace({ samplePeriodS: dt, currentA: cur, supplyV: 1.8 })
    const m = measureWindow(trace, windowFromIndices(dt, 0, n))
    const analytic = (1.8 * A * 2 * n * dt) / Math.PI
    expect(Math.abs(m.energyJ - analytic) / analytic).toBeLessThan(1e-3)
  })

  it('never counts gap slots as samples, and counts slots past the end as missing', () => {
    const cur = Float64Array.from({ length: 100 }, (_, i) => 1e-3 * (i + 1))
    const trace = arrayTrace({ samplePeriodS: 1e-3, currentA: cur, supplyV: 2, gaps: [{ startIndex: 10, count: 20, reason: 'usb' }] })
    const m = measureWindow(trace, windowFromIndices(1e-3, 0, 120))
    let sum = 0
    for (let i = 0; i < 100; i++) if (i < 10 || i >= 30) sum += 1e-3 * (i + 1)
    expect(m.sampleCount).toBe(80)
    expect(m.missingCount).toBe(40)
    expectNear(m.chargeC, sum * 1e-3)
    expectNear(m.energyJ, 2 * sum * 1e-3)
    expect(m.averageCurrentA).toBeCloseTo(sum / 80, 9)
    expect(m.durationS).toBeCloseTo(0.12, 12)
  })

  it('explains how to fix a recording with no voltage at all', () => {
    const trace = arrayTrace({ samplePeriodS: 1e-3, currentA: [1, 2, 3] })
    expect(() => measureWindow(trace, windowFromIndices(1e-3, 0, 3))).toThrow(/no measured voltage and no supply voltage.*--supply-v/)
    expect(measureWindow(trace, windowFromIndices(1e-3, 0, 3), { supplyV: 2 }).energyJ).toBeCloseTo(12e-3, 12)
  })
})

describe('per-inference and per-stage metrics', () => {
  const dt = 1e-3
  // Three inferences of 10 samples; stage "a" = first 4 samples at 10 mA, stage "b" = last 6 at 20 mA + k mA.
  const cur = new Float64Array(60).fill(1e-3)
  const infs: InferenceWindow[] = []
  for (let k = 0; k < 3; k++) {
    const s = 10 + k * 15
    cur.fill(10e-3, s, s + 4)
    cur.fill(20e-3 + k * 1e-3, s + 4, s + 10)
    infs.push({
      ...windowFromIndices(dt, s, s + 10),
      index: k,
      source: 'gpio-pulses',
      stages: [
        { ...windowFromIndices(dt, s, s + 4), stage: 'a', placement: 'measured' },
        { ...windowFromIndices(dt, s + 4, s + 10), stage: 'b', placement: 'measured' }
      ]
    })
  }
  const trace = arrayTrace({ samplePeriodS: dt, currentA: cur, supplyV: 3 })
  const baseline = { window: windowFromIndices(dt, 0, 10), currentA: 1e-3, powerW: 3e-3 }

  it('measures each inference and stage, gross and net of the idle baseline', () => {
    const m = measureInferences(trace, infs, { baseline })
    expect(m).toHaveLength(3)
    const e2 = 3 * (4 * 10e-3 + 6 * 22e-3) * dt
    expectNear(m[2].energyJ, e2)
    expectNear(m[2].netEnergyJ!, e2 - 3e-3 * 10 * dt)
    expect(m[2].stages[1].peakPowerW).toBeCloseTo(3 * 22e-3, 6)
    expect(m[2].stages[0].latencyS).toBeCloseTo(4e-3, 12)
    expectNear(m[1].stages[1].chargeC, 6 * 21e-3 * dt)
  })

  it('summarizes after the warm-up discard, per inference and per stage', () => {
    const m = measureInferences(trace, infs, { baseline })
    const s = summarizeInferences(m, { warmup: 1, baseline })
    expect(s.discardedWarmup).toBe(1)
    expect(s.count).toBe(2)
    const energies = [1, 2].map((k) => 3 * (4 * 10e-3 + 6 * (20e-3 + k * 1e-3)) * dt)
    expectNear(s.energyJ.mean!, (energies[0] + energies[1]) / 2)
    const sd = Math.abs(energies[1] - energies[0]) / Math.SQRT2
    expectNear(s.energyJ.sd!, sd)
    expectNear(s.energyJ.ci!.halfWidth, studentTQuantile(0.975, 1) * (sd / Math.SQRT2))
    expect(s.stages.map((x) => x.stage)).toEqual(['a', 'b'])
    expect(s.stages[0].latencyS.mean!).toBeCloseTo(4e-3, 12)
    expect(s.netEnergyJ).not.toBeNull()
    expect(s.baseline).toEqual({ currentA: 1e-3, powerW: 3e-3 })
  })

  it('refuses a negative or fractional warm-up count', () => {
    expect(() => summarizeInferences([] as InferenceMetrics[], { warmup: -1 })).toThrow(/warm-up/)
  })
})

describe('MLPerf Tiny rule preset', () => {
  const w = (durationS: number, n: number, energyJ: number) => ({ durationS, inferenceCount: n, energyJ })
  it('scores the median of five windows of at least 10 s', () => {
    const r = applyMlperfRule([w(10.5, 100, 1.0), w(11, 100, 1.2), w(10.2, 100, 0.9), w(12, 100, 5), w(10.1, 100, 1.1)])
    expect(r.valid).toBe(true)
    expect(r.medianEnergyPerInferenceJ).toBeCloseTo(0.011, 12)
    expect(r.medianLatencyPerInferenceS).toBeCloseTo(0.105, 12)
  })

  it('lists every broken condition and suggests an N that reaches 10 s', () => {
    const r = applyMlperfRule([w(10.5, 100, 1), w(4, 50, 1), w(10.2, 100, 1), w(12, 100, 1)])
    expect(r.valid).toBe(false)
    expect(r.violations).toHaveLength(2)
    expect(r.violations[0]).toMatch(/exactly 5 windows; there are 4/)
    expect(r.violations[1]).toMatch(/Window 2 lasts 4\.000 s.*raise N/)
    // 50 inferences in 4 s → 125 for 10 s, + 10 % margin.
    expect(r.suggestedInferenceCount).toBe(138)
  })

  it('scores latency alone in performance mode (no energy)', () => {
    const r = applyMlperfRule([10, 11, 12, 13, 14].map((d) => ({ durationS: d, inferenceCount: 10 })))
    expect(r.medianEnergyPerInferenceJ).toBeNull()
    expect(r.medianLatencyPerInferenceS).toBeCloseTo(1.2, 12)
  })
})
