import { describe, expect, it } from 'vitest'
import { arrayTrace } from '../../src-main/analysis/array-trace'
import { analyzeRun, type InferWindowRange } from '../../src-main/runs/run-analysis'
import { segmentationSchema } from '../../src-main/runs/plan'

/**
 * Synthetic recordings whose every figure is known by construction: at 10 kS/s and 3 V, a 1 mA floor
 * and 10 ms inferences at 11 mA, all on sample boundaries, so each inference holds exactly
 * 11 mA · 3 V · 10 ms = 330 µJ (300 µJ above the floor) and lasts exactly 10 ms.
 */
const dt = 1e-4
const V = 3
const FLOOR_A = 1e-3
const ACTIVE_A = 11e-3
const INF = 100 // samples per inference (10 ms)
const GAP = 50 // samples between inferences

function build(starts: number[], total: number, marks: number[] = []) {
  const current = new Float32Array(total).fill(FLOOR_A)
  const digital = new Uint8Array(total)
  for (const s of starts) {
    current.fill(ACTIVE_A, s, s + INF)
    digital.fill(1, s, s + INF)
  }
  return arrayTrace({ samplePeriodS: dt, currentA: current, digital, supplyV: V, marks: marks.map((index) => ({ index, label: 'D7 falling' })) })
}

/** Currents are stored as float32, as the recording store keeps them: agree to 1 part in 10⁶. */
function expectRel(actual: number, expected: number) {
  expect(Math.abs(actual - expected) / Math.abs(expected)).toBeLessThan(1e-6)
}

const threshold = segmentationSchema.parse({ kind: 'threshold', level: 6e-3, hysteresis: 1e-3 })

/** Three windows of infer 4 1 (one warm-up, four measured), and one stray inference between windows 1 and 2. */
function threeWindows() {
  const windows: InferWindowRange[] = []
  const starts: number[] = []
  let at = 2000
  for (let k = 0; k < 3; k++) {
    const startIndex = at - 100
    for (let j = 0; j < 5; j++) {
      starts.push(at)
      at += INF + GAP
    }
    windows.push({ index: k, startIndex, endIndex: at + 100, inferences: 4, warmup: 1, dutLatencyPerInferenceS: 0.015 + k * 1e-4 })
    at += 1000
    if (k === 0) {
      starts.push(at - 500) // outside every window
    }
  }
  return { trace: build(starts, at + 2000), windows, starts }
}

