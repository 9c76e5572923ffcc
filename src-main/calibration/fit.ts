/**
 * Per-range fits of reading against truth, their uncertainty, and the verdict against the
 * instrument's stated accuracy. Pure functions over measured points.
 *
 * Model: reading = gain × true + offset. The correction applied to captures inverts it:
 * corrected = (reading − offset) / gain.
 */

/** One measured reference: an open output (true 0 A) or a load (true V/R). */
export interface CalibrationPoint {
  kind: 'open' | 'load'
  /** The load as written (`1000@3.3±0.1%`), null for the open output. */
  loadText: string | null
  resistanceOhm: number | null
  voltageV: number | null
  toleranceFraction: number | null
  trueA: number
  /** Standard uncertainty (k = 1) of trueA from the load's tolerance. */
  trueUncertaintyA: number
  rangeIndex: number
  /** Mean of the samples taken in rangeIndex. */
  readingA: number
  /** Sample standard deviation of those samples. */
  sdA: number
  sampleCount: number
  /** Samples taken in other ranges during the window (range-switch transients), left out. */
  otherRangeSamples: number
}

export interface RangeSpec {
  index: number
  label: string
  minA: number
  maxA: number
  resolutionA: number | null
  accuracyFraction: number | null
}

export interface LineFit {
  gain: number
  offsetA: number
  /** Standard uncertainties and covariance of the two parameters. */
  gainU: number
  offsetU: number
  covariance: number
  /** Degrees of freedom left for the residuals (points − parameters). */
  dof: number
  chiSquared: number
}

export type FitKind = 'gain-and-offset' | 'gain-only' | 'offset-only' | 'none'

export interface UncertaintyBudget {
  /** Relative standard uncertainties (fractions of reading), combined in quadrature. */
  residualFraction: number
  loadFraction: number
  noiseFraction: number
  combinedFraction: number
  /** k = 2 expanded uncertainty as a fraction of reading. */
  expandedFraction: number
  /** k = 2 expanded uncertainty of the offset, in amperes: the floor for small currents. */
  offsetExpandedA: number
  coverageFactor: 2
}

export interface PointCheck {
  loadText: string | null
  trueA: number
  readingA: number
  /** (reading − true) / true for loads; null for the open output. */
  errorFraction: number | null
  /** Absolute error in amperes (reading − true). */
  errorA: number
  limit: string
  pass: boolean | null
}

export interface RangeCalibration {
  rangeIndex: number
  label: string
  fit: FitKind
  gain: number
  offsetA: number
  gainU: number
  offsetU: number
  points: PointCheck[]
  uncertainty: UncertaintyBudget
  accuracyFraction: number | null
  /** The raw instrument against its stated accuracy at the measured points. */
  verdict: 'pass' | 'fail' | 'not-stated' | 'not-measured'
  /** Error plus expanded uncertainty crosses the stated accuracy: pass or fail could flip on a repeat. */
  marginal: boolean
}

function amps(a: number): string {
  const [scale, unit] = a >= 1 ? [1, 'A'] : a >= 1e-3 ? [1e3, 'mA'] : a >= 1e-6 ? [1e6, 'µA'] : [1e9, 'nA']
  return `${+(a * scale).toPrecision(3)} ${unit}`
}

/**
 * Weighted least squares of y = g·x + o (weights 1/u²). With more points than parameters the
 * parameter uncertainties are scaled by the Birge ratio when the scatter exceeds what the input
 * uncertainties explain, so residual scatter is never hidden.
 */
export function fitLine(x: number[], y: number[], u: number[]): LineFit {
  let sw = 0
  let sx = 0
  let sy = 0
  let sxx = 0
  let sxy = 0
  for (let i = 0; i < x.length; i++) {
    const w = 1 / (u[i]! * u[i]!)
    sw += w
    sx += w * x[i]!
    sy += w * y[i]!
    sxx += w * x[i]! * x[i]!
    sxy += w * x[i]! * y[i]!
  }
  const det = sw * sxx - sx * sx
  if (!(Math.abs(det) > 0) || x.length < 2) throw new Error('A line needs two points at different currents.')
  const gain = (sw * sxy - sx * sy) / det
  const offsetA = (sxx * sy - sx * sxy) / det
  let chiSquared = 0
  for (let i = 0; i < x.length; i++) chiSquared += ((y[i]! - gain * x[i]! - offsetA) / u[i]!) ** 2
  const dof = x.length - 2
  const scale = dof > 0 ? Math.max(1, chiSquared / dof) : 1
  return {
    gain,
    offsetA,
    gainU: Math.sqrt((sw / det) * scale),
    offsetU: Math.sqrt((sxx / det) * scale),
    covariance: (-sx / det) * scale,
    dof,
    chiSquared
  }
}

