import { describe, expect, it } from 'vitest'
import { analyzeRecording } from '../../src-main/analysis/analyze'
import { parseStageLog } from '../../src-main/dut/stage-logs/parse'
import { MAX78000_FORMAT } from '../../src-main/dut/stage-logs/formats'
import { synthesize, type Burst } from '../helpers/dut-synthetic'

describe('analyzeRecording', () => {
  it('threshold + idle baseline + warm-up + stage log: per-stage statistics of the μNPU study kind', () => {
    // Four runs of the MAX78000 sequence, 0.5 s apart: init 1 ms +3 mA, memory 4 ms +4 mA,
    // inference 2 ms +40 mA, post 0.5 ms +5 mA, over a 1 mA idle floor at 3.3 V.
    const dt = 1e-5
    const stages = [
      { name: 'init', d: 1e-3, a: 3e-3 },
      { name: 'memory', d: 4e-3, a: 4e-3 },
      { name: 'inference', d: 2e-3, a: 40e-3 },
      { name: 'post', d: 0.5e-3, a: 5e-3 }
    ]
    const bursts: Burst[] = []
    for (let k = 0; k < 4; k++) {
      let t = 0.1 + k * 0.5 + 0.17e-6
      for (const s of stages) {
        bursts.push({ startS: t, endS: t + s.d, extraA: s.a })
        t += s.d
      }
    }
    const trace = synthesize({ samplePeriodS: dt, durationS: 2.2, idleA: 1e-3, supplyV: 3.3, bursts })
    const log = parseStageLog(
      Array.from({ length: 4 }, () => ['Initialization Time: 1000 us', 'Memory I/O Time: 4000 us', 'Inference Time: 2000 us', 'Post-Processing Time: 500 us'].join('\n')).join('\n'),
      MAX78000_FORMAT
    )
    const r = analyzeRecording(trace, {
      method: { kind: 'threshold', threshold: 20e-3 },
      idle: { startS: 2.0, endS: 2.2 },
      warmup: 1,
      stageLog: { log }
    })
    expect(r.inferences).toHaveLength(4)
    expect(r.baseline!.powerW).toBeCloseTo(3.3e-3, 8)
    const s = r.summary!
    expect(s.count).toBe(3)
    expect(s.discardedWarmup).toBe(1)
    expect(s.stages.map((x) => x.stage)).toEqual(['init', 'memory', 'inference', 'post'])
    // End-to-end latency 7.5 ms; net energy = Σ extra currents × durations × 3.3 V, independently.
    expect(s.latencyS.mean!).toBeCloseTo(7.5e-3, 4)
    const net = 3.3 * stages.reduce((a, x) => a + x.a * x.d, 0)
    expect(Math.abs(s.netEnergyJ!.mean! - net) / net).toBeLessThan(1e-2)
    const mem = s.stages[1]
    expect(mem.averagePowerW.mean!).toBeCloseTo(3.3 * 5e-3, 5)
    expect(r.stageAlignment!.runs.map((x) => x.run)).toEqual([0, 1, 2, 3])
  })

  it('dut-timestamps with the MLPerf rule: five windows, median energy per inference', () => {
    // 1 kS/s energy samples like the LPM01A's; 5 windows of 10.5 s each with N = 100 and a known draw.
    const dt = 1e-3
    const marks: number[] = []
    const bursts: Burst[] = []
    for (let w = 0; w < 5; w++) {
      const s = 1 + w * 12
      marks.push(s, s + 10.5)
      bursts.push({ startS: s, endS: s + 10.5, extraA: (10 + w) * 1e-3 })
    }
    const trace = synthesize({ samplePeriodS: dt, durationS: 62, idleA: 0, supplyV: 3.0, bursts, marks: marks.map((t) => ({ index: Math.round(t / dt), label: 'event' })) })
    const r = analyzeRecording(trace, { method: { kind: 'dut-timestamps', source: { kind: 'marks' }, inferenceCount: 100, windows: 5 }, mlperfRule: true })
    expect(r.dutWindows).toHaveLength(5)
    expect(r.mlperf!.valid).toBe(true)
    // Median window draws 12 mA for 10.5 s at 3 V over 100 inferences.
    expect(r.mlperf!.medianEnergyPerInferenceJ!).toBeCloseTo((3 * 12e-3 * 10.5) / 100, 6)
    expect(r.dutSummary!.energyPerInferenceJ.n).toBe(5)
  })

  it('takes the baseline from a manual idle label, and refuses stray stages or a misplaced rule', () => {
    const trace = synthesize({ samplePeriodS: 1e-3, durationS: 1, idleA: 2e-3, supplyV: 1.8, bursts: [{ startS: 0.2, endS: 0.3, extraA: 10e-3 }] })
    const r = analyzeRecording(trace, {
      method: {
        kind: 'manual',
        windows: [
          { label: 'run', kind: 'inference', startS: 0.2, endS: 0.3 },
          { label: 'Idle', startS: 0.5, endS: 0.9 }
        ]
      }
    })
    expect(r.baseline!.currentA).toBeCloseTo(2e-3, 8)
    expect(r.inferences[0].netEnergyJ!).toBeCloseTo(1.8 * 10e-3 * 0.1, 8)
    expect(() =>
      analyzeRecording(trace, {
        method: {
          kind: 'manual',
          windows: [
            { label: 'run', kind: 'inference', startS: 0.2, endS: 0.3 },
            { label: 'post', startS: 0.6, endS: 0.7 }
          ]
        }
      })
    ).toThrow(/"post" lie outside every inference window/)
    expect(() => analyzeRecording(trace, { method: { kind: 'threshold', threshold: 5e-3 }, mlperfRule: true })).toThrow(/dut-timestamps/)
  })
})
