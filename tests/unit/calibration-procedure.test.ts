import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { correctionFromResult, rangeSpecs, runCalibration, CalibrationError, type PresentStep } from '../../src-main/calibration/procedure'
import { parseReferenceLoad, trueCurrentA } from '../../src-main/calibration/reference-load'
import { CalibrationStore, CalibrationRecordError } from '../../src-main/calibration/records'
import { renderCertificateHtml } from '../../src-main/calibration/certificate'
import { calibratedSink, captureCalibration, recomputeCurrent } from '../../src-main/calibration/provenance'
import { rangeClassifierFor } from '../../src-main/calibration/correction'
import { openWorkspace } from '../../src-main/store/workspace'
import { loadDefinitions, findAnalyzer } from '../../src-main/wiring/definitions'
import { WindowAccumulator } from '../../src-main/wiring/bench-reading'
import { streamWindow } from '../../src-main/wiring/stream-window'
import { FakeAnalyzer } from '../helpers/calibration-fake-analyzer'

const LOADS = ['100k@3.3±0.1%', '33k@3.3±0.1%', '10k@3.3±0.1%', '3.3k@3.3±0.1%', '1k@3.3±0.1%', '330@3.3±0.1%', '100@3.3±0.1%', '33@3.3±0.1%', '10@3.3±0.1%'].map(
  parseReferenceLoad
)

/** The fake bench: whatever load is presented draws exactly V/R from the analyzer's supply. */
function loadBench(analyzer: FakeAnalyzer) {
  let ohms: number | null = null
  analyzer.bench = { currentA: (_t, v) => (ohms === null || v === null ? 0 : v / ohms) }
  return {
    analyzer,
    presented: [] as PresentStep[],
    async present(step: PresentStep) {
      this.presented.push(step)
      ohms = step.kind === 'open' ? null : step.load.resistanceOhm
    },
    setOhms(r: number | null) {
      ohms = r
    }
  }
}

function withErrors(): FakeAnalyzer {
  const a = new FakeAnalyzer()
  a.gains = [1.03, 0.96, 1.045, 0.975, 1.06]
  a.offsetsA = [0.15e-6, 1.5e-6, 12e-6, -80e-6, 1.2e-3]
  return a
}

const ppk2Def = findAnalyzer(loadDefinitions(), 'ppk2')

describe('calibration procedure against an analyzer with known errors', () => {
  it('recovers each range’s gain and offset within the noise, and a corrected capture reads true within 0.2 %', async () => {
    const analyzer = withErrors()
    const bench = loadBench(analyzer)
    const result = await runCalibration(bench, { loads: LOADS, ranges: rangeSpecs(analyzer, ppk2Def), settleS: 0.01, measureS: 0.2 })
    expect(bench.presented.map((p) => p.kind)).toEqual(['open', ...LOADS.map(() => 'load')])
    // Each load was measured at its own voltage, set on the analyzer.
    expect(analyzer.starts.map((s) => s.supplyV)).toEqual([3.3, ...LOADS.map((l) => l.voltageV)])
    for (const r of result.ranges) {
      expect(r.fit, r.label).toBe('gain-and-offset')
      expect(Math.abs(r.gain - analyzer.gains[r.rangeIndex]!), r.label).toBeLessThan(Math.max(4 * r.gainU, 2e-4))
      expect(Math.abs(r.offsetA - analyzer.offsetsA[r.rangeIndex]!), r.label).toBeLessThan(Math.max(4 * r.offsetU, 1e-9))
    }
    // Raw readings are within ±10 % (±15 % in R4) except none here: verdict pass, with the budget stated.
    expect(result.verdict).toBe('pass')

    // A capture of a load not used for calibration, corrected with the fitted values.
    const correction = correctionFromResult('cal-x', result)
    for (const ohms of [1500, 47, 220_000]) {
      bench.setOhms(ohms)
      const acc = new WindowAccumulator()
      const sink = calibratedSink(acc, { ref: null, correction, classify: rangeClassifierFor('ppk2', analyzer.ranges), warning: null })
      await streamWindow(analyzer, sink, { supplyV: 3.3, samples: 50_000 })
      const mean = acc.window(analyzer.samplePeriodS).meanA
      expect(Math.abs(mean / (3.3 / ohms) - 1), `${ohms} Ω`).toBeLessThan(0.002)
    }
  })

  it('fails an instrument whose raw reading is outside its stated accuracy, and still fits the correction', async () => {
    const analyzer = withErrors()
    analyzer.gains[2] = 1.2
    const bench = loadBench(analyzer)
    const result = await runCalibration(bench, { loads: LOADS.slice(3, 5), ranges: rangeSpecs(analyzer, ppk2Def), zeroCheck: false, settleS: 0.01, measureS: 0.1 })
    expect(result.verdict).toBe('fail')
    const r2 = result.ranges[2]!
    expect(r2.verdict).toBe('fail')
    expect(r2.gain).toBeCloseTo(1.2, 3)
    expect(result.ranges.filter((r) => r.verdict === 'not-measured').map((r) => r.rangeIndex)).toEqual([0, 1, 3, 4])
    // Uncovered ranges come with a resistor to add.
    const r3 = result.suggestions.find((s) => s.startsWith('Range R3 '))!
    const ohms = Number(/e\.g\. --load (\d+)@3\.3\./.exec(r3)![1])
    expect(3.3 / ohms).toBeGreaterThan(5e-3)
    expect(3.3 / ohms).toBeLessThan(50e-3)
  })

  it('refuses an instrument without a serial number and names it', async () => {
    const analyzer = new FakeAnalyzer(null)
    await expect(runCalibration(loadBench(analyzer), { loads: LOADS.slice(0, 1), ranges: rangeSpecs(analyzer) , settleS: 0.01, measureS: 0.01 })).rejects.toThrow(
      /Fake ppk2 \(fake:ppk2\) did not report a serial number/
    )
  })

  it('reports a pulled cable mid-calibration as an error naming the analyzer', async () => {
    const analyzer = withErrors()
    const bench = loadBench(analyzer)
    const presentLoad = bench.present.bind(bench)
    bench.present = async (step) => {
      await presentLoad(step)
      if (step.index === 2) setTimeout(() => analyzer.pullCable(), 5)
    }
    await expect(runCalibration(bench, { loads: LOADS.slice(0, 3), ranges: rangeSpecs(analyzer), settleS: 0.01, measureS: 5 })).rejects.toThrow(/Fake ppk2 \(fake:ppk2\) went away \(device disconnected\)/)
    await expect(runCalibration(bench, { loads: [], zeroCheck: false, ranges: rangeSpecs(analyzer) })).rejects.toThrow(CalibrationError)
  })
})

