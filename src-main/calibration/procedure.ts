/**
 * The calibration procedure: the open output first (zero offset), then each reference load; every
 * window is split by the range the samples were taken in, and the range that held most of them
 * gives the point. Then a fit per range, its uncertainty, and the verdict against stated accuracy.
 */
import type { Gap, Mark, SampleBlock, SampleSink } from '../capture/sample-block'
import type { PowerAnalyzer } from '../instruments/power-analyzer'
import type { AnalyzerDefinition } from '../wiring/definition-schema'
import { streamWindow } from '../wiring/stream-window'
import { rangeClassifierFor, type CalibrationCorrection, type RangeClassifier } from './correction'
import { calibrateRange, type CalibrationPoint, type RangeCalibration, type RangeSpec } from './fit'
import { formatReferenceLoad, suggestedResistanceOhm, trueCurrentA, trueCurrentUncertaintyA, type ReferenceLoad } from './reference-load'

export type PresentStep =
  | { kind: 'open'; index: number; total: number }
  | { kind: 'load'; load: ReferenceLoad; index: number; total: number }

/** Where the references come from: an operator swapping resistors, or the virtual bench switching its load. */
export interface CalibrationBench {
  analyzer: PowerAnalyzer
  /** Put the next reference in place; resolves when it is. */
  present(step: PresentStep): Promise<void>
}

export interface CalibrationRequest {
  loads: ReferenceLoad[]
  /** Measure the open output first (true current 0). Default true. */
  zeroCheck?: boolean
  /** Supply voltage during the zero check; default the first load's. */
  zeroSupplyV?: number
  ranges: RangeSpec[]
  classify?: RangeClassifier
  /** Ignored at the start of each window: range switching and the load's settling. Default 0.3 s. */
  settleS?: number
  /** Averaged per point. Default 1 s. */
  measureS?: number
  /** The device's user gains per range during the calibration (PPK2 UG0–UG4), if it has them. */
  deviceUserGains?: number[] | null
  /** Tolerance of the supply voltage as a fraction, when the set voltage is not measured. Default 0. */
  voltageToleranceFraction?: number
  onProgress?: (text: string) => void
}

export interface InstrumentRef {
  id: string
  family: string
  model: string
  serial: string
  firmware: string | null
}

export interface CalibrationResult {
  instrument: InstrumentRef
  performedAt: string
  points: CalibrationPoint[]
  ranges: RangeCalibration[]
  /** pass: every measured range within stated accuracy; fail: any outside; incomplete: nothing measured. */
  verdict: 'pass' | 'fail' | 'incomplete'
  suggestions: string[]
  settings: { settleS: number; measureS: number; voltageToleranceFraction: number }
  /** The device's user gains during the calibration (PPK2), which the fitted gains are relative to. */
  deviceUserGains: number[] | null
  /** User gains later written to the device from this calibration. */
  userGainWrites: Array<{ rangeIndex: number; fromGain: number; toGain: number }>
}

export class CalibrationError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'CalibrationError'
  }
}

function formatCurrent(a: number): string {
  const [scale, unit] = a >= 1 ? [1, 'A'] : a >= 1e-3 ? [1e3, 'mA'] : a >= 1e-6 ? [1e6, 'µA'] : [1e9, 'nA']
  return `${+(a * scale).toPrecision(3)} ${unit}`
}

/** The ranges as the driver reports them, with resolution from the analyzer's definition where it states one. */
export function rangeSpecs(analyzer: PowerAnalyzer, definition?: AnalyzerDefinition | null): RangeSpec[] {
  return analyzer.ranges.map((r) => {
    const d = definition?.ranges.find((x) => x.index === r.index)
    return { index: r.index, label: r.label, minA: r.minA, maxA: r.maxA, resolutionA: d?.resolutionA ?? null, accuracyFraction: d?.accuracyFraction ?? r.accuracyFraction }
  })
}

