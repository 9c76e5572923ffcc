/** Numbers with SI prefixes for human output of the recording commands (JSON output stays in plain SI units). */
const PREFIXES: Array<[number, string]> = [
  [1e9, 'G'],
  [1e6, 'M'],
  [1e3, 'k'],
  [1, ''],
  [1e-3, 'm'],
  [1e-6, 'µ'],
  [1e-9, 'n'],
  [1e-12, 'p']
]

export function si(value: number | null | undefined, unit: string, digits = 4): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return '—'
  if (value === 0) return `0 ${unit}`
  const a = Math.abs(value)
  const [scale, prefix] = PREFIXES.find(([s]) => a >= s) ?? PREFIXES[PREFIXES.length - 1]
  return `${Number((value / scale).toPrecision(digits))} ${prefix}${unit}`
}

export function table(rows: string[][]): string {
  const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => r[c].length)))
  return rows.map((r) => r.map((cell, c) => cell.padEnd(widths[c])).join('  ').trimEnd()).join('\n')
}
