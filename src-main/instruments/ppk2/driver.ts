import type { SampleSink } from '../../capture/sample-block'
import type { SerialTransport } from '../../transports/serial'
import { realTimeClock, type BenchClock } from '../../virtual-bench/dut-signal'
import type { InstrumentIdentity } from '../identity'
import type { CurrentRange, PowerAnalyzer, StreamOptions } from '../power-analyzer'
import {
  decodePpk2Words,
  DEFAULT_SPIKE_FILTER,
  extractPpk2Logic,
  newSpikeFilterState,
  validateSpikeFilterSettings,
  type Ppk2SpikeFilterSettings,
  type Ppk2SpikeFilterState
} from './conversion'
import { HostClockCheck, type HostClockEvent } from './clock-check'
import { metadataReplyEnd, parsePpk2Metadata, Ppk2MetadataError, type Ppk2Calibration, type Ppk2Metadata } from './metadata'
import {
  encodeAverageStart,
  encodeAverageStop,
  encodeDeviceRunningSet,
  encodeGetMetadata,
  encodeRegulatorSet,
  encodeSetPowerMode,
  encodeSetUserGains,
  PPK2_MAX_SUPPLY_MV,
  PPK2_MIN_SUPPLY_MV,
  PPK2_SAMPLE_PERIOD_S,
  type Ppk2PowerMode
} from './protocol'
import { ppk2RecordingFormat, PPK2_RECONNECT_GAP_REASON } from './raw-format'
import { Ppk2StreamDecoder, type Ppk2StreamStats } from './stream-decoder'

/** Published typical spans and accuracy per range (reference/ppk2.md §1). */
export const PPK2_RANGES: readonly CurrentRange[] = [
  { index: 0, label: '200 nA – 50 µA', minA: 200e-9, maxA: 50e-6, accuracyFraction: 0.1 },
  { index: 1, label: '50 – 500 µA', minA: 50e-6, maxA: 500e-6, accuracyFraction: 0.1 },
  { index: 2, label: '0.5 – 5 mA', minA: 500e-6, maxA: 5e-3, accuracyFraction: 0.1 },
  { index: 3, label: '5 – 50 mA', minA: 5e-3, maxA: 50e-3, accuracyFraction: 0.1 },
  { index: 4, label: '50 mA – 1 A', minA: 50e-3, maxA: 1, accuracyFraction: 0.15 }
]

export interface Ppk2ReconnectOptions {
  /** Opens the same unit again (by its USB serial number on real hardware). */
  open(): Promise<SerialTransport>
  /** Give up after this long without the device, in seconds (default 30). */
  timeoutS?: number
  retryIntervalS?: number
}

export interface Ppk2DriverOptions {
  /** Source meter (the PPK2 powers the DUT) or ampere meter (external supply). Default: source. */
  mode?: Ppk2PowerMode
  /** Regulator voltage in mV: the DUT supply in source mode, the external supply's voltage in ampere mode. Default: the unit's VDD. */
  supplyMv?: number
  /** DUT power in source mode (ampere mode always connects the DUT, as the app does). Default on. */
  dutPower?: boolean
  /** Host-side spike filter after range switches; false turns it off. */
  spikeFilter?: Ppk2SpikeFilterSettings | false
  /** USB serial number from discovery, shown in the identity. */
  serial?: string | null
  virtual?: boolean
  /** Clock for reconnect gap estimates; the bench clock on the virtual bench. */
  clock?: BenchClock
  metadataTimeoutS?: number
  /** Resume into the same recording after the cable comes back, with a gap record for the outage. */
  reconnect?: Ppk2ReconnectOptions
  /**
   * Check the stream against the host clock for losses of exactly 64·k samples, which the counter
   * cannot see (clock-check.ts). Default on for a real unit, off for a virtual one: an emulator shares the
   * host's process and CPU, so its timing tells about the host's load, not about a USB link. Off by itself
   * when the unit is not paced by real time.
   */
  hostClockCheck?: boolean
}

/** A stretch of the stream the decoder has produced, held until the clock check vouches for it. */
type HeldItem = { start: number; words: Uint32Array } | { start: number; count: number; reason: string }

