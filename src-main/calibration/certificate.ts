/**
 * A printable calibration certificate: one self-contained HTML document (inline CSS, no scripts,
 * no external assets) that prints to PDF from any browser. Every user-entered text is escaped.
 */
import { escapeXml as esc } from '../wiring/diagram'
import { VERSION } from '../version'
import type { RangeCalibration } from './fit'
import type { CalibrationRecord } from './records'

function eng(value: number, unit: string): string {
  if (!Number.isFinite(value)) return '—'
  const a = Math.abs(value)
  const [scale, prefix] = a === 0 || a >= 1 ? [1, ''] : a >= 1e-3 ? [1e3, 'm'] : a >= 1e-6 ? [1e6, 'µ'] : [1e9, 'n']
  return `${+(value * scale).toPrecision(4)} ${prefix}${unit}`
}

const pct = (f: number | null, digits = 3) => (f === null || !Number.isFinite(f) ? '—' : `${+(f * 100).toPrecision(digits)} %`)
const date = (iso: string) => iso.slice(0, 10)

const FIT_WORDS: Record<RangeCalibration['fit'], string> = {
  'gain-and-offset': 'gain and offset',
  'gain-only': 'gain only (offset taken as 0)',
  'offset-only': 'offset only (gain taken as 1)',
  none: 'not calibrated'
}

const VERDICT_WORDS: Record<RangeCalibration['verdict'], string> = {
  pass: 'within stated accuracy',
  fail: 'outside stated accuracy',
  'not-stated': 'no stated accuracy to judge against',
  'not-measured': 'not measured'
}

const STYLE = `
:root{color-scheme:light}
*{box-sizing:border-box}
body{font:11pt/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#1f2328;margin:2rem auto;max-width:60rem;padding:0 1.5rem}
h1{font-size:1.6rem;margin:0 0 .2rem}
h2{font-size:1.1rem;margin:1.6rem 0 .5rem;border-bottom:1px solid #d0d7de;padding-bottom:.2rem}
.sub{color:#57606a;margin:0 0 1rem}
dl.facts{display:grid;grid-template-columns:max-content 1fr;gap:.2rem 1.2rem;margin:0}
dl.facts dt{color:#57606a}
dl.facts dd{margin:0}
table{border-collapse:collapse;width:100%;margin:.4rem 0;font-variant-numeric:tabular-nums}
th,td{border:1px solid #d0d7de;padding:.25rem .45rem;text-align:left;vertical-align:top}
th{background:#f6f8fa;font-weight:600}
td.num{text-align:right;white-space:nowrap}
.verdict{display:inline-block;padding:.15rem .6rem;border-radius:1rem;font-weight:700;letter-spacing:.02em}
.verdict.pass{background:#dafbe1;color:#116329}
.verdict.fail{background:#ffebe9;color:#a40e26}
.verdict.incomplete{background:#fff8c5;color:#7d4e00}
.ok{color:#116329}.bad{color:#a40e26;font-weight:600}.muted{color:#57606a}
.notes{white-space:pre-wrap;border-left:3px solid #d0d7de;padding-left:.8rem}
footer{margin-top:2rem;color:#57606a;font-size:.85rem;border-top:1px solid #d0d7de;padding-top:.5rem}
@media print{
  @page{size:A4;margin:15mm}
  body{margin:0;max-width:none;padding:0;font-size:10pt}
  h2{break-after:avoid}
  table,tr,dl{break-inside:avoid}
  .verdict{border:1px solid currentColor}
}
`.trim()

function passCell(pass: boolean | null): string {
  if (pass === null) return '<td class="muted">—</td>'
  return pass ? '<td class="ok">pass</td>' : '<td class="bad">FAIL</td>'
}

