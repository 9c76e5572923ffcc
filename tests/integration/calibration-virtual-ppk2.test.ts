import { afterEach, describe, expect, it, vi } from 'vitest'
import { createVirtualPpk2, Ppk2Driver, type VirtualPpk2 } from '../../src-main/instruments/ppk2'
import { referenceLoadSignal } from '../../src-main/calibration/reference-load-signal'
import { parseReferenceLoad } from '../../src-main/calibration/reference-load'
import { correctionFromResult, rangeSpecs, runCalibration } from '../../src-main/calibration/procedure'
import { calibratedSink } from '../../src-main/calibration/provenance'
import { rangeClassifierFor } from '../../src-main/calibration/correction'
import { findAnalyzer, loadDefinitions } from '../../src-main/wiring/definitions'
import { WindowAccumulator } from '../../src-main/wiring/bench-reading'
import { streamWindow } from '../../src-main/wiring/stream-window'
import { planUserGains, writeUserGains } from '../../src-main/calibration/user-gains'

/**
 * The calibration procedure against the emulated PPK2 over a real pty, with the emulator misreading by
 * a known gain and offset in every range (as a unit whose stored calibration has drifted would).
 */
const GAIN = [1.03, 0.96, 1.045, 0.975, 1.06]
const OFFSET_A = [0.15e-6, 1.5e-6, 12e-6, -80e-6, 1.2e-3]
/** Two loads per range at 3.3 V (R0 also has the open output), inside the emulator's range switch points. */
const LOADS = ['470k', '100k', '33k', '10k', '3.3k', '1k', '330', '100', '33', '10'].map((r) => parseReferenceLoad(`${r}@3.3±0.1%`))

let virtual: VirtualPpk2 | null = null
let driver: Ppk2Driver | null = null
afterEach(async () => {
  await driver?.close().catch(() => {})
  await virtual?.close().catch(() => {})
  driver = null
  virtual = null
})

describe('calibrating the virtual PPK2', () => {
  it('recovers each range’s gain and offset within the emulator’s noise, and a capture afterwards reads true within 0.2 %', async () => {
    const loads = referenceLoadSignal()
    virtual = await createVirtualPpk2(loads, undefined, { speed: Infinity, frontEnd: { readingError: { gain: GAIN, offsetA: OFFSET_A } } })
    driver = await Ppk2Driver.open(await virtual.open(), { virtual: true, mode: 'source', supplyMv: 3300 })
    const d = driver
    const definition = findAnalyzer(loadDefinitions(), 'ppk2')
    const result = await runCalibration(
      { analyzer: d, present: async (step) => loads.present(step.kind === 'open' ? null : step.load) },
      { loads: LOADS, ranges: rangeSpecs(d, definition), settleS: 0.02, measureS: 0.3, deviceUserGains: [...d.calibration.ug] }
    )
    // Every load landed in the range its current belongs to.
    expect(result.points.map((p) => p.rangeIndex)).toEqual([0, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4])
    for (const r of result.ranges) {
      const i = r.rangeIndex
      expect(r.fit).toBe('gain-and-offset')
      // Emulator noise is 0.6 ADC counts per sample; averaged over 30 000 samples per point it leaves
      // errors of a few parts in 1e5 of the range's top current. The bounds are ten times that.
      expect(Math.abs(r.gain - GAIN[i]!), `gain R${i}: ${r.gain}`).toBeLessThan(5e-4)
      expect(Math.abs(r.offsetA - OFFSET_A[i]!), `offset R${i}: ${r.offsetA}`).toBeLessThan(2e-4 * definition.ranges[i]!.maxA)
    }
    expect(result.verdict).toBe('pass')

    // Capture currents the calibration never saw, through the correction.
    const correction = correctionFromResult('cal-test', result)
    const classify = rangeClassifierFor('ppk2', d.ranges)
    for (const ohms of [220_000, 22_000, 1500, 150, 47]) {
      loads.present(parseReferenceLoad(`${ohms}@3.3`))
      const acc = new WindowAccumulator(2000)
      await streamWindow(d, calibratedSink(acc, { ref: null, correction, classify, warning: null }), { supplyV: 3.3, samples: 32_000 })
      const trueA = 3.3 / ohms
      const mean = acc.window(d.samplePeriodS).meanA
      expect(Math.abs(mean / trueA - 1), `${ohms} Ω: read ${mean} A for ${trueA} A`).toBeLessThan(0.002)
    }

    // Move the gains into the unit as user gains: the device then applies 1/gain itself, and the same
    // record, told the user gains now in use, still corrects the remaining offset to the truth.
    const plan = planUserGains(result)
    expect(plan.writes.map((w) => w.rangeIndex)).toEqual([0, 1, 2, 3, 4])
    await writeUserGains(plan, (r, g) => d.setUserGain(r, g))
    // The unit got SetUserGains for every range (the bytes cross the pty after the write returns).
    await vi.waitFor(() => expect(virtual!.emulator.userGains.map((g) => +g.toFixed(4))).toEqual(GAIN.map((g) => +(1 / g).toFixed(4))), { timeout: 60_000 })
    for (const ohms of [22_000, 150]) {
      loads.present(parseReferenceLoad(`${ohms}@3.3`))
      const raw = new WindowAccumulator(2000)
      await streamWindow(d, raw, { supplyV: 3.3, samples: 32_000 })
      const trueA = 3.3 / ohms
      const i = ohms === 150 ? 3 : 1
      // The device alone now reads true + offset / gain.
      expect(raw.window(d.samplePeriodS).meanA).toBeCloseTo(trueA + OFFSET_A[i]! / GAIN[i]!, 6)
      const acc = new WindowAccumulator(2000)
      await streamWindow(d, calibratedSink(acc, { ref: null, correction, classify, warning: null }, d.calibration.ug), { supplyV: 3.3, samples: 32_000 })
      expect(Math.abs(acc.window(d.samplePeriodS).meanA / trueA - 1)).toBeLessThan(0.002)
    }
  })
})
