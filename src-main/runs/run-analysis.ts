import type { Mark } from '../capture/sample-block'
import { analyzeRecording, type AnalysisPlan, type SegmentMethod } from '../analysis/analyze'
import { measureInferences, summarizeInferences, type MetricsSummary, type WindowMetrics } from '../analysis/metrics'
import { AnalysisError, type DroppedRun } from '../analysis/segments'
import { timestampIndices, type TimestampSource } from '../analysis/segment-dut-timestamps'
import { summarize, type Summary } from '../analysis/statistics'
import type { MlperfRuleResult } from '../analysis/mlperf-rule'
import type { TraceReader } from '../analysis/trace-reader'
import type { PlanSegmentation } from './plan'
import { placeRunStages, type RunInference, type RunStageLog } from './run-stages'

/**
 * From a run's recording (or, without an analyzer, the DUT's lap times) to what a run stores: every
 * segment with its figures, and a summary with spread. The cutting and measuring are analyzeRecording's;
 * this adds what only the run knows: where each `infer N W` window lies on the recording, so warm-ups
 * are left out window by window and, in energy mode, each window is scored on its own last two
 * timestamps (the MLCommons runner's rule: the pin may glitch at the start of a window).
 */

/** One `infer N W` command as the orchestrator placed it on the recording's index line. */
export interface InferWindowRange {
  index: number
  startIndex: number
  endIndex: number
  inferences: number
  warmup: number
  /** Latency per inference from the DUT's m-lap-us timestamps (performance mode), else null. */
  dutLatencyPerInferenceS: number | null
}

export interface RunAnalysisRequest {
  segmentation: PlanSegmentation
  supplyV?: number | null
  /** Idle baseline window, seconds from the recording's start. */
  idle?: { startS: number; endS: number } | null
  /** Headline energy above the idle baseline. */
  subtractIdle?: boolean
  confidence?: number
  /** The run's infer windows; without them the whole recording is one stretch. */
  windows?: InferWindowRange[]
  /** Whole-recording analyses: inferences to leave out at the start. */
  warmup?: number
  /** dut-timestamps without windows: N of the infer command, and how many windows to take from the end. */
  inferenceCount?: number
  timestampWindows?: number
  /** Stage durations from the firmware's UART log, placed around each segmented inference. */
  stageLog?: AnalysisPlan['stageLog']
  /** A run's stage log as it arrived window by window (needs `windows`); placed per window, problems become notes. */
  runStageLog?: RunStageLog
}

export type SegmentKind = 'idle' | 'window' | 'inference' | 'stage'

/** One stretch of a run with its figures (SI units); null where a figure does not apply. */
export interface RunSegment {
  kind: SegmentKind
  /** 'idle', 'window', 'inference', or the stage's name (init, memory, inference, post …). */
  label: string
  /** Inference number in the run, 0-based, warm-ups included (inferences and their stages). */
  inference: number | null
  /** Infer window, 0-based, where known. */
  window: number | null
  /**
   * measured: in the statistics; warmup: left out as warm-up; outside: found outside every infer window;
   * excluded: left out because its stages could not be placed while other inferences have theirs.
   */
  role: 'measured' | 'warmup' | 'outside' | 'excluded'
  startIndex: number | null
  endIndex: number | null
  startS: number | null
  endS: number | null
  durationS: number | null
  chargeC: number | null
  energyJ: number | null
  netEnergyJ: number | null
  averageCurrentA: number | null
  averagePowerW: number | null
  peakCurrentA: number | null
  peakPowerW: number | null
  missingSamples: number | null
  /** Windows: inferences inside, and the figures per inference. */
  inferenceCount: number | null
  energyPerInferenceJ: number | null
  latencyPerInferenceS: number | null
  /** Windows: latency per inference from the DUT's own m-lap-us timestamps. */
  dutLatencyPerInferenceS: number | null
}

export interface StageSummary {
  stage: string
  n: number
  latencyS: Summary
  energyJ: Summary
  netEnergyJ: Summary | null
  averagePowerW: Summary
}

