/**
 * One acquisition of the emulated board: samples a DutSignal on the bench timeline, quantises like the
 * board, and writes the exact bytes of the configured format, with timestamps, D7 event reports,
 * overcurrent protection and injected faults in stream order. Pacing (real time or as fast as the port
 * takes it) belongs to the caller, which asks for "everything due up to bench time t, at most n samples".
 *
 * Timeline: sample b covers [startS + b/fs, startS + (b+1)/fs). In `output current` its value is the
 * current at the start of that period (the board's "instantaneous current"); in `output energy` it is
 * V_set × ∫I dt over the period. Both are computed from sub-samples every `edgeResolutionS` (10 µs by
 * default), which is also the resolution of D7 edge detection: pulses shorter than that may be missed.
 * A D7 edge inside the period of sample b is reported just before sample b. A timestamp precedes every
 * sample whose index is a multiple of fs (and closes the stream when it ends on such a multiple).
 */
import type { DutSignal } from '../../virtual-bench/dut-signal'
import { seededBytes } from '../../virtual-bench/seeded-random'
import { FrameType, type Lpm01aFormat, type Lpm01aOutput } from './protocol'
import { formatCompleted } from './replies'
import { encodeAsciiDec, encodeHexaWord, packAsciiRaw, decodeAsciiDec } from './sample-formats'
import {
  OVERCURRENT_TEXT,
  OVERFLOW_TEXT,
  TARGET_DOWN_TEXT,
  encodeFlagFrame,
  encodeTextFrame,
  encodeTimestampFrame,
  eventText,
  formatTimestampLine
} from './stream-metadata'

export type Lpm01aFault =
  /** The board's protection trips now: target power cut, acquisition ended. */
  | { kind: 'overcurrent' }
  /** The transmit buffer overflows now and this many samples are lost. */
  | { kind: 'overflow'; lostSamples: number }
  /** Random bytes appear in the stream now (a bad cable, a confused firmware). */
  | { kind: 'garbage'; byteCount: number; seed?: number }
  /** The USB cable is pulled now. */
  | { kind: 'unplug' }

/** A fault to fire when the board's sample count in an acquisition reaches `atSample`. */
export interface ScheduledFault {
  atSample: number
  fault: Lpm01aFault
}

export interface AcquisitionSettings {
  sampleRateHz: number
  /** Infinity for `acqtime inf`. */
  acqtimeS: number
  output: Lpm01aOutput
  format: Lpm01aFormat
  supplyV: number
  eventEdge: 'fal' | 'ris' | null
  triggerOnD7: boolean
  triggerDelayS: number
  /** Protection: current above tripA for 1 ms, or any spike above spikeA, cuts the target's power. */
  overcurrent: { tripA: number; spikeA: number }
}

export interface AcquisitionTruth {
  settings: AcquisitionSettings
  /** Bench time of sample 0 (NaN while waiting for a D7 trigger). */
  startS: number
  /** Samples the board measured, including any it lost (the board's own count). */
  samplesMeasured: number
  samplesSent: number
  /** Exact value of every sample sent (A or J) before quantisation, when truth is kept. */
  values: Float64Array
  /** The raw word of every sample sent: the 16-bit bin_hexa word, or the packed ascii_dec sample. */
  words: Uint32Array
  /** Board sample index where each loss began, and how many were lost. */
  losses: Array<{ atSample: number; count: number }>
  /** Each D7 event reported: the sample it was reported before, and the bench time of the edge. */
  events: Array<{ beforeSample: number; timeS: number }>
  endedBy: 'acqtime' | 'stop' | 'overcurrent' | 'unplug' | null
}

export interface AcquisitionOptions {
  edgeResolutionS: number
  keepTruth: boolean
  faults: ScheduledFault[]
  /** False while the target is unpowered (pwr off, targrst): the board then measures no current. */
  targetPowered: (timeS: number) => boolean
  /** How full the board's transmit buffer is, in percent (reported in timestamps). */
  bufferPercent: () => number
}

/** Most sub-samples rendered per call, so slow rates with long periods stay in bounded memory. */
const MAX_SUBSAMPLES_PER_CALL = 1 << 20