describe('calibration records, certificate and provenance', () => {
  async function calibrated(analyzer = withErrors()) {
    return runCalibration(loadBench(analyzer), { loads: LOADS.slice(2, 6), ranges: rangeSpecs(analyzer, ppk2Def), settleS: 0.01, measureS: 0.05 })
  }

  it('stores records per serial in a real SQLite file, finds the one in force, and lists overdue and near-due units', async () => {
    const path = join(mkdtempSync(join(tmpdir(), 'jb-cal-')), 'w.db')
    const db = openWorkspace(path)
    const store = new CalibrationStore(db)
    const result = await calibrated()
    const older = store.save({ ...result, performedAt: '2025-01-10T10:00:00.000Z' }, { notes: 'first' })
    expect(older.dueAt).toBe('2026-01-10T10:00:00.000Z')
    const newer = store.save({ ...result, performedAt: '2025-06-01T10:00:00.000Z' }, { dueInDays: 90, operator: 'ana' })
    const other = store.save({ ...result, instrument: { ...result.instrument, serial: 'FAKE-0002' }, performedAt: '2025-06-20T00:00:00.000Z' }, { dueAt: '2025-12-01' })
    db.close()

    const again = new CalibrationStore(openWorkspace(path))
    expect(again.list().map((r) => r.id)).toEqual([other.id, newer.id, older.id])
    expect(again.list({ serial: 'FAKE-0001' }).map((r) => r.id)).toEqual([newer.id, older.id])
    expect(again.inForce('ppk2', 'FAKE-0001', '2025-03-01T00:00:00Z')!.id).toBe(older.id)
    expect(again.inForce('ppk2', 'FAKE-0001')!.id).toBe(newer.id)
    again.setInForce(newer.id, false)
    expect(again.inForce('ppk2', 'FAKE-0001')!.id).toBe(older.id)
    expect(again.inForce('ppk2', 'NOPE')).toBeNull()

    // On 2025-11-20: FAKE-0001's newest record was due 2025-08-30 (overdue); FAKE-0002 is due in 11 days.
    const due = again.due({ now: new Date('2025-11-20T00:00:00Z'), withinDays: 30 })
    expect(due.map((d) => [d.record.serial, d.status])).toEqual([
      ['FAKE-0001', 'overdue'],
      ['FAKE-0002', 'due-soon']
    ])
    expect(due[1]!.daysLeft).toBeCloseTo(11, 6)
    expect(again.due({ now: new Date('2025-07-01T00:00:00Z') })).toEqual([])
    expect(() => again.get('cal-missing')).toThrow(/no calibration record "cal-missing"/)
  })

  it('refuses to apply a damaged record and says which and what to do; the others still list', async () => {
    const db = openWorkspace(':memory:')
    const store = new CalibrationStore(db)
    const good = store.save(await calibrated())
    const bad = store.save(await calibrated())
    const doc = JSON.parse(db.prepare('SELECT document FROM calibration_records WHERE id = ?').pluck().get(bad.id) as string)
    doc.ranges[2].gain = -1
    db.prepare('UPDATE calibration_records SET document = ? WHERE id = ?').run(JSON.stringify(doc), bad.id)
    expect(() => store.get(bad.id)).toThrow(CalibrationRecordError)
    expect(() => store.get(bad.id)).toThrow(new RegExp(`${bad.id} is damaged \\(field "ranges\\.2\\.gain".*Calibrate the instrument again`))
    expect(store.list().map((r) => r.id)).toEqual([good.id])
    expect(store.damaged().map((d) => d.id)).toEqual([bad.id])
    // A capture does not silently fall back to the older record: it runs uncorrected with a warning.
    const cal = captureCalibration(store, { id: 'x', kind: 'power-analyzer', family: 'ppk2', model: 'Fake ppk2', serial: 'FAKE-0001', firmware: null, location: null, virtual: true }, [])
    expect(cal.correction).toBeNull()
    expect(cal.warning).toMatch(/damaged.*uncorrected/)
  })

  it('prints a self-contained certificate with the unit, dates, loads, fits, uncertainty and escaped notes', async () => {
    const store = new CalibrationStore(openWorkspace(':memory:'))
    const record = store.save(await calibrated(), { notes: 'Loads: Vishay <0.1 %> & "metal film"', dueAt: '2026-03-01' })
    const html = renderCertificateHtml(record, { now: new Date('2026-04-01T00:00:00Z') })
    expect(html).toMatch(/^<!doctype html>/)
    expect(html).toContain('<dd id="serial">FAKE-0001</dd>')
    expect(html).toContain(`${record.performedAt.slice(0, 10)}`)
    expect(html).toMatch(/<dd id="due">2026-03-01 <strong class="bad">— overdue<\/strong><\/dd>/)
    expect(html).toContain('Loads: Vishay &lt;0.1 %&gt; &amp; &quot;metal film&quot;')
    expect(html).not.toContain('<0.1 %>')
    expect(html).toMatch(/@media print\{\s*@page\{size:A4/)
    expect(html).not.toMatch(/<script|<link|src=|href=|url\(|@import/)
    // One row per range; the measured R2 row shows its fitted gain.
    expect(html.match(/<tr data-range="\d">/g)).toHaveLength(5)
    const r2 = record.result.ranges[2]!
    expect(html).toContain(r2.gain.toFixed(6))
    expect(html).toMatch(/id="verdict">PASS</)
  })

  it('names the calibration a capture runs under, and a recomputation the one it used', async () => {
    const store = new CalibrationStore(openWorkspace(':memory:'))
    const analyzer = withErrors()
    const record = store.save(await calibrated(analyzer))
    const cal = captureCalibration(store, analyzer.identity, analyzer.ranges)
    expect(cal.ref).toMatchObject({ id: record.id, overdue: false })
    const unknown = captureCalibration(store, { ...analyzer.identity, serial: 'OTHER' }, analyzer.ranges)
    expect(unknown.ref).toBeNull()
    expect(captureCalibration(store, { ...analyzer.identity, serial: null }, analyzer.ranges).warning).toMatch(/no serial number/)

    // Raw words in R2 whose device conversion gives gain × true + offset: recomputed under the record, they read true.
    const trueA = [1.1e-3, 2.2e-3, 4.4e-3]
    const raw = Uint32Array.from(trueA.map(() => 2 << 14))
    const device = () => Float32Array.from(trueA.map((a) => analyzer.gains[2]! * a + analyzer.offsetsA[2]!))
    const out = recomputeCurrent(raw, device, store.correction(record.id), rangeClassifierFor('ppk2', analyzer.ranges))
    expect(out.calibrationId).toBe(record.id)
    out.currentA.forEach((a, i) => expect(Math.abs(a / trueA[i]! - 1)).toBeLessThan(0.002))
    expect(recomputeCurrent(raw, device, null, rangeClassifierFor('ppk2', [])).calibrationId).toBeNull()
    expect(trueCurrentA(LOADS[4]!)).toBeCloseTo(3.3e-3, 12)
  })
})