export interface RunSummary {
  /** What n counts: measured inferences, or infer windows (DUT timestamps: one figure per window). */
  basis: 'inferences' | 'windows'
  n: number
  warmupDiscarded: number
  /** The headline energy is net of the idle baseline. */
  energySubtractsIdle: boolean
  /** Headline figures per inference: energy (gross or net, see above) and latency. */
  energyPerInferenceJ: Summary | null
  latencyPerInferenceS: Summary | null
  grossEnergyJ: Summary | null
  netEnergyJ: Summary | null
  chargeC: Summary | null
  averagePowerW: Summary | null
  peakPowerW: Summary | null
  dutLatencyPerInferenceS: Summary | null
  baseline: { currentA: number; powerW: number } | null
  mlperf: MlperfRuleResult | null
  stages: StageSummary[]
}

export interface RunAnalysis {
  segments: RunSegment[]
  summary: RunSummary
  dropped: DroppedRun[]
  /** Things the user should know about the cut (counts that differ from the plan, glitches). */
  notes: string[]
}

const NO_FIGURES = {
  chargeC: null,
  energyJ: null,
  netEnergyJ: null,
  averageCurrentA: null,
  averagePowerW: null,
  peakCurrentA: null,
  peakPowerW: null,
  missingSamples: null,
  inferenceCount: null,
  energyPerInferenceJ: null,
  latencyPerInferenceS: null,
  dutLatencyPerInferenceS: null
} as const

function figures(m: WindowMetrics) {
  return {
    startIndex: m.window.startIndex,
    endIndex: m.window.endIndex,
    startS: m.window.startS,
    endS: m.window.endS,
    durationS: m.latencyS,
    chargeC: m.chargeC,
    energyJ: m.energyJ,
    netEnergyJ: m.netEnergyJ,
    averageCurrentA: m.averageCurrentA,
    averagePowerW: m.averagePowerW,
    peakCurrentA: m.peakCurrentA,
    peakPowerW: m.peakPowerW,
    missingSamples: m.missingSamples
  }
}

export function segmentMethod(seg: PlanSegmentation, supplyV?: number | null): SegmentMethod {
  switch (seg.kind) {
    case 'threshold':
      return { kind: 'threshold', quantity: seg.quantity, threshold: seg.level, hysteresis: seg.hysteresis, minDurationS: seg.minDurationS, supplyV }
    case 'gpio':
      return { kind: 'gpio', line: seg.line, mode: seg.mode, activeLevel: seg.activeLevel, edge: seg.edge, glitchFilterS: seg.glitchFilterS, minDurationS: seg.minDurationS }
    case 'windows':
      return { kind: 'manual', windows: seg.windows }
    default:
      throw new AnalysisError(`"${seg.kind}" is not a way to cut inferences out of a trace.`)
  }
}

export function analyzeRun(trace: TraceReader | null, request: RunAnalysisRequest): RunAnalysis {
  const seg = request.segmentation
  if (seg.kind === 'dut-laps') return analyzeLaps(request)
  if (!trace) throw new AnalysisError('This analysis cuts a recording, and the run has none (it ran without an analyzer).')
  if (!(trace.samplePeriodS > 0)) {
    throw new AnalysisError('This recording has uneven time steps (an import kept as it was); cutting it into inferences needs a fixed sample period.')
  }
  if (seg.kind === 'dut-timestamps') return analyzeTimestamps(trace, request, seg)
  return analyzeInferences(trace, request, seg)
}

function idleSegment(baseline: { window: { startIndex: number; endIndex: number; startS: number; endS: number }; currentA: number; powerW: number }, dt: number): RunSegment {
  const durationS = (baseline.window.endIndex - baseline.window.startIndex) * dt
  return {
    ...NO_FIGURES,
    kind: 'idle',
    label: 'idle',
    inference: null,
    window: null,
    role: 'measured',
    ...baseline.window,
    durationS,
    chargeC: baseline.currentA * durationS,
    energyJ: baseline.powerW * durationS,
    averageCurrentA: baseline.currentA,
    averagePowerW: baseline.powerW
  }
}

function windowSegment(w: InferWindowRange, dt: number): RunSegment {
  return {
    ...NO_FIGURES,
    kind: 'window',
    label: 'window',
    inference: null,
    window: w.index,
    role: 'measured',
    startIndex: w.startIndex,
    endIndex: w.endIndex,
    startS: w.startIndex * dt,
    endS: w.endIndex * dt,
    durationS: (w.endIndex - w.startIndex) * dt,
    inferenceCount: w.inferences,
    dutLatencyPerInferenceS: w.dutLatencyPerInferenceS
  }
}

