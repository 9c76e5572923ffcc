import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { openPtyPair } from '../../src-main/transports/pty-pair'
import { openSerial } from '../../src-main/transports/serial'
import { startVirtualDut } from '../../src-main/dut/mlperf-tiny/virtual-dut'
import { MlperfDut } from '../../src-main/dut/mlperf-tiny/driver'
import { openWorkspace } from '../../src-main/store/workspace'
import { RecordingWriter } from '../../src-main/store/recording-writer'
import { RecordingStore } from '../../src-main/store/recording-store'
import { segmentByDutTimestamps } from '../../src-main/analysis/segment-dut-timestamps'
import { segmentByThreshold } from '../../src-main/analysis/segment-threshold'
import { measureDutWindows, measureInferences, summarizeInferences } from '../../src-main/analysis/metrics'
import { fastClock } from '../helpers/dut-bench'

const cleanups: Array<() => Promise<void> | void> = []
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c()
})

/**
 * Analysis over the real recording store: the virtual DUT's signal is written into a SQLite workspace
 * in blocks (with a gap where "USB" lost samples), reopened, and cut and measured through the store's
 * TraceReader, in chunks, as it would be after a real capture.
 */
describe('segmentation and metrics over a stored recording', () => {
  it('agrees with the virtual DUT’s truth and never counts the lost samples', async () => {
    const p = await openPtyPair('dut')
    cleanups.push(() => p.close())
    const host = await openSerial(p.hostPath, 9600)
    cleanups.push(() => host.close())
    const supplyV = 1.8
    const v = await startVirtualDut({
      devicePath: p.devicePath,
      mode: 'energy',
      clock: fastClock(10),
      supplyV,
      idleCurrentA: 0.4e-3,
      gapS: 4e-3,
      model: { name: 'kws01', macs: 2_660_000, latencyPerMacS: 5e-9, energyPerMacJ: 0.4e-9 }
    })
    cleanups.push(() => v.close())
    const driver = new MlperfDut(host, { commandTimeoutS: 60 })
    await driver.infer(30, 5)
    const truth = v.truth()
    const batch = truth.batches[0]

    const dt = 1e-5
    const t0 = truth.bootS + 1.3e-6
    const total = Math.ceil((batch.endTimestampS + 0.01 - t0) / dt)
    // Lose 5 ms of samples inside the third warm-up (13.3 ms long).
    const lost = truth.inferences[2]
    const gapStart = Math.round((lost.startS + (lost.endS - lost.startS) / 3 - t0) / dt)
    const gapCount = 500

    const path = join(mkdtempSync(join(tmpdir(), 'jb-dut-store-')), 'workspace.db')
    let db = openWorkspace(path)
    const w = RecordingWriter.create(db, { name: 'virtual kws01', samplePeriodS: dt, supplyV, digital: true })
    const cur = new Float64Array(7919)
    const dig = new Uint8Array(7919)
    for (let at = 0; at < total; at += cur.length) {
      const n = Math.min(cur.length, total - at)
      v.signal.render(t0 + at * dt, dt, cur.subarray(0, n), dig.subarray(0, n))
      // Write around the gap: the samples inside it never reach the store.
      for (const [s, e] of [
        [at, Math.min(at + n, gapStart)],
        [Math.max(at, gapStart + gapCount), at + n]
      ]) {
        if (e <= s) continue
        w.samples({ startIndex: s, currentA: Float32Array.from(cur.subarray(s - at, e - at)), digital: dig.slice(s - at, e - at) })
      }
      if (gapStart >= at && gapStart < at + n) w.gap({ startIndex: gapStart, count: gapCount, reason: 'USB transfer lost' })
    }
    w.finish()
    db.close()

    db = openWorkspace(path)
    cleanups.push(() => {
      db.close()
    })
    const trace = RecordingStore.open(db).reader(w.id)
    expect(trace.sampleCount).toBe(total)

    const [win] = segmentByDutTimestamps(trace, { source: { kind: 'line', line: 0 }, inferenceCount: 30 })
    const [dm] = measureDutWindows(trace, [win])
    expect(Math.abs(dm.energyJ - batch.windowEnergyJ) / batch.windowEnergyJ).toBeLessThan(1e-3)
    expect(dm.missingSamples).toBe(0)

    const seg = segmentByThreshold(trace, { threshold: 2e-3, hysteresis: 0.5e-3 })
    // The warm-up the gap cut is reported, not measured; the 34 others are found.
    expect(seg.dropped).toHaveLength(1)
    expect(seg.dropped[0]).toMatchObject({ reason: 'gap' })
    expect(seg.inferences).toHaveLength(34)
    const kept = truth.inferences.filter((i) => i !== lost)
    const m = measureInferences(trace, seg.inferences)
    m.forEach((inf, k) => {
      expect(Math.abs(inf.window.startIndex - (kept[k].startS - t0) / dt)).toBeLessThanOrEqual(1)
      expect(Math.abs(inf.energyJ - kept[k].energyJ) / kept[k].energyJ).toBeLessThan(1e-3)
      expect(inf.missingSamples).toBe(0)
    })
    // Statistics over the 30 measured inferences after the 4 surviving warm-ups.
    const s = summarizeInferences(m, { warmup: 4 })
    const perInferenceJ = 2_660_000 * 0.4e-9 + 0.4e-3 * supplyV * 2_660_000 * 5e-9
    expect(s.count).toBe(30)
    expect(Math.abs(s.energyJ.mean! - perInferenceJ) / perInferenceJ).toBeLessThan(1e-3)
    expect(s.latencyS.median!).toBeCloseTo(2_660_000 * 5e-9, 4)
  })
})
