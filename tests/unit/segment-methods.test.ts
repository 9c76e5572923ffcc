import { describe, expect, it } from 'vitest'
import { segmentByDutTimestamps } from '../../src-main/analysis/segment-dut-timestamps'
import { segmentManual } from '../../src-main/analysis/segment-manual'
import { measureBaseline, measureDutWindows, measureInferences } from '../../src-main/analysis/metrics'
import { nestStages, windowFromSeconds } from '../../src-main/analysis/segments'
import { arrayTrace } from '../../src-main/analysis/array-trace'
import { synthesize } from '../helpers/dut-synthetic'

const dt = 1e-5

describe('segmentByDutTimestamps (MLPerf Tiny energy mode)', () => {
  // Boot pulse at 0.01 s, then infer 20: timestamp at 0.1 s, 20 inferences of 12.5 ms, timestamp at 0.35 s.
  const spec = {
    samplePeriodS: dt,
    durationS: 0.4,
    idleA: 2e-3,
    bursts: Array.from({ length: 20 }, (_, k) => ({ startS: 0.10002 + k * 0.0125, endS: 0.10002 + k * 0.0125 + 0.01, extraA: 0.015 })),
    supplyV: 3.0,
    pulses: { line: 0, atS: [0.01, 0.1, 0.35], holdS: 20e-6 }
  }

  it('takes the last two falling edges and divides the energy between them by N', () => {
    const trace = synthesize(spec)
    const [w] = segmentByDutTimestamps(trace, { source: { kind: 'line', line: 0 }, inferenceCount: 20 })
    expect(w.startIndex).toBe(10000)
    expect(w.endIndex).toBe(35000)
    const [m] = measureDutWindows(trace, [w])
    // Analytic: idle for 0.25 s plus 20 bursts of 15 mA × 10 ms, at 3.0 V.
    const analytic = 3.0 * (2e-3 * 0.25 + 20 * 0.015 * 0.01)
    expect(Math.abs(m.energyJ - analytic) / analytic).toBeLessThan(1e-3)
    expect(m.energyPerInferenceJ).toBeCloseTo(m.energyJ / 20, 15)
    expect(m.latencyPerInferenceS).toBeCloseTo(0.25 / 20, 9)
  })

  it('reads the timestamps from analyzer marks just as well (LPM01A D7 events)', () => {
    const trace = synthesize({ ...spec, pulses: undefined, marks: [3000, 10000, 35000].map((index) => ({ index, label: 'event ris' })) })
    const [w] = segmentByDutTimestamps(trace, { source: { kind: 'marks', label: /^event/ }, inferenceCount: 20 })
    expect([w.startIndex, w.endIndex]).toEqual([10000, 35000])
  })

  it('pairs windows back from the last timestamp', () => {
    const trace = synthesize({ ...spec, pulses: { line: 0, atS: [0.01, 0.05, 0.1, 0.2, 0.35], holdS: 20e-6 } })
    const ws = segmentByDutTimestamps(trace, { source: { kind: 'line', line: 0 }, inferenceCount: 4, windows: 2 })
    expect(ws.map((w) => [w.startIndex, w.endIndex])).toEqual([
      [5000, 10000],
      [20000, 35000]
    ])
  })

  it('says what to check when there are too few timestamps', () => {
    const trace = synthesize({ ...spec, pulses: { line: 0, atS: [0.01], holdS: 20e-6 } })
    expect(() => segmentByDutTimestamps(trace, { source: { kind: 'line', line: 0 }, inferenceCount: 20 })).toThrow(
      /Found 1 DUT timestamp .*D0 falling.*2 are needed.*energy mode/
    )
  })
})

describe('segmentManual', () => {
  it('turns labelled windows in seconds into an inference with nested stages and an idle baseline', () => {
    // idle 5 mA; "configured" 20 mA for 10 ms; "inference" 60 mA for 2.3 ms; "de-init" 10 mA for 4 ms.
    const trace = synthesize({
      samplePeriodS: dt,
      durationS: 0.1,
      idleA: 5e-3,
      supplyV: 3.3,
      bursts: [
        { startS: 0.02, endS: 0.03, extraA: 15e-3 },
        { startS: 0.03, endS: 0.0323, extraA: 55e-3 },
        { startS: 0.0323, endS: 0.0363, extraA: 5e-3 }
      ]
    })
    const seg = segmentManual(trace, [
      { label: 'Idle', startS: 0.06, endS: 0.09 },
      { label: 'NPU & mem configured', startS: 0.02, endS: 0.03 },
      { label: 'Inference', startS: 0.03, endS: 0.0323 },
      { label: 'NPU de-init', startS: 0.0323, endS: 0.0363 }
    ])
    expect(seg.inferences).toHaveLength(1)
    expect(seg.inferences[0].startIndex).toBe(2000)
    expect(seg.inferences[0].endIndex).toBe(3630)
    expect(seg.inferences[0].stages.map((s) => s.stage)).toEqual(['NPU & mem configured', 'Inference', 'NPU de-init'])
    const baseline = measureBaseline(trace, seg.idle[0])
    expect(baseline.currentA).toBeCloseTo(5e-3, 9)
    expect(baseline.powerW).toBeCloseTo(3.3 * 5e-3, 9)
    const [m] = measureInferences(trace, seg.inferences, { baseline })
    const inference = m.stages[1]
    expect(inference.latencyS).toBeCloseTo(0.0023, 9)
    expect(inference.averagePowerW).toBeCloseTo(3.3 * 0.06, 6)
    expect(inference.peakCurrentA).toBeCloseTo(0.06, 6)
    // Net energy: only the 55 mA above idle, analytically.
    expect(inference.netEnergyJ!).toBeCloseTo(3.3 * 0.055 * 0.0023, 9)
    const grossAnalytic = 3.3 * (0.02 * 0.01 + 0.06 * 0.0023 + 0.01 * 0.004)
    expect(Math.abs(m.energyJ - grossAnalytic) / grossAnalytic).toBeLessThan(1e-3)
  })

  it('names the window that lies outside the recording', () => {
    const trace = arrayTrace({ samplePeriodS: dt, currentA: new Float64Array(100) })
    expect(() => segmentManual(trace, [{ label: 'Inference', startS: 5, endS: 6 }])).toThrow(/"Inference" \(5 s to 6 s\) lies outside/)
    expect(() => windowFromSeconds(dt, 100, 0.3, 0.1)).toThrow(/start before its end/)
  })

  it('nests stages into the inference they overlap most and keeps strays as orphans', () => {
    const infs = [
      { startIndex: 0, endIndex: 100, startS: 0, endS: 0, index: 0, source: 'manual' as const, stages: [] },
      { startIndex: 100, endIndex: 200, startS: 0, endS: 0, index: 1, source: 'manual' as const, stages: [] }
    ]
    const st = (stage: string, s: number, e: number) => ({ stage, startIndex: s, endIndex: e, startS: 0, endS: 0 })
    const r = nestStages(infs, [st('b', 90, 130), st('a', 10, 20), st('x', 300, 310)])
    expect(r.inferences[0].stages.map((s) => s.stage)).toEqual(['a'])
    expect(r.inferences[1].stages.map((s) => s.stage)).toEqual(['b'])
    expect(r.orphans.map((s) => s.stage)).toEqual(['x'])
  })
})