/** Samples held back at most (about 10 s, 4 MB of words); beyond it the clock check must decide at once. */
const MAX_HELD_SAMPLES = 1 << 20

/** What the host-clock check found in the current capture (see clock-check.ts). */
export interface Ppk2ClockStats {
  /** 'off' when disabled (option, or a bench clock that is not real time); 'unpaced' when it turned itself off. */
  hostClock: 'checking' | 'unpaced' | 'off'
  inferredGaps: number
  inferredLostSamples: number
  clockAnomalies: number
  /** Seconds during which the arrivals were too uneven to see a lost 64-sample cycle. */
  clockBlindS: number
  /** The unit's clock against the host's, ppm (positive: the unit runs slow); null until fitted. */
  driftPpm: number | null
}

export type Ppk2DriverState = 'idle' | 'starting' | 'streaming' | 'reconnecting' | 'interrupted' | 'disconnected' | 'closed'

/** A PPK2 problem the user can act on: names the port, what was expected and what to do. */
export class Ppk2Error extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'Ppk2Error'
  }
}

type Listener = (reason: string) => void

/**
 * The PPK2 driver: identity and calibration from the metadata, source/ampere mode, DUT power, and a
 * 100 kS/s stream of current and D0–D7 as SampleBlocks with explicit Gaps. A pulled cable ends the
 * capture as interrupted with every received sample delivered, or — with `reconnect` — resumes into the
 * same sample timeline after a gap whose length is estimated from the clock.
 */
export class Ppk2Driver implements PowerAnalyzer {
  readonly samplePeriodS = PPK2_SAMPLE_PERIOD_S
  readonly ranges = PPK2_RANGES
  readonly identity: InstrumentIdentity
  private transport: SerialTransport
  private metadataValue: Ppk2Metadata
  private calibrationValue: Ppk2Calibration
  private supplyMvValue: number
  private modeValue: Ppk2PowerMode
  private dutPowerValue: boolean
  private filterSettings: Ppk2SpikeFilterSettings | null
  private filter: Ppk2SpikeFilterState | null = null
  private stateValue: Ppk2DriverState = 'idle'
  private decoder: Ppk2StreamDecoder | null = null
  private sink: SampleSink | null = null
  private readonly listeners: Listener[] = []
  private disconnectReported = false
  private lastDataAtMs = 0
  private streamStartS = 0
  private readonly clock: BenchClock
  private reconnectCancelled = false
  private readonly totals = { reconnects: 0, reconnectGapSamples: 0 }
  private clockCheck: HostClockCheck | null = null
  private readonly held: HeldItem[] = []
  private heldSamples = 0
  /** Samples inferred lost by the clock check: everything the decoder delivers after them moves on by this. */
  private shift = 0
  private anomalyReported = false
  private blindReported = false

  private constructor(transport: SerialTransport, metadata: Ppk2Metadata, private readonly options: Ppk2DriverOptions) {
    this.transport = transport
    this.metadataValue = metadata
    this.calibrationValue = metadata.calibration
    this.clock = options.clock ?? realTimeClock
    this.modeValue = options.mode ?? 'source'
    this.dutPowerValue = this.modeValue === 'ampere' ? true : (options.dutPower ?? true)
    this.supplyMvValue = options.supplyMv ?? clampSupply(metadata.vddMv ?? 3300)
    this.filterSettings = options.spikeFilter === false ? null : (options.spikeFilter ?? { ...DEFAULT_SPIKE_FILTER })
    if (this.filterSettings) validateSpikeFilterSettings(this.filterSettings)
    // Consistent with discovery (`ppk2:<port>`) and with the virtual bench's entry (`virtual:ppk2`).
    this.identity = {
      id: options.virtual ? 'virtual:ppk2' : `ppk2:${transport.path}`,
      kind: 'power-analyzer',
      family: 'ppk2',
      model: 'Nordic Power Profiler Kit II',
      serial: options.serial ?? (options.virtual ? 'VIRTUAL-PPK2' : null),
      firmware: null,
      location: transport.path,
      virtual: options.virtual ?? false
    }
  }

