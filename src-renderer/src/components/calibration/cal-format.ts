import { si } from '../../lib/format'

/** Resistances as they are printed on resistors: 470 Ω, 3.3 kΩ, 2.2 MΩ. */
export function ohms(r: number): string {
  if (!Number.isFinite(r)) return '—'
  const [scale, unit] = r >= 1e6 ? [1e6, 'MΩ'] : r >= 1e3 ? [1e3, 'kΩ'] : [1, 'Ω']
  return `${+(r / scale).toPrecision(4)} ${unit}`
}

/** A fraction as a percentage with sensible digits: 0.0012 → "0.12 %". */
export function pct(f: number | null | undefined, digits = 3): string {
  if (f === null || f === undefined || !Number.isFinite(f)) return '—'
  // Below a part in 1e10 is rounding noise of a fit, not a figure: print it as zero, not as 1.6e-14 %.
  if (Math.abs(f) < 1e-10) return '0 %'
  return `${+(f * 100).toPrecision(digits)} %`
}

/** A signed percentage: "+1.2 %", "−0.4 %". */
export function signedPct(f: number | null | undefined, digits = 3): string {
  if (f === null || f === undefined || !Number.isFinite(f)) return '—'
  const s = pct(Math.abs(f), digits)
  return s === '0 %' ? s : f < 0 ? `−${s}` : `+${s}`
}

/** Days until a due date, in words: "in 12 days", "3 days ago", "today". */
export function dueWords(daysLeft: number): string {
  const d = Math.round(daysLeft)
  if (d === 0) return 'today'
  return d > 0 ? `in ${d} day${d === 1 ? '' : 's'}` : `${-d} day${d === -1 ? '' : 's'} ago`
}

/** How urgent a due date is: overdue, due within 30 days, or fine. */
export function dueClass(daysLeft: number): 'overdue' | 'due-soon' | 'ok' {
  return daysLeft < 0 ? 'overdue' : daysLeft <= 30 ? 'due-soon' : 'ok'
}

/** Amperes for calibration figures: fits leave offsets like 1e-25 A where the truth is zero; show those as 0. */
export function amps(a: number | null | undefined, digits = 3): string {
  return si(a !== null && a !== undefined && Math.abs(a) < 1e-12 ? 0 : a, 'A', digits)
}
