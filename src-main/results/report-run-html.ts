import type { Summary } from '../analysis/statistics'
import type { ModelFileFacts } from '../models/model-file'
import type { RunDetail, RunInstrument } from '../runs/runs-store'
import type { RunSegment } from '../runs/run-analysis'
import type { FitPlotSpec } from './fit-plot'
import { comparisonSection, escapeHtml, fitSection, num, REPORT_CSS } from './report-html'
import type { RunFacts, RunFileFacts } from './run-facts'
import type { StageBreakdown } from './runs-analysis'
import { analyzerLabel } from './runs-table'
import { formatNumber, formatSi } from '../units/si'
import { renderStageBarsSvg, stageName } from './stage-bars'
import type { TableComparison, TableFitResult } from './table-analysis'
import type { ExportTable } from './table-export'

/**
 * Self-contained HTML reports of one run and of a comparison of runs: inline CSS and SVG, no script,
 * no external asset (the page's own Content-Security-Policy forbids loading any), printable to PDF.
 * A run's report names everything needed to judge its numbers: the plan, the instruments as they
 * identified themselves, the calibration in force, the recording, the model and firmware facts, the
 * statistics with their intervals, and the Joulebench versions that ran and reported it.
 */

/** A calibration record as the report shows it (null fields: the record is not in this workspace). */
export interface ReportCalibration {
  id: string
  found: boolean
  family?: string
  serial?: string
  model?: string
  performedAt?: string
  dueAt?: string
  verdict?: string
  inForce?: boolean
}

export interface ReportRecording {
  id: number
  uuid: string
  name: string
  startedAt: string
  state: string
  samplePeriodS: number | null
  sampleCount: number
  gapSamples: number
  supplyV: number | null
  calibrationId: string | null
}

export interface RunReportInput {
  generatedAt: string
  softwareVersion: string
  run: RunDetail
  facts: RunFacts
  recording: ReportRecording | null
  calibrations: ReportCalibration[]
  /** The recording's trace as an inline SVG, or null (no recording, or it could not be read). */
  traceSvg: string | null
  stages: StageBreakdown | null
  notes?: string[]
}

function page(title: string, version: string, body: string[]): string {
  return [
    '<!doctype html>',
    '<html lang="en">',
    '<head>',
    '<meta charset="utf-8">',
    `<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">`,
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    `<meta name="generator" content="Joulebench ${escapeHtml(version)}">`,
    `<title>${escapeHtml(title)}</title>`,
    `<style>${REPORT_CSS}
.headline td.num:first-of-type { font-weight: 600; }
pre.plan { font: 11px/1.35 ui-monospace, 'DejaVu Sans Mono', Menlo, Consolas, monospace; background: #f6f6f3; border: 1px solid #e4e4e0; padding: 8px; white-space: pre-wrap; word-break: break-word; }
.badge { display: inline-block; padding: 0 6px; border-radius: 8px; font-size: 11px; background: #eef3f8; color: #1d4f7a; }
.badge.warn { background: #fbefe2; color: #8a4a00; }
@media print { pre.plan { font-size: 9px; } }
</style>`,
    '</head>',
    '<body>',
    ...body.filter(Boolean),
    '</body>',
    '</html>',
    ''
  ].join('\n')
}

const si = (v: number | null | undefined, unit: string, digits = 4) => escapeHtml(formatSi(v, unit, digits))

function summaryRow(label: string, s: Summary | null | undefined, unit: string, testid: string): string {
  if (!s || s.mean === null) return ''
  const ci = s.ci ? `${si(s.ci.low, unit)} … ${si(s.ci.high, unit)}` : '—'
  return `<tr data-metric="${testid}"><td>${escapeHtml(label)}</td><td class="num">${si(s.mean, unit)}</td><td class="num">${ci}</td><td class="num">${si(s.sd, unit, 3)}</td><td class="num">${si(s.median, unit)}</td><td class="num">${si(s.min, unit)}</td><td class="num">${si(s.max, unit)}</td><td class="num">${s.n}</td></tr>`
}

