import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { openWorkspace } from '../../src-main/store/workspace'
import { RecordingWriter } from '../../src-main/store/recording-writer'
import { RecordingStore } from '../../src-main/store/recording-store'
import { registerRawFormat } from '../../src-main/store/raw-formats'
import { CalibrationStore } from '../../src-main/calibration/records'
import { summarise } from '../../src-main/calibration/procedure'
import { captureCalibration, recomputeCalibration, recordingCalibration, withCalibration } from '../../src-main/calibration/provenance'
import type { CalibrationPoint } from '../../src-main/calibration/fit'
import { FAKE_RANGES, FakeAnalyzer } from '../helpers/calibration-fake-analyzer'

/**
 * A made-up raw word for this test: range in bits 14–16 (as the PPK2's), a 14-bit count in 0–13, and
 * the device converts count × lsb[range] with per-range constants from the recording's snapshot.
 */
const FORMAT = 'calibration-test-word-v1'
registerRawFormat(
  withCalibration(
    {
      id: FORMAT,
      decodeCurrent(raw: Uint32Array, device: unknown, out: Float32Array) {
        const lsb = (device as { lsbA: number[] }).lsbA
        for (let i = 0; i < raw.length; i++) out[i] = (raw[i]! & 0x3fff) * lsb[(raw[i]! >>> 14) & 7]!
      }
    },
    'ppk2'
  )
)
const device = { lsbA: [1e-8, 1e-7, 1e-6, 1e-5, 1e-4] }

/** Points that make a range's fit exactly reading = gain × true + offset. */
function exactPoints(rangeIndex: number, gain: number, offsetA: number, currents: number[]): CalibrationPoint[] {
  return currents.map((trueA) => ({
    kind: 'load' as const,
    loadText: `${trueA}`,
    resistanceOhm: 3.3 / trueA,
    voltageV: 3.3,
    toleranceFraction: 0.001,
    trueA,
    trueUncertaintyA: trueA * 1e-4,
    rangeIndex,
    readingA: gain * trueA + offsetA,
    sdA: 0,
    sampleCount: 1000,
    otherRangeSamples: 0
  }))
}

describe('calibration provenance in real recordings', () => {
  it('a raw-word recording names its calibration, reads corrected, and recomputes under a newer one that it then names', () => {
    const path = join(mkdtempSync(join(tmpdir(), 'jb-calrec-')), 'w.db')
    const db = openWorkspace(path)
    const calibrations = new CalibrationStore(db)
    const analyzer = new FakeAnalyzer('UNIT-7')
    const instrument = { id: analyzer.identity.id, family: 'ppk2', model: 'Fake ppk2', serial: 'UNIT-7', firmware: null }
    const settings = { settleS: 0, measureS: 1, voltageToleranceFraction: 0 }
    const first = calibrations.save(
      summarise(instrument, exactPoints(2, 1.05, 10e-6, [1e-3, 4e-3]), FAKE_RANGES.map((r) => ({ ...r, resolutionA: null })), settings, 3.3, null, '2025-01-01T00:00:00.000Z')
    )

    // Capture: words of count 2000 in R2 → device says 2 mA; the first calibration says true = (2 mA − 10 µA) / 1.05.
    const cal = captureCalibration(calibrations, analyzer.identity, analyzer.ranges, new Date('2025-02-01T00:00:00Z'))
    expect(cal.ref!.id).toBe(first.id)
    const writer = RecordingWriter.create(db, {
      name: 'calibrated capture',
      instrument: analyzer.identity,
      samplePeriodS: 1e-5,
      rawFormat: FORMAT,
      calibration: recordingCalibration(cal, device, analyzer.ranges)
    })
    const raw = new Uint32Array(5000).fill((2 << 14) | 2000)
    writer.samples({ startIndex: 0, currentA: new Float32Array(5000), raw })
    writer.finish()
    db.close()

    const db2 = openWorkspace(path)
    const recordings = RecordingStore.open(db2, path)
    const info = recordings.list()[0]!
    expect(info.calibrationId).toBe(first.id)
    const read = () => recordings.reader(info.id).read(0, 5000).currentA
    expect(read()[0]).toBeCloseTo((2e-3 - 10e-6) / 1.05, 9)
    expect(read()[4999]).toBeCloseTo((2e-3 - 10e-6) / 1.05, 9)

    // A newer calibration of the same unit; recompute the recording under it.
    const calibrations2 = new CalibrationStore(db2)
    const second = calibrations2.save(
      summarise(instrument, exactPoints(2, 0.98, -4e-6, [1e-3, 4e-3]), FAKE_RANGES.map((r) => ({ ...r, resolutionA: null })), settings, 3.3, null, '2025-06-01T00:00:00.000Z')
    )
    const after = recordings.recompute(info.id, recomputeCalibration(info.calibration, calibrations2.correction(second.id)))
    expect(after.calibrationId).toBe(second.id)
    expect(read()[123]).toBeCloseTo((2e-3 + 4e-6) / 0.98, 9)
    // Summaries were rebuilt from the recomputed currents: the whole-recording mean agrees.
    expect(recordings.stats(info.id).currentA.mean).toBeCloseTo((2e-3 + 4e-6) / 0.98, 9)

    // And back to the device's own conversion: the recording says it has no calibration.
    const plain = recordings.recompute(info.id, recomputeCalibration(after.calibration, null))
    expect(plain.calibrationId).toBeNull()
    expect(read()[0]).toBeCloseTo(2e-3, 9)
  })
})
