/**
 * Numbers for people, shared by every screen, the command line's text output, the SVG plots and the HTML
 * reports (pure code: it runs in the core and in the renderer). Exports, JSON and the API keep plain SI
 * numbers; these only format.
 */

const PREFIXES: Array<[number, string]> = [
  [1e12, 'T'],
  [1e9, 'G'],
  [1e6, 'M'],
  [1e3, 'k'],
  [1, ''],
  [1e-3, 'm'],
  [1e-6, 'µ'],
  [1e-9, 'n'],
  [1e-12, 'p'],
  [1e-15, 'f']
]

/** The prefix that puts |value| in [1, 1000): 2.093e-8 → { scale: 1e-9, prefix: 'n' }. */
export function siPrefix(value: number): { scale: number; prefix: string } {
  const a = Math.abs(value)
  if (!Number.isFinite(a) || a === 0) return { scale: 1, prefix: '' }
  // 0.9995 so that 999.96e-9 rounds into "1.00 µ" rather than "1000 n".
  const [scale, prefix] = PREFIXES.find(([s]) => a >= s * 0.9995) ?? PREFIXES[PREFIXES.length - 1]
  return { scale, prefix }
}

/** Units that count things rather than measure them: shown as "12.5M" rather than "12.5 MMAC". */
const COUNTS = new Set(['', 'MAC', 'MACs'])

/**
 * "20.9 nJ", "1.50 ms", "18.5M" (MACs) — `digits` significant figures; `trim` drops trailing zeros
 * ("1.5 ms"), as the command line prints.
 */
export function formatSi(value: number | null | undefined, unit: string, digits = 3, options: { trim?: boolean } = {}): string {
  if (value === null || value === undefined || Number.isNaN(value)) return '—'
  if (!Number.isFinite(value)) return `${value > 0 ? '∞' : '−∞'}${unit ? ' ' + unit : ''}`
  if (value === 0) return COUNTS.has(unit) ? '0' : `0 ${unit}`
  const { scale, prefix } = siPrefix(value)
  const fixed = (value / scale).toPrecision(digits)
  const n = options.trim ? String(Number(fixed)) : fixed
  return COUNTS.has(unit) ? `${n}${prefix}` : `${n} ${prefix}${unit}`
}

/** Like formatSi but without trailing zeros, for axis ticks: "20 mJ", "2.5M". */
export function formatTick(value: number, unit: string): string {
  if (value === 0) return '0'
  const { scale, prefix } = siPrefix(value)
  const n = String(Number((value / scale).toPrecision(6)))
  return COUNTS.has(unit) ? `${n}${prefix}` : `${n} ${prefix}${unit}`
}

/**
 * One prefix for a column of values, chosen by the largest, so a column reads "slope (nJ/MAC)" with
 * plain numbers under it: the unit of a slope of J per MAC becomes "nJ/MAC".
 */
export function columnUnit(values: ReadonlyArray<number | null | undefined>, unit: string): { scale: number; label: string } {
  const finite = values.filter((v): v is number => typeof v === 'number' && Number.isFinite(v) && v !== 0)
  if (finite.length === 0 || unit === '') return { scale: 1, label: unit }
  const { scale, prefix } = siPrefix(Math.max(...finite.map(Math.abs)))
  return { scale, label: `${prefix}${unit}` }
}

/** A number to `digits` significant figures without exponent notation where that stays readable. */
export function formatNumber(value: number | null | undefined, digits = 4): string {
  if (value === null || value === undefined || Number.isNaN(value)) return '—'
  if (Number.isInteger(value) && Math.abs(value) < 1e15) return String(value)
  const a = Math.abs(value)
  if (a !== 0 && (a >= 1e7 || a < 1e-4)) return value.toExponential(digits - 1)
  return value.toPrecision(digits)
}

/**
 * How an axis writes its numbers. A linear axis takes one prefix for all its ticks, named in the
 * label ("Energy (mJ)", "MACs (×10⁶)"), so ticks are plain numbers; a log axis spans decades, so each
 * tick carries its own prefix ("1 µJ", "10 µJ").
 */
export function axisFormat(label: string, unit: string, maxAbs: number, log: boolean): { label: string; tick: (v: number) => string } {
  if (log) return { label: unit && unit !== 'MAC' ? `${label} (${unit})` : label, tick: (v) => formatTick(v, unit) }
  const { scale, prefix } = siPrefix(maxAbs)
  const plain = (v: number) => String(Number((v / scale).toPrecision(6)))
  if (COUNTS.has(unit)) {
    const power = Math.round(Math.log10(scale))
    return { label: power === 0 ? label : `${label} (×10${superscript(power)})`, tick: plain }
  }
  return { label: `${label} (${prefix}${unit})`, tick: plain }
}

function superscript(n: number): string {
  const digits = '⁰¹²³⁴⁵⁶⁷⁸⁹'
  return (n < 0 ? '⁻' : '') + String(Math.abs(n)).split('').map((d) => digits[Number(d)]).join('')
}
