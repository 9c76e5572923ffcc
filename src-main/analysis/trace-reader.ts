import type { Gap, Mark } from '../capture/sample-block'

/** Samples of one stretch of a recording, all arrays the same length. */
export interface TraceSamples {
  currentA: Float32Array
  /** Measured voltage, when the instrument measures it. */
  voltageV?: Float32Array
  /** Digital lines, bit n = Dn. */
  digital?: Uint8Array
}

/**
 * Read access to one recording, as analysis sees it: samples by index, gaps, marks.
 * The recording store implements it over SQLite; tests implement it over plain arrays.
 */
export interface TraceReader {
  readonly samplePeriodS: number
  /** Number of sample slots, gaps included (the index of the slot after the last sample). */
  readonly sampleCount: number
  /** Supply voltage set on the instrument, used for energy when voltage is not measured. */
  readonly supplyV: number | null
  /** Samples in [start, end). Slots inside a gap hold NaN current (they are never counted in statistics). */
  read(start: number, end: number): TraceSamples
  gaps(): Gap[]
  marks(): Mark[]
}
