/**
 * A reference load: a known resistor at a known voltage, so the true current is I = V / R.
 * Written on the command line as OHMS@VOLTS, with an optional tolerance: `1000@3.3`, `10k@1.8`,
 * `100@3.3±0.1%` (also `+-0.1%`). Without a tolerance we assume 1 %, the common metal-film grade,
 * and say so in the record.
 */

export interface ReferenceLoad {
  resistanceOhm: number
  voltageV: number
  /** Resistor tolerance as a fraction (0.001 = ±0.1 %), treated as the half-width of a rectangular distribution. */
  toleranceFraction: number
  /** True when the tolerance was not given and the default was assumed. */
  toleranceAssumed: boolean
}

export const DEFAULT_LOAD_TOLERANCE = 0.01

export class ReferenceLoadError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'ReferenceLoadError'
  }
}

const SUFFIX: Record<string, number> = { '': 1, k: 1e3, K: 1e3, M: 1e6, m: 1e-3, R: 1 }

function parseOhms(text: string): number | null {
  const m = /^(\d+(?:\.\d+)?(?:e[+-]?\d+)?)\s*([kKMmR]?)\s*(?:Ω|ohms?)?$/i.exec(text.trim())
  if (!m) return null
  const value = Number(m[1]) * SUFFIX[m[2] ?? '']!
  return Number.isFinite(value) ? value : null
}

export function parseReferenceLoad(text: string): ReferenceLoad {
  const usage = `Write a load as OHMS@VOLTS with an optional tolerance, e.g. 1000@3.3, 10k@1.8 or 100@3.3±0.1%.`
  const m = /^([^@]+)@\s*([0-9.eE+-]+)\s*V?\s*(?:(?:±|\+-|\+\/-)\s*([0-9.]+)\s*%)?\s*$/.exec(text.trim())
  if (!m) throw new ReferenceLoadError(`"${text}" is not a reference load. ${usage}`)
  const resistanceOhm = parseOhms(m[1]!)
  const voltageV = Number(m[2])
  if (resistanceOhm === null || !(resistanceOhm > 0)) throw new ReferenceLoadError(`"${text}": the resistance "${m[1]}" is not a positive number of ohms. ${usage}`)
  if (!Number.isFinite(voltageV) || voltageV <= 0) throw new ReferenceLoadError(`"${text}": the voltage "${m[2]}" is not a positive number of volts. ${usage}`)
  const tol = m[3] === undefined ? null : Number(m[3]) / 100
  if (tol !== null && !(tol >= 0 && tol < 0.5)) throw new ReferenceLoadError(`"${text}": the tolerance must be between 0 and 50 %. ${usage}`)
  return { resistanceOhm, voltageV, toleranceFraction: tol ?? DEFAULT_LOAD_TOLERANCE, toleranceAssumed: tol === null }
}

export function formatReferenceLoad(load: ReferenceLoad): string {
  const r = load.resistanceOhm
  const ohms = r >= 1e6 ? `${+(r / 1e6).toPrecision(4)} MΩ` : r >= 1e3 ? `${+(r / 1e3).toPrecision(4)} kΩ` : `${+r.toPrecision(4)} Ω`
  return `${ohms} at ${load.voltageV} V (±${+(load.toleranceFraction * 100).toPrecision(3)} %${load.toleranceAssumed ? ', assumed' : ''})`
}

/** I = V / R. */
export function trueCurrentA(load: ReferenceLoad): number {
  return load.voltageV / load.resistanceOhm
}

/**
 * Standard uncertainty of the true current: the resistor's tolerance and the supply voltage's
 * (both rectangular, divided by √3), combined in quadrature as relative terms.
 */
export function trueCurrentUncertaintyA(load: ReferenceLoad, voltageToleranceFraction = 0): number {
  const rel = Math.hypot(load.toleranceFraction, voltageToleranceFraction) / Math.sqrt(3)
  return trueCurrentA(load) * rel
}

/** The resistor that puts the current in the middle (geometrically) of a range at a given voltage. */
export function suggestedResistanceOhm(minA: number, maxA: number, voltageV: number): number {
  const mid = Math.sqrt(Math.max(minA, maxA / 100) * maxA)
  const r = voltageV / mid
  // Round to the E12 series so the suggestion is a resistor one can buy.
  const e12 = [1.0, 1.2, 1.5, 1.8, 2.2, 2.7, 3.3, 3.9, 4.7, 5.6, 6.8, 8.2]
  const decade = 10 ** Math.floor(Math.log10(r))
  const m = r / decade
  const best = e12.reduce((a, b) => (Math.abs(Math.log(b / m)) < Math.abs(Math.log(a / m)) ? b : a))
  return +(best * decade).toPrecision(2)
}
