import { formatSi } from '../../../units/si'

/** Numbers with SI prefixes for human output (JSON output stays in plain SI units): "15.35 mC". */
export function si(value: number | null | undefined, unit: string, digits = 4): string {
  return Number.isFinite(value) ? formatSi(value, unit, digits, { trim: true }) : '—'
}

export function table(rows: string[][]): string {
  const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => r[c].length)))
  return rows.map((r) => r.map((cell, c) => cell.padEnd(widths[c])).join('  ').trimEnd()).join('\n')
}