/** The certificate of one record, as a complete HTML document. */
export function renderCertificateHtml(record: CalibrationRecord, options: { now?: Date } = {}): string {
  const r = record.result
  const now = options.now ?? new Date()
  const overdue = Date.parse(record.dueAt) < now.getTime()
  const measured = r.ranges.filter((x) => x.verdict !== 'not-measured')
  const rangeRows = r.ranges
    .map(
      (x) => `<tr data-range="${x.rangeIndex}">
<td>${esc(x.label)}</td><td>${esc(FIT_WORDS[x.fit])}</td>
<td class="num">${x.fit === 'none' || x.fit === 'offset-only' ? '—' : `${x.gain.toFixed(6)} ± ${(2 * x.gainU).toExponential(2)}`}</td>
<td class="num">${x.fit === 'none' || x.fit === 'gain-only' ? '—' : `${eng(x.offsetA, 'A')} ± ${eng(2 * x.offsetU, 'A')}`}</td>
<td class="num">${x.verdict === 'not-measured' ? '—' : `${pct(x.uncertainty.expandedFraction)} + ${eng(x.uncertainty.offsetExpandedA, 'A')}`}</td>
<td class="num">${pct(x.accuracyFraction)}</td>
<td class="${x.verdict === 'fail' ? 'bad' : x.verdict === 'pass' ? 'ok' : 'muted'}">${esc(VERDICT_WORDS[x.verdict])}${x.marginal ? ' (marginal)' : ''}</td>
</tr>`
    )
    .join('\n')
  const pointRows = r.points
    .map((p) => {
      const range = r.ranges.find((x) => x.rangeIndex === p.rangeIndex)
      const check = range?.points.find((c) => c.loadText === p.loadText && c.readingA === p.readingA)
      const errorCell = p.kind === 'open' ? eng(p.readingA, 'A') : pct(check?.errorFraction ?? null, 3)
      return `<tr>
<td>${p.kind === 'open' ? 'open output (zero)' : esc(`${eng(p.resistanceOhm!, 'Ω')} at ${p.voltageV} V ± ${pct(p.toleranceFraction, 2)}`)}</td>
<td class="num">${eng(p.trueA, 'A')} ± ${eng(2 * p.trueUncertaintyA, 'A')}</td>
<td>${esc(range?.label ?? `range ${p.rangeIndex}`)}</td>
<td class="num">${eng(p.readingA, 'A')}</td>
<td class="num">${eng(p.sdA, 'A')}</td>
<td class="num">${p.sampleCount}</td>
<td class="num">${errorCell}</td>
<td>${esc(check?.limit ?? '')}</td>
${passCell(check?.pass ?? null)}
</tr>`
    })
    .join('\n')
  const budgetRows = measured
    .map(
      (x) => `<tr><td>${esc(x.label)}</td><td class="num">${pct(x.uncertainty.residualFraction)}</td><td class="num">${pct(x.uncertainty.loadFraction)}</td><td class="num">${pct(x.uncertainty.noiseFraction)}</td><td class="num">${pct(x.uncertainty.combinedFraction)}</td><td class="num"><strong>${pct(x.uncertainty.expandedFraction)}</strong></td></tr>`
    )
    .join('\n')
  const inst = r.instrument
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(`Calibration certificate ${record.id} — ${inst.model} ${inst.serial}`)}</title>
<style>${STYLE}</style>
</head>
<body>
<header>
<h1>Calibration certificate</h1>
<p class="sub">${esc(record.id)} · ${esc(inst.model)} · serial ${esc(inst.serial)}</p>
<p><span class="verdict ${r.verdict}" id="verdict">${r.verdict === 'pass' ? 'PASS' : r.verdict === 'fail' ? 'FAIL' : 'INCOMPLETE'}</span>
${r.verdict === 'pass' ? ' Every measured range read within its stated accuracy before correction.' : r.verdict === 'fail' ? ' At least one range read outside its stated accuracy before correction; the fitted corrections below bring it back.' : ' Nothing was measured.'}</p>
</header>
<h2>Instrument</h2>
<dl class="facts">
<dt>Model</dt><dd>${esc(inst.model)}</dd>
<dt>Family</dt><dd>${esc(inst.family)}</dd>
<dt>Serial number</dt><dd id="serial">${esc(inst.serial)}</dd>
<dt>Firmware</dt><dd>${esc(inst.firmware ?? 'not reported')}</dd>
<dt>Calibrated</dt><dd id="performed">${esc(date(record.performedAt))} (${esc(record.performedAt)})</dd>
<dt>Next calibration due</dt><dd id="due">${esc(date(record.dueAt))}${overdue ? ' <strong class="bad">— overdue</strong>' : ''}</dd>
<dt>Operator</dt><dd>${esc(record.operator ?? '—')}</dd>
<dt>Corrections in force</dt><dd>${record.inForce ? 'yes, applied to captures of this unit' : 'no'}${record.writtenToDevice ? '; gains written to the device' : ''}</dd>
</dl>
<h2>Method</h2>
<p>Reference loads of known resistance R at a known voltage V give the true current I = V / R; the resistor's tolerance (and the voltage's, ${pct(r.settings.voltageToleranceFraction, 2)}) is taken as a rectangular distribution. ${r.points.some((p) => p.kind === 'open') ? 'The zero offset was read with the output open. ' : ''}Each point averages ${r.settings.measureS} s of samples after ${r.settings.settleS} s of settling, using only the samples of the range that held most of them. Per range, a weighted least-squares line reading = gain × true + offset was fitted; captures are corrected as (reading − offset) / gain.</p>
<p>Uncertainty: residual scatter of the fit, load tolerance and instrument noise (standard error of each mean), combined in quadrature and expanded with coverage factor k = 2 (about 95 %). It is stated as a fraction of reading plus an offset term.</p>
<h2>Corrections per range</h2>
<table id="ranges">
<thead><tr><th>Range</th><th>Fitted</th><th>Gain (± k=2)</th><th>Offset (± k=2)</th><th>Expanded uncertainty (k=2)</th><th>Stated accuracy</th><th>Before correction</th></tr></thead>
<tbody>
${rangeRows}
</tbody>
</table>
<h2>Measured points</h2>
<table id="points">
<thead><tr><th>Reference</th><th>True current (± k=2)</th><th>Range</th><th>Reading</th><th>Std dev</th><th>Samples</th><th>Error</th><th>Limit</th><th>Result</th></tr></thead>
<tbody>
${pointRows}
</tbody>
</table>
<h2>Uncertainty budget (relative, k = 1 unless marked)</h2>
<table id="budget">
<thead><tr><th>Range</th><th>Residual scatter</th><th>Load tolerance</th><th>Instrument noise</th><th>Combined</th><th>Expanded (k=2)</th></tr></thead>
<tbody>
${budgetRows || '<tr><td colspan="6" class="muted">No range measured.</td></tr>'}
</tbody>
</table>
${r.suggestions.length ? `<h2>Not covered</h2><ul>${r.suggestions.map((s) => `<li>${esc(s)}</li>`).join('')}</ul>` : ''}
<h2>Notes</h2>
<div class="notes">${record.notes ? esc(record.notes) : '<span class="muted">None.</span>'}</div>
<footer>Joulebench ${esc(VERSION)} · record ${esc(record.id)} · The reference values are as entered by the operator; this certificate's traceability is that of the loads and the voltage used. Printed ${esc(now.toISOString().slice(0, 10))}.</footer>
</body>
</html>
`
}
