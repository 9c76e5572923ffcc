/**
 * How well the calibration procedure recovers a known per-range gain and offset error from the
 * emulated PPK2 (over a real pty), against the averaging window per point; and how close a corrected
 * capture of currents the calibration never saw comes to the truth. Accuracy figures, not timings.
 * Run: npx tsx bench/calibration-recovery.ts
 */
import { createVirtualPpk2, Ppk2Driver } from '../src-main/instruments/ppk2'
import { referenceLoadSignal } from '../src-main/calibration/reference-load-signal'
import { parseReferenceLoad } from '../src-main/calibration/reference-load'
import { correctionFromResult, rangeSpecs, runCalibration } from '../src-main/calibration/procedure'
import { calibratedSink } from '../src-main/calibration/provenance'
import { rangeClassifierFor } from '../src-main/calibration/correction'
import { findAnalyzer, loadDefinitions } from '../src-main/wiring/definitions'
import { WindowAccumulator } from '../src-main/wiring/bench-reading'
import { streamWindow } from '../src-main/wiring/stream-window'

const GAIN = [1.03, 0.96, 1.045, 0.975, 1.06]
const OFFSET_A = [0.15e-6, 1.5e-6, 12e-6, -80e-6, 1.2e-3]
const LOADS = ['470k', '100k', '33k', '10k', '3.3k', '1k', '330', '100', '33', '10'].map((r) => parseReferenceLoad(`${r}@3.3±0.1%`))
const definition = findAnalyzer(loadDefinitions(), 'ppk2')

for (const measureS of [0.05, 0.2, 1]) {
  const loads = referenceLoadSignal()
  const virtual = await createVirtualPpk2(loads, undefined, { speed: Infinity, frontEnd: { readingError: { gain: GAIN, offsetA: OFFSET_A } } })
  const driver = await Ppk2Driver.open(await virtual.open(), { virtual: true, mode: 'source', supplyMv: 3300 })
  const result = await runCalibration(
    { analyzer: driver, present: async (s) => loads.present(s.kind === 'open' ? null : s.load) },
    { loads: LOADS, ranges: rangeSpecs(driver, definition), settleS: 0.02, measureS, deviceUserGains: [...driver.calibration.ug] }
  )
  console.log(`\nwindow ${measureS} s per point (${Math.round(measureS / driver.samplePeriodS)} samples), ${LOADS.length} loads + open output`)
  for (const r of result.ranges) {
    const i = r.rangeIndex
    console.log(
      `  R${i}: gain error ${((r.gain - GAIN[i]!) * 1e6).toFixed(1).padStart(7)} ppm, offset error ${((r.offsetA - OFFSET_A[i]!) * 1e9).toFixed(3).padStart(9)} nA` +
        ` (injected ${GAIN[i]}, ${OFFSET_A[i]! * 1e6} µA); stated U(k=2) ${(r.uncertainty.expandedFraction * 100).toFixed(3)} %`
    )
  }
  const correction = correctionFromResult('bench', result)
  const classify = rangeClassifierFor('ppk2', driver.ranges)
  const errs: string[] = []
  for (const ohms of [220_000, 22_000, 1500, 150, 47]) {
    loads.present(parseReferenceLoad(`${ohms}@3.3`))
    const acc = new WindowAccumulator(2000)
    await streamWindow(driver, calibratedSink(acc, { ref: null, correction, classify, warning: null }), { supplyV: 3.3, samples: 52_000 })
    const trueA = 3.3 / ohms
    errs.push(`${ohms} Ω ${(((acc.window(driver.samplePeriodS).meanA - trueA) / trueA) * 100).toFixed(4)} %`)
  }
  console.log(`  corrected capture error (0.5 s each): ${errs.join(', ')}`)
  await driver.close()
  await virtual.close()
}
