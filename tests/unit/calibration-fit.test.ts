import { describe, expect, it } from 'vitest'
import { parseReferenceLoad, ReferenceLoadError, suggestedResistanceOhm, trueCurrentA, trueCurrentUncertaintyA } from '../../src-main/calibration/reference-load'
import { calibrateRange, expandedUncertaintyA, fitLine, type CalibrationPoint, type RangeSpec } from '../../src-main/calibration/fit'
import { applyCalibration, correctCurrent, correctingSink, rangeByValue, rangeClassifierFor, type CalibrationCorrection } from '../../src-main/calibration/correction'
import { planUserGains, writeUserGains } from '../../src-main/calibration/user-gains'
import type { SampleBlock } from '../../src-main/capture/sample-block'

describe('reference loads', () => {
  it('parse OHMS@VOLTS with suffixes and an optional tolerance', () => {
    expect(parseReferenceLoad('1000@3.3')).toEqual({ resistanceOhm: 1000, voltageV: 3.3, toleranceFraction: 0.01, toleranceAssumed: true })
    expect(parseReferenceLoad('10k@1.8')).toMatchObject({ resistanceOhm: 10_000, voltageV: 1.8 })
    expect(parseReferenceLoad('1M@3.3±0.1%')).toMatchObject({ resistanceOhm: 1e6, toleranceFraction: 0.001, toleranceAssumed: false })
    expect(parseReferenceLoad(' 100 @ 3.3V +-0.5% ')).toMatchObject({ resistanceOhm: 100, voltageV: 3.3, toleranceFraction: 0.005 })
    expect(parseReferenceLoad('4.7kΩ@5')).toMatchObject({ resistanceOhm: 4700, voltageV: 5 })
  })

  it('refuse malformed loads with the expected form in the message', () => {
    for (const bad of ['1000', '@3.3', '1000@', 'abc@3.3', '0@3.3', '100@-1', '100@3.3±80%', '100@3.3@2']) {
      expect(() => parseReferenceLoad(bad), bad).toThrow(ReferenceLoadError)
      expect(() => parseReferenceLoad(bad), bad).toThrow(/OHMS@VOLTS/)
    }
  })

  it('give I = V/R and a rectangular standard uncertainty from the tolerances', () => {
    const load = parseReferenceLoad('1000@3.3±0.3%')
    expect(trueCurrentA(load)).toBeCloseTo(3.3e-3, 15)
    // 0.3 % half-width, rectangular: 3.3 mA × 0.003 / √3
    expect(trueCurrentUncertaintyA(load)).toBeCloseTo((3.3e-3 * 0.003) / Math.sqrt(3), 15)
    // with a 0.4 % voltage tolerance: quadrature of 0.3 % and 0.4 % is 0.5 %
    expect(trueCurrentUncertaintyA(load, 0.004)).toBeCloseTo((3.3e-3 * 0.005) / Math.sqrt(3), 15)
  })

  it('suggest an E12 resistor that lands inside a range', () => {
    const r = suggestedResistanceOhm(5e-3, 50e-3, 3.3)
    expect(3.3 / r).toBeGreaterThan(5e-3)
    expect(3.3 / r).toBeLessThan(50e-3)
  })
})

const spec: RangeSpec = { index: 2, label: 'R2', minA: 5e-4, maxA: 5e-3, resolutionA: 5e-6, accuracyFraction: 0.1 }

function point(trueA: number, readingA: number, extra: Partial<CalibrationPoint> = {}): CalibrationPoint {
  return {
    kind: trueA === 0 ? 'open' : 'load',
    loadText: trueA === 0 ? null : `${trueA}`,
    resistanceOhm: null,
    voltageV: null,
    toleranceFraction: 0.001,
    trueA,
    trueUncertaintyA: (trueA * 0.001) / Math.sqrt(3),
    rangeIndex: 2,
    readingA,
    sdA: 0,
    sampleCount: 100_000,
    otherRangeSamples: 0,
    ...extra
  }
}