/** Uncertainty of one point's reading: the load's tolerance (scaled by the gain) and the mean's noise. */
function pointU(p: CalibrationPoint): number {
  const noise = p.sampleCount > 0 ? p.sdA / Math.sqrt(p.sampleCount) : 0
  // A noiseless emulator would give zero weight uncertainty; keep a floor far below any real effect.
  return Math.max(Math.hypot(p.trueUncertaintyA, noise), 1e-9 * Math.abs(p.readingA) + 1e-15)
}

/** Fit one range from its points, with the uncertainty budget and the accuracy verdict. */
export function calibrateRange(range: RangeSpec, points: CalibrationPoint[], zeroLimitA: number): RangeCalibration {
  const loads = points.filter((p) => p.kind === 'load')
  const distinct = new Set(points.map((p) => p.trueA)).size
  let fit: FitKind
  let gain = 1
  let offsetA = 0
  let gainU = 0
  let offsetU = 0
  let residualFraction = 0
  if (distinct >= 2) {
    const f = fitLine(points.map((p) => p.trueA), points.map((p) => p.readingA), points.map(pointU))
    fit = 'gain-and-offset'
    ;({ gain, offsetA, gainU, offsetU } = f)
    if (f.dof > 0) {
      const rel = loads.map((p) => (p.readingA - (gain * p.trueA + offsetA)) / p.trueA)
      residualFraction = Math.sqrt(rel.reduce((s, r) => s + r * r, 0) / f.dof)
    }
  } else if (loads.length > 0) {
    // One current only: the offset cannot be separated from the gain; take it as zero and say so.
    fit = 'gain-only'
    const n = loads.length
    gain = loads.reduce((s, p) => s + p.readingA / p.trueA, 0) / n
    gainU = Math.sqrt(loads.reduce((s, p) => s + (pointU(p) / p.trueA) ** 2, 0)) / n
  } else if (points.length > 0) {
    fit = 'offset-only'
    offsetA = points.reduce((s, p) => s + p.readingA, 0) / points.length
    offsetU = Math.sqrt(points.reduce((s, p) => s + pointU(p) ** 2, 0)) / points.length
  } else {
    fit = 'none'
  }

  const loadFraction = Math.max(0, ...loads.map((p) => p.trueUncertaintyA / p.trueA))
  const noiseFraction = Math.max(0, ...loads.map((p) => (p.sampleCount > 0 ? p.sdA / Math.sqrt(p.sampleCount) : 0) / p.trueA))
  const combinedFraction = Math.hypot(residualFraction, loadFraction, noiseFraction)
  const uncertainty: UncertaintyBudget = {
    residualFraction,
    loadFraction,
    noiseFraction,
    combinedFraction,
    expandedFraction: 2 * combinedFraction,
    offsetExpandedA: 2 * offsetU,
    coverageFactor: 2
  }

  const acc = range.accuracyFraction
  const checks: PointCheck[] = points.map((p) => {
    const errorA = p.readingA - p.trueA
    if (p.kind === 'open') {
      return { loadText: null, trueA: 0, readingA: p.readingA, errorFraction: null, errorA, limit: `|offset| ≤ ${amps(zeroLimitA)}`, pass: Math.abs(errorA) <= zeroLimitA }
    }
    const errorFraction = errorA / p.trueA
    return {
      loadText: p.loadText,
      trueA: p.trueA,
      readingA: p.readingA,
      errorFraction,
      errorA,
      limit: acc === null ? 'no stated accuracy' : `±${+(acc * 100).toPrecision(3)} %`,
      pass: acc === null ? null : Math.abs(errorFraction) <= acc
    }
  })
  const loadChecks = checks.filter((c) => c.errorFraction !== null)
  const verdict: RangeCalibration['verdict'] =
    points.length === 0 ? 'not-measured' : checks.some((c) => c.pass === false) ? 'fail' : loadChecks.length > 0 && acc === null ? 'not-stated' : 'pass'
  const marginal =
    acc !== null &&
    loadChecks.some((c) => {
      const u = uncertainty.expandedFraction
      return Math.abs(Math.abs(c.errorFraction!) - acc) <= u
    })
  return { rangeIndex: range.index, label: range.label, fit, gain, offsetA, gainU, offsetU, points: checks, uncertainty, accuracyFraction: acc, verdict, marginal }
}

/** Expanded (k = 2) uncertainty of a corrected reading in this range. */
export function expandedUncertaintyA(currentA: number, range: Pick<RangeCalibration, 'uncertainty'>): number {
  return Math.hypot(range.uncertainty.expandedFraction * currentA, range.uncertainty.offsetExpandedA)
}
