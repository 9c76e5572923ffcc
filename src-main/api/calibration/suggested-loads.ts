/**
 * A starting set of reference loads for an analyzer, from its definition: two resistors per range
 * (E12 values, so they can be bought), placed a quarter and three quarters of the way up the range's
 * span on a log scale, so each lands well inside its range and the two spread for a gain and offset fit.
 * A range the analyzer cannot safely reach (above its current limit or trip) gets none.
 */
import type { AnalyzerDefinition } from '../../wiring/definition-schema'

export interface SuggestedLoad {
  resistanceOhm: number
  voltageV: number
  toleranceFraction: number
  /** The range it is meant for and the current it draws (V / R). */
  rangeIndex: number
  currentA: number
}

const E12 = [1.0, 1.2, 1.5, 1.8, 2.2, 2.7, 3.3, 3.9, 4.7, 5.6, 6.8, 8.2]

/** The E12 resistor nearest (on a log scale) to `ohms`. */
export function nearestE12(ohms: number): number {
  const decade = 10 ** Math.floor(Math.log10(ohms))
  const m = ohms / decade
  const candidates = [...E12, 10]
  const best = candidates.reduce((a, b) => (Math.abs(Math.log(b / m)) < Math.abs(Math.log(a / m)) ? b : a))
  return +(best * decade).toPrecision(2)
}

/** Use at most this fraction of the analyzer's current limit or trip: a reference load is not a stress test. */
const LIMIT_MARGIN = 0.8
/** Lowest current suggested in a range, as a fraction of its top: below that the resolution dominates. */
const FLOOR_OF_TOP = 0.01

export function suggestedLoads(definition: AnalyzerDefinition, voltageV: number, toleranceFraction = 0.001): SuggestedLoad[] {
  const limitA = LIMIT_MARGIN * Math.min(definition.supply.maxCurrentA.value, definition.supply.overcurrentTripA?.value ?? Infinity)
  const out: SuggestedLoad[] = []
  for (const r of definition.ranges) {
    const lo = Math.max(r.minA, r.maxA * FLOOR_OF_TOP, 1e-9)
    const hi = Math.min(r.maxA, limitA)
    if (!(hi > lo)) continue
    for (const at of [0.25, 0.75]) {
      const target = lo * (hi / lo) ** at
      const ohms = nearestE12(voltageV / target)
      const currentA = voltageV / ohms
      // Rounding to E12 moves the current by up to ±10 %; keep it inside the span it was meant for.
      if (currentA < lo || currentA > hi || out.some((l) => l.resistanceOhm === ohms)) continue
      out.push({ resistanceOhm: ohms, voltageV, toleranceFraction, rangeIndex: r.index, currentA })
    }
  }
  return out
}
