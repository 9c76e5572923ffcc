import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import '../../src-main/instruments/raw-formats'
import { openWorkspace, type Db } from '../../src-main/store/workspace'
import { RecordingStore } from '../../src-main/store/recording-store'
import { BenchmarkRun } from '../../src-main/runs/run-plan'
import { defaultPlan } from '../../src-main/runs/plan-defaults'
import type { VirtualDutPlan } from '../../src-main/runs/plan'

const cleanups: Array<() => unknown> = []
afterEach(() => {
  for (const c of cleanups.splice(0).reverse()) c()
})

/**
 * MLPerf Tiny energy mode end to end on the virtual bench: the virtual LPM01A powers the virtual DUT,
 * which talks at 9600 baud through a virtual interface board and pulls D7 low at each timestamp; the
 * LPM01A streams 1 ms energy samples (ascii_dec, the runner's setup) with D7 events; 5 windows of at
 * least 10 s each, scored as the median. The bench clock runs 10× faster than real time, which the
 * emulators support (they sample and print on the bench clock), so 55 s of bench time take ~6 s.
 */
describe('MLPerf Tiny energy mode on the virtual bench (virtual DUT + virtual LPM01A)', () => {
  it('reports energy per inference within 1 % of the emulators’ model, from 5 windows of ≥ 10 s', async () => {
    const db: Db = openWorkspace(join(mkdtempSync(join(tmpdir(), 'jb-runs-energy-')), 'w.db'))
    cleanups.push(() => db.close())
    const plan = defaultPlan('energy', { clockSpeed: 10 })
    const run = BenchmarkRun.start(db, plan)
    const d = await run.done
    expect(d.stateReason).toBeNull()
    expect(d.state).toBe('finished')

    // The model the virtual DUT runs: energy per MAC above a 1 mA floor, latency per MAC, at 3.3 V.
    const dut = plan.dut as VirtualDutPlan
    const latencyS = plan.model.macs * dut.latencyPerMacS
    const modelJ = plan.model.macs * dut.energyPerMacJ + dut.idleCurrentA * plan.supplyV * latencyS
    const s = d.summary!
    expect(s.basis).toBe('windows')
    expect(s.n).toBe(5)
    expect(Math.abs(s.mlperf!.medianEnergyPerInferenceJ! - modelJ) / modelJ).toBeLessThan(0.01)
    expect(Math.abs(s.energyPerInferenceJ!.median! - modelJ) / modelJ).toBeLessThan(0.01)
    expect(Math.abs(s.latencyPerInferenceS!.median! - latencyS) / latencyS).toBeLessThan(0.01)
    expect(s.mlperf!.valid).toBe(true)
    expect(s.mlperf!.violations).toEqual([])

    // Window by window, against what the DUT drew between its own two timestamps.
    const batches = run.virtualDut!.truth().batches
    const windows = d.segments.filter((g) => g.kind === 'window')
    expect(windows).toHaveLength(5)
    windows.forEach((w, k) => {
      const b = batches[k]
      expect(b.count).toBe(plan.repetitions.inferences)
      expect(b.warmups).toBe(10)
      expect(w.durationS!).toBeGreaterThanOrEqual(10)
      expect(Math.abs(w.energyJ! - b.windowEnergyJ) / b.windowEnergyJ).toBeLessThan(0.01)
      expect(Math.abs(w.energyPerInferenceJ! - b.windowEnergyJ / b.count) / (b.windowEnergyJ / b.count)).toBeLessThan(0.01)
    })

    // The recording is the LPM01A's 1 kHz energy stream with its D7 events, kept with the run.
    const store = RecordingStore.open(db)
    const rec = store.get(d.recordingId!)
    expect(rec.samplePeriodS).toBeCloseTo(1e-3, 12)
    expect(store.marks(rec.id).length).toBeGreaterThanOrEqual(10)
    expect(d.instruments.map((i) => i.role)).toEqual(['analyzer', 'dut', 'interface-board'])
    expect(d.instruments[0].settings).toMatchObject({ sampleRateHz: 1000, extra: { output: 'energy', format: 'ascii_dec', d7Events: 'fal' } })
    expect(d.instruments[1].settings).toMatchObject({ viaInterfaceBoard: true, mode: 'energy', baudRate: 115200 })
  })
})
