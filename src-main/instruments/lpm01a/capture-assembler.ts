/**
 * Places what the decoder reads onto the recording's sample index: sample blocks, D7 marks, explicit gaps
 * for samples the board lost, and warnings a person can act on. No I/O: the driver feeds it decoder
 * events and it calls a SampleSink.
 *
 * Sample indices. Sample i sits at i / fs after the first sample. The board's timestamps (one a second,
 * `TimeStamp` lines or F3 frames) are its own count of time, so at each one the number of slots so far
 * must equal timeMs × fs / 1000. A shortfall is a gap:
 *   - after an overflow report (F1 `Tx buffer overflow` / `error … overflow`) the loss happened right
 *     there, so samples that follow the report are held back until the next timestamp tells how many
 *     were lost, then released behind an exact gap;
 *   - without a report, the gap goes where the shortfall is noticed, and its reason says that its true
 *     position is somewhere in the preceding second.
 * A surplus (more samples than the clock allows, e.g. garbage decoded as samples) keeps the samples and
 * says so. When a finite acquisition runs to its end, its length settles a held overflow too. Otherwise,
 * if no timestamp settles it, the held samples are released unshifted with a warning that the number lost
 * is unknown. Several overflows within one second are counted together and placed at the first.
 *
 * D7 marks. A mark's index is the number of samples that arrived before the event report, which is the
 * sample whose period holds the edge: edge time ∈ [index/fs, (index+1)/fs) (what the emulator does, and
 * what the MLCommons runner assumes; on hardware allow ±1 sample for where the firmware queues the report).
 *
 * Energy output. Each sample is the energy E (J) integrated over one period; it becomes the current that
 * would carry that energy at the set supply voltage, I = E / (V_set × 1/fs), so that Σ I·V_set/fs over
 * any window equals Σ E exactly. The raw word keeps the board's E.
 */
import type { SampleSink } from '../../capture/sample-block'
import type { Lpm01aOutput } from './protocol'
import type { Lpm01aStreamEvent } from './stream-decoder'

export interface CaptureAssemblerOptions {
  sink: SampleSink
  sampleRateHz: number
  output: Lpm01aOutput
  /** Set supply voltage, used to turn energy samples into current. */
  supplyV: number
  /** Names the instrument in messages, e.g. `LPM01A at /dev/ttyACM0`. */
  deviceName: string
  /** Samples the acquisition should produce, when acqtime is finite. */
  expectedSamples: number | null
  markLabel?: string
  /** Warn when the board reports its transmit buffer at least this full. */
  bufferWarnPercent?: number
}

export interface CaptureSummary {
  samples: number
  /** Slots including gaps: the index after the last one. */
  slots: number
  gaps: number
  lostSamples: number
  marks: number
  anomalyBytes: number
  overcurrent: boolean
  overflowReports: number
  endedBy: 'end-of-acquisition' | 'stopped' | 'overcurrent' | 'disconnected' | null
  warnings: string[]
  /** Info messages the board sent during the acquisition. */
  notes: string[]
}

type Held = { kind: 'samples'; values: Float64Array; raw: Uint32Array } | { kind: 'mark' }

export class CaptureAssembler {
  private nextIndex = 0
  private held: { items: Held[]; count: number } | null = null
  private anomalyBytesSinceWarning = 0
  private anomalyReasons = new Set<string>()
  private bufferWarned = false
  private finished = false
  readonly summary: CaptureSummary = {
    samples: 0,
    slots: 0,
    gaps: 0,
    lostSamples: 0,
    marks: 0,
    anomalyBytes: 0,
    overcurrent: false,
    overflowReports: 0,
    endedBy: null,
    warnings: [],
    notes: []
  }
  private readonly periodS: number
  private readonly energyScale: number

  constructor(private readonly o: CaptureAssemblerOptions) {
    this.periodS = 1 / o.sampleRateHz
    // the same expression as the store's raw decoder (raw-format.ts), so both give identical currents
    this.energyScale = o.output === 'energy' ? o.sampleRateHz / o.supplyV : 1
  }

  handle(event: Lpm01aStreamEvent): void {
    if (this.finished) return
    switch (event.kind) {
      case 'samples':
        return this.samples(event.values, event.raw)
      case 'event':
        return this.mark()
      case 'timestamp':
        return this.timestamp(event.timeMs, event.bufferPercent, event.overflow)
      case 'overflow':
        this.summary.overflowReports++
        if (!this.held) this.held = { items: [], count: 0 }
        return
      case 'overcurrent':
        this.summary.overcurrent = true
        return this.warn(
          `${this.o.deviceName}: overcurrent at sample ${this.position()} — the target drew more than the dynamic range allows (the board trips at about 59 mA) and the board cut its power. Samples up to there are kept. Check the target for a short or a load above 50 mA; for steady loads up to 200 mA use static mode.`
        )
      case 'target-powered-down':
        if (!this.summary.overcurrent) {
          this.warn(`${this.o.deviceName}: the target's power was switched off at sample ${this.position()}; samples after it measure no target.`)
        }
        return
      case 'error':
        return this.warn(`${this.o.deviceName} reported during the acquisition: ${event.message}`)
      case 'info':
        this.summary.notes.push(event.message)
        return
      case 'anomaly':
        this.summary.anomalyBytes += event.byteCount
        this.anomalyBytesSinceWarning += event.byteCount
        this.anomalyReasons.add(event.reason)
        return
      default:
        return
    }
  }