export class EmulatedAcquisition {
  readonly truth: AcquisitionTruth
  private readonly periodS: number
  private readonly subPerSample: number
  private readonly totalSamples: number
  private produced = 0
  private waitingForTrigger: boolean
  private scanCursorS: number
  private lastD7: number | null = null
  private eventCount = 0
  private dropRemaining = 0
  private overflowFlag = false
  private lastTimestampAt = -1
  private sustainedOverS = 0
  private pending: Lpm01aFault[] = []
  private out = new ByteSink()
  private truthCount = 0
  /** Set when a fault asked for the cable to be pulled; the board acts on it after writing. */
  unplugRequested = false

  constructor(
    readonly settings: AcquisitionSettings,
    private readonly signal: DutSignal,
    startCommandS: number,
    private readonly options: AcquisitionOptions
  ) {
    this.periodS = 1 / settings.sampleRateHz
    this.subPerSample = Math.max(1, Math.round(this.periodS / options.edgeResolutionS))
    this.totalSamples = Number.isFinite(settings.acqtimeS) ? Math.round(settings.acqtimeS * settings.sampleRateHz) : Infinity
    this.waitingForTrigger = settings.triggerOnD7
    this.scanCursorS = startCommandS
    this.truth = {
      settings,
      startS: settings.triggerOnD7 ? NaN : startCommandS + settings.triggerDelayS,
      samplesMeasured: 0,
      samplesSent: 0,
      values: new Float64Array(options.keepTruth ? 1024 : 0),
      words: new Uint32Array(options.keepTruth ? 1024 : 0),
      losses: [],
      events: [],
      endedBy: null
    }
  }

  get done(): boolean {
    return this.truth.endedBy !== null
  }

  /** Bench time of the next sample to measure (where a command received now takes effect). */
  get nextSampleTimeS(): number {
    return this.waitingForTrigger ? this.scanCursorS : this.truth.startS + this.produced * this.periodS
  }

  /** Samples still to measure (Infinity for an unlimited acquisition). */
  get remaining(): number {
    return this.totalSamples - this.produced
  }

  /** Applies a fault before the next sample. */
  inject(fault: Lpm01aFault): void {
    this.pending.push(fault)
  }

  /**
   * Everything due by bench time `untilS` (a sample is due once its period has ended), at most
   * `maxSamples` of them. `dropNew` loses them instead (the transmit buffer is full).
   */
  advance(untilS: number, maxSamples: number, dropNew = false): Uint8Array {
    if (this.done) return new Uint8Array(0)
    if (this.waitingForTrigger) this.scanForTrigger(untilS, maxSamples)
    if (!this.waitingForTrigger) {
      const byTime = Number.isFinite(untilS) ? Math.floor((untilS - this.truth.startS) / this.periodS) : Infinity
      const due = Math.max(0, Math.min(byTime, this.totalSamples) - this.produced)
      const n = Math.min(due, maxSamples, Math.max(1, Math.floor(MAX_SUBSAMPLES_PER_CALL / this.subPerSample)))
      if (n > 0) this.generate(n, dropNew)
      if (!this.done && this.produced >= this.totalSamples) this.end('acqtime')
    }
    return this.out.take()
  }

  /** Ends the acquisition now (host `stop`, or the cable pulled). */
  stop(cause: 'stop' | 'unplug'): Uint8Array {
    if (cause === 'unplug' && !this.done) {
      this.truth.endedBy = 'unplug'
      this.sealTruth()
    } else if (!this.done) this.end(cause)
    return this.out.take()
  }

  private scanForTrigger(untilS: number, maxSamples: number): void {
    const subPeriod = this.options.edgeResolutionS
    const horizonS = Math.min(untilS, this.scanCursorS + maxSamples * this.periodS)
    const count = Math.min(MAX_SUBSAMPLES_PER_CALL, Math.floor((horizonS - this.scanCursorS) / subPeriod))
    if (count <= 0) return
    const current = new Float64Array(count)
    const digital = new Uint8Array(count)
    this.signal.render(this.scanCursorS, subPeriod, current, digital)
    for (let j = 0; j < count; j++) {
      const level = (digital[j] >> 7) & 1
      if (this.lastD7 === 1 && level === 0) {
        this.waitingForTrigger = false
        this.truth.startS = this.scanCursorS + j * subPeriod + this.settings.triggerDelayS
        this.lastD7 = null
        return
      }
      this.lastD7 = level
    }
    this.scanCursorS += count * subPeriod
  }

