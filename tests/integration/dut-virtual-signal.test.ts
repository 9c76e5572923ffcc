import { afterEach, describe, expect, it } from 'vitest'
import { openPtyPair } from '../../src-main/transports/pty-pair'
import { openSerial } from '../../src-main/transports/serial'
import { startVirtualDut } from '../../src-main/dut/mlperf-tiny/virtual-dut'
import { MlperfDut } from '../../src-main/dut/mlperf-tiny/driver'
import { segmentByDutTimestamps } from '../../src-main/analysis/segment-dut-timestamps'
import { segmentByGpio } from '../../src-main/analysis/segment-gpio'
import { segmentByThreshold } from '../../src-main/analysis/segment-threshold'
import { measureDutWindows, measureInferences } from '../../src-main/analysis/metrics'
import { nestStages, windowFromIndices, type StageWindow } from '../../src-main/analysis/segments'
import { fastClock, sampleSignal } from '../helpers/dut-bench'

const cleanups: Array<() => Promise<void>> = []
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c().catch(() => {})
})

/**
 * The whole chain without hardware: the driver sends `infer 20 2` to the virtual DUT over a pty; the
 * DUT lays its inferences on the bench timeline; we sample that signal as a 100 kS/s analyzer would and
 * cut it with every method. Everything is checked against the DUT's own ground truth.
 */
describe('virtual DUT signal, end to end', () => {
  const supplyV = 3.0
  const dt = 1e-5

  async function runBench() {
    const p = await openPtyPair('dut')
    cleanups.push(() => p.close())
    const host = await openSerial(p.hostPath, 9600)
    cleanups.push(() => host.close())
    const v = await startVirtualDut({
      devicePath: p.devicePath,
      mode: 'energy',
      clock: fastClock(10),
      supplyV,
      idleCurrentA: 1e-3,
      inferenceLine: 1,
      gapS: 5e-3,
      model: {
        name: 'ic01',
        macs: 1_000_000, // 10 ms at 10 ns/MAC, 1 mJ at 1 nJ/MAC
        stages: {
          init: { durationS: 2e-3, extraCurrentA: 5e-3 },
          memory: { durationS: 3e-3, extraCurrentA: 8e-3 },
          post: { durationS: 1e-3, extraCurrentA: 4e-3 }
        }
      }
    })
    cleanups.push(() => v.close())
    const driver = new MlperfDut(host, { commandTimeoutS: 30 })
    await driver.infer(20, 2)
    const truth = v.truth()
    const batch = truth.batches[0]
    // Start sampling at an instant that is not on any boundary's grid.
    const t0 = truth.bootS + 3.7e-6
    const count = Math.ceil((batch.endTimestampS + 0.02 - t0) / dt)
    return { truth, batch, t0, trace: sampleSignal(v.signal, t0, dt, count, supplyV) }
  }

  it('finds the MLPerf energy window from the D0 timestamps within a sample, and its energy within 0.1 %', async () => {
    const { batch, t0, trace, truth } = await runBench()
    expect(truth.timestamps).toHaveLength(3)
    const [w] = segmentByDutTimestamps(trace, { source: { kind: 'line', line: 0 }, inferenceCount: 20 })
    expect(Math.abs(w.startIndex - (batch.startTimestampS - t0) / dt)).toBeLessThanOrEqual(1)
    expect(Math.abs(w.endIndex - (batch.endTimestampS - t0) / dt)).toBeLessThanOrEqual(1)
    const [m] = measureDutWindows(trace, [w])
    expect(Math.abs(m.energyJ - batch.windowEnergyJ) / batch.windowEnergyJ).toBeLessThan(1e-3)
    expect(Math.abs(m.energyPerInferenceJ - batch.windowEnergyJ / 20) / (batch.windowEnergyJ / 20)).toBeLessThan(1e-3)
    // Independently of the DUT's bookkeeping: per inference, init+memory+inference+post plus the idle
    // floor through the 5 ms gaps and the 100 µs timestamp hold, at 3.0 V.
    const perInferenceC = 2e-3 * 6e-3 + 3e-3 * 9e-3 + 0.01 * (1e-3 + 1e-9 / (3.0 * 1e-8)) + 1e-3 * 5e-3
    const windowC = 20 * perInferenceC + 19 * 5e-3 * 1e-3 + 100e-6 * 1e-3
    expect(Math.abs(batch.windowEnergyJ - windowC * supplyV) / (windowC * supplyV)).toBeLessThan(1e-9)
  })

  it('cuts the same inferences by the GPIO line and by a current threshold, each within a sample', async () => {
    const { truth, t0, trace } = await runBench()
    const expected = truth.inferences // 2 warm-ups + 20
    expect(expected).toHaveLength(22)
    for (const seg of [
      segmentByGpio(trace, { line: 1, mode: 'pulses' }),
      segmentByThreshold(trace, { threshold: 3e-3, hysteresis: 1e-3, minDurationS: 1e-3 })
    ]) {
      expect(seg.dropped).toEqual([])
      expect(seg.inferences).toHaveLength(22)
      const metrics = measureInferences(trace, seg.inferences)
      seg.inferences.forEach((inf, k) => {
        expect(Math.abs(inf.startIndex - (expected[k].startS - t0) / dt)).toBeLessThanOrEqual(1)
        expect(Math.abs(inf.endIndex - (expected[k].endS - t0) / dt)).toBeLessThanOrEqual(1)
        expect(Math.abs(metrics[k].energyJ - expected[k].energyJ) / expected[k].energyJ).toBeLessThan(1e-3)
      })
    }
  })

  it('measures each stage where the truth puts it', async () => {
    const { truth, t0, trace } = await runBench()
    const { inferences } = segmentByGpio(trace, { line: 1, mode: 'pulses' })
    // The samples whose instants fall inside each true stage: [ceil((s − t0)/dt), ceil((e − t0)/dt)).
    const at = (tS: number) => Math.ceil((tS - t0) / dt - 1e-9)
    const stages: StageWindow[] = truth.inferences.flatMap((inf) =>
      inf.stages.map((s) => ({ ...windowFromIndices(dt, at(s.startS), at(s.endS)), stage: s.stage, placement: 'measured' as const }))
    )
    const nested = nestStages(inferences, stages)
    expect(nested.orphans).toEqual([])
    const m = measureInferences(trace, nested.inferences)
    m.forEach((inf, k) => {
      expect(inf.stages.map((s) => s.stage)).toEqual(['init', 'memory', 'inference', 'post'])
      inf.stages.forEach((s, j) => {
        const t = truth.inferences[k].stages[j]
        expect(Math.abs(s.latencyS - (t.endS - t.startS))).toBeLessThanOrEqual(dt * 1.0001)
        // Within one sample's worth of the stage's power at each end.
        expect(Math.abs(s.energyJ - t.energyJ)).toBeLessThanOrEqual(2 * t.currentA * supplyV * dt)
        expect(Math.abs(s.averagePowerW - t.currentA * supplyV) / (t.currentA * supplyV)).toBeLessThan(1e-6) // float32 samples
      })
    })
  })
})
