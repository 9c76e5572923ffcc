import type { TableMapping } from '../formats/table-mapping'
import { renderPlotSvg } from './svg-plot'
import type { FitPlotSpec } from './fit-plot'
import { columnUnit, formatNumber, formatSi } from '../units/si'
import type { RowFilter, TableComparison, TableFitResult } from './table-analysis'
import type { ExportTable } from './table-export'

/**
 * A self-contained HTML report of a comparison of table groups: one file with inline CSS and inline
 * SVG plots, no script and no external asset (its own Content-Security-Policy forbids loading any),
 * readable offline years later and printable to PDF from any browser.
 */

export interface ReportSource {
  name: string
  importedAt: string
  sha256: string
  rowCount: number
  columns: string[]
}

export interface ComparisonReportInput {
  title: string
  generatedAt: string
  softwareVersion: string
  source: ReportSource
  mapping: TableMapping
  filter: RowFilter
  plots: Array<{ spec: FitPlotSpec; fit: TableFitResult }>
  comparison: TableComparison | null
  /** The rows as displayed (after filters), SI with units in the headings. */
  rows: ExportTable
  notes?: string[]
}

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!)
}

/** The reports' stylesheet (inline in each report), shared by the table and run reports. */
export const REPORT_CSS = `
:root { color-scheme: light; }
* { box-sizing: border-box; }
body { margin: 0 auto; max-width: 980px; padding: 24px 28px 48px; font: 13px/1.45 system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif; color: #1d1f21; background: #ffffff; }
h1 { font-size: 21px; margin: 0 0 4px; }
h2 { font-size: 15px; margin: 26px 0 8px; border-bottom: 1px solid #dcdcd8; padding-bottom: 3px; }
h3 { font-size: 13px; margin: 16px 0 6px; }
.meta { color: #62676d; margin: 0 0 12px; }
table { border-collapse: collapse; width: 100%; margin: 6px 0 10px; }
th, td { text-align: left; padding: 4px 8px; border-bottom: 1px solid #e4e4e0; vertical-align: top; }
th { color: #62676d; font-weight: 600; font-size: 11px; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
dl { display: grid; grid-template-columns: max-content 1fr; gap: 2px 14px; margin: 0; }
dt { color: #62676d; }
dd { margin: 0; }
code, .mono { font-family: ui-monospace, 'DejaVu Sans Mono', Menlo, Consolas, monospace; font-size: 12px; }
figure { margin: 10px 0 14px; }
figure svg { max-width: 100%; height: auto; border: 1px solid #e4e4e0; }
figcaption { color: #62676d; font-size: 12px; margin-top: 4px; }
ul.sentences { padding-left: 18px; }
ul.sentences li { margin: 3px 0; font-size: 14px; }
.rows { font-size: 11px; }
@page { size: A4; margin: 14mm; }
@media print {
  body { padding: 0; max-width: none; }
  h2 { break-after: avoid; }
  figure, tr, ul.sentences li { break-inside: avoid; }
  .rows { font-size: 9px; }
}
`

export function num(v: number | null | undefined, digits = 4): string {
  return `<td class="num">${v === null || v === undefined ? '—' : escapeHtml(formatNumber(v, digits))}</td>`
}

