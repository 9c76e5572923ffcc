import { describe, expect, it } from 'vitest'
import { defaultPerformancePlan } from '../../src-main/runs/plan-defaults'
import { renderRunReport, renderRunsComparisonReport, type RunReportInput } from '../../src-main/results/report-run-html'
import { compareRuns, fitRuns, stageBreakdown } from '../../src-main/results/runs-analysis'
import { runsMappedTable } from '../../src-main/results/runs-table'
import { runsExportTable } from '../../src-main/results/runs-results'
import { fitPlotSpec } from '../../src-main/results/fit-plot'
import { renderTraceThumbnailSvg } from '../../src-main/results/trace-thumbnail'
import type { RunDetail } from '../../src-main/runs/runs-store'
import { syntheticRun } from '../helpers/results-runs-fixtures'

const SELF_CONTAINED = /<script|<link|<img|<iframe|<object|@import|src=|href=|url\(\s*['"]?(https?:|\/\/)/i

const latency = [0.020, 0.021, 0.022, 0.019, 0.018]
const energy = [2.0e-3, 2.2e-3, 2.1e-3, 1.9e-3, 1.8e-3]
const run = syntheticRun({
  id: 12,
  name: 'resnet <int8> & "friends"',
  tags: { device: 'MAX78000', implementation: 'npu', free: ['lab'] },
  macs: 18_461_184,
  latencyS: latency,
  energyJ: energy,
  stages: { init: { latencyS: [0.005, 0.005], energyJ: [1e-4, 1e-4] }, inference: { latencyS: [0.002, 0.002], energyJ: [3e-5, 3e-5] } }
})
const detail: RunDetail = { ...run, plan: defaultPerformancePlan(), segments: [], dropped: [] }

function input(over: Partial<RunReportInput> = {}): RunReportInput {
  return {
    generatedAt: '2026-02-03T04:05:06.000Z',
    softwareVersion: '9.8.7',
    run: detail,
    facts: run.facts,
    recording: { id: 3, uuid: 'rec-uuid-3', name: 'rec', startedAt: '2026-02-03T00:00:00Z', state: 'finished', samplePeriodS: 1e-5, sampleCount: 200_000, gapSamples: 0, supplyV: 3.3, calibrationId: 'cal-1' },
    calibrations: [{ id: 'cal-1', found: true, family: 'ppk2', serial: 'S1', model: 'PPK2', performedAt: '2025-06-01T00:00:00Z', dueAt: '2099-06-01T00:00:00Z', verdict: 'pass', inForce: true }],
    traceSvg: renderTraceThumbnailSvg({ fromS: 0, toS: 2, tS: [0, 0.5, 1, 1.5], min: [0.001, 0.001, 0.007, 0.001], max: [0.001, 0.008, 0.008, 0.001] }, [{ startS: 0.5, endS: 1.2, kind: 'inference', role: 'measured' }]),
    stages: stageBreakdown([run]),
    ...over
  }
}

describe('HTML report of a run', () => {
  it('is one self-contained page: inline CSS and SVG, no script, nothing fetched, print styles', () => {
    const html = renderRunReport(input())
    expect(html.startsWith('<!doctype html>')).toBe(true)
    expect(html).toContain(`content="default-src 'none'; style-src 'unsafe-inline'; img-src data:"`)
    expect(html).not.toMatch(SELF_CONTAINED)
    expect(html).toMatch(/@media print/)
    // Trace, latency and energy stage bars.
    expect(html.match(/<svg /g)).toHaveLength(3)
  })

  it('escapes the names it shows', () => {
    const html = renderRunReport(input())
    expect(html).toContain('resnet &lt;int8&gt; &amp; &quot;friends&quot;')
    expect(html).not.toContain('resnet <int8>')
  })

  it('gives the mean per inference with its 95 % interval, computed from the inferences', () => {
    const html = renderRunReport(input())
    const row = /<tr data-metric="energy">(.*?)<\/tr>/.exec(html)![1]
    const cells = [...row.matchAll(/<td[^>]*>(.*?)<\/td>/g)].map((m) => m[1])
    const m = energy.reduce((a, b) => a + b) / energy.length
    const sd = Math.sqrt(energy.reduce((a, b) => a + (b - m) ** 2, 0) / (energy.length - 1))
    // t(0.975, 4) = 2.776445 (tables).
    const half = 2.776445 * (sd / Math.sqrt(energy.length))
    const mJ = (v: number) => `${(v * 1e3).toPrecision(4)} mJ`
    expect(cells[1]).toBe(mJ(m))
    expect(cells[2]).toBe(`${mJ(m - half)} … ${mJ(m + half)}`)
    expect(cells[7]).toBe('5')
    expect(html).toMatch(/energy per MAC [\d.]+ pJ/)
  })

  it('names the instruments, the calibration in force, the plan, the recording and the versions', () => {
    const html = renderRunReport(input())
    expect(html).toContain('Joulebench 9.8.7')
    expect(html).toContain('0.0.0-test')
    expect(html).toMatch(/<td class="mono">virtual:ppk2<\/td><td>S1<\/td>/)
    expect(html).toMatch(/cal-1<\/span> — pass, performed 2025-06-01, due 2099-06-01/)
    expect(html).toContain('rec-uuid-3')
    expect(html).toContain('200,000 at 100000 samples/s')
    expect(html).toMatch(/<pre class="plan" data-testid="run-plan">\{\n {2}&quot;version&quot;: 1/)
    expect(html).toContain('data-stage="init"')
    expect(html).toContain('Initialisation')
  })

  it('says so when a calibration record is missing or there is no recording', () => {
    const html = renderRunReport(input({ calibrations: [{ id: 'cal-1', found: false }], recording: null, traceSvg: null }))
    expect(html).toContain('record not in this workspace')
    expect(html).toMatch(/This run has no recording/)
    expect(html.match(/<svg /g)).toHaveLength(2)
  })
})

describe('HTML report comparing runs', () => {
  const runs = [
    syntheticRun({ id: 1, tags: { device: 'MAX78000' }, macs: 1e6, latencyS: [0.02, 0.021], energyJ: [2e-3, 2.1e-3] }),
    syntheticRun({ id: 2, tags: { device: 'MAX78000' }, macs: 2e6, latencyS: [0.04, 0.041], energyJ: [4e-3, 4.1e-3] }),
    syntheticRun({ id: 3, tags: { device: 'HX-WE2' }, macs: 1e6, latencyS: [0.01, 0.011], energyJ: [3e-3, 3.1e-3] }),
    syntheticRun({ id: 4, tags: { device: 'HX-WE2' }, macs: 2e6, latencyS: [0.02, 0.021], energyJ: [6e-3, 6.1e-3] })
  ]
  const table = runsMappedTable(runs)
  const fit = fitRuns(table, { x: 'macs', y: 'energy', group: ['device'] })
  const html = renderRunsComparisonReport({
    title: 'Two boards',
    generatedAt: '2026-02-03T04:05:06.000Z',
    softwareVersion: '9.8.7',
    selection: '4 runs, grouped by device.',
    comparison: compareRuns(table, new Map(), { group: ['device'], baseline: 'MAX78000' }),
    plots: [{ fit, spec: fitPlotSpec(fit) }],
    stages: null,
    runs: runsExportTable(table),
    instruments: [{ analyzer: 'PPK2 S1 (virtual)', calibration: 'cal-1', runs: [1, 2, 3, 4] }]
  })

  it('states the ratios, fits and runs in one self-contained page', () => {
    expect(html).not.toMatch(SELF_CONTAINED)
    // Means of the runs' means: HX-WE2 (0.0155 s) against MAX78000 (0.0305 s).
    const speed = (0.0305 / 0.0155).toFixed(2)
    expect(html).toContain(`HX-WE2 is ${speed}× faster than MAX78000`)
    expect(html).toContain('4 runs used')
    expect(html).toContain('data-role="fit"')
    expect(html.match(/<tr>/g)!.length).toBeGreaterThanOrEqual(4)
    expect(html).toContain('PPK2 S1 (virtual)')
    expect(html).toMatch(/#1, #2, #3, #4/)
  })
})