function headlineSection(run: RunDetail): string {
  const s = run.summary
  if (!s) return `<section><h2>Metrics</h2><p>No metrics: the run ${escapeHtml(run.state)}${run.stateReason ? ` (${escapeHtml(run.stateReason)})` : ''} before its analysis.</p></section>`
  const level = s.energyPerInferenceJ?.ci?.level ?? s.latencyPerInferenceS?.ci?.level ?? 0.95
  const pct = Math.round(level * 100)
  const perMac = run.model.macs && s.energyPerInferenceJ?.mean ? s.energyPerInferenceJ.mean / run.model.macs : null
  const latPerMac = run.model.macs && s.latencyPerInferenceS?.mean ? s.latencyPerInferenceS.mean / run.model.macs : null
  const rows = [
    summaryRow(`Energy per inference${s.energySubtractsIdle ? ' (net of idle)' : ''}`, s.energyPerInferenceJ, 'J', 'energy'),
    summaryRow('Latency per inference', s.latencyPerInferenceS, 's', 'latency'),
    summaryRow('Average power during inference', s.averagePowerW, 'W', 'power'),
    summaryRow('Peak power', s.peakPowerW, 'W', 'peak-power'),
    s.energySubtractsIdle ? summaryRow('Gross energy per inference', s.grossEnergyJ, 'J', 'gross-energy') : summaryRow('Net energy per inference (above idle)', s.netEnergyJ, 'J', 'net-energy'),
    summaryRow('Charge per inference', s.chargeC, 'C', 'charge'),
    summaryRow("Latency per inference (DUT's timestamps)", s.dutLatencyPerInferenceS, 's', 'dut-latency')
  ]
  const facts = [
    `n = ${s.n} ${s.basis === 'windows' ? 'infer windows (one figure per window)' : 'measured inferences'}`,
    s.warmupDiscarded ? `${s.warmupDiscarded} warm-up inference${s.warmupDiscarded > 1 ? 's' : ''} left out` : 'no warm-up left out',
    s.baseline ? `idle baseline ${si(s.baseline.currentA, 'A')} / ${si(s.baseline.powerW, 'W')}` : 'no idle baseline',
    perMac !== null ? `energy per MAC ${si(perMac, 'J')}` : '',
    latPerMac !== null ? `latency per MAC ${si(latPerMac, 's')}` : ''
  ].filter(Boolean)
  const mlperf = s.mlperf
    ? `<p>MLPerf Tiny rule: <span class="badge${s.mlperf.valid ? '' : ' warn'}">${s.mlperf.valid ? 'valid' : 'not valid'}</span> — median over ${s.mlperf.windowCount} windows: ${si(s.mlperf.medianEnergyPerInferenceJ, 'J')} and ${si(s.mlperf.medianLatencyPerInferenceS, 's')} per inference.${s.mlperf.violations.length ? ` ${s.mlperf.violations.map(escapeHtml).join(' ')}` : ''}</p>`
    : ''
  return `<section class="headline">
<h2>Metrics per inference</h2>
<table data-testid="run-metrics"><thead><tr><th>Measure</th><th class="num">Mean</th><th class="num">${pct} % CI of the mean</th><th class="num">sd</th><th class="num">Median</th><th class="num">Min</th><th class="num">Max</th><th class="num">n</th></tr></thead>
<tbody>
${rows.filter(Boolean).join('\n')}
</tbody></table>
<p class="meta">${facts.join('; ')}. Intervals are Student t intervals of the mean at ${pct} %.</p>
${mlperf}
</section>`
}