function lapSummary(windows: readonly InferWindowRange[] | undefined, confidence?: number): Summary | null {
  const laps = (windows ?? []).map((w) => w.dutLatencyPerInferenceS).filter((v): v is number => v !== null)
  return laps.length ? summarize(laps, { confidence }) : null
}

function summaryFromMetrics(s: MetricsSummary, request: RunAnalysisRequest, mlperf: MlperfRuleResult | null = null): RunSummary {
  const net = request.subtractIdle === true
  if (net && !s.netEnergyJ) throw new AnalysisError('Subtracting idle needs an idle window: give one (plan idle, or --idle A-B).')
  return {
    basis: 'inferences',
    n: s.count,
    warmupDiscarded: s.discardedWarmup,
    energySubtractsIdle: net,
    energyPerInferenceJ: net ? s.netEnergyJ : s.energyJ,
    latencyPerInferenceS: s.latencyS,
    grossEnergyJ: s.energyJ,
    netEnergyJ: s.netEnergyJ,
    chargeC: s.chargeC,
    averagePowerW: s.averagePowerW,
    peakPowerW: s.peakPowerW,
    dutLatencyPerInferenceS: lapSummary(request.windows, request.confidence),
    baseline: s.baseline,
    mlperf,
    stages: s.stages.map((st) => ({ stage: st.stage, n: st.count, latencyS: st.latencyS, energyJ: st.energyJ, netEnergyJ: st.netEnergyJ, averagePowerW: st.averagePowerW }))
  }
}

function analyzeInferences(trace: TraceReader, request: RunAnalysisRequest, seg: Exclude<PlanSegmentation, { kind: 'dut-timestamps' | 'dut-laps' }>): RunAnalysis {
  const windows = request.windows
  const plan: AnalysisPlan = {
    method: segmentMethod(seg, request.supplyV),
    idle: request.idle ?? undefined,
    supplyV: request.supplyV,
    confidence: request.confidence,
    warmup: windows ? 0 : (request.warmup ?? 0),
    stageLog: request.stageLog
  }
  const r = analyzeRecording(trace, plan)
  const dt = trace.samplePeriodS
  const notes: string[] = []
  let list: RunInference[] = r.inferences.map((metrics) => ({ metrics, window: null, role: 'measured' }))
  if (windows) {
    const perWindow = windows.map(() => [] as RunInference[])
    for (const inf of list) {
      const k = windows.findIndex((w) => inf.metrics.window.startIndex >= w.startIndex && inf.metrics.window.startIndex < w.endIndex)
      inf.window = k < 0 ? null : windows[k].index
      if (k < 0) inf.role = 'outside'
      else perWindow[k].push(inf)
    }
    perWindow.forEach((found, k) => {
      const w = windows[k]
      const expected = w.inferences + w.warmup
      if (found.length !== expected) {
        notes.push(
          `Window ${w.index + 1}: found ${found.length} inferences where infer ${w.inferences} ${w.warmup} ran ${expected}; ` +
            `${found.length < expected ? 'some were not found (raise the sensitivity: lower the threshold or the minimum duration)' : 'some were split (raise the hysteresis or the minimum duration)'}. The first ${w.warmup} found are taken as the warm-ups.`
        )
      }
      found.forEach((inf, j) => (inf.role = j < w.warmup ? 'warmup' : 'measured'))
    })
    const outside = list.filter((i) => i.role === 'outside').length
    if (outside) notes.push(`${outside} inference${outside > 1 ? 's were' : ' was'} found outside every infer window and left out of the statistics.`)
    if (request.runStageLog) {
      const options = { supplyV: request.supplyV, baseline: r.baseline }
      const placed = placeRunStages(trace, list, windows, request.runStageLog, (w) => measureInferences(trace, [w], options)[0])
      list = placed.inferences
      notes.push(...placed.notes)
    }
  } else {
    list.forEach((inf, j) => (inf.role = j < (request.warmup ?? 0) ? 'warmup' : 'measured'))
  }
  const measured = list.filter((i) => i.role === 'measured').map((i) => i.metrics)
  const summary = summaryFromMetrics(
    windows ? { ...summarizeInferences(measured, { confidence: request.confidence, baseline: r.baseline }), discardedWarmup: list.filter((i) => i.role === 'warmup').length } : r.summary!,
    request
  )
  const segments: RunSegment[] = []
  if (r.baseline) segments.push(idleSegment(r.baseline, dt))
  for (const w of windows ?? []) segments.push(windowSegment(w, dt))
  for (const { metrics: inf, window, role } of list) {
    const common = { inference: inf.index, window, role }
    segments.push({ ...NO_FIGURES, kind: 'inference', label: 'inference', ...common, ...figures(inf) })
    for (const st of inf.stages) segments.push({ ...NO_FIGURES, kind: 'stage', label: st.stage, ...common, ...figures(st) })
  }
  if (r.inferences.length === 0) notes.push(`No inferences were found with ${describeSegmentation(seg)}. Look at the trace and adjust the segmentation.`)
  return { segments, summary, dropped: r.dropped, notes }
}

