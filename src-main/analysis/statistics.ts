/**
 * Descriptive statistics for repeated measurements: mean, sample standard deviation (n − 1), median,
 * and a confidence interval for the mean from Student's t. The t quantile is computed here, from the
 * regularized incomplete beta function, rather than read from a short table, so any n works.
 */

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
  const sd = Math.sqrt(ss / (n - 1))
  const se = sd / Math.sqrt(n)
  const half = studentTQuantile(0.5 + level / 2, n - 1) * se
  return { ...base, sd, standardError: se, ci: { level, low: mean - half, high: mean + half, halfWidth: half } }
}

/** ln Γ(x) for x > 0 (Lanczos approximation, g = 7; relative error below 1e-14). */
export function logGamma(x: number): number {
  if (x < 0.5) return Math.log(Math.PI / Math.abs(Math.sin(Math.PI * x))) - logGamma(1 - x)
  const c = [
    0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059,
    12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7
  ]
  const z = x - 1
  let a = c[0]
  const t = z + 7.5
  for (let i = 1; i < 9; i++) a += c[i] / (z + i)
  return 0.5 * Math.log(2 * Math.PI) + (z + 0.5) * Math.log(t) - t + Math.log(a)
}

/** Continued fraction for the incomplete beta function (modified Lentz). */
function betaContinuedFraction(x: number, a: number, b: number): number {
  const tiny = 1e-300
  let c = 1
  let d = 1 - ((a + b) * x) / (a + 1)
  if (Math.abs(d) < tiny) d = tiny
  d = 1 / d
  let h = d
  for (let m = 1; m <= 100000; m++) {
    const m2 = 2 * m
    let num = (m * (b - m) * x) / ((a + m2 - 1) * (a + m2))
    d = 1 + num * d
    if (Math.abs(d) < tiny) d = tiny
    c = 1 + num / c
    if (Math.abs(c) < tiny) c = tiny
    d = 1 / d
    h *= d * c
    num = (-(a + m) * (a + b + m) * x) / ((a + m2) * (a + m2 + 1))
    d = 1 + num * d
    if (Math.abs(d) < tiny) d = tiny
    c = 1 + num / c
    if (Math.abs(c) < tiny) c = tiny
    d = 1 / d
    const delta = d * c
    h *= delta
    if (Math.abs(delta - 1) < 1e-15) break
  }
  return h
}

/** Regularized incomplete beta I_x(a, b). */
export function incompleteBeta(x: number, a: number, b: number): number {
  if (x <= 0) return 0
  if (x >= 1) return 1
  const lnFront = logGamma(a + b) - logGamma(a) - logGamma(b) + a * Math.log(x) + b * Math.log(1 - x)
  // The fraction converges fast only on one side of the mode; use the symmetry I_x(a,b) = 1 − I_{1−x}(b,a).
  if (x < (a + 1) / (a + b + 2)) return (Math.exp(lnFront) * betaContinuedFraction(x, a, b)) / a
  return 1 - (Math.exp(lnFront) * betaContinuedFraction(1 - x, b, a)) / b
}

/** P(T ≤ t) for Student's t with df degrees of freedom. */
export function studentTCdf(t: number, df: number): number {
  if (!(df > 0)) throw new RangeError(`Degrees of freedom must be > 0, got ${df}.`)
  if (t === 0) return 0.5
  const tail = 0.5 * incompleteBeta(df / (df + t * t), df / 2, 0.5)
  return t > 0 ? 1 - tail : tail
}

/** The p-quantile of Student's t with df degrees of freedom (p = 0.975 gives the 95 % two-sided factor). */
export function studentTQuantile(p: number, df: number): number {
  if (!(p > 0 && p < 1)) throw new RangeError(`Probability must be between 0 and 1, got ${p}.`)
  if (!(df > 0)) throw new RangeError(`Degrees of freedom must be > 0, got ${df}.`)
  if (p === 0.5) return 0
  if (p < 0.5) return -studentTQuantile(1 - p, df)
  let lo = 0
  let hi = 1
  while (studentTCdf(hi, df) < p) {
    lo = hi
    hi *= 2
    if (hi > 1e300) return Infinity
  }
  // Bisection: slow-ish but monotone and exact to the last bits, and n is small in practice.
  for (let i = 0; i < 200 && hi - lo > 1e-15 * hi; i++) {
    const mid = (lo + hi) / 2
    if (studentTCdf(mid, df) < p) lo = mid
    else hi = mid
  }
  return (lo + hi) / 2
}
