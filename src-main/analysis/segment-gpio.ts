import type { TraceReader } from './trace-reader'
import { AnalysisError, windowFromIndices, type DroppedRun, type InferenceWindow, type Segmentation } from './segments'
import { DEFAULT_CHUNK_SAMPLES, forEachChunk } from './trace-scan'

/** A confirmed level change of one digital line, at the first sample of the new level. */
export interface Edge {
  index: number
  timeS: number
  rising: boolean
  /** The change happened somewhere inside a gap: its true time is unknown within the gap. */
  afterGap: boolean
}

export interface EdgeOptions {
  /** Digital line number: 0 = D0 … 7 = D7. */
  line: number
  /**
   * A new level must hold this long to count (a glitch filter; EEMBC's runner uses 50 µs for its
   * timestamp pin). The edge is still placed at the first sample of the new level. Default 0.
   */
  glitchFilterS?: number
  range?: { startIndex: number; endIndex: number }
  chunkSamples?: number
}

export function findEdges(trace: TraceReader, options: EdgeOptions): Edge[] {
  const { line } = options
  if (!Number.isInteger(line) || line < 0 || line > 7) throw new AnalysisError(`A digital line is 0 to 7 (D0–D7), got ${line}.`)
  const dt = trace.samplePeriodS
  const holdSamples = Math.max(1, Math.ceil((options.glitchFilterS ?? 0) / dt - 1e-9))
  const bit = 1 << line
  const edges: Edge[] = []
  let level = -1
  let candidate = -1
  let candidateAfterGap = false
  let confirming = 0
  let gapSinceValid = false
  forEachChunk(
    trace,
    options.range?.startIndex ?? 0,
    options.range?.endIndex ?? trace.sampleCount,
    (s, offset) => {
      if (!s.digital) {
        if (s.currentA.length === 0) return
        throw new AnalysisError(
          `This recording has no digital lines, so it cannot be cut at D${line} edges. Record with the analyzer's logic inputs connected (PPK2 logic port, Joulescope GPI), or segment by threshold or manual windows instead.`
        )
      }
      const cur = s.currentA
      const dig = s.digital
      for (let k = 0; k < dig.length; k++) {
        if (!Number.isFinite(cur[k])) {
          gapSinceValid = true
          continue
        }
        const b = dig[k] & bit ? 1 : 0
        if (level < 0) level = b
        else if (b === level) candidate = -1
        else {
          if (candidate < 0) {
            candidate = offset + k
            candidateAfterGap = gapSinceValid
            confirming = 0
          }
          confirming++
          if (confirming >= holdSamples) {
            edges.push({ index: candidate, timeS: candidate * dt, rising: b === 1, afterGap: candidateAfterGap })
            level = b
            candidate = -1
          }
        }
        gapSinceValid = false
      }
    },
    options.chunkSamples ?? DEFAULT_CHUNK_SAMPLES
  )
  return edges
}

export interface GpioOptions extends EdgeOptions {
  /**
   * pulses: the line is active for the length of each inference (a pair of edges per inference).
   * edges: one edge marks the boundary between consecutive inferences.
   */
  mode: 'pulses' | 'edges'
  /** pulses: the level that means "inference running". Default high. */
  activeLevel?: 'high' | 'low'
  /** edges: which edge marks a boundary. Default rising. */
  edge?: 'rising' | 'falling'
  minDurationS?: number
}

/** Inferences from GPIO edges on one digital line; windows that contain a gap are dropped, not measured short. */
export function segmentByGpio(trace: TraceReader, options: GpioOptions): Segmentation {
  const dt = trace.samplePeriodS
  const edges = findEdges(trace, options)
  const gaps = trace.gaps()
  const minSamples = (options.minDurationS ?? 0) / dt
  const source = options.mode === 'pulses' ? 'gpio-pulses' : 'gpio-edges'
  const inferences: InferenceWindow[] = []
  const dropped: DroppedRun[] = []
  const hasGap = (s: number, e: number) => gaps.some((g) => g.startIndex < e && g.startIndex + g.count > s)
  const take = (s: number, e: number, startAfterGap: boolean) => {
    if (startAfterGap || hasGap(s, e)) dropped.push({ startIndex: s, endIndex: e, reason: 'gap' })
    else if (e - s < minSamples - 1e-9) dropped.push({ startIndex: s, endIndex: e, reason: 'too-short' })
    else inferences.push({ ...windowFromIndices(dt, s, e), index: inferences.length, source, stages: [] })
  }
  if (options.mode === 'pulses') {
    const activeHigh = (options.activeLevel ?? 'high') === 'high'
    let start: Edge | null = null
    let sawStart = false
    for (const e of edges) {
      const entering = e.rising === activeHigh
      if (entering) {
        start = e
        sawStart = true
      } else if (start) {
        take(start.index, e.index, start.afterGap || e.afterGap)
        start = null
      } else if (!sawStart) {
        // Active already at the first sample: the inference began before the recording did.
        dropped.push({ startIndex: options.range?.startIndex ?? 0, endIndex: e.index, reason: 'unterminated' })
        sawStart = true
      }
    }
    if (start) dropped.push({ startIndex: start.index, endIndex: options.range?.endIndex ?? trace.sampleCount, reason: 'unterminated' })
  } else {
    const rising = (options.edge ?? 'rising') === 'rising'
    const marks = edges.filter((e) => e.rising === rising)
    for (let k = 0; k + 1 < marks.length; k++) take(marks[k].index, marks[k + 1].index, marks[k].afterGap || marks[k + 1].afterGap)
  }
  return { inferences, dropped }
}
