import { studentTQuantile } from './regression-student-t'

/**
 * Descriptive statistics for repeated measurements: mean, sample standard deviation (n − 1), median,
 * and a confidence interval for the mean from Student's t. The t quantile is computed (from the
 * regularized incomplete beta function, shared with the regression code) rather than read from a short
 * table, so any n works.
 */

export { studentTCdf, studentTQuantile, lnGamma as logGamma, regularizedIncompleteBeta as incompleteBeta } from './regression-student-t'

export interface ConfidenceInterval {
  /** 0.95 for a 95 % interval. */
  level: number
  low: number
  high: number
  halfWidth: number
}

export interface Summary {
  /** Values summarized (non-finite ones are left out and counted in `ignored`). */
  n: number
  ignored: number
  mean: number | null
  /** Sample standard deviation (divides by n − 1); null below two values. */
  sd: number | null
  median: number | null
  min: number | null
  max: number | null
  standardError: number | null
  ci: ConfidenceInterval | null
}

export function median(values: readonly number[]): number | null {
  const v = values.filter(Number.isFinite).sort((a, b) => a - b)
  if (v.length === 0) return null
  const mid = v.length >> 1
  return v.length % 2 ? v[mid] : (v[mid - 1] + v[mid]) / 2
}

export function summarize(values: readonly number[], options: { confidence?: number } = {}): Summary {
  const level = options.confidence ?? 0.95
  if (!(level > 0 && level < 1)) throw new RangeError(`Confidence level must be between 0 and 1, got ${level}.`)
  const v = values.filter(Number.isFinite)
  const n = v.length
  const ignored = values.length - n
  if (n === 0) return { n, ignored, mean: null, sd: null, median: null, min: null, max: null, standardError: null, ci: null }
  // Two passes: the mean first, then squared deviations from it (no catastrophic cancellation).
  let sum = 0
  for (const x of v) sum += x
  const mean = sum / n
  let ss = 0
  let min = Infinity
  let max = -Infinity
  for (const x of v) {
    ss += (x - mean) * (x - mean)
    if (x < min) min = x
    if (x > max) max = x
  }
  const base = { n, ignored, mean, median: median(v), min, max }
  if (n < 2) return { ...base, sd: null, standardError: null, ci: null }
  // A spread within the float rounding of the mean carries no information (stages placed at their logged
  // length all last the same, yet their sum of squares is a few ulps): it is zero, not "0.0004 fs".
  const raw = Math.sqrt(ss / (n - 1))
  const sd = raw <= Math.abs(mean) * n * Number.EPSILON ? 0 : raw
  const se = sd / Math.sqrt(n)
  const half = studentTQuantile(0.5 + level / 2, n - 1) * se
  return { ...base, sd, standardError: se, ci: { level, low: mean - half, high: mean + half, halfWidth: half } }
}