  /** Reads the metadata and puts the unit in the chosen mode. The transport stays the driver's. */
  static async open(transport: SerialTransport, options: Ppk2DriverOptions = {}): Promise<Ppk2Driver> {
    const metadata = await readMetadata(transport, options.metadataTimeoutS ?? 3)
    const driver = new Ppk2Driver(transport, metadata, options)
    driver.attach(transport)
    await driver.configure()
    return driver
  }

  get metadata(): Ppk2Metadata {
    return this.metadataValue
  }

  /** The calibration used for conversion (the unit's, with the host's user gains). */
  get calibration(): Ppk2Calibration {
    return this.calibrationValue
  }

  get supplyV(): number {
    return this.supplyMvValue / 1000
  }

  get supplyMv(): number {
    return this.supplyMvValue
  }

  get mode(): Ppk2PowerMode {
    return this.modeValue
  }

  get dutPower(): boolean {
    return this.dutPowerValue
  }

  get state(): Ppk2DriverState {
    return this.stateValue
  }

  get spikeFilter(): Ppk2SpikeFilterSettings | null {
    return this.filterSettings
  }

  /** Framing and loss counters of the current stream, plus reconnects and the host-clock check's findings. */
  get stats(): Ppk2StreamStats & { reconnects: number; reconnectGapSamples: number } & Ppk2ClockStats {
    const s = this.decoder?.stats
    const c = this.clockCheck?.stats
    return {
      samples: s?.samples ?? 0,
      lostSamples: s?.lostSamples ?? 0,
      gaps: s?.gaps ?? 0,
      discardedBytes: s?.discardedBytes ?? 0,
      counterGlitches: s?.counterGlitches ?? 0,
      corruptWords: s?.corruptWords ?? 0,
      resyncs: s?.resyncs ?? 0,
      ...this.totals,
      hostClock: c?.state ?? 'off',
      inferredGaps: c?.inferredGaps ?? 0,
      inferredLostSamples: c?.inferredLostSamples ?? 0,
      clockAnomalies: c?.clockAnomalies ?? 0,
      clockBlindS: c?.blindS ?? 0,
      driftPpm: c?.driftPpm ?? null
    }
  }

  /** Raw format and calibration snapshot for the recording store, as the unit is set up now. */
  get recordingFormat(): ReturnType<typeof ppk2RecordingFormat> {
    return ppk2RecordingFormat({ calibration: this.calibrationValue, supplyMv: this.supplyMvValue, spikeFilter: this.filterSettings })
  }

  onDisconnect(listener: Listener): void {
    this.listeners.push(listener)
  }

  /** Source meter: the PPK2 powers the DUT at `supplyMv` (800–5000 mV). */
  async setSourceMode(supplyMv: number, dutPower = true): Promise<void> {
    encodeRegulatorSet(supplyMv)
    this.modeValue = 'source'
    this.supplyMvValue = supplyMv
    this.dutPowerValue = dutPower
    await this.configure()
  }

  /** Ampere meter: an external supply powers the DUT through the PPK2; `supplyMv` is that supply's voltage. */
  async setAmpereMode(supplyMv: number): Promise<void> {
    encodeRegulatorSet(supplyMv)
    this.modeValue = 'ampere'
    this.supplyMvValue = supplyMv
    this.dutPowerValue = true
    await this.configure()
  }

  async setDutPower(on: boolean): Promise<void> {
    this.dutPowerValue = on
    await this.send(encodeDeviceRunningSet(on))
  }

  async setSupplyMv(supplyMv: number): Promise<void> {
    const command = encodeRegulatorSet(supplyMv)
    this.supplyMvValue = supplyMv
    await this.send(command)
  }

  /** Per-range user gain (the app's 0.9–1.1 correction), stored on the unit and used in conversion. */
  async setUserGain(range: number, gain: number): Promise<void> {
    const command = encodeSetUserGains(range, gain)
    const ug = [...this.calibrationValue.ug]
    ug[range] = gain
    this.calibrationValue = { ...this.calibrationValue, ug }
    await this.send(command)
  }

  /** Takes effect at the next start (the app also resets the filter at AverageStart). */
  setSpikeFilter(settings: Ppk2SpikeFilterSettings | false): void {
    if (settings !== false) validateSpikeFilterSettings(settings)
    this.filterSettings = settings === false ? null : { ...settings }
  }

