import type { Summary } from '../../../analysis/statistics'
import type { RunFileFacts } from '../../../results/run-facts'
import { RunsResults, runsExportTable } from '../../../results/runs-results'
import { compareRuns, stageBreakdown } from '../../../results/runs-analysis'
import { analyzerLabel, runNumbers, runsMappedTable, type RunWithFacts } from '../../../results/runs-table'
import { stageName } from '../../../results/stage-bars'
import { toCsv } from '../../../results/table-export'
import type { TableComparison } from '../../../results/table-analysis'
import { UserError, type CliCommand } from '../command'
import { describeRunFilter, parseRunFilters, splitFields } from './run-filter-options'
import { si, table } from './si-text'

function withCi(s: Summary | null | undefined, unit: string): string {
  if (!s || s.mean === null) return '—'
  return s.ci ? `${si(s.mean, unit)} ± ${si(s.ci.halfWidth, unit, 2)}` : si(s.mean, unit)
}

function runsText(runs: RunWithFacts[], total: number, filter: string): string {
  if (runs.length === 0) return total === 0 ? 'No runs in this workspace yet. Try joulebench run --virtual.' : `None of the ${total} runs match ${filter}.`
  const rows = runs.map((r) => {
    const n = runNumbers(r)
    const s = r.summary
    return [
      String(r.id),
      r.name.length > 28 ? `${r.name.slice(0, 27)}…` : r.name,
      r.state,
      r.tags.device ?? '',
      r.tags.model ?? r.model.name,
      r.tags.implementation ?? '',
      r.model.macs !== null ? r.model.macs.toLocaleString('en-US') : '—',
      withCi(s?.energyPerInferenceJ, 'J'),
      withCi(s?.latencyPerInferenceS, 's'),
      si(n.power, 'W'),
      s ? String(s.n) : '—',
      n.flashBytes !== null ? `${si(n.flashBytes, 'B', 3)} / ${si(n.ramBytes, 'B', 3)}` : ''
    ]
  })
  const pct = Math.round((runs.find((r) => r.summary?.energyPerInferenceJ?.ci)?.summary?.energyPerInferenceJ?.ci?.level ?? 0.95) * 100)
  return [
    `${runs.length} of ${total} runs (${filter}); energy and latency per inference as mean ± ${pct} % CI half-width`,
    '',
    table([['#', 'name', 'state', 'device', 'model', 'impl.', 'MACs', 'energy/inference', 'latency/inference', 'power', 'n', 'flash / RAM'], ...rows])
  ].join('\n')
}

function comparisonText(c: TableComparison): string {
  const lines = ['', `Compared by ${c.group.join(', ')} against ${c.baseline}${c.mode === 'paired' ? ` (paired by ${c.pairBy.join(', ')})` : ' (means over every measured inference)'}:`]
  for (const g of c.comparisons) {
    const ci = (r: { lower: number | null; upper: number | null } | null) => (r && r.lower !== null && r.upper !== null ? ` [${r.lower.toFixed(2)}–${r.upper.toFixed(2)}]` : '')
    lines.push(`  ${g.sentence}.`)
    lines.push(`    latency ${g.latency ? g.latency.ratio.toFixed(3) + '×' + ci(g.latency) : '—'}, power ${g.power ? g.power.ratio.toFixed(3) + '×' + ci(g.power) : '—'}, energy ${g.energy ? g.energy.ratio.toFixed(3) + '×' + ci(g.energy) : '—'}`)
  }
  for (const n of c.notes) lines.push(`  note: ${n}`)
  return lines.join('\n')
}

function factsText(f: RunFileFacts, runId: number): string {
  const x = f.facts
  const what =
    x.kind === 'tflite'
      ? `${x.macs.toLocaleString('en-US')} MACs, ${x.params.toLocaleString('en-US')} parameters (${x.paramBytes.toLocaleString('en-US')} bytes), peak activations ≈ ${x.peakActivationBytes.toLocaleString('en-US')} bytes`
      : x.kind === 'elf'
        ? `flash ${x.flashBytes.toLocaleString('en-US')} bytes, RAM ${x.ramBytes.toLocaleString('en-US')} bytes`
        : `Vela summary, ${x.configurations.length} configuration(s)`
  return `Run ${runId}: ${f.role} ${f.fileName} — ${what}`
}

