/**
 * Statistics over a window of a recording, exact at the edges: the store splits the window into a few
 * stretches of raw samples (at the two ends) and whole summary entries (in between), reduces each one to
 * an accumulator, and this file combines them. Pure functions; the store does the reading.
 */

/** Sums over a set of samples. Weight is 1 per sample at a fixed rate, the time step (s) at a variable rate. */
export interface Accumulator {
  count: number
  weight: number
  min: number
  max: number
  sum: number
  sumsq: number
}

export function emptyAccumulator(): Accumulator {
  return { count: 0, weight: 0, min: Infinity, max: -Infinity, sum: 0, sumsq: 0 }
}

export function combine(into: Accumulator, a: Accumulator): void {
  into.count += a.count
  into.weight += a.weight
  if (a.min < into.min) into.min = a.min
  if (a.max > into.max) into.max = a.max
  into.sum += a.sum
  into.sumsq += a.sumsq
}

/** Adds raw samples; NaN values (gap slots) are skipped. weights[i] (optional) weighs values[i]. */
export function accumulateSamples(into: Accumulator, values: ArrayLike<number>, weights?: ArrayLike<number>, from = 0, to = values.length): void {
  for (let i = from; i < to; i++) {
    const v = values[i]
    if (v !== v) continue
    const w = weights ? weights[i] : 1
    into.count++
    into.weight += w
    if (v < into.min) into.min = v
    if (v > into.max) into.max = v
    into.sum += v * w
    into.sumsq += v * v * w
  }
}

/** One stretch of a window: raw samples [start, end) at level 0, or summary entries [start, end) of a level. */
export interface WindowPiece {
  level: number
  start: number
  end: number
}

/**
 * Tiles the sample range [a, b) with the coarsest whole summary entries that fit, and raw samples where
 * no level-1 entry fits. spanOf(level) is the number of samples one entry of that level covers. With a
 * level factor f, each side needs at most f − 1 entries per level, so the plan stays small for any length.
 */
export function planWindow(a: number, b: number, maxLevel: number, spanOf: (level: number) => number): WindowPiece[] {
  const pieces: WindowPiece[] = []
  const walk = (lo: number, hi: number, top: number): void => {
    if (lo >= hi) return
    for (let level = top; level >= 1; level--) {
      const s = spanOf(level)
      const first = Math.ceil(lo / s)
      const last = Math.floor(hi / s)
      if (last > first) {
        walk(lo, first * s, level - 1)
        pieces.push({ level, start: first, end: last })
        walk(last * s, hi, level - 1)
        return
      }
    }
    pieces.push({ level: 0, start: lo, end: hi })
  }
  walk(a, b, maxLevel)
  return pieces
}

export interface ChannelStatistics {
  min: number | null
  max: number | null
  mean: number | null
  /** Population standard deviation (weighted by time step at a variable rate). */
  sd: number | null
}

export function channelStatistics(acc: Accumulator): ChannelStatistics {
  if (acc.count === 0 || acc.weight <= 0) {
    return { min: acc.count ? acc.min : null, max: acc.count ? acc.max : null, mean: null, sd: null }
  }
  const mean = acc.sum / acc.weight
  const variance = Math.max(0, acc.sumsq / acc.weight - mean * mean)
  return { min: acc.min, max: acc.max, mean, sd: Math.sqrt(variance) }
}

export type EnergySource = 'measured-voltage' | 'supply-voltage' | 'unknown'

export interface WindowStatistics {
  fromS: number
  toS: number
  /** Length of the window, in seconds (clipped to the recording). */
  durationS: number
  /** Time actually covered by samples (the window less its gaps), in seconds. */
  measuredDurationS: number
  /** Samples counted (gap slots excluded). */
  count: number
  /** Sample slots of the window that fall in gaps. */
  gapSamples: number
  currentA: ChannelStatistics
  voltageV: ChannelStatistics | null
  powerW: ChannelStatistics | null
  /** ∫ I dt over the measured samples, in coulombs. */
  chargeC: number | null
  /** ∫ P dt over the measured samples, in joules; from measured voltage where the instrument has it, else supply × charge. */
  energyJ: number | null
  averagePowerW: number | null
  energySource: EnergySource
  supplyV: number | null
}

export interface FinishInput {
  fromS: number
  toS: number
  durationS: number
  /** Seconds per unit of weight: the sample period at a fixed rate, 1 at a variable rate (weights are seconds). */
  secondsPerWeight: number
  gapSamples: number
  supplyV: number | null
  current: Accumulator
  voltage: Accumulator | null
  power: Accumulator | null
}

export function finishStatistics(x: FinishInput): WindowStatistics {
  const measuredDurationS = x.current.weight * x.secondsPerWeight
  const chargeC = x.current.count ? x.current.sum * x.secondsPerWeight : null
  let energyJ: number | null = null
  let energySource: EnergySource = 'unknown'
  if (x.power && x.power.count) {
    energyJ = x.power.sum * x.secondsPerWeight
    energySource = 'measured-voltage'
  } else if (x.supplyV !== null && chargeC !== null) {
    energyJ = x.supplyV * chargeC
    energySource = 'supply-voltage'
  }
  const powerW = x.power
    ? channelStatistics(x.power)
    : x.supplyV !== null && x.current.count
      ? scaleStatistics(channelStatistics(x.current), x.supplyV)
      : null
  return {
    fromS: x.fromS,
    toS: x.toS,
    durationS: x.durationS,
    measuredDurationS,
    count: x.current.count,
    gapSamples: x.gapSamples,
    currentA: channelStatistics(x.current),
    voltageV: x.voltage ? channelStatistics(x.voltage) : null,
    powerW,
    chargeC,
    energyJ,
    averagePowerW: energyJ !== null && measuredDurationS > 0 ? energyJ / measuredDurationS : null,
    energySource,
    supplyV: x.supplyV
  }
}

function scaleStatistics(s: ChannelStatistics, k: number): ChannelStatistics {
  const m = (v: number | null): number | null => (v === null ? null : v * k)
  return { min: m(s.min), max: m(s.max), mean: m(s.mean), sd: m(s.sd) }
}