  async start(sink: SampleSink, options: StreamOptions = {}): Promise<void> {
    if (this.stateValue === 'streaming' || this.stateValue === 'reconnecting' || this.stateValue === 'starting') {
      throw new Ppk2Error(`PPK2 at ${this.transport.path} is already streaming; stop it before starting again.`)
    }
    if (this.stateValue !== 'idle') {
      throw new Ppk2Error(`PPK2 at ${this.transport.path} is ${this.stateValue}; open it again to capture.`)
    }
    if (options.supplyV !== undefined) await this.setSupplyMv(Math.round(options.supplyV * 1000))
    this.sink = sink
    this.decoder = new Ppk2StreamDecoder({
      words: (start, words) => this.hold({ start, words }),
      gap: (start, count, reason) => this.hold({ start, count, reason })
    })
    this.held.length = 0
    this.heldSamples = 0
    this.shift = 0
    this.anomalyReported = false
    this.blindReported = false
    // A virtual bench whose clock is not the host's streams faster or slower than real time: the host
    // clock then says nothing about losses. The check also turns itself off when it measures a pace that
    // no crystal explains (the virtual bench's accelerated runs open the driver without their clock).
    const paced = this.options.clock === undefined || this.options.clock === realTimeClock
    this.clockCheck = (this.options.hostClockCheck ?? !this.options.virtual) && paced ? new HostClockCheck({ samplePeriodS: PPK2_SAMPLE_PERIOD_S }) : null
    this.filter = this.filterSettings ? newSpikeFilterState(this.filterSettings) : null
    // Bytes of an earlier stream still on their way would be taken for the first samples of this one:
    // let them pass first. (Not transport.flush(): it also throws away commands not yet sent.)
    this.stateValue = 'starting'
    await this.waitQuiet(30, 1000)
    if (this.stateValue !== 'starting') return
    this.stateValue = 'streaming'
    this.streamStartS = this.clock.nowS()
    await this.send(encodeAverageStart())
  }

  async stop(): Promise<void> {
    if (this.stateValue === 'reconnecting') {
      this.reconnectCancelled = true
      this.stateValue = 'idle'
      return
    }
    if (this.stateValue === 'starting') {
      this.stateValue = 'idle'
      return
    }
    if (this.stateValue !== 'streaming') return
    await this.send(encodeAverageStop()).catch(() => {})
    // Samples already on their way still belong to the recording: wait until the port has been quiet
    // for a while (a real unit stops within milliseconds; a busy host may read in bursts).
    await this.waitQuiet(200, 10_000)
    if (this.stateValue === 'streaming') {
      this.endOfStream()
      this.stateValue = 'idle'
    }
  }

  async close(): Promise<void> {
    if (this.stateValue === 'closed') return
    await this.stop()
    this.stateValue = 'closed'
    await this.transport.close()
  }

  private attach(transport: SerialTransport): void {
    this.transport = transport
    transport.onData((chunk) => {
      const now = performance.now()
      this.lastDataAtMs = now
      if (this.stateValue === 'streaming' && this.decoder) {
        this.decoder.push(chunk)
        this.checkArrival(now / 1000, this.decoder.nextIndex)
      }
    })
    transport.onClose((reason) => {
      if (this.transport === transport) void this.lost(reason)
    })
  }

  /** The app's order: power mode, regulator, then DUT power (ampere mode needs the regulator for the S term). */
  private async configure(): Promise<void> {
    if (this.modeValue === 'source') {
      await this.send(encodeSetPowerMode('source'))
      await this.send(encodeRegulatorSet(this.supplyMvValue))
      await this.send(encodeDeviceRunningSet(this.dutPowerValue))
    } else {
      await this.send(encodeSetPowerMode('ampere'))
      await this.send(encodeRegulatorSet(this.supplyMvValue))
      await this.send(encodeDeviceRunningSet(true))
    }
    // As the app: user gains outside 0.9–1.1 are taken for unset and reset to 1 on the unit.
    if (this.calibrationValue.ug.some((g) => !(g >= 0.9 && g <= 1.1))) {
      for (let r = 0; r < 5; r++) await this.send(encodeSetUserGains(r, 1))
      this.calibrationValue = { ...this.calibrationValue, ug: [1, 1, 1, 1, 1] }
    }
  }

