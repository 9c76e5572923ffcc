import { resolveName, type MappedField, type MappedTable } from '../formats/table-mapping'
import { confidenceBand, fitLine, RegressionError, type LinearFit, type MeanResponse, type XY } from './regression'

/**
 * A least-squares fit per group over an imported table: "energy against MACs, one line per
 * implementation" is `fitMappedTable(table, { x: 'macs', y: 'energy', group: ['DSP'] })`.
 * This is what the Results view's MAC plot and `joulebench fit` both call.
 */

export interface TableFitRequest {
  /** Field or column names (see MappedTable). */
  x: string
  y: string
  /** Fields or columns whose values together name a group; none = one group of every row. */
  group?: string[]
  /** Confidence level of intervals and band (default 0.95). */
  level?: number
  /** Points per group's confidence band (default 50; 0 for none). */
  bandPoints?: number
}

export interface GroupFit {
  /** "DSP=0", or "all" without grouping. */
  key: string
  labels: Record<string, string>
  points: Array<XY & { line: number }>
  fit: LinearFit | null
  /** Why there is no fit (too few points, all x equal), when there is none. */
  problem: string | null
  band: MeanResponse[]
}

export interface TableFit {
  source: string
  x: MappedField
  y: MappedField
  group: string[]
  groups: GroupFit[]
  /** Rows with a number for both x and y. */
  rowsUsed: number
  /** Rows without a number for x or y (empty cells, text, a MAC derivation that failed). */
  rowsSkipped: number
  excludedRows: number
  notes: string[]
}

export class TableFitError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'TableFitError'
  }
}

export function fitMappedTable(mapped: MappedTable, request: TableFitRequest): TableFit {
  const field = (name: string, role: string): MappedField => {
    const f = resolveName(mapped, name)
    if (!f) {
      const known = mapped.fields.map((k) => k.name).join(', ')
      throw new TableFitError(
        `${mapped.source}: ${role} "${name}" is neither a mapped field nor a column (available: ${known}). ` +
          (name === 'macs' ? 'To derive MACs, map primitive= (or give --primitive) and the layer parameters hy, wy, k, cx, cy (columns or --base).' : `Map it with --map ${name}=COLUMN.`)
      )
    }
    return f
  }
  const x = field(request.x, 'x')
  const y = field(request.y, 'y')
  const groupFields = (request.group ?? []).map((g) => field(g, 'group'))
  const level = request.level ?? 0.95
  const bandPoints = request.bandPoints ?? 50

  const byKey = new Map<string, GroupFit>()
  let rowsUsed = 0
  let rowsSkipped = 0
  for (const row of mapped.rows) {
    const xv = row.values[x.name]
    const yv = row.values[y.name]
    if (xv === null || xv === undefined || yv === null || yv === undefined) {
      rowsSkipped++
      continue
    }
    const labels: Record<string, string> = {}
    for (const g of groupFields) labels[g.name] = row.labels[g.name] ?? (g.column ? row.labels[g.column] : '') ?? ''
    const key = groupFields.length === 0 ? 'all' : groupFields.map((g) => `${g.name}=${labels[g.name]}`).join(', ')
    let group = byKey.get(key)
    if (!group) {
      group = { key, labels, points: [], fit: null, problem: null, band: [] }
      byKey.set(key, group)
    }
    group.points.push({ x: xv, y: yv, line: row.line })
    rowsUsed++
  }
  const groups = [...byKey.values()].sort((a, b) => compareKeys(a.key, b.key))
  for (const g of groups) {
    try {
      g.fit = fitLine(g.points, level)
      if (bandPoints > 0 && g.fit.residualStdErr !== null) g.band = confidenceBand(g.fit, bandPoints)
    } catch (e) {
      if (!(e instanceof RegressionError)) throw e
      g.problem = e.message
    }
  }
  if (groups.length === 0) {
    throw new TableFitError(
      `${mapped.source}: no row has numbers for both ${x.name} (${x.origin}) and ${y.name} (${y.origin}); ${rowsSkipped} row(s) were skipped${mapped.excludedRows ? ` and ${mapped.excludedRows} excluded` : ''}.` +
        (mapped.notes.length ? ` First problem: ${mapped.notes[0]}.` : ' Check the mapping.')
    )
  }
  return { source: mapped.source, x, y, group: groupFields.map((g) => g.name), groups, rowsUsed, rowsSkipped, excludedRows: mapped.excludedRows, notes: mapped.notes }
}

/** Numbers inside keys compare as numbers, so "DSP=2" comes before "DSP=10". */
function compareKeys(a: string, b: string): number {
  return a.localeCompare(b, 'en', { numeric: true })
}
