import type { TraceReader } from './trace-reader'
import { AnalysisError, windowFromSeconds, type DroppedRun, type InferenceWindow } from './segments'
import { segmentByThreshold, type ThresholdOptions } from './segment-threshold'
import { segmentByGpio, type GpioOptions } from './segment-gpio'
import { segmentManual, type LabelledWindowInput } from './segment-manual'
import { segmentByDutTimestamps, type DutTimestampOptions } from './segment-dut-timestamps'
import {
  measureBaseline,
  measureDutWindows,
  measureInferences,
  summarizeInferences,
  type Baseline,
  type DutWindowMetrics,
  type InferenceMetrics,
  type MetricsSummary
} from './metrics'
import { applyMlperfRule, MLPERF_TINY_RULE, type MlperfRuleResult } from './mlperf-rule'
import { summarize, type Summary } from './statistics'
import { alignStageLog, type AlignOptions } from '../dut/stage-logs/align'
import type { StageLogParse } from '../dut/stage-logs/parse'

/**
 * One call from a recording to results: cut it by the chosen method, measure every inference and
 * stage, take the idle baseline, discard the warm-up, summarize, and apply the MLPerf Tiny rule when
 * asked. What hosts (API, CLI, the run orchestrator) call; everything it returns is plain data in SI.
 */

export type SegmentMethod =
  | ({ kind: 'threshold' } & ThresholdOptions)
  | ({ kind: 'gpio' } & GpioOptions)
  | { kind: 'manual'; windows: LabelledWindowInput[] }
  | ({ kind: 'dut-timestamps' } & DutTimestampOptions)

export interface AnalysisPlan {
  method: SegmentMethod
  /** An idle window (seconds from sample 0) for the baseline; manual plans may label one "idle" instead. */
  idle?: { startS: number; endS: number }
  /** Inferences to leave out at the start. Default 0. */
  warmup?: number
  supplyV?: number | null
  confidence?: number
  /** Stage durations from a UART log, pinned to the segmented inferences (see dut/stage-logs/align.ts). */
  stageLog?: { log: StageLogParse; align?: AlignOptions }
  /** Score the MLPerf Tiny way (median of 5 windows ≥ 10 s); for dut-timestamps plans. */
  mlperfRule?: boolean
}

export interface AnalysisResult {
  method: SegmentMethod['kind']
  samplePeriodS: number
  baseline: Baseline | null
  inferences: InferenceMetrics[]
  dropped: DroppedRun[]
  summary: MetricsSummary | null
  /** dut-timestamps plans: one entry per infer window, and per-inference statistics across windows. */
  dutWindows: DutWindowMetrics[] | null
  dutSummary: { energyPerInferenceJ: Summary; latencyPerInferenceS: Summary } | null
  mlperf: MlperfRuleResult | null
  stageAlignment: { runs: Array<{ run: number; anchorMismatchS: number; clipped: boolean }>; unpairedRuns: number[]; unpairedWindows: number } | null
}

export function analyzeRecording(trace: TraceReader, plan: AnalysisPlan): AnalysisResult {
  const opts = { supplyV: plan.supplyV }
  let baseline: Baseline | null = null
  if (plan.idle) baseline = measureBaseline(trace, windowFromSeconds(trace.samplePeriodS, trace.sampleCount, plan.idle.startS, plan.idle.endS), opts)

  const empty = { samplePeriodS: trace.samplePeriodS, method: plan.method.kind, dutWindows: null, dutSummary: null, mlperf: null, stageAlignment: null }
  if (plan.method.kind === 'dut-timestamps') {
    const windows = segmentByDutTimestamps(trace, plan.method)
    const dutWindows = measureDutWindows(trace, windows, { ...opts, baseline })
    return {
      ...empty,
      baseline,
      inferences: [],
      dropped: [],
      summary: null,
      dutWindows,
      dutSummary: {
        energyPerInferenceJ: summarize(dutWindows.map((w) => w.energyPerInferenceJ), { confidence: plan.confidence }),
        latencyPerInferenceS: summarize(dutWindows.map((w) => w.latencyPerInferenceS), { confidence: plan.confidence })
      },
      mlperf: plan.mlperfRule ? applyMlperfRule(dutWindows.map((w) => ({ durationS: w.latencyS, inferenceCount: w.inferenceCount, energyJ: w.energyJ })), MLPERF_TINY_RULE) : null
    }
  }
  if (plan.mlperfRule) throw new AnalysisError('The MLPerf Tiny rule scores infer windows between DUT timestamps: use the dut-timestamps method with it.')

  let inferences: InferenceWindow[]
  let dropped: DroppedRun[] = []
  if (plan.method.kind === 'manual') {
    const m = segmentManual(trace, plan.method.windows)
    inferences = m.inferences
    if (!baseline && m.idle.length > 0) baseline = measureBaseline(trace, m.idle[0], opts)
    if (m.orphans.length > 0) {
      throw new AnalysisError(`Manual stage window${m.orphans.length > 1 ? 's' : ''} ${m.orphans.map((o) => `"${o.stage}"`).join(', ')} lie outside every inference window: widen the inference or fix the stage times.`)
    }
  } else {
    const seg = plan.method.kind === 'threshold' ? segmentByThreshold(trace, plan.method) : segmentByGpio(trace, plan.method)
    inferences = seg.inferences
    dropped = seg.dropped
  }

  let stageAlignment: AnalysisResult['stageAlignment'] = null
  if (plan.stageLog) {
    const a = alignStageLog(trace, inferences, plan.stageLog.log, plan.stageLog.align)
    inferences = a.inferences
    stageAlignment = { runs: a.runs.map((r) => ({ run: r.run, anchorMismatchS: r.anchorMismatchS, clipped: r.clipped })), unpairedRuns: a.unpairedRuns, unpairedWindows: a.unpairedWindows }
  }
  const metrics = measureInferences(trace, inferences, { ...opts, baseline })
  return {
    ...empty,
    baseline,
    inferences: metrics,
    dropped,
    summary: summarizeInferences(metrics, { warmup: plan.warmup, confidence: plan.confidence, baseline }),
    stageAlignment
  }
}