/** The timestamps a window is scored on: its last two (what the MLCommons runner takes per trial). */
function selectWindowTimestamps(trace: TraceReader, source: TimestampSource, windows: readonly InferWindowRange[], notes: string[]): Mark[] {
  const all = timestampIndices(trace, source)
  const out: Mark[] = []
  for (const w of windows) {
    const inside = all.filter((i) => i >= w.startIndex && i < w.endIndex)
    if (inside.length < 2) {
      throw new AnalysisError(
        `Window ${w.index + 1} (infer ${w.inferences} ${w.warmup}, ${(w.startIndex * trace.samplePeriodS).toFixed(3)}–${(w.endIndex * trace.samplePeriodS).toFixed(3)} s of the recording) holds ${inside.length} DUT timestamp${inside.length === 1 ? '' : 's'}; 2 are needed. ` +
          `Check that the DUT's timestamp pin reaches the analyzer's input (LPM01A: D7), and that the firmware is built for energy mode (its banner says m-timestamp-mode-energy).`
      )
    }
    if (inside.length > 2) notes.push(`Window ${w.index + 1}: ${inside.length} timestamps; the last two were used (the pin may glitch at the start).`)
    out.push({ index: inside[inside.length - 2], label: 'timestamp' }, { index: inside[inside.length - 1], label: 'timestamp' })
  }
  return out
}

function analyzeTimestamps(trace: TraceReader, request: RunAnalysisRequest, seg: Extract<PlanSegmentation, { kind: 'dut-timestamps' }>): RunAnalysis {
  const notes: string[] = []
  const windows = request.windows
  let analyzed: TraceReader = trace
  let method: SegmentMethod
  if (windows && windows.length > 0) {
    const selected = selectWindowTimestamps(trace, seg.source, windows, notes)
    const n = windows[0].inferences
    if (windows.some((w) => w.inferences !== n)) throw new AnalysisError('All infer windows of one run must have the same N.')
    analyzed = {
      samplePeriodS: trace.samplePeriodS,
      sampleCount: trace.sampleCount,
      supplyV: trace.supplyV,
      read: (a, b) => trace.read(a, b),
      gaps: () => trace.gaps(),
      marks: () => selected
    }
    method = { kind: 'dut-timestamps', source: { kind: 'marks' }, inferenceCount: n, windows: windows.length }
  } else {
    if (request.inferenceCount === undefined) throw new AnalysisError('Cutting at DUT timestamps needs N, the inference count of the infer command (n=N).')
    method = { kind: 'dut-timestamps', source: seg.source, inferenceCount: request.inferenceCount, windows: request.timestampWindows ?? 1 }
  }
  const r = analyzeRecording(analyzed, { method, idle: request.idle ?? undefined, supplyV: request.supplyV, confidence: request.confidence, mlperfRule: seg.mlperfRule })
  const dw = r.dutWindows!
  const net = request.subtractIdle === true
  if (net && !r.baseline) throw new AnalysisError('Subtracting idle needs an idle window: give one (plan idle, or --idle A-B).')
  const s = (values: number[]) => summarize(values, { confidence: request.confidence })
  const dt = trace.samplePeriodS
  const segments: RunSegment[] = []
  if (r.baseline) segments.push(idleSegment(r.baseline, dt))
  dw.forEach((w, k) => {
    segments.push({
      ...NO_FIGURES,
      kind: 'window',
      label: 'window',
      inference: null,
      window: windows ? windows[k].index : k,
      role: 'measured',
      ...figures(w),
      inferenceCount: w.inferenceCount,
      energyPerInferenceJ: net ? w.netEnergyPerInferenceJ : w.energyPerInferenceJ,
      latencyPerInferenceS: w.latencyPerInferenceS
    })
  })
  const netPer = dw.map((w) => w.netEnergyPerInferenceJ)
  const summary: RunSummary = {
    basis: 'windows',
    n: dw.length,
    warmupDiscarded: windows ? windows.reduce((a, w) => a + w.warmup, 0) : 0,
    energySubtractsIdle: net,
    energyPerInferenceJ: s(dw.map((w) => (net ? w.netEnergyPerInferenceJ! : w.energyPerInferenceJ))),
    latencyPerInferenceS: s(dw.map((w) => w.latencyPerInferenceS)),
    grossEnergyJ: s(dw.map((w) => w.energyPerInferenceJ)),
    netEnergyJ: netPer.every((v) => v !== null) && r.baseline ? s(netPer as number[]) : null,
    chargeC: s(dw.map((w) => w.chargeC / w.inferenceCount)),
    averagePowerW: s(dw.map((w) => w.averagePowerW)),
    peakPowerW: s(dw.map((w) => w.peakPowerW)),
    dutLatencyPerInferenceS: lapSummary(windows, request.confidence),
    baseline: r.baseline ? { currentA: r.baseline.currentA, powerW: r.baseline.powerW } : null,
    mlperf: r.mlperf,
    stages: []
  }
  return { segments, summary, dropped: [], notes }
}

