import type { MappedField, MappedRow } from '../formats/table-mapping'
import type { TableComparison, TableFitResult } from './table-analysis'

/**
 * Tables as files: CSV (RFC 4180, CRLF, quoted where needed) and JSON, numbers in plain SI with the
 * unit in each column's name, so a spreadsheet or a script reads them without guessing. Pure code,
 * used by the Results screen's export buttons and by the HTML report.
 */

export interface ExportColumn {
  key: string
  /** Heading with the SI unit, e.g. "energy (J)". */
  label: string
}

export type ExportValue = string | number | null

export interface ExportTable {
  columns: ExportColumn[]
  records: Array<Record<string, ExportValue>>
}

function csvCell(v: ExportValue): string {
  if (v === null || v === undefined) return ''
  const s = typeof v === 'number' ? (Number.isFinite(v) ? String(v) : '') : v
  return /[",\r\n]/.test(s) || /^\s|\s$/.test(s) ? `"${s.replace(/"/g, '""')}"` : s
}

export function toCsv(table: ExportTable): string {
  const lines = [table.columns.map((c) => csvCell(c.label)).join(',')]
  for (const r of table.records) lines.push(table.columns.map((c) => csvCell(r[c.key] ?? null)).join(','))
  return lines.join('\r\n') + '\r\n'
}

/** JSON of a table: one object per row keyed by the column headings (with units), plus where it came from. */
export function toJson(table: ExportTable, about: Record<string, unknown> = {}): string {
  const rows = table.records.map((r) => Object.fromEntries(table.columns.map((c) => [c.label, r[c.key] ?? null])))
  return JSON.stringify({ ...about, columns: table.columns.map((c) => c.label), rows }, null, 2) + '\n'
}

const withoutUnit = (heading: string) => heading.replace(/\s*[([][^()[\]]*[)\]]\s*$/, '')

/** A heading for a field: its name and SI unit ("energy (J)"; an unmapped "Frequency (MHz)" becomes "Frequency (Hz)", as its values are). */
export function fieldHeading(f: MappedField): string {
  const base = f.column !== null && f.column === f.name ? withoutUnit(f.column) : f.name
  return f.unit ? `${base} (${f.unit})` : base
}

export function rowsTable(fields: readonly MappedField[], rows: readonly MappedRow[]): ExportTable {
  const columns = [{ key: '#line', label: 'line' }, ...fields.map((f) => ({ key: f.name, label: fieldHeading(f) }))]
  const records = rows.map((row) => {
    const r: Record<string, ExportValue> = { '#line': row.line }
    for (const f of fields) {
      const v = row.values[f.name]
      r[f.name] = v !== null && v !== undefined ? v : (row.labels[f.name] ?? (f.column !== null ? row.labels[f.column] : null) ?? null)
    }
    return r
  })
  return { columns, records }
}

export function fitsTable(fit: TableFitResult): ExportTable {
  const su = fit.slopeUnit
  const yu = fit.yUnit
  const pct = Math.round(fit.level * 100)
  const columns: ExportColumn[] = [
    { key: 'group', label: 'group' },
    { key: 'n', label: 'n' },
    { key: 'slope', label: `slope (${su})` },
    { key: 'slopeLow', label: `slope ${pct}% CI low (${su})` },
    { key: 'slopeHigh', label: `slope ${pct}% CI high (${su})` },
    { key: 'slopeStdErr', label: `slope standard error (${su})` },
    { key: 'intercept', label: `intercept (${yu})` },
    { key: 'interceptLow', label: `intercept ${pct}% CI low (${yu})` },
    { key: 'interceptHigh', label: `intercept ${pct}% CI high (${yu})` },
    { key: 'r2', label: 'R²' },
    { key: 'problem', label: 'problem' }
  ]
  const records = fit.groups.map((g) => {
    const f = g.fit
    return {
      group: g.key,
      n: g.n,
      slope: f?.slope ?? null,
      slopeLow: f?.slopeInterval?.[0] ?? null,
      slopeHigh: f?.slopeInterval?.[1] ?? null,
      slopeStdErr: f?.slopeStdErr ?? null,
      intercept: f?.intercept ?? null,
      interceptLow: f?.interceptInterval?.[0] ?? null,
      interceptHigh: f?.interceptInterval?.[1] ?? null,
      r2: f?.r2 ?? null,
      problem: g.problem
    }
  })
  return { columns, records }
}

export function comparisonTable(c: TableComparison): ExportTable {
  const pct = Math.round(c.level * 100)
  const columns: ExportColumn[] = [
    { key: 'group', label: 'group' },
    { key: 'baseline', label: 'baseline' },
    { key: 'pairs', label: 'matched pairs' }
  ]
  for (const m of ['speedup', ...c.metrics] as const) {
    columns.push({ key: m, label: m === 'speedup' ? 'speed-up (×)' : `${m} ratio (×)` }, { key: `${m}Low`, label: `${m} ${pct}% CI low` }, { key: `${m}High`, label: `${m} ${pct}% CI high` })
  }
  columns.push({ key: 'sentence', label: 'summary' })
  const records = c.comparisons.map((g) => {
    const r: Record<string, ExportValue> = { group: g.name, baseline: g.baseline, pairs: g.pairs, sentence: g.sentence }
    for (const m of ['speedup', ...c.metrics] as const) {
      const v = g[m]
      r[m] = v?.ratio ?? null
      r[`${m}Low`] = v?.lower ?? null
      r[`${m}High`] = v?.upper ?? null
    }
    return r
  })
  return { columns, records }
}