function stagesSection(run: RunDetail, stages: StageBreakdown | null): string {
  const s = run.summary
  if (!s || s.stages.length === 0) return ''
  const pct = Math.round((s.latencyPerInferenceS?.ci?.level ?? 0.95) * 100)
  const ci = (x: Summary | null | undefined, unit: string) => (x?.ci ? `${si(x.ci.low, unit, 3)} … ${si(x.ci.high, unit, 3)}` : '—')
  const rows = s.stages
    .map((st) => {
      const e = s.energySubtractsIdle && st.netEnergyJ ? st.netEnergyJ : st.energyJ
      return `<tr data-stage="${escapeHtml(st.stage)}"><td>${escapeHtml(stageName(st.stage))}</td><td class="num">${st.n}</td><td class="num">${si(st.latencyS.mean, 's')}</td><td class="num">${ci(st.latencyS, 's')}</td><td class="num">${si(e.mean, 'J')}</td><td class="num">${ci(e, 'J')}</td><td class="num">${si(st.averagePowerW.mean, 'W')}</td></tr>`
    })
    .join('\n')
  const bars = stages && stages.bars.length ? `<figure>${renderStageBarsSvg(stages, { quantity: 'latency', idPrefix: 'stage-lat', width: 760 })}</figure><figure>${renderStageBarsSvg(stages, { quantity: 'energy', idPrefix: 'stage-energy', width: 760 })}</figure>` : ''
  return `<section class="stages">
<h2>Stages</h2>
<table data-testid="run-stages"><thead><tr><th>Stage</th><th class="num">n</th><th class="num">Duration</th><th class="num">${pct} % CI</th><th class="num">Energy${s.energySubtractsIdle ? ' (net)' : ''}</th><th class="num">${pct} % CI</th><th class="num">Average power</th></tr></thead>
<tbody>
${rows}
</tbody></table>
${bars}
</section>`
}