  /** Everything the decoder produces waits here until the clock check vouches for it. */
  private hold(item: HeldItem): void {
    this.held.push(item)
    if ('words' in item) this.heldSamples += item.words.length
  }

  private checkArrival(hostS: number, index: number): void {
    const check = this.clockCheck
    if (!check) {
      this.release(Number.POSITIVE_INFINITY)
      return
    }
    for (const event of check.arrival(hostS, index)) this.onClockEvent(event)
    if (this.heldSamples > MAX_HELD_SAMPLES) for (const event of check.force()) this.onClockEvent(event)
    this.release(check.vouchedIndex)
  }

  /** Hands on what is held before decoder index `upTo`, moved past the gaps the clock check inferred. */
  private release(upTo: number): void {
    const sink = this.sink
    let n = 0
    while (n < this.held.length && this.held[n].start < upTo) {
      const item = this.held[n]
      if ('words' in item) {
        const end = item.start + item.words.length
        if (end > upTo) {
          // The decoder's blocks end where arrivals end, so this split is a safeguard, not the rule.
          const cut = upTo - item.start
          this.deliver(item.start + this.shift, item.words.subarray(0, cut))
          this.held[n] = { start: upTo, words: item.words.subarray(cut) }
          this.heldSamples -= cut
          break
        }
        this.heldSamples -= item.words.length
        this.deliver(item.start + this.shift, item.words)
      } else {
        sink?.gap({ startIndex: item.start + this.shift, count: item.count, reason: item.reason })
      }
      n++
    }
    if (n > 0) this.held.splice(0, n)
  }

  private onClockEvent(event: HostClockEvent): void {
    const path = this.transport.path
    if (event.kind === 'loss') {
      this.release(event.atIndex)
      const at = event.atIndex + this.shift
      const ms = (event.count * PPK2_SAMPLE_PERIOD_S * 1000).toFixed(2)
      this.sink?.gap({
        startIndex: at,
        count: event.count,
        reason: `${event.count} samples (64·${event.count / 64}) lost without a counter jump (inferred from the host clock)`
      })
      this.shift += event.count
      this.sink?.warning(
        `PPK2 at ${path}: ${event.count} samples (${ms} ms) went missing near sample ${at} without a jump of the sample counter ` +
          `(a whole number of its 64-sample cycles), seen because the stream arrived ${ms} ms later by the host clock from there on. ` +
          'The recording has a gap there and the samples after it are placed at their true time. Repeated losses mean the USB link ' +
          'drops data: connect the PPK2 directly (no hub or dock), or try another port or cable.'
      )
    } else if (event.kind === 'anomaly') {
      if (this.anomalyReported) return
      this.anomalyReported = true
      this.sink?.warning(
        `PPK2 at ${path}: the stream's timing against the host clock shifted by ${(event.stepS * 1000).toFixed(2)} ms near sample ${event.atIndex + this.shift}, ` +
          'which is not a whole number of the counter’s 64-sample cycles, so no samples are marked lost there. The host may have been ' +
          'too busy to read the PPK2 steadily; if this repeats, close other programs or use another USB port (further shifts are counted, not reported).'
      )
    } else if (event.kind === 'blind') {
      if (!event.blind || this.blindReported) return
      this.blindReported = true
      this.sink?.warning(
        `PPK2 at ${path}: from sample ${event.atIndex + this.shift} the samples arrive too unevenly (the fastest scatter by ${(event.spreadS * 1000).toFixed(2)} ms) ` +
          'for the host clock to reveal a lost 64-sample counter cycle, so such losses cannot be ruled out while this lasts (losses the counter sees are still marked). ' +
          'Connect the PPK2 directly (no hub or dock) and close programs that load the CPU or the USB bus.'
      )
    } else if (!this.options.virtual) {
      this.sink?.warning(
        `PPK2 at ${path}: samples arrive at ${event.rateRatio.toFixed(3)}× the unit's 100 kS/s by the host clock, so the host-clock loss check ` +
          'is off for this capture and losses of exactly 64·k samples cannot be detected. The host is not keeping up: close other programs or use another USB port.'
      )
    }
  }

