import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import '../../src-main/instruments/raw-formats'
import { createVirtualLpm01a, Lpm01aDriver, LPM01A_BAUD } from '../../src-main/instruments/lpm01a'
import { openSerial } from '../../src-main/transports/serial'
import { openWorkspace } from '../../src-main/store/workspace'
import { RecordingStore } from '../../src-main/store/recording-store'
import { CaptureSession } from '../../src-main/capture/capture-session'
import { CalibrationStore } from '../../src-main/calibration/records'
import { summarise } from '../../src-main/calibration/procedure'
import { calibratedCapture, recomputeCalibration } from '../../src-main/calibration/provenance'
import { enableCalibratedRawFormats } from '../../src-main/calibration/raw-formats'
import { createVirtualPpk2, Ppk2Driver } from '../../src-main/instruments/ppk2'
import { PPK2_RANGES } from '../../src-main/instruments/ppk2'

const cleanup: Array<() => Promise<unknown>> = []
afterEach(async () => {
  for (const c of cleanup.reverse()) await c().catch(() => {})
  cleanup.length = 0
})

describe('a capture from the virtual LPM01A under a calibration in force', () => {
  it('names the calibration, stores corrected current, and recomputes back to the device’s own reading', async () => {
    expect(enableCalibratedRawFormats()).toEqual(expect.arrayContaining(['lpm01a-hexa-v1', 'lpm01a-ascii-v1']))
    const trueA = 2e-3
    const v = await createVirtualLpm01a({ render: (_t, _p, a, d) => (a.fill(trueA), d.fill(0)) })
    cleanup.push(() => v.close())
    const driver = await Lpm01aDriver.open(await openSerial(v.hostPath, LPM01A_BAUD), { virtual: true, settings: { sampleRateHz: 10_000 } })
    cleanup.push(() => driver.close())

    const db = openWorkspace(join(mkdtempSync(join(tmpdir(), 'jb-calcap-')), 'w.db'))
    const calibrations = new CalibrationStore(db)
    // A record for this unit saying it reads 1.02 × true + 5 µA (exact points, so the fit is exactly that).
    const points = [1e-3, 4e-3].map((a) => ({
      kind: 'load' as const, loadText: `${a}`, resistanceOhm: 3.3 / a, voltageV: 3.3, toleranceFraction: 0.001,
      trueA: a, trueUncertaintyA: a * 1e-4, rangeIndex: 0, readingA: 1.02 * a + 5e-6, sdA: 0, sampleCount: 1000, otherRangeSamples: 0
    }))
    const i = driver.identity
    const record = calibrations.save(
      summarise({ id: i.id, family: i.family, model: i.model, serial: i.serial!, firmware: i.firmware }, points, driver.ranges.map((r) => ({ ...r, resolutionA: null })), { settleS: 0, measureS: 1, voltageToleranceFraction: 0 }, 3.3)
    )

    const cc = calibratedCapture(calibrations, driver, driver.recordingFormat)
    expect(cc.ref?.id).toBe(record.id)
    const session = await CaptureSession.start(db, driver, { ...driver.recordingFormat, supplyV: 3.3, name: 'calibrated' })
    await new Promise((r) => setTimeout(r, 600))
    const info = await session.stop()

    const recordings = RecordingStore.open(db)
    const stored = recordings.get(info.id)
    expect(stored.calibrationId).toBe(record.id)
    // The emulated board quantises to 12 bits (2 mA → within 0.05 %); the correction is far larger.
    const corrected = (trueA - 5e-6) / 1.02
    expect(recordings.stats(info.id).currentA.mean!).toBeCloseTo(corrected, 6)
    expect(Math.abs(recordings.stats(info.id).currentA.mean! / corrected - 1)).toBeLessThan(0.001)

    const plain = recordings.recompute(info.id, recomputeCalibration(stored.calibration, null))
    expect(plain.calibrationId).toBeNull()
    expect(Math.abs(recordings.stats(info.id).currentA.mean! / trueA - 1)).toBeLessThan(0.001)
    db.close()
  })

  it('PPK2: raw words are stored, decoded through the record in force, and recomputed under none', async () => {
    enableCalibratedRawFormats()
    const trueA = 2e-3
    // A unit that reads 4 % high plus 20 µA in R2, and a record that says exactly that.
    const v = await createVirtualPpk2({ render: (_t, _p, a, d) => (a.fill(trueA), d.fill(0)) }, undefined, {
      speed: 5,
      frontEnd: { readingError: { gain: [1, 1, 1.04, 1, 1], offsetA: [0, 0, 20e-6, 0, 0] } }
    })
    cleanup.push(() => v.close())
    const driver = await Ppk2Driver.open(await v.open(), { virtual: true, mode: 'source', supplyMv: 3300 })
    cleanup.push(() => driver.close())
    const db = openWorkspace(join(mkdtempSync(join(tmpdir(), 'jb-calcap-')), 'w.db'))
    const calibrations = new CalibrationStore(db)
    const points = [1e-3, 4e-3].map((a) => ({
      kind: 'load' as const, loadText: `${a}`, resistanceOhm: 3.3 / a, voltageV: 3.3, toleranceFraction: 0.001,
      trueA: a, trueUncertaintyA: a * 1e-4, rangeIndex: 2, readingA: 1.04 * a + 20e-6, sdA: 0, sampleCount: 1000, otherRangeSamples: 0
    }))
    const i = driver.identity
    const record = calibrations.save(
      summarise({ id: i.id, family: i.family, model: i.model, serial: i.serial!, firmware: i.firmware }, points, PPK2_RANGES.map((r) => ({ ...r, resolutionA: null })), { settleS: 0, measureS: 1, voltageToleranceFraction: 0 }, 3.3, [...driver.calibration.ug])
    )
    const cc = calibratedCapture(calibrations, driver, driver.recordingFormat)
    expect((cc.recordingFormat.calibration!.snapshot as { userGains: number[] }).userGains).toEqual(driver.calibration.ug)
    expect(cc.analyzer).toBe(driver)
    expect(cc.recordingFormat.rawFormat).toBe('ppk2-word-v1')
    const session = await CaptureSession.start(db, driver, { ...driver.recordingFormat, supplyV: 3.3, name: 'ppk2 calibrated' })
    await new Promise((r) => setTimeout(r, 400))
    const info = await session.stop()
    const recordings = RecordingStore.open(db)
    const stored = recordings.get(info.id)
    expect(stored.calibrationId).toBe(record.id)
    expect(stored.channels.raw).toBe('ppk2-word-v1')
    const mean = () => recordings.stats(info.id).currentA.mean!
    // 0.6 count ADC noise averages out over tens of thousands of samples: well inside 0.2 %.
    expect(Math.abs(mean() / trueA - 1)).toBeLessThan(0.002)
    const plain = recordings.recompute(info.id, recomputeCalibration(stored.calibration, null))
    expect(plain.calibrationId).toBeNull()
    expect(Math.abs(mean() / (1.04 * trueA + 20e-6) - 1)).toBeLessThan(0.002)
    const again = recordings.recompute(info.id, recomputeCalibration(plain.calibration, calibrations.correction(record.id)))
    expect(again.calibrationId).toBe(record.id)
    expect(Math.abs(mean() / trueA - 1)).toBeLessThan(0.002)
    db.close()
  })
})