/** Per-range running mean and variance (Welford), so a long window costs no memory. */
class RangeSplitter implements SampleSink {
  readonly n = new Map<number, number>()
  readonly mean = new Map<number, number>()
  readonly m2 = new Map<number, number>()
  total = 0
  lost = 0
  constructor(
    private skip: number,
    private readonly classify: RangeClassifier
  ) {}
  samples(block: SampleBlock): void {
    for (let i = 0; i < block.currentA.length; i++) {
      if (this.skip > 0) {
        this.skip--
        continue
      }
      const a = block.currentA[i]!
      if (!Number.isFinite(a)) continue
      const r = this.classify(a, block.raw?.[i])
      const n = (this.n.get(r) ?? 0) + 1
      const mean = this.mean.get(r) ?? 0
      const d = a - mean
      const nextMean = mean + d / n
      this.n.set(r, n)
      this.mean.set(r, nextMean)
      this.m2.set(r, (this.m2.get(r) ?? 0) + d * (a - nextMean))
      this.total++
    }
  }
  gap(g: Gap): void {
    this.lost += g.count
  }
  mark(_m: Mark): void {}
  warning(_w: string): void {}
  dominant(): { range: number; n: number; mean: number; sd: number } | null {
    let best: number | null = null
    for (const [r, n] of this.n) if (best === null || n > this.n.get(best)!) best = r
    if (best === null) return null
    const n = this.n.get(best)!
    return { range: best, n, mean: this.mean.get(best)!, sd: n > 1 ? Math.sqrt(this.m2.get(best)! / (n - 1)) : 0 }
  }
}

async function measurePoint(
  bench: CalibrationBench,
  req: Required<Pick<CalibrationRequest, 'settleS' | 'measureS'>> & { classify: RangeClassifier },
  supplyV: number | null,
  what: string
): Promise<{ range: number; n: number; mean: number; sd: number; other: number }> {
  const { analyzer } = bench
  const period = analyzer.samplePeriodS
  const skip = Math.round(req.settleS / period)
  const split = new RangeSplitter(skip, req.classify)
  // Each load's voltage goes to the analyzer: the output of a source meter, the conversion's supply reference for an ampere meter (PPK2).
  await streamWindow(analyzer, split, { supplyV, samples: skip + Math.max(2, Math.round(req.measureS / period)) })
  const d = split.dominant()
  if (!d) throw new CalibrationError(`${analyzer.identity.model} sent no usable samples while measuring ${what}. Check the connection and run the calibration again.`)
  return { ...d, other: split.total - d.n }
}

export async function runCalibration(bench: CalibrationBench, request: CalibrationRequest): Promise<CalibrationResult> {
  const { analyzer } = bench
  const ranges = request.ranges
  if (ranges.length === 0) throw new CalibrationError(`${analyzer.identity.model} reports no current ranges, so there is nothing to calibrate.`)
  const zero = request.zeroCheck ?? true
  if (request.loads.length === 0 && !zero) throw new CalibrationError('Give at least one reference load (--load OHMS@VOLTS), or keep the zero check.')
  const settings = {
    settleS: request.settleS ?? 0.3,
    measureS: request.measureS ?? 1,
    voltageToleranceFraction: request.voltageToleranceFraction ?? 0
  }
  const m = { ...settings, classify: request.classify ?? rangeClassifierFor(analyzer.identity.family, ranges) }
  const progress = request.onProgress ?? (() => {})
  const total = request.loads.length + (zero ? 1 : 0)
  const points: CalibrationPoint[] = []
  let index = 0

  if (zero) {
    const supplyV = request.zeroSupplyV ?? request.loads[0]?.voltageV ?? analyzer.supplyV ?? null
    await bench.present({ kind: 'open', index: ++index, total })
    progress(`[${index}/${total}] Zero offset with the output open…`)
    const r = await measurePoint(bench, m, supplyV, 'the open output')
    points.push({ kind: 'open', loadText: null, resistanceOhm: null, voltageV: supplyV, toleranceFraction: null, trueA: 0, trueUncertaintyA: 0, rangeIndex: r.range, readingA: r.mean, sdA: r.sd, sampleCount: r.n, otherRangeSamples: r.other })
  }
  for (const load of request.loads) {
    await bench.present({ kind: 'load', load, index: ++index, total })
    progress(`[${index}/${total}] ${formatReferenceLoad(load)}…`)
    const r = await measurePoint(bench, m, load.voltageV, formatReferenceLoad(load))
    points.push({
      kind: 'load',
      loadText: `${load.resistanceOhm}@${load.voltageV}±${+(load.toleranceFraction * 100).toPrecision(3)}%`,
      resistanceOhm: load.resistanceOhm,
      voltageV: load.voltageV,
      toleranceFraction: load.toleranceFraction,
      trueA: trueCurrentA(load),
      trueUncertaintyA: trueCurrentUncertaintyA(load, settings.voltageToleranceFraction),
      rangeIndex: r.range,
      readingA: r.mean,
      sdA: r.sd,
      sampleCount: r.n,
      otherRangeSamples: r.other
    })
  }
  return summarise(analyzerRef(analyzer), points, ranges, settings, request.loads[0]?.voltageV ?? analyzer.supplyV ?? 3.3, request.deviceUserGains ?? null)
}

