import type { TraceReader } from './trace-reader'
import type { InferenceWindow, StageWindow, TraceWindow } from './segments'
import { AnalysisError } from './segments'
import { measureWindow, type IntegrateOptions, type WindowMeasure } from './integrate'
import { summarize, type Summary } from './statistics'
import type { DutTimestampWindow } from './segment-dut-timestamps'

/** The DUT's idle draw, from a window labelled idle: subtracted from inferences to give net energy. */
export interface Baseline {
  window: TraceWindow
  currentA: number
  powerW: number
}

export interface MetricsOptions extends IntegrateOptions {
  baseline?: Baseline | null
}

export interface WindowMetrics {
  window: TraceWindow
  latencyS: number
  chargeC: number
  energyJ: number
  /** Energy above the idle baseline over the same samples; null without a baseline. */
  netEnergyJ: number | null
  netChargeC: number | null
  averageCurrentA: number
  averagePowerW: number
  peakCurrentA: number
  peakPowerW: number
  /** Gap slots inside the window (never counted as samples). */
  missingSamples: number
}

export interface StageMetrics extends WindowMetrics {
  stage: string
  placement: StageWindow['placement']
}

export interface InferenceMetrics extends WindowMetrics {
  index: number
  stages: StageMetrics[]
}

export function measureBaseline(trace: TraceReader, window: TraceWindow, options: IntegrateOptions = {}): Baseline {
  const m = measureWindow(trace, window, options)
  if (m.sampleCount === 0) {
    throw new AnalysisError(`The idle window ${window.startS} s to ${window.endS} s holds no samples (it lies in a gap or outside the recording); choose another.`)
  }
  return { window, currentA: m.averageCurrentA, powerW: m.averagePowerW }
}

function fromMeasure(window: TraceWindow, m: WindowMeasure, dt: number, baseline?: Baseline | null): WindowMetrics {
  const coveredS = m.sampleCount * dt
  return {
    window: { startIndex: window.startIndex, endIndex: window.endIndex, startS: window.startS, endS: window.endS },
    latencyS: m.durationS,
    chargeC: m.chargeC,
    energyJ: m.energyJ,
    netEnergyJ: baseline ? m.energyJ - baseline.powerW * coveredS : null,
    netChargeC: baseline ? m.chargeC - baseline.currentA * coveredS : null,
    averageCurrentA: m.averageCurrentA,
    averagePowerW: m.averagePowerW,
    peakCurrentA: m.peakCurrentA,
    peakPowerW: m.peakPowerW,
    missingSamples: m.missingCount
  }
}

/** Latency, charge, energy, average and peak power of each inference and of each of its stages. */
export function measureInferences(trace: TraceReader, inferences: readonly InferenceWindow[], options: MetricsOptions = {}): InferenceMetrics[] {
  const dt = trace.samplePeriodS
  return inferences.map((inf) => ({
    index: inf.index,
    ...fromMeasure(inf, measureWindow(trace, inf, options), dt, options.baseline),
    stages: inf.stages.map((st) => ({
      stage: st.stage,
      placement: st.placement,
      ...fromMeasure(st, measureWindow(trace, st, options), dt, options.baseline)
    }))
  }))
}

export interface FigureSummaries {
  count: number
  latencyS: Summary
  chargeC: Summary
  energyJ: Summary
  netEnergyJ: Summary | null
  averagePowerW: Summary
  peakPowerW: Summary
}

export interface MetricsSummary extends FigureSummaries {
  /** Inferences left out at the start (warm-up). */
  discardedWarmup: number
  baseline: { currentA: number; powerW: number } | null
  stages: Array<FigureSummaries & { stage: string }>
}

function summarizeFigures(rows: readonly WindowMetrics[], confidence?: number): FigureSummaries {
  const s = (f: (r: WindowMetrics) => number) => summarize(rows.map(f), { confidence })
  const hasNet = rows.length > 0 && rows.every((r) => r.netEnergyJ !== null)
  return {
    count: rows.length,
    latencyS: s((r) => r.latencyS),
    chargeC: s((r) => r.chargeC),
    energyJ: s((r) => r.energyJ),
    netEnergyJ: hasNet ? s((r) => r.netEnergyJ as number) : null,
    averagePowerW: s((r) => r.averagePowerW),
    peakPowerW: s((r) => r.peakPowerW)
  }
}

/**
 * Statistics over inferences after discarding the first `warmup` (seed B drops one and averages the
 * next 50), per inference and per stage name (stages in first-seen order).
 */
export function summarizeInferences(
  metrics: readonly InferenceMetrics[],
  options: { warmup?: number; confidence?: number; baseline?: Baseline | null } = {}
): MetricsSummary {
  const warmup = options.warmup ?? 0
  if (!Number.isInteger(warmup) || warmup < 0) throw new AnalysisError(`The warm-up discard must be a whole number ≥ 0, got ${warmup}.`)
  const kept = metrics.slice(warmup)
  const names: string[] = []
  for (const m of kept) for (const st of m.stages) if (!names.includes(st.stage)) names.push(st.stage)
  return {
    ...summarizeFigures(kept, options.confidence),
    discardedWarmup: Math.min(warmup, metrics.length),
    baseline: options.baseline ? { currentA: options.baseline.currentA, powerW: options.baseline.powerW } : null,
    stages: names.map((stage) => ({
      stage,
      ...summarizeFigures(
        kept.flatMap((m) => m.stages.filter((st) => st.stage === stage)),
        options.confidence
      )
    }))
  }
}

/** One `infer N W` window of MLPerf Tiny energy mode, and its figures per inference. */
export interface DutWindowMetrics extends WindowMetrics {
  inferenceCount: number
  energyPerInferenceJ: number
  netEnergyPerInferenceJ: number | null
  latencyPerInferenceS: number
}

export function measureDutWindows(trace: TraceReader, windows: readonly DutTimestampWindow[], options: MetricsOptions = {}): DutWindowMetrics[] {
  return windows.map((w) => {
    const m = fromMeasure(w, measureWindow(trace, w, options), trace.samplePeriodS, options.baseline)
    return {
      ...m,
      inferenceCount: w.inferenceCount,
      energyPerInferenceJ: m.energyJ / w.inferenceCount,
      netEnergyPerInferenceJ: m.netEnergyJ === null ? null : m.netEnergyJ / w.inferenceCount,
      latencyPerInferenceS: m.latencyS / w.inferenceCount
    }
  })
}