function traceSection(input: RunReportInput): string {
  if (!input.recording) return `<section><h2>Trace</h2><p>This run has no recording${input.run.recordingUuid ? ` here (recording ${escapeHtml(input.run.recordingUuid)} was deleted or is in another workspace)` : ' (it ran without an analyzer)'}.</p></section>`
  const r = input.recording
  const rate = r.samplePeriodS ? `${formatNumber(1 / r.samplePeriodS, 6)} samples/s` : 'uneven time steps'
  return `<section class="trace">
<h2>Trace</h2>
${input.traceSvg ? `<figure data-testid="run-trace">${input.traceSvg}<figcaption>Supply current of the whole recording, min/max per column from the recording's summaries; shaded: idle baseline (grey), measured inferences (blue), warm-ups (orange), inferences outside every window (red).</figcaption></figure>` : '<p class="meta">The trace could not be drawn from the recording.</p>'}
<dl>
<dt>Recording</dt><dd>#${r.id} ${escapeHtml(r.name)} — <span class="mono">${escapeHtml(r.uuid)}</span></dd>
<dt>Started</dt><dd>${escapeHtml(r.startedAt)}</dd>
<dt>State</dt><dd>${escapeHtml(r.state)}</dd>
<dt>Samples</dt><dd>${r.sampleCount.toLocaleString('en-US')} at ${escapeHtml(rate)}${r.samplePeriodS ? ` (${si(r.sampleCount * r.samplePeriodS, 's')})` : ''}${r.gapSamples ? `, <span class="badge warn">${r.gapSamples.toLocaleString('en-US')} missing in gaps</span>` : ', no gaps'}</dd>
<dt>Supply</dt><dd>${r.supplyV !== null ? si(r.supplyV, 'V') : 'not recorded'}</dd>
</dl>
</section>`
}

function calibrationText(inst: RunInstrument, calibrations: ReportCalibration[]): string {
  const id = inst.calibration?.id ?? null
  if (!inst.calibration) return 'not applicable'
  if (id === null) return 'none in force (the instrument’s own factory calibration)'
  const c = calibrations.find((k) => k.id === id)
  if (!c || !c.found) return `<span class="mono">${escapeHtml(id)}</span> <span class="badge warn">record not in this workspace</span>`
  const overdue = c.dueAt && c.dueAt < new Date().toISOString()
  return `<span class="mono">${escapeHtml(id)}</span> — ${escapeHtml(c.verdict ?? '')}, performed ${escapeHtml((c.performedAt ?? '').slice(0, 10))}, due ${escapeHtml((c.dueAt ?? '').slice(0, 10))}${overdue ? ' <span class="badge warn">now overdue</span>' : ''}${c.inForce === false ? ' (since set aside)' : ''}`
}

function instrumentsSection(input: RunReportInput): string {
  const insts = input.run.instruments
  if (insts.length === 0) return '<section><h2>Instruments and calibration</h2><p>No instrument was recorded for this run.</p></section>'
  const rows = insts
    .map(
      (i) =>
        `<tr data-role="${escapeHtml(i.role)}"><td>${escapeHtml(i.role)}</td><td>${escapeHtml(i.identity.model)}${i.identity.virtual ? ' <span class="badge">virtual</span>' : ''}</td><td class="mono">${escapeHtml(i.identity.id)}</td><td>${escapeHtml(i.identity.serial ?? '—')}</td><td>${escapeHtml(i.identity.firmware ?? '—')}</td><td>${calibrationText(i, input.calibrations)}</td></tr>`
    )
    .join('\n')
  const settings = insts
    .filter((i) => i.settings !== undefined && i.settings !== null)
    .map((i) => `<dt>${escapeHtml(i.role)}</dt><dd class="mono">${escapeHtml(JSON.stringify(i.settings))}</dd>`)
    .join('')
  return `<section class="instruments">
<h2>Instruments and calibration</h2>
<table data-testid="run-instruments"><thead><tr><th>Role</th><th>Model</th><th>Id</th><th>Serial</th><th>Firmware</th><th>Calibration in force</th></tr></thead>
<tbody>
${rows}
</tbody></table>
${settings ? `<h3>Settings</h3><dl>${settings}</dl>` : ''}
</section>`
}

function factsBlock(f: RunFileFacts): string {
  const x: ModelFileFacts = f.facts
  const head = `<p><b>${escapeHtml(f.fileName)}</b> — ${f.fileBytes.toLocaleString('en-US')} bytes, SHA-256 <span class="mono">${escapeHtml(f.sha256.slice(0, 16))}…</span>, read ${escapeHtml(f.describedAt.slice(0, 10))}${f.filePath ? ` from <span class="mono">${escapeHtml(f.filePath)}</span>` : ''}</p>`
  const int = (n: number | null | undefined) => (n === null || n === undefined ? '—' : Math.round(n).toLocaleString('en-US'))
  if (x.kind === 'tflite') {
    const ops = Object.entries(x.operatorCounts)
      .map(([op, n]) => `${escapeHtml(op)} ×${n}`)
      .join(', ')
    return `${head}<dl data-testid="facts-model">
<dt>Format</dt><dd>TFLite (schema ${x.schemaVersion}), ${x.layerCount} layers</dd>
<dt>MACs</dt><dd>${int(x.macs)}</dd>
<dt>Parameters</dt><dd>${int(x.params)} (${int(x.paramBytes)} bytes)</dd>
<dt>Peak activations</dt><dd>≈ ${int(x.peakActivationBytes)} bytes (estimate from tensor lifetimes)</dd>
<dt>Operators</dt><dd>${ops}</dd>
</dl>`
  }
  if (x.kind === 'elf') {
    return `${head}<dl data-testid="facts-firmware">
<dt>Image</dt><dd>ELF ${x.elfClass}-bit ${escapeHtml(x.machine)}</dd>
<dt>Flash</dt><dd>${int(x.flashBytes)} bytes (text ${int(x.textBytes)} + rodata ${int(x.rodataBytes)} + data ${int(x.dataBytes)})</dd>
<dt>RAM</dt><dd>${int(x.ramBytes)} bytes (data ${int(x.dataBytes)} + bss ${int(x.bssBytes)})</dd>
</dl>`
  }
  const rows = x.configurations
    .map((c) => `<tr><td>${escapeHtml(c.network)}</td><td>${escapeHtml(c.acceleratorConfiguration)}</td><td class="num">${si(c.inferenceTimeS, 's')}</td><td class="num">${int(c.macs)}</td><td class="num">${int(c.memoryUsedBytes.sram)}</td><td class="num">${int(c.originalWeightsBytes)}</td></tr>`)
    .join('')
  return `${head}<table><thead><tr><th>Network</th><th>Accelerator</th><th class="num">Inference (Vela estimate)</th><th class="num">MACs</th><th class="num">SRAM bytes</th><th class="num">Weight bytes</th></tr></thead><tbody>${rows}</tbody></table>`
}

function modelSection(input: RunReportInput): string {
  const m = input.run.model
  const plan = input.run.plan
  return `<section class="model">
<h2>Model and firmware</h2>
<dl>
<dt>Model</dt><dd>${escapeHtml(m.name)}</dd>
<dt>MACs (plan)</dt><dd>${m.macs !== null ? m.macs.toLocaleString('en-US') : '—'}</dd>
<dt>Parameters (plan)</dt><dd>${m.params !== null ? m.params.toLocaleString('en-US') : '—'}</dd>
<dt>Figures from</dt><dd>${escapeHtml(plan.model.source ?? plan.model.file ?? 'the plan')}</dd>
</dl>
${input.facts.model ? `<h3>Model file</h3>${factsBlock(input.facts.model)}` : '<p class="meta">No model file was described for this run.</p>'}
${input.facts.firmware ? `<h3>Firmware image</h3>${factsBlock(input.facts.firmware)}` : '<p class="meta">No firmware image was described for this run.</p>'}
</section>`
}

const SEGMENT_LIMIT = 400

function segmentsSection(segments: RunSegment[]): string {
  if (segments.length === 0) return ''
  const shown = segments.slice(0, SEGMENT_LIMIT)
  const rows = shown
    .map(
      (s) =>
        `<tr data-kind="${s.kind}" data-role="${s.role}"><td>${escapeHtml(s.kind === 'stage' ? stageName(s.label) : s.label)}</td><td class="num">${s.inference ?? '—'}</td><td class="num">${s.window !== null ? s.window + 1 : '—'}</td><td>${s.role}</td><td class="num">${si(s.startS, 's', 6)}</td><td class="num">${si(s.durationS, 's')}</td><td class="num">${si(s.energyJ ?? (s.energyPerInferenceJ !== null && s.inferenceCount ? s.energyPerInferenceJ * s.inferenceCount : null), 'J')}</td><td class="num">${si(s.averagePowerW, 'W')}</td><td class="num">${si(s.peakPowerW, 'W')}</td><td class="num">${s.missingSamples ?? ''}</td></tr>`
    )
    .join('\n')
  return `<section class="segments">
<h2>Segments (${segments.length})</h2>
<table class="rows" data-testid="run-segments"><thead><tr><th>Segment</th><th class="num">Inference</th><th class="num">Window</th><th>Role</th><th class="num">Start</th><th class="num">Duration</th><th class="num">Energy</th><th class="num">Avg power</th><th class="num">Peak power</th><th class="num">Missing samples</th></tr></thead>
<tbody>
${rows}
</tbody></table>
${segments.length > SEGMENT_LIMIT ? `<p class="meta">The first ${SEGMENT_LIMIT} of ${segments.length} segments are listed; every one is in the workspace (joulebench run --list, the Runs screen).</p>` : ''}
</section>`
}

function tagsText(run: RunDetail): string {
  const t = run.tags
  const parts = Object.entries(t)
    .filter(([k, v]) => k !== 'free' && v !== undefined && v !== '')
    .map(([k, v]) => `${escapeHtml(k)} = ${escapeHtml(k === 'clockHz' ? formatSi(v as number, 'Hz') : String(v))}`)
  if (t.free?.length) parts.push(`tags: ${t.free.map(escapeHtml).join(', ')}`)
  return parts.length ? parts.join('; ') : 'none'
}

export function renderRunReport(input: RunReportInput): string {
  const run = input.run
  const title = `Run ${run.id}: ${run.name}`
  const stateBadge = run.state === 'finished' ? '' : ` <span class="badge warn">${escapeHtml(run.state)}</span>`
  return page(title, input.softwareVersion, [
    `<h1>${escapeHtml(title)}${stateBadge}</h1>`,
    `<p class="meta">Report generated ${escapeHtml(input.generatedAt)} by Joulebench ${escapeHtml(input.softwareVersion)}. The run was carried out by Joulebench ${escapeHtml(run.softwareVersion)}, started ${escapeHtml(run.startedAt)}${run.finishedAt ? `, finished ${escapeHtml(run.finishedAt)}` : ''}. Run UUID <span class="mono">${escapeHtml(run.uuid)}</span>.</p>`,
    `<dl><dt>Mode</dt><dd>${escapeHtml(run.mode)}</dd><dt>Analyzer</dt><dd>${escapeHtml(analyzerLabel(run))}</dd><dt>Tags</dt><dd>${tagsText(run)}</dd>${run.stateReason ? `<dt>${run.state === 'finished' ? 'Note' : 'Why'}</dt><dd>${escapeHtml(run.stateReason)}</dd>` : ''}</dl>`,
    headlineSection(run),
    traceSection(input),
    stagesSection(run, input.stages),
    modelSection(input),
    instrumentsSection(input),
    [...run.notes, ...(input.notes ?? [])].length ? `<section><h2>Notes</h2><ul>${[...run.notes, ...(input.notes ?? [])].map((n) => `<li>${escapeHtml(n)}</li>`).join('')}</ul></section>` : '',
    run.dropped.length ? `<p class="meta">${run.dropped.length} stretch${run.dropped.length > 1 ? 'es' : ''} above the threshold were dropped by the segmentation (${[...new Set(run.dropped.map((d) => d.reason))].join(', ')}).</p>` : '',
    segmentsSection(run.segments),
    `<section class="plan"><h2>Plan</h2><pre class="plan" data-testid="run-plan">${escapeHtml(JSON.stringify(run.plan, null, 2))}</pre></section>`
  ])
}

export interface RunsComparisonReportInput {
  title: string
  generatedAt: string
  softwareVersion: string
  /** The filter and grouping that chose and split the runs, in words. */
  selection: string
  comparison: TableComparison | null
  plots: Array<{ spec: FitPlotSpec; fit: TableFitResult }>
  stages: StageBreakdown | null
  /** The runs compared, one row each (SI, units in the headings). */
  runs: ExportTable
  /** Instruments and calibrations behind the runs: one line per distinct analyzer and calibration. */
  instruments: Array<{ analyzer: string; calibration: string; runs: number[] }>
  notes?: string[]
}

function runsTableSection(t: ExportTable): string {
  const head = t.columns.map((c) => `<th>${escapeHtml(c.label)}</th>`).join('')
  const body = t.records
    .map((r) => `<tr>${t.columns.map((c) => (typeof r[c.key] === 'number' ? num(r[c.key] as number, 5) : `<td>${escapeHtml(String(r[c.key] ?? ''))}</td>`)).join('')}</tr>`)
    .join('\n')
  return `<section><h2>Runs (${t.records.length})</h2><table class="rows" data-testid="runs-table"><thead><tr>${head}</tr></thead><tbody>
${body}
</tbody></table></section>`
}

export function renderRunsComparisonReport(input: RunsComparisonReportInput): string {
  const stageFigs =
    input.stages && input.stages.bars.length
      ? `<section class="stages"><h2>Stage breakdown</h2><figure>${renderStageBarsSvg(input.stages, { quantity: 'latency', idPrefix: 'cmp-stage-lat', width: 900 })}</figure><figure>${renderStageBarsSvg(input.stages, { quantity: 'energy', idPrefix: 'cmp-stage-energy', width: 900 })}</figure>${input.stages.withoutStages.length ? `<p class="meta">Without stages: ${input.stages.withoutStages.map((w) => escapeHtml(w.label)).join(', ')}.</p>` : ''}</section>`
      : ''
  const inst = input.instruments
    .map((i) => `<tr><td>${escapeHtml(i.analyzer)}</td><td class="mono">${escapeHtml(i.calibration)}</td><td>${i.runs.map((r) => `#${r}`).join(', ')}</td></tr>`)
    .join('')
  return page(input.title, input.softwareVersion, [
    `<h1>${escapeHtml(input.title)}</h1>`,
    `<p class="meta">Generated ${escapeHtml(input.generatedAt)} by Joulebench ${escapeHtml(input.softwareVersion)} from the runs recorded in this workspace. ${escapeHtml(input.selection)}</p>`,
    input.comparison ? comparisonSection(input.comparison) : '',
    input.comparison?.mode === 'means' ? '<p class="meta">Each group’s means and intervals are taken over every measured inference of its runs (per window where a run counts windows).</p>' : '',
    ...input.plots.map((p, i) => fitSection(p.fit, p.spec, i, 'runs')),
    stageFigs,
    `<section class="setup"><h2>Instruments and calibrations</h2><table><thead><tr><th>Analyzer</th><th>Calibration in force</th><th>Runs</th></tr></thead><tbody>${inst}</tbody></table><p class="meta">Every run’s plan, instruments, trace and segments are in its own report (joulebench report RUN --html FILE).</p></section>`,
    input.notes?.length ? `<section><h2>Notes</h2><ul>${input.notes.map((n) => `<li>${escapeHtml(n)}</li>`).join('')}</ul></section>` : '',
    runsTableSection(input.runs)
  ])
}
