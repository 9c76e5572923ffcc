import { compareGroups, describeComparison, ratioOfSlopes, summarize, type MeanSummary, type Ratio } from '../analysis/compare'
import { confidenceBand, meanResponse, type LinearFit, type MeanResponse } from '../analysis/regression'
import { studentTCritical } from '../analysis/regression-student-t'
import { fitMappedTable, type TableFitRequest } from '../analysis/regression-table'
import { normalizeLabel, resolveName, type MappedField, type MappedRow, type MappedTable } from '../formats/table-mapping'

/**
 * What the Results view asks of a mapped table: its rows narrowed by filters, the values a filter can
 * choose from, a least-squares fit per group ready to plot, and groups compared as ratios.
 */

/** Field or column → the labels kept (compared as labels: "2.0" keeps "2"). */
export type RowFilter = Record<string, string[]>

/** Field or column → value as written → the name to show for it ("DSP": { "0": "naive" }). */
export type ValueLabels = Record<string, Record<string, string>>

export class TableAnalysisError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'TableAnalysisError'
  }
}

function field(mapped: MappedTable, name: string, role: string): MappedField {
  const f = resolveName(mapped, name)
  if (!f) throw new TableAnalysisError(`${mapped.source}: the ${role} "${name}" is neither a mapped field nor a column (available: ${mapped.fields.map((k) => k.name).join(', ')}). Choose another, or map it in the column-mapping dialog.`)
  return f
}

/** The label of a row for a field: its text (primitive), else the cell of its column. */
export function rowLabel(row: MappedRow, f: MappedField): string {
  return row.labels[f.name] ?? (f.column !== null ? row.labels[f.column] : undefined) ?? (row.values[f.name] != null ? String(row.values[f.name]) : '')
}

/**
 * A group's name: "DSP=0", or the name the user gave that value ("naive"); fields joined by ", ".
 * Groups are still told apart and ordered by their values as written.
 */
export function groupName(fields: readonly MappedField[], labels: Record<string, string>, valueLabels: ValueLabels | undefined): string {
  return fields
    .map((f) => {
      const v = normalizeLabel(labels[f.name] ?? '')
      const given = valueLabels?.[f.name] ?? (f.column !== null ? valueLabels?.[f.column] : undefined)
      const shown = given ? Object.entries(given).find(([k]) => normalizeLabel(k) === v)?.[1]?.trim() : undefined
      return shown || `${f.name}=${labels[f.name] ?? ''}`
    })
    .join(', ')
}

/** Names must stay distinct, or two groups would merge under one name. */
function checkDistinct(source: string, names: string[]): void {
  const seen = new Set<string>()
  for (const n of names) {
    if (seen.has(n)) throw new TableAnalysisError(`${source}: two groups are both named "${n}". Give each value its own name.`)
    seen.add(n)
  }
}

export function filterMappedTable(mapped: MappedTable, filter: RowFilter | undefined): { table: MappedTable; filteredOut: number } {
  const entries = Object.entries(filter ?? {})
  if (entries.length === 0) return { table: mapped, filteredOut: 0 }
  const rules = entries.map(([name, keep]) => ({ f: field(mapped, name, 'filter'), keep: new Set(keep.map(normalizeLabel)) }))
  const rows = mapped.rows.filter((row) => rules.every((r) => r.keep.has(normalizeLabel(rowLabel(row, r.f)))))
  return { table: { ...mapped, rows }, filteredOut: mapped.rows.length - rows.length }
}

export interface Category {
  /** Field name (or column name when unmapped). */
  name: string
  column: string | null
  values: Array<{ label: string; rows: number }>
}

/** Every field with a few repeated values (at most `limit`): what the filter chips offer. */
export function tableCategories(mapped: MappedTable, limit = 30): Category[] {
  const out: Category[] = []
  for (const f of mapped.fields) {
    if (f.column === null) continue
    const counts = new Map<string, number>()
    for (const row of mapped.rows) {
      const label = normalizeLabel(rowLabel(row, f))
      counts.set(label, (counts.get(label) ?? 0) + 1)
      if (counts.size > limit) break
    }
    if (counts.size > limit || counts.size < 2 || counts.size === mapped.rows.length) continue
    const values = [...counts].map(([label, rows]) => ({ label, rows })).sort((a, b) => a.label.localeCompare(b.label, 'en', { numeric: true }))
    out.push({ name: f.name, column: f.column, values })
  }
  return out
}

