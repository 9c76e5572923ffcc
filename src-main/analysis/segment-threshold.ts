import type { TraceReader } from './trace-reader'
import { AnalysisError, windowFromIndices, type DroppedRun, type InferenceWindow, type Segmentation } from './segments'
import { DEFAULT_CHUNK_SAMPLES, forEachChunk, voltageSource } from './trace-scan'

export interface ThresholdOptions {
  /** Compare current (A) or power (W) against the threshold. Default current. */
  quantity?: 'current' | 'power'
  /** An inference starts at the first sample strictly above this (A or W, per quantity). */
  threshold: number
  /**
   * It ends at the first sample at or below threshold − hysteresis, so noise riding on the threshold
   * does not split one inference into many. Default 0.
   */
  hysteresis?: number
  /** Runs shorter than this are dropped (seed B's filter against wake-up spikes). Default 0. */
  minDurationS?: number
  /** Supply voltage for power where the recording has no measured voltage. */
  supplyV?: number | null
  /** Look only at slots [startIndex, endIndex). */
  range?: { startIndex: number; endIndex: number }
  chunkSamples?: number
}

/**
 * Inferences as runs above a current or power threshold, with hysteresis and a minimum duration:
 * the convolution study's method (10 mA at 84 MHz, lower at lower clocks).
 *
 * A run whose start the recording did not see (it was already above at the first sample, or it rose
 * inside a gap) or that a gap interrupts is reported as dropped, never measured as if complete.
 */
export function segmentByThreshold(trace: TraceReader, options: ThresholdOptions): Segmentation {
  const upper = options.threshold
  const lower = upper - (options.hysteresis ?? 0)
  if (!Number.isFinite(upper)) throw new AnalysisError(`The threshold must be a number, got ${upper}.`)
  if (!(lower <= upper)) throw new AnalysisError(`The hysteresis must be ≥ 0, got ${options.hysteresis}.`)
  const dt = trace.samplePeriodS
  const minSamples = (options.minDurationS ?? 0) / dt
  const power = options.quantity === 'power'
  const volts = power ? voltageSource(trace, options.supplyV) : null
  const from = options.range?.startIndex ?? 0
  const to = options.range?.endIndex ?? trace.sampleCount

  const inferences: InferenceWindow[] = []
  const dropped: DroppedRun[] = []
  let active = false
  let runStart = -1
  let taint: DroppedRun['reason'] | null = null
  let seenValid = false
  let gapSinceValid = false

  const finish = (end: number) => {
    if (taint) dropped.push({ startIndex: runStart, endIndex: end, reason: taint })
    else if (end - runStart < minSamples - 1e-9) dropped.push({ startIndex: runStart, endIndex: end, reason: 'too-short' })
    else inferences.push({ ...windowFromIndices(dt, runStart, end), index: inferences.length, source: 'threshold', stages: [] })
  }

  forEachChunk(
    trace,
    from,
    to,
    (s, offset) => {
      const cur = s.currentA
      for (let k = 0; k < cur.length; k++) {
        const i = cur[k]
        if (!Number.isFinite(i)) {
          gapSinceValid = true
          if (active && !taint) taint = 'gap'
          continue
        }
        const v = volts ? i * volts.at(s, k) : i
        if (!active) {
          if (v > upper) {
            active = true
            runStart = offset + k
            taint = !seenValid ? 'unterminated' : gapSinceValid ? 'gap' : null
          }
        } else if (v <= lower) {
          finish(offset + k)
          active = false
        }
        seenValid = true
        gapSinceValid = false
      }
    },
    options.chunkSamples ?? DEFAULT_CHUNK_SAMPLES
  )
  if (active) dropped.push({ startIndex: runStart, endIndex: Math.min(to, trace.sampleCount), reason: 'unterminated' })
  return { inferences, dropped }
}
