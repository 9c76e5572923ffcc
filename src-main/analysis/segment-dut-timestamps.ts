import type { TraceReader } from './trace-reader'
import { AnalysisError, windowFromIndices, type TraceWindow } from './segments'
import { findEdges } from './segment-gpio'

/**
 * Where the DUT's timestamps are in the recording: edges on a digital line (PPK2 logic port, JS220
 * GPI0), or marks the analyzer itself placed (the LPM01A reports D7 falling edges as events).
 */
export type TimestampSource =
  | { kind: 'line'; line: number; edge?: 'falling' | 'rising'; glitchFilterS?: number }
  | { kind: 'marks'; label?: string | RegExp }

/** The stretch between two timestamps of one `infer N W` command: N inferences back to back. */
export interface DutTimestampWindow extends TraceWindow {
  inferenceCount: number
}

export interface DutTimestampOptions {
  source: TimestampSource
  /** N of the `infer N W` command that produced the window. */
  inferenceCount: number
  /**
   * How many infer windows to take, counting pairs of timestamps back from the last one. The
   * MLCommons runner takes the last two timestamps of a trial (the pin may glitch at start-up, and
   * the firmware pulses once at boot): that is windows = 1, the default.
   */
  windows?: number
}

export function timestampIndices(trace: TraceReader, source: TimestampSource): number[] {
  if (source.kind === 'marks') {
    const label = source.label
    return trace
      .marks()
      .filter((m) => label === undefined || (typeof label === 'string' ? m.label === label : label.test(m.label)))
      .map((m) => m.index)
      .sort((a, b) => a - b)
  }
  const falling = (source.edge ?? 'falling') === 'falling'
  return findEdges(trace, { line: source.line, glitchFilterS: source.glitchFilterS })
    .filter((e) => e.rising !== falling)
    .map((e) => e.index)
}

/**
 * MLPerf Tiny energy mode: the DUT pulls its timestamp pin low before the first and after the last of
 * N inferences; energy per inference is the energy between the two edges divided by N.
 */
export function segmentByDutTimestamps(trace: TraceReader, options: DutTimestampOptions): DutTimestampWindow[] {
  const n = options.inferenceCount
  if (!Number.isInteger(n) || n < 1) throw new AnalysisError(`The inference count N must be a whole number ≥ 1, got ${n}.`)
  const want = options.windows ?? 1
  const idx = timestampIndices(trace, options.source)
  const where = options.source.kind === 'marks' ? 'analyzer event marks' : `D${options.source.line} ${options.source.edge ?? 'falling'} edges`
  if (idx.length < 2 * want) {
    throw new AnalysisError(
      `Found ${idx.length} DUT timestamp${idx.length === 1 ? '' : 's'} (${where}); ${2 * want} are needed for ${want} infer window${want === 1 ? '' : 's'}. Check that the DUT's timestamp pin is wired to the analyzer's input, that the firmware is built for energy mode (its banner says m-timestamp-mode-energy), and that the recording spans the whole infer command.`
    )
  }
  const out: DutTimestampWindow[] = []
  for (let w = want - 1; w >= 0; w--) {
    const end = idx[idx.length - 1 - 2 * w]
    const start = idx[idx.length - 2 - 2 * w]
    out.push({ ...windowFromIndices(trace.samplePeriodS, start, end), inferenceCount: n })
  }
  return out
}
