/** Engineering formatting for the UI: 0.000123 A → "123 µA". Exports and the API stay in plain SI numbers. */
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

export function si(value: number | null | undefined, unit: string, digits = 3): string {
  if (value === null || value === undefined || Number.isNaN(value)) return '—'
  if (!Number.isFinite(value)) return `${value > 0 ? '∞' : '−∞'} ${unit}`
  if (value === 0) return `0 ${unit}`
  const abs = Math.abs(value)
  const [scale, prefix] = PREFIXES.find(([s]) => abs >= s * 0.9995) ?? PREFIXES[PREFIXES.length - 1]
  return `${(value / scale).toPrecision(digits)} ${prefix}${unit}`
}

/** Seconds for axis ticks and durations: "1.5 s", "250 ms", "12.5 µs". */
export function seconds(value: number, digits = 4): string {
  return si(value, 's', digits)
}

export function percent(fraction: number, digits = 1): string {
  return `${(fraction * 100).toFixed(digits)} %`
}