  private generate(n: number, dropNew: boolean): void {
    const K = this.subPerSample
    const current = new Float64Array(n * K)
    const digital = new Uint8Array(n * K)
    this.signal.render(this.truth.startS + this.produced * this.periodS, this.periodS / K, current, digital)
    const fs = this.settings.sampleRateHz
    const energy = this.settings.output === 'energy'
    const subPeriodS = this.periodS / K
    for (let i = 0; i < n && !this.done; i++) {
      const b = this.produced
      this.fireFaults(b)
      if (this.done) break
      if (dropNew && this.dropRemaining === 0) this.beginLoss(b, 1)
      const losing = this.dropRemaining > 0
      if (b % fs === 0 && !losing) this.timestamp(b)
      // D7 edges in this sample's period are reported before it
      for (let j = i * K; j < (i + 1) * K; j++) {
        const level = (digital[j] >> 7) & 1
        if (this.lastD7 !== null && level !== this.lastD7 && this.settings.eventEdge !== null) {
          const falling = level === 0
          if (falling === (this.settings.eventEdge === 'fal') && !losing) {
            this.eventCount++
            const edgeS = this.truth.startS + (b * K + (j - i * K)) * subPeriodS
            this.truth.events.push({ beforeSample: b, timeS: edgeS })
            this.writeMessage('event', eventText(this.eventCount))
          }
        }
        this.lastD7 = level
      }
      const tS = this.truth.startS + b * this.periodS
      const powered = this.options.targetPowered(tS)
      let value: number
      let peak = 0
      if (!powered) value = 0
      else if (energy) {
        let sum = 0
        for (let j = i * K; j < (i + 1) * K; j++) {
          sum += current[j]
          if (current[j] > peak) peak = current[j]
        }
        value = (sum / K) * this.settings.supplyV * this.periodS
      } else {
        value = current[i * K]
        for (let j = i * K; j < (i + 1) * K; j++) if (current[j] > peak) peak = current[j]
      }
      if (powered && this.overcurrent(current, i * K, K, subPeriodS, peak)) {
        this.trip()
        break
      }
      this.produced++
      this.truth.samplesMeasured++
      if (this.dropRemaining > 0) {
        this.dropRemaining--
        continue
      }
      this.writeSample(value)
    }
  }

  /** Sustained current above the trip level for 1 ms, or any spike above the spike level, trips the protection. */
  private overcurrent(current: Float64Array, from: number, K: number, subPeriodS: number, peak: number): boolean {
    const { tripA, spikeA } = this.settings.overcurrent
    if (peak > spikeA) return true
    if (peak <= tripA) {
      this.sustainedOverS = 0
      return false
    }
    for (let j = from; j < from + K; j++) {
      this.sustainedOverS = current[j] > tripA ? this.sustainedOverS + subPeriodS : 0
      if (this.sustainedOverS >= 1e-3 - 1e-12) return true
    }
    return false
  }

  private fireFaults(b: number): void {
    const scheduled = this.options.faults
    for (let k = 0; k < scheduled.length; k++) {
      if (scheduled[k].atSample === b) {
        this.pending.push(scheduled[k].fault)
        scheduled.splice(k--, 1)
      }
    }
    while (this.pending.length > 0 && !this.done) {
      const fault = this.pending.shift()!
      if (fault.kind === 'overcurrent') this.trip()
      else if (fault.kind === 'overflow') this.beginLoss(b, fault.lostSamples)
      else if (fault.kind === 'garbage') this.out.push(garbageBytes(fault.byteCount, fault.seed ?? b + 1))
      else if (fault.kind === 'unplug') {
        this.unplugRequested = true
        this.truth.endedBy = 'unplug'
        this.sealTruth()
      }
    }
  }

  private beginLoss(atSample: number, count: number): void {
    if (count <= 0) return
    this.dropRemaining += count
    this.overflowFlag = true
    const last = this.truth.losses[this.truth.losses.length - 1]
    if (last && last.atSample + last.count === atSample) last.count += count
    else {
      this.truth.losses.push({ atSample, count })
      this.writeMessage('error', OVERFLOW_TEXT)
    }
  }