/** A fit's plot and table; `rowNoun` names what a point is (rows of a table, runs). */
export function fitSection(fit: TableFitResult, spec: FitPlotSpec, index: number, rowNoun = 'rows'): string {
  const svg = renderPlotSvg(spec, { idPrefix: `plot${index}`, theme: 'light' })
  const slopes = fit.groups.map((g) => g.fit?.slope ?? null)
  const su = columnUnit(slopes, fit.yUnit)
  const slopeLabel = fit.xUnit ? `${su.label}/${fit.xUnit}` : su.label
  const iu = columnUnit(fit.groups.map((g) => g.fit?.intercept ?? null), fit.yUnit)
  const pct = Math.round(fit.level * 100)
  const rows = fit.groups
    .map((g) => {
      const f = g.fit
      const ci = f?.slopeInterval ? `${formatNumber(f.slopeInterval[0] / su.scale, 4)} … ${formatNumber(f.slopeInterval[1] / su.scale, 4)}` : '—'
      return `<tr data-group="${escapeHtml(g.key)}"><td>${escapeHtml(g.key)}</td><td class="num">${g.n}</td>${num(f ? f.slope / su.scale : null)}<td class="num">${escapeHtml(ci)}</td>${num(f ? f.intercept / iu.scale : null)}${num(f?.r2 ?? null, 3)}<td>${escapeHtml(g.problem ?? '')}</td></tr>`
    })
    .join('\n')
  const ratios = fit.slopeRatios.length
    ? `<p>Slope relative to ${escapeHtml(fit.slopeRatios[0].baseline)}: ${fit.slopeRatios
        .map((r) => `${escapeHtml(r.key)} ${r.ratio.toPrecision(3)}×${r.lower !== null && r.upper !== null ? ` (${pct} % CI ${r.lower.toPrecision(3)}–${r.upper.toPrecision(3)})` : ''}`)
        .join('; ')}.</p>`
    : ''
  return `<section class="fit">
<h2>${escapeHtml(spec.title)}</h2>
<figure>${svg}
<figcaption>Least-squares fit of ${escapeHtml(fit.y.name)} (${escapeHtml(fit.y.origin)}) against ${escapeHtml(fit.x.name)} (${escapeHtml(fit.x.origin)}) per group; shaded: the ${pct} % confidence band of each line. ${fit.rowsUsed} ${rowNoun} used${fit.rowsSkipped ? `, ${fit.rowsSkipped} without numbers skipped` : ''}${fit.filteredOut ? `, ${fit.filteredOut} filtered out` : ''}${fit.excludedRows ? `, ${fit.excludedRows} excluded by the mapping` : ''}.</figcaption></figure>
<table class="fits"><thead><tr><th>Group</th><th class="num">n</th><th class="num">Slope (${escapeHtml(slopeLabel)})</th><th class="num">${pct} % CI of slope</th><th class="num">Intercept (${escapeHtml(iu.label)})</th><th class="num">R²</th><th></th></tr></thead>
<tbody>
${rows}
</tbody></table>
<p class="meta">Slopes in SI: ${fit.groups.map((g) => `${escapeHtml(g.key)} ${g.fit ? g.fit.slope.toExponential(4) : '—'} ${escapeHtml(fit.slopeUnit)}`).join('; ')}.</p>
${ratios}
</section>`
}

function ratioCell(r: { ratio: number; lower: number | null; upper: number | null } | null): string {
  if (!r) return '<td class="num">—</td>'
  const ci = r.lower !== null && r.upper !== null ? ` <span class="meta">(${r.lower.toFixed(2)}–${r.upper.toFixed(2)})</span>` : ''
  return `<td class="num">${r.ratio.toFixed(2)}×${ci}</td>`
}

export function comparisonSection(c: TableComparison): string {
  const pct = Math.round(c.level * 100)
  const how =
    c.mode === 'paired'
      ? `Each group's rows are divided by the baseline's rows with the same ${c.pairBy.map(escapeHtml).join(', ')}; the ratios shown are geometric means over the matched pairs, with ${pct} % Student t intervals on the mean log ratio.`
      : `Ratios of group means, with approximate ${pct} % intervals from the spread of both groups (first-order error propagation on the log scale).`
  const summaries = c.groups
    .map((g) => `<tr><td>${escapeHtml(g.key)}</td><td class="num">${g.rows}</td><td class="num">${escapeHtml(formatSi(g.latency?.mean, 's', 4))}</td><td class="num">${escapeHtml(formatSi(g.power?.mean, 'W', 4))}</td><td class="num">${escapeHtml(formatSi(g.energy?.mean, 'J', 4))}</td></tr>`)
    .join('\n')
  const ratios = c.comparisons
    .map((g) => `<tr><td>${escapeHtml(g.name)}</td><td class="num">${g.pairs ?? '—'}</td>${ratioCell(g.speedup)}${ratioCell(g.latency)}${ratioCell(g.power)}${ratioCell(g.energy)}</tr>`)
    .join('\n')
  return `<section class="comparison">
<h2>Comparison against ${escapeHtml(c.baseline)}</h2>
<ul class="sentences">${c.comparisons.map((g) => `<li>${escapeHtml(g.sentence)}.</li>`).join('')}</ul>
<p class="meta">${how}</p>
<table class="ratios"><thead><tr><th>Group</th><th class="num">Pairs</th><th class="num">Speed-up</th><th class="num">Latency ×</th><th class="num">Power ×</th><th class="num">Energy ×</th></tr></thead>
<tbody>
${ratios}
</tbody></table>
<h3>Group means</h3>
<table><thead><tr><th>Group</th><th class="num">Rows</th><th class="num">Mean latency</th><th class="num">Mean power</th><th class="num">Mean energy</th></tr></thead>
<tbody>
${summaries}
</tbody></table>
${c.notes.length ? `<p class="meta">${c.notes.map(escapeHtml).join(' ')}</p>` : ''}
</section>`
}