  /** The decoder's held bytes and everything the clock check still holds go to the sink: nothing received is dropped. */
  private endOfStream(): void {
    this.decoder?.finish()
    this.clockCheck?.finish()
    this.release(Number.POSITIVE_INFINITY)
  }

  /** Index the recording has reached: the decoder's, moved past inferred gaps. */
  private get recordedIndex(): number {
    return (this.decoder?.nextIndex ?? 0) + this.shift
  }

  private deliver(startIndex: number, words: Uint32Array): void {
    const sink = this.sink
    if (!sink) return
    const currentA = new Float32Array(words.length)
    decodePpk2Words(words, this.calibrationValue, this.supplyMvValue, currentA, this.filter)
    const digital = new Uint8Array(words.length)
    extractPpk2Logic(words, digital)
    sink.samples({ startIndex, currentA, digital, raw: words })
  }

  private async lost(reason: string): Promise<void> {
    const path = this.transport.path
    if (this.stateValue === 'closed' || this.stateValue === 'interrupted' || this.stateValue === 'disconnected') return
    const wasStreaming = this.stateValue === 'streaming'
    if (wasStreaming) this.endOfStream()
    if (wasStreaming && this.options.reconnect) {
      this.stateValue = 'reconnecting'
      const timeoutS = this.options.reconnect.timeoutS ?? 30
      this.sink?.warning(
        `PPK2 at ${path} went away during capture (${reason}). Everything up to sample ${this.recordedIndex} is kept; waiting up to ${timeoutS} s for it to come back.`
      )
      if (await this.reconnect(timeoutS)) return
    }
    this.stateValue = wasStreaming ? 'interrupted' : 'disconnected'
    const message = wasStreaming
      ? `PPK2 at ${path} disconnected during capture (${reason}). The recording ends at sample ${this.recordedIndex}; every sample before it is kept. Check the USB cable (avoid hubs and docks), replug the PPK2 and start a new capture${this.options.reconnect ? '' : ', or turn on auto-reconnect'}.`
      : `PPK2 at ${path} disconnected (${reason}). Replug it and open it again.`
    this.reportDisconnect(message)
  }

  private async reconnect(timeoutS: number): Promise<boolean> {
    const opts = this.options.reconnect!
    const deadline = performance.now() + timeoutS * 1000
    this.reconnectCancelled = false
    while (performance.now() < deadline && !this.reconnectCancelled) {
      await sleep((opts.retryIntervalS ?? 0.25) * 1000)
      if (this.reconnectCancelled) break
      let transport: SerialTransport
      try {
        transport = await opts.open()
      } catch {
        continue
      }
      try {
        this.metadataValue = await readMetadata(transport, this.options.metadataTimeoutS ?? 3)
        const ug = this.calibrationValue.ug
        this.calibrationValue = { ...this.metadataValue.calibration, ug }
        this.attach(transport)
        await this.configure()
        for (let r = 0; r < 5; r++) if (this.metadataValue.calibration.ug[r] !== ug[r]) await this.send(encodeSetUserGains(r, ug[r]))
        if (this.reconnectCancelled) return false
        // The outage's length comes from the clock: sample index × 10 µs is the recording's time.
        const decoder = this.decoder!
        const dueIndex = Math.round((this.clock.nowS() - this.streamStartS) / PPK2_SAMPLE_PERIOD_S)
        // At least one slot: a unit that went away has lost samples whatever the clock says, and the gap
        // record is where the store's decoding restarts the spike filter, as this driver does below.
        const missing = Math.max(1, dueIndex - this.recordedIndex)
        decoder.skip(missing, PPK2_RECONNECT_GAP_REASON)
        this.release(Number.POSITIVE_INFINITY)
        decoder.restart()
        // A new stream: its lateness against the host clock starts afresh.
        this.clockCheck?.reset()
        this.totals.reconnects++
        this.totals.reconnectGapSamples += missing
        this.filter = this.filterSettings ? newSpikeFilterState(this.filterSettings) : null
        this.stateValue = 'streaming'
        await this.send(encodeAverageStart())
        this.sink?.warning(`PPK2 at ${transport.path} is back; capture resumed after a gap of ${missing} samples (${(missing * PPK2_SAMPLE_PERIOD_S).toFixed(3)} s).`)
        return true
      } catch {
        await transport.close().catch(() => {})
      }
    }
    return false
  }