/** The unit of a field for labels and slopes; MACs count operations; run fields named …Bytes are in bytes. */
export function fieldUnit(f: MappedField): string {
  if (f.unit) return f.unit
  if (f.column === f.name && /Bytes$/.test(f.name)) return 'B'
  return f.name === 'macs' ? 'MAC' : ''
}

export interface FitGroupResult {
  key: string
  labels: Record<string, string>
  n: number
  points: Array<{ x: number; y: number; line: number }>
  fit: LinearFit | null
  problem: string | null
  band: MeanResponse[]
}

export interface TableFitResult {
  source: string
  x: MappedField
  y: MappedField
  xUnit: string
  yUnit: string
  /** Unit of the slopes, e.g. "J/MAC" (SI). */
  slopeUnit: string
  group: string[]
  level: number
  groups: FitGroupResult[]
  /** Each fitted group's slope over the first fitted group's. */
  slopeRatios: Array<{ key: string; baseline: string } & Ratio>
  rowsUsed: number
  rowsSkipped: number
  excludedRows: number
  filteredOut: number
  notes: string[]
}

export interface FitOptions extends TableFitRequest {
  filter?: RowFilter
  valueLabels?: ValueLabels
  /** Band x values spaced evenly ('linear') or by ratio ('log', for a log x axis). */
  bandSpacing?: 'linear' | 'log'
}

/** The band across [from, to] at x values spaced evenly by ratio, so a log axis shows it smooth. */
export function confidenceBandLog(fit: LinearFit, count = 50, from = fit.xMin, to = fit.xMax): MeanResponse[] {
  if (!(from > 0 && to > 0)) return confidenceBand(fit, count, from, to)
  const k = Math.max(2, Math.floor(count))
  const a = Math.log(from)
  const b = Math.log(to)
  const out: MeanResponse[] = []
  for (let i = 0; i < k; i++) out.push(meanResponse(fit, Math.exp(a + ((b - a) * i) / (k - 1))))
  return out
}

export function fitTable(mapped: MappedTable, options: FitOptions): TableFitResult {
  const { table, filteredOut } = filterMappedTable(mapped, options.filter)
  if (table.rows.length === 0) {
    throw new TableAnalysisError(`${mapped.source}: the filters leave no rows (${filteredOut} filtered out). Widen the filters.`)
  }
  const bandPoints = options.bandPoints ?? 50
  const fit = fitMappedTable(table, { ...options, bandPoints: options.bandSpacing === 'log' ? 0 : bandPoints })
  const groupFields = fit.group.map((name) => resolveName(table, name)!)
  const groups: FitGroupResult[] = fit.groups.map((g) => ({
    key: groupFields.length ? groupName(groupFields, g.labels, options.valueLabels) : g.key,
    labels: g.labels,
    n: g.points.length,
    points: g.points,
    fit: g.fit,
    problem: g.problem,
    band: options.bandSpacing === 'log' && g.fit && g.fit.residualStdErr !== null && bandPoints > 0 ? confidenceBandLog(g.fit, bandPoints) : g.band
  }))
  checkDistinct(mapped.source, groups.map((g) => g.key))
  const fitted = groups.filter((g) => g.fit)
  const slopeRatios = fitted.length < 2 ? [] : fitted.slice(1).map((g) => ({ key: g.key, baseline: fitted[0].key, ...ratioOfSlopes(g.fit!, fitted[0].fit!, g.fit!.level) }))
  const xUnit = fieldUnit(fit.x)
  const yUnit = fieldUnit(fit.y)
  return {
    source: fit.source,
    x: fit.x,
    y: fit.y,
    xUnit,
    yUnit,
    slopeUnit: xUnit ? `${yUnit || '1'}/${xUnit}` : yUnit,
    group: fit.group,
    level: options.level ?? 0.95,
    groups,
    slopeRatios,
    rowsUsed: fit.rowsUsed,
    rowsSkipped: fit.rowsSkipped,
    excludedRows: fit.excludedRows,
    filteredOut,
    notes: fit.notes
  }
}