function analyzeLaps(request: RunAnalysisRequest): RunAnalysis {
  const windows = request.windows ?? []
  const laps = windows.filter((w) => w.dutLatencyPerInferenceS !== null)
  if (laps.length < windows.length) {
    throw new AnalysisError(
      `${windows.length - laps.length} of ${windows.length} infer windows came back without two m-lap-us timestamps: the DUT is built for energy mode (timestamps are GPIO pulses), so latency needs an analyzer. Use a performance-mode build, or add an analyzer and dut-timestamps.`
    )
  }
  const latency = lapSummary(windows, request.confidence)
  const segments: RunSegment[] = windows.map((w) => ({
    ...NO_FIGURES,
    kind: 'window' as const,
    label: 'window',
    inference: null,
    window: w.index,
    role: 'measured' as const,
    startIndex: null,
    endIndex: null,
    startS: null,
    endS: null,
    durationS: w.dutLatencyPerInferenceS! * w.inferences,
    inferenceCount: w.inferences,
    latencyPerInferenceS: w.dutLatencyPerInferenceS,
    dutLatencyPerInferenceS: w.dutLatencyPerInferenceS
  }))
  const summary: RunSummary = {
    basis: 'windows',
    n: laps.length,
    warmupDiscarded: windows.reduce((a, w) => a + w.warmup, 0),
    energySubtractsIdle: false,
    energyPerInferenceJ: null,
    latencyPerInferenceS: latency,
    grossEnergyJ: null,
    netEnergyJ: null,
    chargeC: null,
    averagePowerW: null,
    peakPowerW: null,
    dutLatencyPerInferenceS: latency,
    baseline: null,
    mlperf: null,
    stages: []
  }
  return { segments, summary, dropped: [], notes: [] }
}

export function describeSegmentation(seg: PlanSegmentation): string {
  switch (seg.kind) {
    case 'threshold':
      return `a ${seg.quantity} threshold of ${seg.level} ${seg.quantity === 'current' ? 'A' : 'W'}${seg.hysteresis ? ` (hysteresis ${seg.hysteresis})` : ''}${seg.minDurationS ? `, at least ${seg.minDurationS} s` : ''}`
    case 'gpio':
      return `D${seg.line} ${seg.mode === 'pulses' ? `${seg.activeLevel} pulses` : `${seg.edge} edges`}`
    case 'windows':
      return `${seg.windows.length} manual window${seg.windows.length > 1 ? 's' : ''}`
    case 'dut-timestamps':
      return `DUT timestamps (${seg.source.kind === 'marks' ? 'analyzer event marks' : `D${seg.source.line} ${seg.source.edge} edges`})${seg.mlperfRule ? ', MLPerf Tiny rule' : ''}`
    case 'dut-laps':
      return 'the DUT’s m-lap-us timestamps'
  }
}
