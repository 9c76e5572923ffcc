import type { TraceReader, TraceSamples } from './trace-reader'
import { AnalysisError } from './segments'

/** Samples read per call: ~0.5 MB of current at a time, whatever the recording's length. */
export const DEFAULT_CHUNK_SAMPLES = 1 << 16

/**
 * Visit [start, end) in chunks so analysis never holds a whole recording in memory.
 * `offset` is the recording index of chunk element 0.
 */
export function forEachChunk(
  trace: TraceReader,
  start: number,
  end: number,
  visit: (samples: TraceSamples, offset: number) => void,
  chunkSamples = DEFAULT_CHUNK_SAMPLES
): void {
  const s = Math.max(0, start)
  const e = Math.min(trace.sampleCount, end)
  for (let at = s; at < e; at += chunkSamples) {
    const to = Math.min(e, at + chunkSamples)
    visit(trace.read(at, to), at)
  }
}

/**
 * How to get the voltage of each sample: the measured one where the instrument measures it, else the
 * supply voltage (an override first, then the one stored with the recording).
 */
export interface VoltageSource {
  /** Voltage for element k of a chunk. */
  at(samples: TraceSamples, k: number): number
  /** Human description for reports: "measured" or "supply 3.3 V". */
  describe: string
}

export function voltageSource(trace: TraceReader, supplyVOverride?: number | null): VoltageSource {
  const supply = supplyVOverride ?? trace.supplyV
  if (supply !== null && supply !== undefined && !(supply > 0)) {
    throw new AnalysisError(`The supply voltage must be a positive number of volts, got ${supply}.`)
  }
  return {
    at(samples, k) {
      const v = samples.voltageV?.[k]
      if (v !== undefined && Number.isFinite(v)) return v
      if (supply === null || supply === undefined) {
        throw new AnalysisError(
          'This recording has no measured voltage and no supply voltage, so energy and power cannot be computed. Set the supply voltage (e.g. --supply-v 3.3) to the voltage the DUT ran at.'
        )
      }
      return supply
    },
    describe: supply !== null && supply !== undefined ? `supply ${supply} V (where not measured)` : 'measured'
  }
}
