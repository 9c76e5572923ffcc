import type { SampleSink } from '../capture/sample-block'
import type { InstrumentIdentity } from './identity'

/** A measurement range of an analyzer, with its stated accuracy (for error bars and calibration pass/fail). */
export interface CurrentRange {
  index: number
  label: string
  minA: number
  maxA: number
  /** Stated accuracy as a fraction of reading (0.1 = ±10 %). */
  accuracyFraction: number
}

export interface StreamOptions {
  /** Supply voltage to set in source-meter mode, in volts. */
  supplyV?: number
}

/**
 * The capability every power analyzer driver implements (libsigrok-style: open, describe, stream, stop).
 * Drivers receive an already opened transport; they never open ports themselves.
 */
export interface PowerAnalyzer {
  readonly identity: InstrumentIdentity
  /** Nominal time between samples, in seconds. */
  readonly samplePeriodS: number
  readonly ranges: readonly CurrentRange[]
  /** Supply voltage in use, in volts, for energy when the instrument does not measure voltage. */
  readonly supplyV: number | null
  start(sink: SampleSink, options?: StreamOptions): Promise<void>
  stop(): Promise<void>
  close(): Promise<void>
  /** Called once when the device goes away (cable pulled, port closed by the OS). */
  onDisconnect(listener: (reason: string) => void): void
}