describe('analyzing a run: inferences per window, warm-ups, baseline', () => {
  it('leaves each window’s warm-ups out and measures the rest exactly', () => {
    const { trace, windows } = threeWindows()
    const a = analyzeRun(trace, { segmentation: threshold, windows, idle: { startS: 0, endS: 0.1 } })
    const s = a.summary
    expect(s.basis).toBe('inferences')
    expect(s.n).toBe(12)
    expect(s.warmupDiscarded).toBe(3)
    expectRel(s.energyPerInferenceJ!.mean!, ACTIVE_A * V * INF * dt)
    expect(s.energyPerInferenceJ!.sd!).toBeLessThan(1e-12)
    expectRel(s.latencyPerInferenceS!.mean!, INF * dt)
    expectRel(s.netEnergyJ!.mean!, (ACTIVE_A - FLOOR_A) * V * INF * dt)
    expect(s.baseline).toEqual({ currentA: expect.closeTo(FLOOR_A, 9), powerW: expect.closeTo(FLOOR_A * V, 9) })
    // The DUT's lap times: mean of the three windows' figures.
    expectRel(s.dutLatencyPerInferenceS!.mean!, 0.0151)
    expect(s.dutLatencyPerInferenceS!.n).toBe(3)

    const inferences = a.segments.filter((g) => g.kind === 'inference')
    expect(inferences.map((g) => g.role)).toEqual([
      ...['warmup', 'measured', 'measured', 'measured', 'measured'],
      'outside',
      ...['warmup', 'measured', 'measured', 'measured', 'measured'],
      ...['warmup', 'measured', 'measured', 'measured', 'measured']
    ])
    expect(inferences.map((g) => g.window)).toEqual([0, 0, 0, 0, 0, null, 1, 1, 1, 1, 1, 2, 2, 2, 2, 2])
    expect(a.notes.join(' ')).toMatch(/1 inference was found outside every infer window/)
    expect(a.segments.filter((g) => g.kind === 'window')).toHaveLength(3)
    expect(a.segments.filter((g) => g.kind === 'idle')).toHaveLength(1)
  })

  it('reports net energy as the headline when asked to subtract idle', () => {
    const { trace, windows } = threeWindows()
    const a = analyzeRun(trace, { segmentation: threshold, windows, idle: { startS: 0, endS: 0.1 }, subtractIdle: true })
    expect(a.summary.energySubtractsIdle).toBe(true)
    expectRel(a.summary.energyPerInferenceJ!.mean!, (ACTIVE_A - FLOOR_A) * V * INF * dt)
    expectRel(a.summary.grossEnergyJ!.mean!, ACTIVE_A * V * INF * dt)
    expect(() => analyzeRun(trace, { segmentation: threshold, windows, subtractIdle: true })).toThrow(/needs an idle window/)
  })

  it('says when a window holds fewer inferences than the infer command ran', () => {
    const { trace, windows } = threeWindows()
    windows[1] = { ...windows[1], inferences: 5 }
    const a = analyzeRun(trace, { segmentation: threshold, windows })
    expect(a.notes.join(' ')).toMatch(/Window 2: found 5 inferences where infer 5 1 ran 6/)
  })

  it('without windows, the first K inferences are the warm-up (the convolution study drops one)', () => {
    const starts = Array.from({ length: 8 }, (_, k) => 1000 + k * (INF + GAP))
    const a = analyzeRun(build(starts, 3000), { segmentation: threshold, warmup: 1 })
    expect(a.summary.n).toBe(7)
    expect(a.summary.warmupDiscarded).toBe(1)
    expect(a.segments.filter((g) => g.kind === 'inference' && g.role === 'warmup').map((g) => g.startIndex)).toEqual([1000])
  })

  it('manual windows and GPIO give the same inferences as the threshold', () => {
    const starts = [1000, 1300, 1600]
    const trace = build(starts, 2000)
    const gpio = analyzeRun(trace, { segmentation: segmentationSchema.parse({ kind: 'gpio', line: 0 }) })
    const manual = analyzeRun(trace, {
      segmentation: segmentationSchema.parse({ kind: 'windows', windows: starts.map((s) => ({ label: 'inference', kind: 'inference', startS: s * dt, endS: (s + INF) * dt })) })
    })
    for (const a of [gpio, manual]) {
      expect(a.segments.filter((g) => g.kind === 'inference').map((g) => [g.startIndex, g.endIndex])).toEqual(starts.map((s) => [s, s + INF]))
      expectRel(a.summary.energyPerInferenceJ!.mean!, ACTIVE_A * V * INF * dt)
    }
  })

  it('labelled manual windows become stages of the inference they lie in, each with its own statistics', () => {
    const starts = [1000, 1300]
    const trace = build(starts, 2000)
    const windows = starts.flatMap((s) => [
      { label: 'inference', kind: 'inference', startS: s * dt, endS: (s + INF) * dt },
      { label: 'memory', startS: s * dt, endS: (s + 30) * dt },
      { label: 'inference', kind: 'stage', startS: (s + 30) * dt, endS: (s + INF) * dt }
    ])
    const a = analyzeRun(trace, { segmentation: segmentationSchema.parse({ kind: 'windows', windows }) })
    const stages = a.segments.filter((g) => g.kind === 'stage')
    expect(stages.map((g) => [g.label, g.inference, g.startIndex, g.endIndex])).toEqual([
      ['memory', 0, 1000, 1030],
      ['inference', 0, 1030, 1100],
      ['memory', 1, 1300, 1330],
      ['inference', 1, 1330, 1400]
    ])
    expect(a.summary.stages.map((st) => [st.stage, st.n])).toEqual([
      ['memory', 2],
      ['inference', 2]
    ])
    expectRel(a.summary.stages[0].energyJ.mean!, ACTIVE_A * V * 30 * dt)
    expectRel(a.summary.stages[1].latencyS.mean!, 70 * dt)
  })

  it('says nothing was found instead of failing when the threshold is above the trace', () => {
    const a = analyzeRun(build([1000], 2000), { segmentation: segmentationSchema.parse({ kind: 'threshold', level: 1 }) })
    expect(a.summary.n).toBe(0)
    expect(a.notes.join(' ')).toMatch(/No inferences were found with a current threshold of 1 A/)
  })
})