  /** Ends the capture: releases anything held and explains a short recording. */
  finish(endedBy: NonNullable<CaptureSummary['endedBy']>): CaptureSummary {
    if (this.finished) return this.summary
    this.summary.endedBy = this.summary.overcurrent && endedBy === 'end-of-acquisition' ? 'overcurrent' : endedBy
    const expected = this.o.expectedSamples
    if (this.held && expected !== null && this.summary.endedBy === 'end-of-acquisition' && expected > this.position()) {
      // a finite acquisition that ran to its end measured exactly `expected` samples: that settles the count
      const missing = expected - this.position()
      this.gap(missing, `transmit buffer overflow: the board lost ${missing} samples here`)
      this.warn(`${this.o.deviceName}: ${missing} samples were lost to a transmit buffer overflow at sample ${this.nextIndex - missing}; the recording keeps an explicit gap there.`)
      this.release()
    }
    if (this.held) this.releaseUncounted()
    this.warnAnomalies()
    if (expected !== null && this.nextIndex < expected && this.summary.endedBy !== 'stopped') {
      const missing = expected - this.nextIndex
      const why =
        this.summary.endedBy === 'overcurrent'
          ? 'the board stopped the acquisition after an overcurrent'
          : this.summary.endedBy === 'disconnected'
            ? 'the instrument was disconnected'
            : 'the board ended the acquisition early'
      this.gap(missing, `${why}: ${missing} of the ${expected} requested samples were never measured`)
    }
    this.finished = true
    this.summary.slots = this.nextIndex
    return this.summary
  }

  private position(): number {
    return this.nextIndex + (this.held?.count ?? 0)
  }

  private samples(values: Float64Array, raw: Uint32Array): void {
    this.summary.samples += values.length
    if (this.held) {
      this.held.items.push({ kind: 'samples', values, raw })
      this.held.count += values.length
      if (this.held.count > 3 * this.o.sampleRateHz + 1000) this.releaseUncounted()
      return
    }
    this.emitSamples(values, raw)
  }

  private emitSamples(values: Float64Array, raw: Uint32Array): void {
    const currentA = new Float32Array(values.length)
    for (let i = 0; i < values.length; i++) currentA[i] = values[i] * this.energyScale
    this.o.sink.samples({ startIndex: this.nextIndex, currentA, raw })
    this.nextIndex += values.length
  }

  private mark(): void {
    this.summary.marks++
    if (this.held) this.held.items.push({ kind: 'mark' })
    else this.o.sink.mark({ index: this.nextIndex, label: this.o.markLabel ?? 'D7 falling' })
  }

  private timestamp(timeMs: number, bufferPercent: number, overflowFlag: boolean): void {
    const expected = Math.round((timeMs * this.o.sampleRateHz) / 1000)
    const have = this.position()
    const missing = expected - have
    const atS = (timeMs / 1000).toFixed(3)
    if (missing > 0) {
      const corrupt = this.anomalyBytesSinceWarning > 0 && !this.held && !overflowFlag
      const reason = this.held
        ? `transmit buffer overflow: the board lost ${missing} samples here`
        : corrupt
          ? `${missing} samples unreadable in corrupt bytes; they belong somewhere in the second before ${atS} s`
          : `${missing} samples lost in transfer${overflowFlag ? ' (the board flagged a buffer overflow)' : ''}; they belong somewhere in the second before ${atS} s`
      this.gap(missing, reason)
      const advice = corrupt
        ? 'Check the USB cable and connection.'
        : 'The host did not read fast enough: close other programs using the CPU or USB, or lower the sampling rate.'
      this.warn(`${this.o.deviceName}: ${missing} samples were lost before ${atS} s (${reason}). The recording keeps an explicit gap there. ${advice}`)
    } else if (missing < 0) {
      this.warn(
        `${this.o.deviceName}: ${-missing} more samples arrived than the board's clock accounts for at ${atS} s — part of the stream was corrupt and was read as samples. They are kept, but samples in the second before ${atS} s may be wrong and later times early. Check the USB cable and connection.`
      )
    } else if (this.held || overflowFlag) {
      this.warn(`${this.o.deviceName}: the board reported a buffer overflow before ${atS} s, but no samples are missing.`)
    }
    if (this.held) this.release()
    this.warnAnomalies()
    if (bufferPercent >= (this.o.bufferWarnPercent ?? 80) && !this.bufferWarned) {
      this.bufferWarned = true
      this.warn(
        `${this.o.deviceName}: its transmit buffer is ${bufferPercent} % full at ${atS} s — the host is reading too slowly and samples will be lost soon. Close other programs using the CPU or USB, or lower the sampling rate.`
      )
    } else if (bufferPercent < 50) this.bufferWarned = false
  }

  private gap(count: number, reason: string): void {
    this.o.sink.gap({ startIndex: this.nextIndex, count, reason })
    this.nextIndex += count
    this.summary.gaps++
    this.summary.lostSamples += count
  }

  private release(): void {
    const held = this.held
    this.held = null
    if (!held) return
    for (const item of held.items) {
      if (item.kind === 'samples') this.emitSamples(item.values, item.raw)
      else this.o.sink.mark({ index: this.nextIndex, label: this.o.markLabel ?? 'D7 falling' })
    }
  }

  private releaseUncounted(): void {
    const at = this.nextIndex
    this.release()
    this.warn(
      `${this.o.deviceName}: the board reported a buffer overflow at sample ${at}, but no later timestamp told how many samples were lost; samples after ${at} are placed as if none were, so their times may be early.`
    )
  }

  private warnAnomalies(): void {
    if (this.anomalyBytesSinceWarning === 0) return
    this.warn(
      `${this.o.deviceName}: ${this.anomalyBytesSinceWarning} bytes of the stream could not be decoded (${[...this.anomalyReasons].join('; ')}) and were skipped. Samples next to them may be wrong; check the USB cable.`
    )
    this.anomalyBytesSinceWarning = 0
    this.anomalyReasons.clear()
  }

  private warn(message: string): void {
    this.summary.warnings.push(message)
    this.o.sink.warning(message)
  }
}