export function analyzerRef(analyzer: PowerAnalyzer): InstrumentRef {
  const id = analyzer.identity
  if (!id.serial) {
    throw new CalibrationError(`${id.model} (${id.id}) did not report a serial number; a calibration record must name the unit it belongs to. Update its firmware, or reconnect it.`)
  }
  return { id: id.id, family: id.family, model: id.model, serial: id.serial, firmware: id.firmware }
}

/** Fit and judge measured points (also used to re-judge stored points). */
export function summarise(
  instrument: InstrumentRef,
  points: CalibrationPoint[],
  ranges: RangeSpec[],
  settings: CalibrationResult['settings'],
  suggestionV: number,
  deviceUserGains: number[] | null = null,
  performedAt = new Date().toISOString()
): CalibrationResult {
  const results = ranges.map((spec) => calibrateRange(spec, points.filter((p) => p.rangeIndex === spec.index), spec.resolutionA ?? spec.minA))
  const suggestions: string[] = []
  for (const r of results) {
    const spec = ranges.find((s) => s.index === r.rangeIndex)!
    if (r.fit === 'none' || r.fit === 'offset-only') {
      const ohms = suggestedResistanceOhm(spec.minA, spec.maxA, suggestionV)
      const load = { resistanceOhm: ohms, voltageV: suggestionV, toleranceFraction: 0, toleranceAssumed: false }
      suggestions.push(`Range ${spec.label} has no load: add about ${formatReferenceLoad(load).replace(/ \(.*\)$/, '')} (${formatCurrent(suggestionV / ohms)}), e.g. --load ${ohms}@${suggestionV}.`)
    } else if (r.fit === 'gain-only') {
      suggestions.push(`Range ${spec.label} has one current only, so its offset was taken as zero: add a second load in this range to fit gain and offset.`)
    }
  }
  for (const p of points) {
    if (p.kind === 'load') {
      const spec = ranges.find((s) => s.index === p.rangeIndex)
      if (spec && (p.trueA < spec.minA || p.trueA > spec.maxA)) {
        suggestions.push(`${p.loadText} was read in range ${spec.label}, although ${formatCurrent(p.trueA)} lies outside its span: check the load and its wiring.`)
      }
    }
  }
  const measured = results.filter((r) => r.verdict !== 'not-measured')
  const verdict: CalibrationResult['verdict'] = measured.length === 0 ? 'incomplete' : measured.some((r) => r.verdict === 'fail') ? 'fail' : 'pass'
  return { instrument, performedAt, points, ranges: results, verdict, suggestions, settings, deviceUserGains, userGainWrites: [] }
}

/** The correction a capture applies: every range with a fit. */
export function correctionFromResult(calibrationId: string, result: Pick<CalibrationResult, 'instrument' | 'ranges' | 'deviceUserGains'>): CalibrationCorrection {
  return {
    calibrationId,
    family: result.instrument.family,
    serial: result.instrument.serial,
    ranges: result.ranges
      .filter((r) => r.fit !== 'none')
      .map((r) => ({ rangeIndex: r.rangeIndex, gain: r.gain, offsetA: r.offsetA, userGain: result.deviceUserGains?.[r.rangeIndex] ?? null }))
  }
}
