/**
 * What segmentation produces: windows of a recording in sample slots, with their times.
 *
 * A window covers slots [startIndex, endIndex): sample i stands for the interval
 * [i·dt, (i+1)·dt) measured from sample 0, so startS = startIndex·dt and endS = endIndex·dt, and
 * latency is simply (endIndex − startIndex)·dt. Indices are the truth; seconds are for people.
 */

export interface TraceWindow {
  startIndex: number
  /** Exclusive. */
  endIndex: number
  startS: number
  endS: number
}

/** A stage of one inference (init, memory I/O, inference, post-processing …). */
export interface StageWindow extends TraceWindow {
  stage: string
  /**
   * How the stage boundaries were found: from the trace itself, or placed from a logged duration
   * next to an anchored stage (see dut/stage-logs/align.ts), or from a nominal gap (a guess).
   */
  placement?: 'measured' | 'anchored' | 'adjacent' | 'estimated'
}

export type SegmentSource = 'threshold' | 'gpio-pulses' | 'gpio-edges' | 'manual' | 'dut-timestamps' | 'stage-log'

/** One inference, end to end, with its stages nested inside (empty when the method finds none). */
export interface InferenceWindow extends TraceWindow {
  /** 0-based order in the recording. */
  index: number
  source: SegmentSource
  stages: StageWindow[]
}

/** A run the segmenter saw but did not turn into an inference, so the user can see why. */
export interface DroppedRun {
  startIndex: number
  endIndex: number
  reason: 'too-short' | 'gap' | 'unterminated'
}

export interface Segmentation {
  inferences: InferenceWindow[]
  dropped: DroppedRun[]
}

/** A problem with the analysis request or the recording that the user can act on. */
export class AnalysisError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'AnalysisError'
  }
}

export function windowFromIndices(samplePeriodS: number, startIndex: number, endIndex: number): TraceWindow {
  return { startIndex, endIndex, startS: startIndex * samplePeriodS, endS: endIndex * samplePeriodS }
}

/**
 * The slots covering [startS, endS): boundaries rounded to the nearest slot edge, clamped to the
 * recording, so a window typed by hand lands within half a sample of what was typed.
 */
export function windowFromSeconds(samplePeriodS: number, sampleCount: number, startS: number, endS: number): TraceWindow {
  if (!Number.isFinite(startS) || !Number.isFinite(endS) || endS <= startS) {
    throw new AnalysisError(`A window needs a start before its end, in seconds; got ${startS} s to ${endS} s.`)
  }
  const clamp = (i: number) => Math.min(sampleCount, Math.max(0, i))
  const startIndex = clamp(Math.round(startS / samplePeriodS))
  const endIndex = clamp(Math.round(endS / samplePeriodS))
  return windowFromIndices(samplePeriodS, startIndex, endIndex)
}

/** Samples the window spans (gap slots included). */
export function windowLength(w: TraceWindow): number {
  return w.endIndex - w.startIndex
}

/**
 * Put stage windows inside the inferences that contain them. A stage belongs to the inference it
 * overlaps most; stages that overlap none are returned separately rather than silently dropped.
 */
export function nestStages(
  inferences: readonly InferenceWindow[],
  stages: readonly StageWindow[]
): { inferences: InferenceWindow[]; orphans: StageWindow[] } {
  const out = inferences.map((inf) => ({ ...inf, stages: [...inf.stages] }))
  const orphans: StageWindow[] = []
  let first = 0
  const sorted = [...stages].sort((a, b) => a.startIndex - b.startIndex)
  for (const st of sorted) {
    while (first < out.length && out[first].endIndex <= st.startIndex) first++
    let best = -1
    let bestOverlap = 0
    for (let k = first; k < out.length && out[k].startIndex < st.endIndex; k++) {
      const overlap = Math.min(out[k].endIndex, st.endIndex) - Math.max(out[k].startIndex, st.startIndex)
      if (overlap > bestOverlap) {
        bestOverlap = overlap
        best = k
      }
    }
    if (best < 0) orphans.push(st)
    else out[best].stages.push(st)
  }
  for (const inf of out) inf.stages.sort((a, b) => a.startIndex - b.startIndex)
  return { inferences: out, orphans }
}