describe('per-range fit', () => {
  it('recovers an exact line whatever the weights', () => {
    const x = [0, 1e-3, 2e-3, 4e-3]
    const y = x.map((v) => 1.037 * v + 12e-6)
    const f = fitLine(x, y, [1e-9, 3e-6, 1e-6, 7e-6])
    expect(f.gain).toBeCloseTo(1.037, 10)
    expect(f.offsetA).toBeCloseTo(12e-6, 12)
    expect(f.chiSquared).toBeCloseTo(0, 12)
  })

  it('scales parameter uncertainty by the Birge ratio when the scatter exceeds the stated uncertainties', () => {
    // Two pairs straddling y = x by ±d: OLS gives gain 1, offset 0, residuals ±d.
    const x = [1, 1, 3, 3]
    const d = 0.1
    const y = [1 + d, 1 - d, 3 + d, 3 - d]
    const u = [0.01, 0.01, 0.01, 0.01]
    const f = fitLine(x, y, u)
    expect(f.gain).toBeCloseTo(1, 12)
    expect(f.offsetA).toBeCloseTo(0, 12)
    const chi2 = (4 * d * d) / (0.01 * 0.01)
    expect(f.chiSquared).toBeCloseTo(chi2, 6)
    // Unscaled Var(gain) = Σw / det, with w = 1e4, Σx = 8, Σx² = 20: det = w²(4·20 − 64) = 16w², so Var = 4w/16w² = 1/(4w).
    const unscaled = 1 / (4 * 1e4)
    expect(f.gainU).toBeCloseTo(Math.sqrt(unscaled * (chi2 / 2)), 9)
  })

  it('fits gain and offset from two loads, and passes a raw reading 5 % off a ±10 % range', () => {
    const r = calibrateRange(spec, [point(1e-3, 1.05 * 1e-3 + 2e-6), point(3.3e-3, 1.05 * 3.3e-3 + 2e-6)], 5e-6)
    expect(r.fit).toBe('gain-and-offset')
    expect(r.gain).toBeCloseTo(1.05, 9)
    expect(r.offsetA).toBeCloseTo(2e-6, 12)
    expect(r.verdict).toBe('pass')
    expect(applyCalibration(1.05 * 2e-3 + 2e-6, 2, [{ rangeIndex: 2, gain: r.gain, offsetA: r.offsetA, userGain: null }])).toBeCloseTo(2e-3, 12)
  })

  it('fails a range whose raw reading is outside the stated accuracy, and flags one that is marginal', () => {
    const off = calibrateRange(spec, [point(1e-3, 1.12e-3), point(3e-3, 3.36e-3)], 5e-6)
    expect(off.verdict).toBe('fail')
    expect(off.points.map((p) => p.pass)).toEqual([false, false])
    expect(off.points[0]!.errorFraction).toBeCloseTo(0.12, 9)
    // 9.95 % error against ±10 % with a 0.5 % (k=1) load tolerance: passes, but within U of the limit.
    const close = calibrateRange(spec, [point(1e-3, 1.0995e-3, { trueUncertaintyA: 0.005e-3 })], 5e-6)
    expect(close.verdict).toBe('pass')
    expect(close.marginal).toBe(true)
  })

  it('takes the offset as zero with one current only, and the gain as one with the open output only', () => {
    const one = calibrateRange(spec, [point(2e-3, 2.06e-3), point(2e-3, 2.06e-3)], 5e-6)
    expect(one.fit).toBe('gain-only')
    expect(one.gain).toBeCloseTo(1.03, 9)
    expect(one.offsetA).toBe(0)
    const zero = calibrateRange({ ...spec, index: 0 }, [point(0, 3e-7, { rangeIndex: 0 })], 2e-7)
    expect(zero.fit).toBe('offset-only')
    expect(zero.offsetA).toBeCloseTo(3e-7, 15)
    // 0.3 µA offset against a 0.2 µA resolution: the zero check fails.
    expect(zero.verdict).toBe('fail')
    expect(calibrateRange(spec, [], 5e-6).verdict).toBe('not-measured')
  })

  it('combines residual scatter, load tolerance and noise in quadrature, expanded with k = 2', () => {
    const pts = [
      point(1e-3, 1.001e-3, { sdA: 2e-6, sampleCount: 10_000, trueUncertaintyA: 1e-3 * 0.002 }),
      point(2e-3, 1.999e-3, { sdA: 2e-6, sampleCount: 10_000, trueUncertaintyA: 2e-3 * 0.002 }),
      point(4e-3, 4.001e-3, { sdA: 2e-6, sampleCount: 10_000, trueUncertaintyA: 4e-3 * 0.002 })
    ]
    const r = calibrateRange(spec, pts, 5e-6)
    const u = r.uncertainty
    expect(u.loadFraction).toBeCloseTo(0.002, 12)
    expect(u.noiseFraction).toBeCloseTo(2e-6 / 100 / 1e-3, 12)
    // residuals against the fitted line, relative, over one degree of freedom
    const rel = pts.map((p) => (p.readingA - (r.gain * p.trueA + r.offsetA)) / p.trueA)
    expect(u.residualFraction).toBeCloseTo(Math.sqrt(rel.reduce((s, x) => s + x * x, 0) / 1), 12)
    expect(u.combinedFraction).toBeCloseTo(Math.sqrt(u.loadFraction ** 2 + u.noiseFraction ** 2 + u.residualFraction ** 2), 12)
    expect(u.expandedFraction).toBeCloseTo(2 * u.combinedFraction, 12)
    expect(expandedUncertaintyA(3e-3, r)).toBeCloseTo(Math.hypot(u.expandedFraction * 3e-3, u.offsetExpandedA), 15)
  })
})

