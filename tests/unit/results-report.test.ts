import { describe, expect, it } from 'vitest'
import { parseCsv } from '../../src-main/formats/table-csv'
import { applyTableMapping } from '../../src-main/formats/table-mapping'
import { fitPlotSpec } from '../../src-main/results/fit-plot'
import { renderComparisonReport, type ComparisonReportInput } from '../../src-main/results/report-html'
import { compareTable, fitTable } from '../../src-main/results/table-analysis'
import { rowsTable } from '../../src-main/results/table-export'

// Two builds measured on four layers: energy = slope·MACs + 1 mJ, with a small alternating deviation.
const MACS = [1e6, 2e6, 4e6, 8e6]
const DEV = [1e-4, -1e-4, -1e-4, 1e-4]
const SLOPES: Record<string, number> = { 'naive <C>': 20e-9, simd: 3e-9 }
const lines = ['build,MACs,Energy (mJ),Latency (ms)']
for (const [build, slope] of Object.entries(SLOPES)) {
  MACS.forEach((m, i) => lines.push(`"${build}",${m},${(slope * m + 1e-3 + DEV[i]) * 1e3},${m * (build === 'simd' ? 4e-8 : 3e-7) * 1e3}`))
}
const mapped = applyTableMapping(parseCsv(lines.join('\n'), 'two-builds.csv'), { columns: { macs: 'MACs', energy: 'Energy (mJ)', latency: 'Latency (ms)' } })

/** Least squares by the textbook sums, written out here rather than borrowed from the code under test. */
function ols(xs: number[], ys: number[]) {
  const n = xs.length
  const mx = xs.reduce((a, b) => a + b) / n
  const my = ys.reduce((a, b) => a + b) / n
  let sxy = 0
  let sxx = 0
  xs.forEach((x, i) => {
    sxy += (x - mx) * (ys[i] - my)
    sxx += (x - mx) ** 2
  })
  return { slope: sxy / sxx, intercept: my - (sxy / sxx) * mx }
}

function report(over: Partial<ComparisonReportInput> = {}): string {
  const fit = fitTable(mapped, { x: 'macs', y: 'energy', group: ['build'] })
  return renderComparisonReport({
    title: 'Two builds',
    generatedAt: '2026-01-02T03:04:05.000Z',
    softwareVersion: '9.9.9',
    source: { name: 'two-builds.csv', importedAt: '2026-01-01T00:00:00.000Z', sha256: 'ab'.repeat(32), rowCount: 8, columns: ['build', 'MACs', 'Energy (mJ)', 'Latency (ms)'] },
    mapping: { columns: { macs: 'MACs', energy: 'Energy (mJ)', latency: 'Latency (ms)' } },
    filter: {},
    plots: [{ fit, spec: fitPlotSpec(fit) }],
    comparison: compareTable(mapped, { group: ['build'], baseline: 'build=naive <C>', pairBy: ['macs'] }),
    rows: rowsTable(mapped.fields, mapped.rows),
    ...over
  })
}

describe('HTML report of a comparison', () => {
  it('is one self-contained file: inline CSS and SVG, no script, nothing fetched', () => {
    const html = report()
    expect(html.startsWith('<!doctype html>')).toBe(true)
    expect(html).toContain(`<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">`)
    expect(html).not.toMatch(/<script|<link|<img|<iframe|<object|@import|src=|href=|url\(\s*['"]?(https?:|\/\/)/i)
    expect(html.match(/<svg /g)).toHaveLength(1)
    expect(html).toMatch(/<style>[\s\S]*@media print[\s\S]*<\/style>/)
    expect(html).toContain('Joulebench 9.9.9')
    expect(html).toContain('ab'.repeat(32))
  })

  it('holds each group fit, in a prefixed unit and in SI', () => {
    const html = report()
    expect(html).toContain('Slope (nJ/MAC)')
    for (const [build, trueSlope] of Object.entries(SLOPES)) {
      const ys = MACS.map((m, i) => trueSlope * m + 1e-3 + DEV[i])
      const { slope } = ols(MACS, ys)
      const row = new RegExp(`<tr data-group="build=${build.replace('<', '&lt;').replace('>', '&gt;')}">(.*?)</tr>`).exec(html)![1]
      const cells = [...row.matchAll(/<td[^>]*>(.*?)<\/td>/g)].map((m) => m[1])
      expect(cells[1]).toBe('4')
      expect(Number(cells[2])).toBeCloseTo(slope * 1e9, 2)
      expect(html).toContain(`${slope.toExponential(4)} J/MAC`)
    }
  })

  it('states the comparison as sentences with the paired ratios', () => {
    const html = report()
    // simd over naive, layer by layer: latency 4e-8/3e-7 per MAC, so 7.50× faster.
    expect(html).toContain('<li>build=simd is 7.50× faster than build=naive &lt;C&gt;')
    expect(html).toContain('geometric means over the matched pairs')
  })

  it('escapes every text that came from the table or the user', () => {
    const html = report({ title: '</title><script>alert(1)</script>' })
    expect(html).not.toContain('<script>')
    expect(html).toContain('&lt;/title&gt;&lt;script&gt;alert(1)&lt;/script&gt;')
    expect(html).toContain('naive &lt;C&gt;')
    expect(html).not.toContain('naive <C>')
  })

  it('reports without a comparison, and says where the values came from', () => {
    const html = report({ comparison: null, notes: ['a note'] })
    expect(html).not.toContain('Comparison against')
    expect(html).toContain('No instrument or calibration of this workspace produced these values')
    expect(html).toContain('<li>a note</li>')
  })
})