export const resultsCommand: CliCommand = {
  name: 'results',
  summary: 'The runs of the workspace with energy, latency and power per inference; filters, comparisons, stages, CSV',
  usage: '[--filter KEY=VALUE …] [--compare FIELD[,FIELD] [--baseline NAME] [--pair-by FIELD]] [--stages] [--csv | --json] | --attach RUN FILE',
  help: [
    'Lists every run (oldest first) with its tags, model MACs and its figures per inference: mean ± the',
    'half-width of the confidence interval, as the run computed them. Values in --json and --csv are SI.',
    '',
    '  --filter KEY=VALUE   keep runs whose KEY is VALUE; repeat it (the same KEY twice keeps either value).',
    '                       KEYs: device, accelerator, model, primitive, implementation, clockHz, compilerFlags,',
    '                       tag (a free tag of the plan), state, mode, analyzer',
    '  --compare FIELD      compare the groups of runs FIELD makes (e.g. device, implementation) as ratios:',
    '                       "SIMD is 4.9× faster than naive, at 1.2× the power" — means and intervals over every',
    '                       measured inference of each group\'s runs',
    '  --baseline NAME      the group the others are divided by (default: the first)',
    '  --pair-by FIELD      pair runs across groups by FIELD (e.g. model) and average the ratios of their means',
    '  --stages             per-run stage breakdown: init, memory I/O, inference, post-processing',
    '  --csv                the runs as CSV (one row per run, SI units in the headings)',
    '  --attach RUN FILE    describe a model (.tflite, Vela summary) or firmware (.elf) file and keep its facts',
    '                       with the run (MACs, parameters, peak activations; flash and RAM)',
    '',
    'Model and firmware facts are also read from the files a plan names (model.file), the first time a run is',
    'listed. Fits: joulebench fit --x macs --y energy --group implementation. Reports: joulebench report.'
  ].join('\n'),
  options: {
    filter: { type: 'string', multiple: true },
    compare: { type: 'string' },
    baseline: { type: 'string' },
    'pair-by': { type: 'string' },
    stages: { type: 'boolean', default: false },
    csv: { type: 'boolean', default: false },
    attach: { type: 'string' }
  },
  async run(ctx, values, positionals) {
    const results = new RunsResults(ctx.workspace())
    if (typeof values.attach === 'string') {
      if (positionals.length !== 1) throw new UserError('--attach RUN FILE: give the model or firmware FILE after the run, e.g. joulebench results --attach 3 firmware.elf.', 2)
      const run = results.store.get(values.attach)
      const facts = results.facts.attachPath(run.uuid, positionals[0])
      ctx.report({ runId: run.id, ...facts }, () => factsText(facts, run.id))
      return 0
    }
    if (positionals.length) throw new UserError(`results takes no positional arguments, got "${positionals[0]}". Filter with --filter KEY=VALUE.`, 2)
    if (values.csv && ctx.json) throw new UserError('Choose --csv or --json, not both.', 2)
    const filter = parseRunFilters(values.filter)
    const selected = results.select(filter)
    for (const n of selected.notes) ctx.note(`note: ${n}`)
    const mapped = runsMappedTable(selected.runs)
    if (values.csv) {
      ctx.stdout(toCsv(runsExportTable(mapped)))
      return 0
    }
    const group = splitFields(values.compare)
    let comparison: TableComparison | null = null
    if (group.length) {
      if (selected.runs.length === 0) throw new UserError(`No runs to compare (${describeRunFilter(filter)}).`)
      comparison = compareRuns(mapped, results.samples(selected.runs), {
        group,
        baseline: typeof values.baseline === 'string' ? values.baseline : undefined,
        pairBy: splitFields(values['pair-by'])
      })
    }
    const stages = values.stages ? stageBreakdown(selected.runs) : null
    const exported = runsExportTable(mapped)
    const document = {
      filter,
      total: selected.all.length,
      filteredOut: selected.filteredOut,
      fields: mapped.fields.map((f) => ({ name: f.name, unit: f.unit ?? (/Bytes$/.test(f.name) ? 'B' : null), origin: f.origin })),
      runs: mapped.rows.map((row) => ({ ...row.labels, ...row.values, run: row.line })),
      ...(comparison ? { comparison } : {}),
      ...(stages ? { stages } : {}),
      notes: selected.notes
    }
    ctx.report(document, () => {
      const lines = [runsText(selected.runs, selected.all.length, describeRunFilter(filter))]
      if (comparison) lines.push(comparisonText(comparison))
      if (stages) {
        lines.push('', 'Stages per inference (duration / energy):')
        if (stages.bars.length === 0) lines.push('  none of these runs was cut into stages')
        for (const b of stages.bars) {
          lines.push(`  ${b.label}: ${stages.stages.filter((s) => b.latencyS[s] !== undefined).map((s) => `${stageName(s)} ${si(b.latencyS[s], 's', 3)} / ${si(b.energyJ[s], 'J', 3)}`).join(', ')}; total ${si(b.totalLatencyS, 's', 3)} / ${si(b.totalEnergyJ, 'J', 3)}`)
        }
      }
      const analyzers = [...new Set(selected.runs.map((r) => analyzerLabel(r)))]
      if (selected.runs.length) lines.push('', `Measured with: ${analyzers.join('; ')}. ${exported.columns.length} columns in --csv / --json.`)
      return lines.join('\n')
    })
    return 0
  }
}
