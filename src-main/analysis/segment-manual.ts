import type { TraceReader } from './trace-reader'
import {
  AnalysisError,
  nestStages,
  windowFromSeconds,
  type InferenceWindow,
  type StageWindow,
  type TraceWindow
} from './segments'

/** A window typed by hand (or imported), in seconds from sample 0. */
export interface LabelledWindowInput {
  label: string
  startS: number
  endS: number
  /**
   * inference: an end-to-end inference; stage: a part of one (nested into the inference it overlaps);
   * idle: a baseline window. Default: "idle" when the label says so, otherwise stage.
   */
  kind?: 'inference' | 'stage' | 'idle'
}

export interface ManualSegmentation {
  inferences: InferenceWindow[]
  idle: Array<TraceWindow & { label: string }>
  /** Stage windows outside every inference window. */
  orphans: StageWindow[]
}

/**
 * Manual labelled windows, the μNPU study's way ("NPU & mem configured", "Inference", "NPU de-init",
 * "Idle" typed in as timestamps). With no explicit inference windows, the stage windows together make
 * one inference spanning the first stage's start to the last stage's end.
 */
export function segmentManual(trace: TraceReader, windows: readonly LabelledWindowInput[]): ManualSegmentation {
  const dt = trace.samplePeriodS
  const kindOf = (w: LabelledWindowInput) => w.kind ?? (/^\s*idle\b/i.test(w.label) ? 'idle' : 'stage')
  const toWindow = (w: LabelledWindowInput) => {
    if (!w.label || !w.label.trim()) throw new AnalysisError(`Every manual window needs a label; the one at ${w.startS} s has none.`)
    const win = windowFromSeconds(dt, trace.sampleCount, w.startS, w.endS)
    if (win.endIndex <= win.startIndex) {
      throw new AnalysisError(
        `Manual window "${w.label}" (${w.startS} s to ${w.endS} s) lies outside the recording (0 s to ${trace.sampleCount * dt} s) or is shorter than one sample.`
      )
    }
    return win
  }
  const idle = windows.filter((w) => kindOf(w) === 'idle').map((w) => ({ ...toWindow(w), label: w.label }))
  const stages: StageWindow[] = windows
    .filter((w) => kindOf(w) === 'stage')
    .map((w) => ({ ...toWindow(w), stage: w.label, placement: 'measured' as const }))
  let inferences: InferenceWindow[] = windows
    .filter((w) => kindOf(w) === 'inference')
    .map((w) => toWindow(w))
    .sort((a, b) => a.startIndex - b.startIndex)
    .map((w, index) => ({ ...w, index, source: 'manual' as const, stages: [] }))
  if (inferences.length === 0 && stages.length > 0) {
    const s = Math.min(...stages.map((w) => w.startIndex))
    const e = Math.max(...stages.map((w) => w.endIndex))
    inferences = [{ startIndex: s, endIndex: e, startS: s * dt, endS: e * dt, index: 0, source: 'manual', stages: [] }]
  }
  const nested = nestStages(inferences, stages)
  return { inferences: nested.inferences, idle, orphans: nested.orphans }
}