function mappingSection(input: ComparisonReportInput): string {
  const m = input.mapping
  const columns = Object.entries(m.columns).map(([field, column]) => `<tr><td>${escapeHtml(field)}</td><td>${escapeHtml(column)}</td></tr>`)
  const base = m.base ? Object.entries(m.base).map(([k, v]) => `${escapeHtml(k)} = ${v}`).join(', ') : 'none'
  const filters = Object.entries(input.filter)
  const excluded = Object.entries(m.exclude ?? {})
  return `<section class="mapping">
<h2>Source, mapping and filters</h2>
<dl>
<dt>Table</dt><dd>${escapeHtml(input.source.name)} — ${input.source.rowCount} rows, columns ${input.source.columns.map((c) => `<code>${escapeHtml(c)}</code>`).join(', ')}</dd>
<dt>Imported</dt><dd>${escapeHtml(input.source.importedAt)}</dd>
<dt>SHA-256 of the file</dt><dd class="mono">${escapeHtml(input.source.sha256)}</dd>
<dt>Primitive</dt><dd>${m.primitive ? escapeHtml(m.primitive) : m.columns.primitive ? `from the column <code>${escapeHtml(m.columns.primitive)}</code>` : 'not given'}</dd>
<dt>Base layer</dt><dd>${base}</dd>
<dt>Filters</dt><dd>${filters.length ? filters.map(([k, v]) => `${escapeHtml(k)} ∈ {${v.map(escapeHtml).join(', ')}}`).join('; ') : 'none'}</dd>
<dt>Excluded by mapping</dt><dd>${excluded.length ? excluded.map(([k, v]) => `${escapeHtml(k)} ∈ {${v.map(escapeHtml).join(', ')}}`).join('; ') : 'none'}</dd>
</dl>
<h3>Columns mapped to fields</h3>
<table><thead><tr><th>Field</th><th>Column</th></tr></thead><tbody>${columns.join('')}</tbody></table>
<p class="meta">MACs, when derived, follow the convolution-primitive formulas: standard and add H_y·W_y·K²·C_x·C_y; grouped the same over G; depthwise-separable H_y·W_y·C_x·(K² + C_y); shift H_y·W_y·C_x·C_y. Values are converted to SI from the units in the headings.</p>
</section>`
}

function rowsSection(rows: ExportTable): string {
  const head = rows.columns.map((c) => `<th>${escapeHtml(c.label)}</th>`).join('')
  const body = rows.records
    .map((r) => `<tr>${rows.columns.map((c) => (typeof r[c.key] === 'number' ? num(r[c.key] as number, 5) : `<td>${escapeHtml(String(r[c.key] ?? ''))}</td>`)).join('')}</tr>`)
    .join('\n')
  return `<section class="rows-section">
<h2>Rows (${rows.records.length})</h2>
<table class="rows"><thead><tr>${head}</tr></thead><tbody>
${body}
</tbody></table>
</section>`
}

export function renderComparisonReport(input: ComparisonReportInput): string {
  const parts = [
    '<!doctype html>',
    '<html lang="en">',
    '<head>',
    '<meta charset="utf-8">',
    `<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">`,
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    `<meta name="generator" content="Joulebench ${escapeHtml(input.softwareVersion)}">`,
    `<title>${escapeHtml(input.title)}</title>`,
    `<style>${REPORT_CSS}</style>`,
    '</head>',
    '<body>',
    `<h1>${escapeHtml(input.title)}</h1>`,
    `<p class="meta">Generated ${escapeHtml(input.generatedAt)} by Joulebench ${escapeHtml(input.softwareVersion)} from the published table ${escapeHtml(input.source.name)}.</p>`,
    input.comparison ? comparisonSection(input.comparison) : '',
    ...input.plots.map((p, i) => fitSection(p.fit, p.spec, i)),
    mappingSection(input),
    `<section class="setup">
<h2>Instruments, calibrations and plan</h2>
<p>No instrument or calibration of this workspace produced these values: they come from the published table named above, as its authors measured them. No benchmark plan was run; the analysis here is the mapping, filters and fits listed in this report.</p>
</section>`,
    input.notes?.length ? `<section><h2>Notes</h2><ul>${input.notes.map((n) => `<li>${escapeHtml(n)}</li>`).join('')}</ul></section>` : '',
    rowsSection(input.rows),
    '</body>',
    '</html>',
    ''
  ]
  return parts.filter(Boolean).join('\n')
}