export type CompareMetricName = 'latency' | 'power' | 'energy'

export interface CompareOptions {
  group: string[]
  filter?: RowFilter
  /** Group key ("DSP=0"); the first group when not given. */
  baseline?: string
  /**
   * Fields or columns that make rows comparable (e.g. the layer type and the swept parameter): with
   * them, each group's row is divided by the baseline's row of the same pair key and the ratios are
   * averaged geometrically; without them, group means are divided.
   */
  pairBy?: string[]
  level?: number
  valueLabels?: ValueLabels
}

export interface GroupSummary {
  key: string
  rows: number
  latency: MeanSummary | null
  power: MeanSummary | null
  energy: MeanSummary | null
}

export interface GroupRatios {
  name: string
  baseline: string
  /** Matched row pairs behind each ratio (paired mode), else null. */
  pairs: number | null
  latency: Ratio | null
  power: Ratio | null
  energy: Ratio | null
  /** Baseline latency over this group's: above 1, this group is faster. */
  speedup: Ratio | null
  sentence: string
}

export interface TableComparison {
  source: string
  mode: 'paired' | 'means'
  level: number
  baseline: string
  group: string[]
  pairBy: string[]
  metrics: CompareMetricName[]
  groups: GroupSummary[]
  comparisons: GroupRatios[]
  filteredOut: number
  notes: string[]
}

function invert(r: Ratio | null): Ratio | null {
  if (!r || !(r.ratio > 0)) return null
  return { ratio: 1 / r.ratio, lower: r.upper === null ? null : 1 / r.upper, upper: r.lower === null ? null : 1 / r.lower }
}

/**
 * Geometric mean of paired ratios a_i/b_i with a Student t interval on the mean log ratio. Pairs
 * where either value is missing or not positive are left out (a log needs positive numbers).
 */
export function pairedRatio(pairs: ReadonlyArray<readonly [number, number]>, level = 0.95): (Ratio & { pairs: number }) | null {
  const logs = pairs.filter(([a, b]) => a > 0 && b > 0 && Number.isFinite(a) && Number.isFinite(b)).map(([a, b]) => Math.log(a / b))
  const n = logs.length
  if (n === 0) return null
  const mean = logs.reduce((s, v) => s + v, 0) / n
  if (n < 2) return { ratio: Math.exp(mean), lower: null, upper: null, pairs: n }
  const sd = Math.sqrt(logs.reduce((s, v) => s + (v - mean) ** 2, 0) / (n - 1))
  const half = studentTCritical(level, n - 1) * (sd / Math.sqrt(n))
  return { ratio: Math.exp(mean), lower: Math.exp(mean - half), upper: Math.exp(mean + half), pairs: n }
}

