/**
 * What every instrument driver hands to the capture pipeline.
 *
 * Time is never a timestamp per sample: sample i of a recording sits at
 * startedAt + i × samplePeriodS. Loss is never hidden behind placeholder values:
 * a driver that knows samples are missing emits a Gap at the index where they belong.
 */
export interface SampleBlock {
  /** Index of the first sample of this block, counted from sample 0 of the stream. */
  startIndex: number
  /** Current in amperes, one value per sample. */
  currentA: Float32Array
  /** Measured voltage in volts, one value per sample, where the instrument measures it. */
  voltageV?: Float32Array
  /** Digital lines, one byte per sample: bit n is line Dn. */
  digital?: Uint8Array
  /** The instrument's raw sample words, kept so a recording can be recomputed under another calibration. */
  raw?: Uint32Array
  /**
   * Time of each sample in seconds from the recording's start, only for sources without a fixed rate
   * (imported files with uneven time steps). Fixed-rate streams leave it out: time = index × period.
   */
  timeS?: Float64Array
}

/** Samples the instrument lost: they belong at [startIndex, startIndex + count). */
export interface Gap {
  startIndex: number
  count: number
  reason: string
}

/** A point event from the instrument (a D7 falling edge on the LPM01A, a trigger), at a sample index. */
export interface Mark {
  index: number
  label: string
}

/** The receiving end of a stream. Drivers call these in sample order. */
export interface SampleSink {
  samples(block: SampleBlock): void
  gap(gap: Gap): void
  mark(mark: Mark): void
  /** Something the user should know about but that does not stop the stream (overcurrent, buffer fill). */
  warning(message: string): void
}