  private reportDisconnect(message: string): void {
    if (this.disconnectReported) return
    this.disconnectReported = true
    for (const l of this.listeners) l(message)
  }

  private async send(bytes: Uint8Array): Promise<void> {
    try {
      await this.transport.write(bytes)
    } catch (err) {
      throw new Ppk2Error(
        `Could not send a command to the PPK2 at ${this.transport.path}: ${(err as Error).message}. Check that it is still plugged in.`
      )
    }
  }

  /**
   * Wait until the port has been quiet for quietMs. Only time in which this process was responsive counts:
   * on a loaded machine the event loop can stall longer than quietMs while bytes wait in the kernel, and
   * such a stall must not pass for silence from the device.
   */
  private async waitQuiet(quietMs: number, maxMs: number): Promise<void> {
    const start = performance.now()
    const state = this.stateValue
    let quiet = 0
    let lastData = this.lastDataAtMs
    let before = performance.now()
    while (performance.now() - start < maxMs && this.stateValue === state) {
      await sleep(10)
      const now = performance.now()
      if (this.lastDataAtMs !== lastData) {
        lastData = this.lastDataAtMs
        quiet = 0
      } else if (now - before <= 40) {
        quiet += now - before
        if (quiet >= quietMs) return
      }
      before = now
    }
  }
}

/**
 * Stops any stream left running by an earlier session, then asks for the metadata. Bytes before the
 * reply (stale samples) are skipped; the reply is parsed from its first `Key:` line.
 */
async function readMetadata(transport: SerialTransport, timeoutS: number): Promise<Ppk2Metadata> {
  let received = Buffer.alloc(0)
  transport.onData((chunk) => {
    received = Buffer.concat([received, chunk])
  })
  await transport.write(encodeAverageStop())
  // Let a stale stream drain: wait until nothing has arrived for a moment.
  let seen = -1
  for (let k = 0; k < 50 && seen !== received.length; k++) {
    seen = received.length
    await sleep(20)
  }
  received = Buffer.alloc(0)
  await transport.write(encodeGetMetadata())
  const deadline = performance.now() + timeoutS * 1000
  let text = ''
  while (performance.now() < deadline) {
    text = received.toString('latin1')
    if (metadataReplyEnd(text) >= 0) break
    await sleep(10)
  }
  transport.onData(() => {})
  const start = text.search(/(^|\n)[A-Za-z][A-Za-z0-9_]*: /)
  const reply = start > 0 ? text.slice(start + 1) : text
  if (metadataReplyEnd(reply) < 0) {
    const shell = /uart:~\$|\$ $|shell/i.test(text)
    throw new Ppk2Error(
      `The PPK2 at ${transport.path} did not answer GetMetadata within ${timeoutS} s: expected lines of "Key: value" ending with END, ` +
        `received ${received.length === 0 ? 'nothing' : `${received.length} bytes (${preview(text)})`}. ` +
        (shell
          ? 'This looks like the PPK2’s debug shell: firmware 1.2.0 and later show two serial ports, open the other one.'
          : 'If the PPK2 shows two serial ports (firmware 1.2.0 and later), open the other one; otherwise replug it, or update its firmware with nRF Connect Power Profiler.')
    )
  }
  try {
    return parsePpk2Metadata(reply)
  } catch (err) {
    if (err instanceof Ppk2MetadataError) {
      throw new Ppk2Error(`The PPK2 at ${transport.path} sent metadata that could not be read: ${err.message} Replug the PPK2; if this persists, its calibration memory may be damaged.`)
    }
    throw err
  }
}

function preview(text: string): string {
  const printable = text.replace(/[^\x20-\x7e\n]/g, '·').slice(0, 60)
  return JSON.stringify(printable)
}

function clampSupply(mv: number): number {
  return Math.min(PPK2_MAX_SUPPLY_MV, Math.max(PPK2_MIN_SUPPLY_MV, Math.round(mv)))
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms))
}
