import { studentTCritical } from './regression-student-t'

/**
 * Ordinary least squares of y on x: the straight line that minimises the squared vertical distances,
 * with the standard errors and intervals a paper reports. Sums are taken about the means so that
 * x values in the millions (MACs) and y values in millijoules keep their precision.
 */

export interface XY {
  x: number
  y: number
}

export interface LinearFit {
  n: number
  /** Residual degrees of freedom, n − 2. */
  df: number
  slope: number
  intercept: number
  /** Coefficient of determination, 1 − SSE/SST (null when every y is the same). */
  r2: number | null
  /** Standard errors (null with fewer than three points: nothing is left to estimate the scatter). */
  slopeStdErr: number | null
  interceptStdErr: number | null
  /** Residual standard deviation s = √(SSE / (n − 2)). */
  residualStdErr: number | null
  /** Confidence level of the intervals, e.g. 0.95, and the two-sided Student t value for it. */
  level: number
  tCritical: number | null
  slopeInterval: [number, number] | null
  interceptInterval: [number, number] | null
  meanX: number
  /** Σ(x − x̄)², needed for the band. */
  sxx: number
  xMin: number
  xMax: number
}

export class RegressionError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'RegressionError'
  }
}

export function fitLine(points: readonly XY[], level = 0.95): LinearFit {
  const pts = points.filter((p) => Number.isFinite(p.x) && Number.isFinite(p.y))
  const n = pts.length
  if (n < 2) throw new RegressionError(`a straight-line fit needs at least 2 points with numbers for x and y, got ${n}`)
  let meanX = 0
  let meanY = 0
  for (const p of pts) {
    meanX += p.x
    meanY += p.y
  }
  meanX /= n
  meanY /= n
  let sxx = 0
  let sxy = 0
  let syy = 0
  let xMin = Infinity
  let xMax = -Infinity
  for (const p of pts) {
    const dx = p.x - meanX
    const dy = p.y - meanY
    sxx += dx * dx
    sxy += dx * dy
    syy += dy * dy
    if (p.x < xMin) xMin = p.x
    if (p.x > xMax) xMax = p.x
  }
  if (!(sxx > 0)) throw new RegressionError(`every point has the same x (${pts[0].x}), so no slope can be fitted`)
  const slope = sxy / sxx
  const intercept = meanY - slope * meanX
  let sse = 0
  for (const p of pts) {
    const r = p.y - (intercept + slope * p.x)
    sse += r * r
  }
  const df = n - 2
  const r2 = syy > 0 ? 1 - sse / syy : null
  const base = { n, df, slope, intercept, r2, level, meanX, sxx, xMin, xMax }
  if (df < 1) {
    return { ...base, slopeStdErr: null, interceptStdErr: null, residualStdErr: null, tCritical: null, slopeInterval: null, interceptInterval: null }
  }
  const s = Math.sqrt(sse / df)
  const slopeStdErr = s / Math.sqrt(sxx)
  const interceptStdErr = s * Math.sqrt(1 / n + (meanX * meanX) / sxx)
  const t = studentTCritical(level, df)
  return {
    ...base,
    slopeStdErr,
    interceptStdErr,
    residualStdErr: s,
    tCritical: t,
    slopeInterval: [slope - t * slopeStdErr, slope + t * slopeStdErr],
    interceptInterval: [intercept - t * interceptStdErr, intercept + t * interceptStdErr]
  }
}

export interface MeanResponse {
  x: number
  y: number
  /** Confidence interval of the fitted line (the mean response) at x, or null without standard errors. */
  lower: number | null
  upper: number | null
}

/** The fitted line at x, with the confidence interval for the mean response: ŷ ± t·s·√(1/n + (x − x̄)²/Sxx). */
export function meanResponse(fit: LinearFit, x: number): MeanResponse {
  const y = fit.intercept + fit.slope * x
  if (fit.residualStdErr === null || fit.tCritical === null) return { x, y, lower: null, upper: null }
  const half = fit.tCritical * fit.residualStdErr * Math.sqrt(1 / fit.n + ((x - fit.meanX) ** 2) / fit.sxx)
  return { x, y, lower: y - half, upper: y + half }
}

/**
 * The confidence band as a plot draws it: `count` evenly spaced x values across [from, to]
 * (the data's x range by default), each with the line and the band's edges.
 */
export function confidenceBand(fit: LinearFit, count = 50, from = fit.xMin, to = fit.xMax): MeanResponse[] {
  const k = Math.max(2, Math.floor(count))
  const out: MeanResponse[] = []
  for (let i = 0; i < k; i++) out.push(meanResponse(fit, from + ((to - from) * i) / (k - 1)))
  return out
}