describe('analyzing a run: DUT timestamps (MLPerf Tiny energy mode)', () => {
  /** Two windows of N = 40 inferences back to back between a pair of D7 marks; window 1 also has a start-up glitch. */
  function energyTrace() {
    const N = 40
    const w1 = { glitch: 900, first: 1000, last: 1000 + N * INF }
    const w2 = { first: 7000, last: 7000 + N * INF }
    const current = new Float32Array(12000).fill(FLOOR_A)
    current.fill(ACTIVE_A, w1.first, w1.last)
    current.fill(ACTIVE_A, w2.first, w2.last)
    const trace = arrayTrace({
      samplePeriodS: dt,
      currentA: current,
      supplyV: V,
      marks: [w1.glitch, w1.first, w1.last, w2.first, w2.last].map((index) => ({ index, label: 'D7 falling' }))
    })
    const windows: InferWindowRange[] = [
      { index: 0, startIndex: 800, endIndex: 6000, inferences: N, warmup: 0, dutLatencyPerInferenceS: null },
      { index: 1, startIndex: 6000, endIndex: 12000, inferences: N, warmup: 0, dutLatencyPerInferenceS: null }
    ]
    return { trace, windows, N }
  }
  const timestamps = segmentationSchema.parse({ kind: 'dut-timestamps', source: { kind: 'marks' }, mlperfRule: true })

  it('scores each window on its last two timestamps, energy ÷ N', () => {
    const { trace, windows } = energyTrace()
    const a = analyzeRun(trace, { segmentation: timestamps, windows })
    expect(a.summary.basis).toBe('windows')
    expect(a.summary.n).toBe(2)
    expectRel(a.summary.energyPerInferenceJ!.mean!, ACTIVE_A * V * INF * dt)
    expectRel(a.summary.latencyPerInferenceS!.mean!, INF * dt)
    const w = a.segments.filter((g) => g.kind === 'window')
    expect(w.map((g) => [g.startIndex, g.endIndex])).toEqual([
      [1000, 5000],
      [7000, 11000]
    ])
    expect(a.notes.join(' ')).toMatch(/Window 1: 3 timestamps; the last two were used/)
    // Two windows of 0.4 s: the rule wants five of at least 10 s, and says so.
    expect(a.summary.mlperf!.valid).toBe(false)
    expect(a.summary.mlperf!.violations.join(' ')).toMatch(/exactly 5 windows/)
    expectRel(a.summary.mlperf!.medianEnergyPerInferenceJ!, ACTIVE_A * V * INF * dt)
  })

  it('names the window that lacks its timestamps and what to check', () => {
    const { trace, windows } = energyTrace()
    windows[1] = { ...windows[1], startIndex: 11500 }
    expect(() => analyzeRun(trace, { segmentation: timestamps, windows })).toThrow(/Window 2 \(infer 40 0, 1\.150–1\.200 s of the recording\) holds 0 DUT timestamps; 2 are needed.*D7/)
  })

  it('without the run’s windows, takes N and the window count from the request', () => {
    const { trace, N } = energyTrace()
    const a = analyzeRun(trace, { segmentation: timestamps, inferenceCount: N, timestampWindows: 2 })
    expect(a.summary.n).toBe(2)
    expectRel(a.summary.energyPerInferenceJ!.mean!, ACTIVE_A * V * INF * dt)
  })
})

describe('analyzing a run: DUT lap times only (no analyzer)', () => {
  it('summarizes the per-window latency from m-lap-us', () => {
    const windows: InferWindowRange[] = [0.01, 0.012, 0.011].map((l, k) => ({ index: k, startIndex: 0, endIndex: 0, inferences: 50, warmup: 5, dutLatencyPerInferenceS: l }))
    const a = analyzeRun(null, { segmentation: segmentationSchema.parse({ kind: 'dut-laps' }), windows })
    expectRel(a.summary.latencyPerInferenceS!.mean!, 0.011)
    expectRel(a.summary.latencyPerInferenceS!.sd!, 0.001)
    expect(a.summary.energyPerInferenceJ).toBeNull()
    expect(a.summary.warmupDiscarded).toBe(15)
  })

  it('explains that an energy-mode build has no lap times', () => {
    const windows: InferWindowRange[] = [{ index: 0, startIndex: 0, endIndex: 0, inferences: 50, warmup: 0, dutLatencyPerInferenceS: null }]
    expect(() => analyzeRun(null, { segmentation: segmentationSchema.parse({ kind: 'dut-laps' }), windows })).toThrow(/built for energy mode/)
  })
})