export function compareTable(mapped: MappedTable, options: CompareOptions): TableComparison {
  const level = options.level ?? 0.95
  const { table, filteredOut } = filterMappedTable(mapped, options.filter)
  if (options.group.length === 0) throw new TableAnalysisError(`${mapped.source}: a comparison needs a group (e.g. the implementation column) to tell the sides apart.`)
  const groupFields = options.group.map((g) => field(table, g, 'group'))
  const pairFields = (options.pairBy ?? []).map((g) => field(table, g, 'pair-by field'))
  const metrics = (['latency', 'power', 'energy'] as const).filter((m) => resolveName(table, m) !== null && resolveName(table, m)!.name === m)
  if (metrics.length === 0) {
    throw new TableAnalysisError(`${mapped.source}: nothing to compare — map at least one of latency, power or energy to a column in the column-mapping dialog.`)
  }

  // Grouped and ordered by the values as written; named as the user named them.
  const written = new Map<string, { name: string; rows: MappedRow[] }>()
  for (const row of table.rows) {
    const labels = Object.fromEntries(groupFields.map((g) => [g.name, rowLabel(row, g)]))
    const key = groupFields.map((g) => `${g.name}=${labels[g.name]}`).join(', ')
    let entry = written.get(key)
    if (!entry) written.set(key, (entry = { name: groupName(groupFields, labels, options.valueLabels), rows: [] }))
    entry.rows.push(row)
  }
  const ordered = [...written.keys()].sort((a, b) => a.localeCompare(b, 'en', { numeric: true })).map((k) => written.get(k)!)
  checkDistinct(mapped.source, ordered.map((e) => e.name))
  const byGroup = new Map(ordered.map((e) => [e.name, e.rows]))
  const keys = ordered.map((e) => e.name)
  if (keys.length < 2) throw new TableAnalysisError(`${mapped.source}: the rows left form ${keys.length} group(s) by ${groupFields.map((g) => g.name).join(', ')}; a comparison needs two or more.`)
  const baseline = options.baseline ?? keys[0]
  if (!byGroup.has(baseline)) throw new TableAnalysisError(`${mapped.source}: no group is named "${baseline}" (groups: ${keys.join('; ')}). Choose one of these as the baseline.`)

  const values = (rows: MappedRow[], m: CompareMetricName) => rows.map((r) => r.values[m]).filter((v): v is number => v !== null && v !== undefined && Number.isFinite(v))
  const groups: GroupSummary[] = keys.map((key) => {
    const rows = byGroup.get(key)!
    return { key, rows: rows.length, latency: summarize(values(rows, 'latency')), power: summarize(values(rows, 'power')), energy: summarize(values(rows, 'energy')) }
  })
  const notes: string[] = []

  let comparisons: GroupRatios[]
  if (pairFields.length === 0) {
    const c = compareGroups(
      keys.map((key) => ({ name: key, latencyS: values(byGroup.get(key)!, 'latency'), powerW: values(byGroup.get(key)!, 'power'), energyJ: values(byGroup.get(key)!, 'energy') })),
      baseline,
      level
    )
    comparisons = c.comparisons.map((g) => ({ ...g, pairs: null }))
  } else {
    // Rows sharing a pair key within a group (repeats) are averaged before pairing.
    const pairKey = (row: MappedRow) => pairFields.map((f) => `${f.name}=${normalizeLabel(rowLabel(row, f))}`).join(', ')
    const averaged = (rows: MappedRow[]) => {
      const acc = new Map<string, Record<CompareMetricName, number[]>>()
      for (const row of rows) {
        const k = pairKey(row)
        let a = acc.get(k)
        if (!a) acc.set(k, (a = { latency: [], power: [], energy: [] }))
        for (const m of metrics) {
          const v = row.values[m]
          if (v !== null && v !== undefined && Number.isFinite(v)) a[m].push(v)
        }
      }
      const out = new Map<string, Partial<Record<CompareMetricName, number>>>()
      for (const [k, a] of acc) {
        const o: Partial<Record<CompareMetricName, number>> = {}
        for (const m of metrics) if (a[m].length) o[m] = a[m].reduce((s, v) => s + v, 0) / a[m].length
        out.set(k, o)
      }
      return out
    }
    const base = averaged(byGroup.get(baseline)!)
    comparisons = keys
      .filter((k) => k !== baseline)
      .map((key) => {
        const mine = averaged(byGroup.get(key)!)
        const matched = [...mine.keys()].filter((k) => base.has(k))
        const ratio = (m: CompareMetricName) => {
          const pairs = matched.filter((k) => mine.get(k)![m] !== undefined && base.get(k)![m] !== undefined).map((k) => [mine.get(k)![m]!, base.get(k)![m]!] as const)
          const r = pairedRatio(pairs, level)
          return r ? { ratio: r.ratio, lower: r.lower, upper: r.upper } : null
        }
        if (matched.length === 0) notes.push(`${key} shares no ${pairFields.map((f) => f.name).join(', ')} value with ${baseline}, so it cannot be paired.`)
        const latency = metrics.includes('latency') ? ratio('latency') : null
        const power = metrics.includes('power') ? ratio('power') : null
        const energy = metrics.includes('energy') ? ratio('energy') : null
        return { name: key, baseline, pairs: matched.length, latency, power, energy, speedup: invert(latency), sentence: describeComparison(key, baseline, latency, power, energy) }
      })
  }
  return {
    source: mapped.source,
    mode: pairFields.length ? 'paired' : 'means',
    level,
    baseline,
    group: groupFields.map((g) => g.name),
    pairBy: pairFields.map((f) => f.name),
    metrics: [...metrics],
    groups,
    comparisons,
    filteredOut,
    notes
  }
}
