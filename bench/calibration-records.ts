/**
 * Size of what a calibration leaves behind: the stored record (JSON document) and the printable
 * certificate, for a full five-range PPK2 calibration (ten loads and the open output). Byte counts,
 * robust to machine load. Run: npx tsx bench/calibration-records.ts
 */
import { openWorkspace } from '../src-main/store/workspace'
import { CalibrationStore } from '../src-main/calibration/records'
import { summarise } from '../src-main/calibration/procedure'
import { renderCertificateHtml } from '../src-main/calibration/certificate'
import type { CalibrationPoint } from '../src-main/calibration/fit'
import { PPK2_RANGES } from '../src-main/instruments/ppk2'

const ohms = [470e3, 100e3, 33e3, 10e3, 3.3e3, 1e3, 330, 100, 33, 10]
const points: CalibrationPoint[] = [
  { kind: 'open', loadText: null, resistanceOhm: null, voltageV: 3.3, toleranceFraction: null, trueA: 0, trueUncertaintyA: 0, rangeIndex: 0, readingA: 1.2e-7, sdA: 3e-8, sampleCount: 100_000, otherRangeSamples: 0 },
  ...ohms.map((r) => {
    const trueA = 3.3 / r
    const rangeIndex = PPK2_RANGES.findIndex((x) => trueA < x.maxA)
    return { kind: 'load' as const, loadText: `${r}@3.3±0.1%`, resistanceOhm: r, voltageV: 3.3, toleranceFraction: 0.001, trueA, trueUncertaintyA: (trueA * 0.001) / Math.sqrt(3), rangeIndex, readingA: trueA * 1.01 + 1e-7, sdA: trueA * 0.002, sampleCount: 100_000, otherRangeSamples: 12 }
  })
]
const result = summarise(
  { id: 'virtual:ppk2', family: 'ppk2', model: 'Nordic Power Profiler Kit II', serial: 'VIRTUAL-PPK2', firmware: null },
  points,
  PPK2_RANGES.map((r) => ({ ...r, resolutionA: null })),
  { settleS: 0.3, measureS: 1, voltageToleranceFraction: 0 },
  3.3,
  [1, 1, 1, 1, 1]
)
const store = new CalibrationStore(openWorkspace(':memory:'))
const record = store.save(result, { notes: 'bench' })
const html = renderCertificateHtml(record)
console.log(`points: ${points.length}, ranges: ${result.ranges.length}, verdict: ${result.verdict}`)
console.log(`stored JSON document: ${Buffer.byteLength(JSON.stringify(record.result))} B`)
console.log(`certificate HTML: ${Buffer.byteLength(html)} B (self-contained, no external assets)`)
