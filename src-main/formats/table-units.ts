/**
 * Units written in column headings — "Consumption (J)", "Time (ms)", "Main Avg Power (mW)",
 * "Frequency (MHz)", "Current [uA]" — read so that imported values can be brought to SI.
 */

export type SiUnit = 'J' | 's' | 'W' | 'A' | 'V' | 'C' | 'Hz'

export interface HeaderUnit {
  unit: SiUnit
  /** Multiply a value in the column by this to get the SI unit. */
  toSi: number
  /** The unit as written, e.g. "mW". */
  written: string
}

const PREFIXES: Record<string, number> = { p: 1e-12, n: 1e-9, u: 1e-6, 'µ': 1e-6, 'μ': 1e-6, m: 1e-3, '': 1, k: 1e3, M: 1e6, G: 1e9 }
const UNITS: SiUnit[] = ['Hz', 'J', 's', 'W', 'A', 'V', 'C']

/** The unit in a heading's trailing (…) or […], or null when there is none we know. */
export function unitFromHeader(header: string): HeaderUnit | null {
  const m = /[([]\s*([^()[\]]+?)\s*[)\]]\s*$/.exec(header)
  if (!m) return null
  const written = m[1]
  for (const unit of UNITS) {
    if (!written.endsWith(unit)) continue
    const prefix = written.slice(0, written.length - unit.length)
    if (prefix in PREFIXES) return { unit, toSi: PREFIXES[prefix], written }
  }
  return null
}

/** The SI unit each well-known field is measured in (null: a plain count). */
export const FIELD_UNITS: Record<string, SiUnit | null> = {
  energy: 'J',
  latency: 's',
  power: 'W',
  current: 'A',
  voltage: 'V',
  charge: 'C',
  frequency: 'Hz',
  macs: null
}