  private timestamp(b: number): void {
    if (b === this.lastTimestampAt) return
    this.lastTimestampAt = b
    const timeMs = Math.round((b / this.settings.sampleRateHz) * 1000)
    const bufferPercent = this.options.bufferPercent()
    if (this.settings.format === 'bin_hexa') this.out.push(encodeTimestampFrame(timeMs, bufferPercent, this.overflowFlag))
    else this.out.pushText(formatTimestampLine(timeMs, bufferPercent))
    this.overflowFlag = false
  }

  private writeSample(value: number): void {
    let word: number
    if (this.settings.format === 'bin_hexa') {
      word = encodeHexaWord(value)
      this.out.push2(word >> 8, word & 0xff)
    } else {
      const text = encodeAsciiDec(value)
      const parsed = decodeAsciiDec(text)!
      word = packAsciiRaw(parsed.mantissa, parsed.exponent)
      this.out.pushText(`${text}\r\n`)
    }
    this.truth.samplesSent++
    if (this.options.keepTruth) this.keepTruth(value, word)
  }

  private keepTruth(value: number, word: number): void {
    const t = this.truth
    if (this.truthCount === t.values.length) {
      const values = new Float64Array(t.values.length * 2)
      values.set(t.values)
      const words = new Uint32Array(values.length)
      words.set(t.words)
      t.values = values
      t.words = words
    }
    t.values[this.truthCount] = value
    t.words[this.truthCount] = word
    this.truthCount++
  }

  private writeMessage(kind: 'error' | 'event', text: string): void {
    if (this.settings.format === 'bin_hexa') this.out.push(encodeTextFrame(kind === 'error' ? FrameType.error : FrameType.info, text))
    else this.out.pushText(kind === 'error' ? `error ${text}\r\n` : `${text}\r\n`)
  }

  private trip(): void {
    if (this.settings.format === 'bin_hexa') {
      this.out.push(encodeFlagFrame(FrameType.overcurrent))
      this.out.push(encodeFlagFrame(FrameType.targetPoweredDown))
    } else {
      this.writeMessage('error', OVERCURRENT_TEXT)
      this.writeMessage('error', TARGET_DOWN_TEXT)
    }
    this.end('overcurrent')
  }

  private end(cause: NonNullable<AcquisitionTruth['endedBy']>): void {
    if (cause !== 'overcurrent' && this.dropRemaining === 0 && this.produced % this.settings.sampleRateHz === 0) this.timestamp(this.produced)
    if (this.settings.format === 'bin_hexa') this.out.push(encodeFlagFrame(FrameType.end))
    else this.out.pushText('end\r\n')
    this.out.pushText(formatCompleted())
    this.truth.endedBy = cause
    this.sealTruth()
  }

  private sealTruth(): void {
    this.truth.values = this.truth.values.slice(0, this.truthCount)
    this.truth.words = this.truth.words.slice(0, this.truthCount)
  }
}

/** Seeded random bytes, so a test that injects garbage reproduces. */
export const garbageBytes = seededBytes

/** Growable byte buffer for one advance() call. */
class ByteSink {
  private buf = new Uint8Array(4096)
  private len = 0

  private reserve(extra: number): void {
    if (this.len + extra <= this.buf.length) return
    const grown = new Uint8Array(Math.max(this.buf.length * 2, this.len + extra))
    grown.set(this.buf.subarray(0, this.len))
    this.buf = grown
  }

  push(bytes: Uint8Array): void {
    this.reserve(bytes.length)
    this.buf.set(bytes, this.len)
    this.len += bytes.length
  }

  push2(a: number, b: number): void {
    this.reserve(2)
    this.buf[this.len++] = a
    this.buf[this.len++] = b
  }

  pushText(text: string): void {
    this.reserve(text.length)
    for (let i = 0; i < text.length; i++) this.buf[this.len++] = text.charCodeAt(i) & 0xff
  }

  take(): Uint8Array {
    const out = this.buf.slice(0, this.len)
    this.len = 0
    return out
  }
}
