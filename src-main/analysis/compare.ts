import { studentTCritical } from './regression-student-t'
import type { LinearFit } from './regression'

/**
 * Side-by-side comparison of groups (platforms, builds, implementations) as ratios of their means:
 * "HX-WE2 is 1.93× faster at 3.13× the power". Each ratio carries an approximate confidence interval
 * from the spread of both groups: on the log scale the ratio's standard error is
 * √(cv_a² + cv_b²), with cv the standard error of a mean over that mean (first-order error
 * propagation), and the t value uses the smaller group's degrees of freedom, which errs wide.
 */

export interface GroupMeasurements {
  name: string
  /** Per-inference values; any may be left out or empty. */
  latencyS?: readonly number[]
  powerW?: readonly number[]
  energyJ?: readonly number[]
}

export interface MeanSummary {
  n: number
  mean: number
  sd: number | null
  stdErr: number | null
}

export interface Ratio {
  /** This group's mean over the baseline's. */
  ratio: number
  lower: number | null
  upper: number | null
}

export type CompareMetric = 'latency' | 'power' | 'energy'

export interface GroupComparison {
  name: string
  baseline: string
  latency: Ratio | null
  power: Ratio | null
  energy: Ratio | null
  /** Baseline latency over this latency: above 1 means this group is faster. */
  speedup: Ratio | null
  sentence: string
}

export interface Comparison {
  level: number
  baseline: string
  summaries: Record<string, Partial<Record<CompareMetric, MeanSummary>>>
  comparisons: GroupComparison[]
}

export class CompareError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'CompareError'
  }
}

export function summarize(values: readonly number[]): MeanSummary | null {
  const v = values.filter(Number.isFinite)
  const n = v.length
  if (n === 0) return null
  const mean = v.reduce((s, x) => s + x, 0) / n
  if (n < 2) return { n, mean, sd: null, stdErr: null }
  const sd = Math.sqrt(v.reduce((s, x) => s + (x - mean) ** 2, 0) / (n - 1))
  return { n, mean, sd, stdErr: sd / Math.sqrt(n) }
}

/** Ratio a/b of two means with the interval described at the top of this file. */
export function ratioOfMeans(a: MeanSummary, b: MeanSummary, level = 0.95): Ratio {
  if (b.mean === 0) throw new CompareError('the baseline mean is 0, so no ratio can be formed')
  const ratio = a.mean / b.mean
  if (a.stdErr === null || b.stdErr === null || a.mean <= 0 || b.mean <= 0) return { ratio, lower: null, upper: null }
  const se = Math.sqrt((a.stdErr / a.mean) ** 2 + (b.stdErr / b.mean) ** 2)
  const t = studentTCritical(level, Math.min(a.n, b.n) - 1)
  return { ratio, lower: ratio * Math.exp(-t * se), upper: ratio * Math.exp(t * se) }
}

const METRICS: Array<[CompareMetric, keyof GroupMeasurements]> = [
  ['latency', 'latencyS'],
  ['power', 'powerW'],
  ['energy', 'energyJ']
]

/** Compares every group with the baseline (by name; the first group when not given). */
export function compareGroups(groups: readonly GroupMeasurements[], baselineName?: string, level = 0.95): Comparison {
  if (groups.length < 2) throw new CompareError(`a comparison needs at least two groups, got ${groups.length}`)
  const baseline = baselineName === undefined ? groups[0] : groups.find((g) => g.name === baselineName)
  if (!baseline) throw new CompareError(`no group is named "${baselineName}" (groups: ${groups.map((g) => g.name).join(', ')})`)
  const summaries: Comparison['summaries'] = {}
  for (const g of groups) {
    const s: Partial<Record<CompareMetric, MeanSummary>> = {}
    for (const [metric, key] of METRICS) {
      const m = summarize((g[key] as readonly number[] | undefined) ?? [])
      if (m) s[metric] = m
    }
    summaries[g.name] = s
  }
  const base = summaries[baseline.name]
  const comparisons: GroupComparison[] = []
  for (const g of groups) {
    if (g === baseline) continue
    const mine = summaries[g.name]
    const ratio = (metric: CompareMetric) => {
      const a = mine[metric]
      const b = base[metric]
      return a && b && b.mean !== 0 ? ratioOfMeans(a, b, level) : null
    }
    const latency = ratio('latency')
    const power = ratio('power')
    const energy = ratio('energy')
    const speedup = latency && latency.ratio > 0 ? invert(latency) : null
    comparisons.push({ name: g.name, baseline: baseline.name, latency, power, energy, speedup, sentence: describeComparison(g.name, baseline.name, latency, power, energy) })
  }
  return { level, baseline: baseline.name, summaries, comparisons }
}

function invert(r: Ratio): Ratio {
  return { ratio: 1 / r.ratio, lower: r.upper === null ? null : 1 / r.upper, upper: r.lower === null ? null : 1 / r.lower }
}

/** Ratios to two decimals with a "×", the way papers print them. */
export function formatRatio(r: number): string {
  return `${r.toFixed(2)}×`
}

/** "HX-WE2 is 1.93× faster than MAX78000, at 3.13× the power and 1.62× the energy" — only the parts that are known. */
export function describeComparison(name: string, baseline: string, latency: Ratio | null, power: Ratio | null, energy: Ratio | null): string {
  const costs: string[] = []
  if (power) costs.push(`${formatRatio(power.ratio)} the power`)
  if (energy) costs.push(`${formatRatio(energy.ratio)} the energy`)
  if (!latency) {
    return costs.length ? `${name} uses ${costs.join(' and ')} of ${baseline}` : `${name} and ${baseline} have no measurement in common`
  }
  const speed = latency.ratio <= 1 ? `${formatRatio(1 / latency.ratio)} faster` : `${formatRatio(latency.ratio)} slower`
  return `${name} is ${speed} than ${baseline}${costs.length ? `, at ${costs.join(' and ')}` : ''}`
}

/**
 * Ratio of two fitted slopes (e.g. naive over SIMD energy per MAC), with an interval from their
 * standard errors by the same log-scale propagation as ratioOfMeans.
 */
export function ratioOfSlopes(a: LinearFit, b: LinearFit, level = 0.95): Ratio {
  if (b.slope === 0) throw new CompareError('the baseline slope is 0, so no ratio can be formed')
  const ratio = a.slope / b.slope
  if (a.slopeStdErr === null || b.slopeStdErr === null || a.slope <= 0 || b.slope <= 0) return { ratio, lower: null, upper: null }
  const se = Math.sqrt((a.slopeStdErr / a.slope) ** 2 + (b.slopeStdErr / b.slope) ** 2)
  const t = studentTCritical(level, Math.min(a.df, b.df))
  return { ratio, lower: ratio * Math.exp(-t * se), upper: ratio * Math.exp(t * se) }
}