describe('applying corrections', () => {
  const correction: CalibrationCorrection = {
    calibrationId: 'cal-test',
    family: 'ppk2',
    serial: 'S',
    ranges: [
      { rangeIndex: 1, gain: 0.98, offsetA: 1e-6, userGain: null },
      { rangeIndex: 3, gain: 1.02, offsetA: -40e-6, userGain: 1 }
    ]
  }

  it('inverts reading = gain × true + offset per range and passes other ranges through', () => {
    expect(applyCalibration(0.98 * 200e-6 + 1e-6, 1, correction)).toBeCloseTo(200e-6, 15)
    expect(applyCalibration(1.02 * 20e-3 - 40e-6, 3, correction)).toBeCloseTo(20e-3, 15)
    expect(applyCalibration(2e-3, 2, correction)).toBe(2e-3)
  })

  it('rescales a reading taken under a different device user gain before correcting', () => {
    // Measured at UG 1 with gain 1.02; the device now applies UG 1/1.02, so it reads true − 40 µA / 1.02.
    const reading = 20e-3 - 40e-6 / 1.02
    expect(applyCalibration(reading, 3, correction, 1 / 1.02)).toBeCloseTo(20e-3, 12)
  })

  it('classifies PPK2 samples by the range bits of the raw word, others by value', () => {
    const ranges = [
      { index: 0, minA: 0, maxA: 1e-3 },
      { index: 1, minA: 1e-3, maxA: 1 }
    ]
    const ppk2 = rangeClassifierFor('ppk2', ranges)
    expect(ppk2(5e-3, (3 << 14) | 0x1234)).toBe(3)
    expect(ppk2(5e-3, 7 << 14)).toBe(4)
    expect(ppk2(5e-4, undefined)).toBe(0)
    expect(rangeByValue(ranges)(2, undefined)).toBe(1)
  })

  it('corrects blocks on their way to the store and keeps the raw words untouched', () => {
    const blocks: SampleBlock[] = []
    const sink = correctingSink({ samples: (b) => blocks.push(b), gap() {}, mark() {}, warning() {} }, correction, rangeClassifierFor('ppk2', []))
    const raw = Uint32Array.of(1 << 14, 3 << 14, 2 << 14)
    const currentA = Float32Array.of(0.98 * 100e-6 + 1e-6, 1.02 * 10e-3 - 40e-6, 1e-3)
    sink.samples({ startIndex: 0, currentA, raw })
    expect(blocks[0]!.raw).toBe(raw)
    expect(blocks[0]!.currentA[0]).toBeCloseTo(100e-6, 9)
    expect(blocks[0]!.currentA[1]).toBeCloseTo(10e-3, 8)
    expect(blocks[0]!.currentA[2]).toBeCloseTo(1e-3, 9)
    // The driver's block is not modified in place.
    expect(currentA[0]).toBeCloseTo(0.98 * 100e-6 + 1e-6, 9)
    const gapped = Float32Array.of(NaN)
    correctCurrent(gapped, Uint32Array.of(1 << 14), correction, rangeClassifierFor('ppk2', []))
    expect(gapped[0]).toBeNaN()
  })
})

describe('PPK2 user gains', () => {
  const ranges = [
    { rangeIndex: 0, label: 'R0', fit: 'offset-only' as const, gain: 1 },
    { rangeIndex: 1, label: 'R1', fit: 'gain-and-offset' as const, gain: 1.04 },
    { rangeIndex: 2, label: 'R2', fit: 'gain-only' as const, gain: 0.95 },
    { rangeIndex: 3, label: 'R3', fit: 'gain-and-offset' as const, gain: 0.85 }
  ]

  it('divide the gain the device had by the fitted gain, and keep within 0.9–1.1', () => {
    const plan = planUserGains({ ranges: ranges as never, deviceUserGains: [1, 1.01, 1, 1, 1] })
    expect(plan.writes).toEqual([
      { rangeIndex: 1, fromGain: 1.01, toGain: 1.01 / 1.04 },
      { rangeIndex: 2, fromGain: 1, toGain: 1 / 0.95 }
    ])
    // 1 / 0.85 = 1.176 would be reset to 1 by Nordic's app
    expect(plan.skipped.map((s) => s.rangeIndex)).toEqual([0, 3])
    expect(plan.skipped[1]!.reason).toMatch(/1\.1765.*outside 0\.9–1\.1/)
  })

  it('are written in range order through the driver', async () => {
    const sent: Array<[number, number]> = []
    const plan = planUserGains({ ranges: ranges as never, deviceUserGains: null })
    const done = await writeUserGains({ writes: [...plan.writes].reverse(), skipped: [] }, async (r, g) => void sent.push([r, g]))
    expect(sent.map((s) => s[0])).toEqual([1, 2])
    expect(done).toHaveLength(2)
  })
})
