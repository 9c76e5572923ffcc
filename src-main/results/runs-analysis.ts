import { compareGroups, summarize as meanSummary } from '../analysis/compare'
import type { MappedRow, MappedTable } from '../formats/table-mapping'
import { compareTable, fitTable, groupName, rowLabel, TableAnalysisError, type FitOptions, type TableComparison, type TableFitResult, type ValueLabels } from './table-analysis'
import { defaultRunValueLabels, orderStages, type RunWithFacts } from './runs-table'
import { resolveName } from '../formats/table-mapping'

/**
 * Fits, comparisons and stage breakdowns over runs. Fits are the published-table fits over the runs'
 * table (one point per run: its mean per inference). Comparisons of unpaired groups go further than a
 * table can: each group's means and intervals come from every measured inference of its runs, not
 * from one mean per run, so two single runs compare with error bars. Pure code; the samples come in.
 */

/** A run's per-inference measurements (per window where the run counts windows), SI. */
export interface RunSamples {
  latencyS: number[]
  energyJ: number[]
  powerW: number[]
}

export function fitRuns(table: MappedTable, options: Omit<FitOptions, 'filter'>): TableFitResult {
  return fitTable(table, { ...options, valueLabels: defaultRunValueLabels(table, options.valueLabels) })
}

export interface RunCompareOptions {
  group: string[]
  baseline?: string
  /** Pair runs across groups by these fields (model, …): ratios of run means, geometric mean over pairs. */
  pairBy?: string[]
  level?: number
  valueLabels?: ValueLabels
}

export function compareRuns(table: MappedTable, samples: ReadonlyMap<number, RunSamples>, options: RunCompareOptions): TableComparison {
  const valueLabels = defaultRunValueLabels(table, options.valueLabels)
  if (options.pairBy?.length) return compareTable(table, { group: options.group, baseline: options.baseline, pairBy: options.pairBy, level: options.level, valueLabels })
  const level = options.level ?? 0.95
  if (options.group.length === 0) throw new TableAnalysisError('runs: a comparison needs a group (e.g. device or implementation) to tell the sides apart.')
  const fields = options.group.map((g) => {
    const f = resolveName(table, g)
    if (!f) throw new TableAnalysisError(`runs: cannot group by "${g}" (fields: ${table.fields.map((k) => k.name).join(', ')}).`)
    return f
  })
  const groups = new Map<string, { name: string; rows: MappedRow[] }>()
  for (const row of table.rows) {
    const labels = Object.fromEntries(fields.map((f) => [f.name, rowLabel(row, f)]))
    const key = fields.map((f) => `${f.name}=${labels[f.name]}`).join(', ')
    let g = groups.get(key)
    if (!g) groups.set(key, (g = { name: groupName(fields, labels, valueLabels), rows: [] }))
    g.rows.push(row)
  }
  const ordered = [...groups.keys()].sort((a, b) => a.localeCompare(b, 'en', { numeric: true })).map((k) => groups.get(k)!)
  const names = ordered.map((g) => g.name)
  if (new Set(names).size !== names.length) throw new TableAnalysisError('runs: two groups have the same name; give each value its own name.')
  if (ordered.length < 2) throw new TableAnalysisError(`runs: the runs shown form ${ordered.length} group(s) by ${fields.map((f) => f.name).join(', ')}; a comparison needs two or more.`)
  const baseline = options.baseline ?? names[0]
  if (!names.includes(baseline)) throw new TableAnalysisError(`runs: no group is named "${baseline}" (groups: ${names.join('; ')}). Choose one of these as the baseline.`)

  const notes: string[] = []
  // A run without stored per-inference figures counts once, by its mean.
  const measurements = ordered.map((g) => {
    const out = { name: g.name, latencyS: [] as number[], energyJ: [] as number[], powerW: [] as number[] }
    for (const row of g.rows) {
      const s = samples.get(row.line)
      const add = (key: keyof RunSamples, field: string) => {
        if (s && s[key].length) out[key].push(...s[key])
        else if (typeof row.values[field] === 'number') out[key].push(row.values[field]!)
      }
      add('latencyS', 'latency')
      add('energyJ', 'energy')
      add('powerW', 'power')
    }
    return out
  })
  const c = compareGroups(measurements, baseline, level)
  const metrics = (['latency', 'power', 'energy'] as const).filter((m) => measurements.some((g) => g[m === 'latency' ? 'latencyS' : m === 'power' ? 'powerW' : 'energyJ'].length > 0))
  const runsIn = (g: { rows: MappedRow[] }) => g.rows.length
  for (const g of ordered) if (g.rows.every((r) => !samples.get(r.line))) notes.push(`${g.name}: no per-inference figures stored; its runs count by their means.`)
  return {
    source: table.source,
    mode: 'means',
    level,
    baseline,
    group: fields.map((f) => f.name),
    pairBy: [],
    metrics: [...metrics],
    groups: ordered.map((g, i) => ({
      key: g.name,
      rows: runsIn(g),
      latency: meanSummary(measurements[i].latencyS),
      power: meanSummary(measurements[i].powerW),
      energy: meanSummary(measurements[i].energyJ)
    })),
    comparisons: c.comparisons.map((x) => ({ ...x, pairs: null })),
    filteredOut: 0,
    notes
  }
}

export interface StageBar {
  /** Run number, or null for a group's mean. */
  runId: number | null
  label: string
  /** Mean per inference of each stage, SI; a stage the run lacks is absent. */
  latencyS: Record<string, number>
  energyJ: Record<string, number>
  totalLatencyS: number
  totalEnergyJ: number
}

export interface StageBreakdown {
  stages: string[]
  bars: StageBar[]
  /** Runs shown that have no stages (cut without stage markers). */
  withoutStages: Array<{ runId: number; label: string }>
}

/** Stacked bars of each run's stages (init, memory I/O, inference, post-processing), in stage order. */
export function stageBreakdown(runs: readonly RunWithFacts[], label: (run: RunWithFacts) => string = (r) => `#${r.id} ${r.name}`): StageBreakdown {
  const bars: StageBar[] = []
  const withoutStages: StageBreakdown['withoutStages'] = []
  for (const run of runs) {
    const stages = run.summary?.stages ?? []
    if (stages.length === 0) {
      withoutStages.push({ runId: run.id, label: label(run) })
      continue
    }
    const latencyS: Record<string, number> = {}
    const energyJ: Record<string, number> = {}
    for (const st of stages) {
      if (st.latencyS.mean !== null) latencyS[st.stage] = st.latencyS.mean
      const e = (run.summary!.energySubtractsIdle ? st.netEnergyJ?.mean : null) ?? st.energyJ.mean
      if (e !== null) energyJ[st.stage] = e
    }
    const sum = (r: Record<string, number>) => Object.values(r).reduce((a, v) => a + v, 0)
    bars.push({ runId: run.id, label: label(run), latencyS, energyJ, totalLatencyS: sum(latencyS), totalEnergyJ: sum(energyJ) })
  }
  return { stages: orderStages(bars.flatMap((b) => [...Object.keys(b.latencyS), ...Object.keys(b.energyJ)])), bars, withoutStages }
}
