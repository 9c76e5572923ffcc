/**
 * An emulated X-NUCLEO-LPM01A on a serial port (the device end of a pty pair): the PowerShield command
 * interpreter with its prompts, acks, errors and documented limits, and acquisitions that sample a
 * DutSignal (emulator-acquisition.ts). It follows the public protocol facts, not our driver.
 *
 * Our judgment where the public sources are silent (documented so a test against real hardware can
 * correct it): configuration and `start` need host control (`htc`) first; during an acquisition only
 * `stop`, `pwr` and `targrst` are accepted, and in bin_hexa their replies travel as info/error frames so
 * the binary stream stays parseable; `stop` is answered by the end marker and `Acquisition completed`,
 * not by an ack (as the MLCommons runner expects).
 *
 * Pacing: 'real-time' sends each sample when its period has ended on the bench clock; 'fast' sends as
 * fast as the port accepts (for tests), with sample times still on the bench timeline from `start`.
 * In real time, a host that stops reading fills the transmit buffer (`txBufferBytes`) and the board
 * overflows exactly as it reports it: samples lost, an overflow message, the overflow bit in the next
 * timestamp.
 */
import type { BenchClock, DutSignal } from '../../virtual-bench/dut-signal'
import { realTimeClock } from '../../virtual-bench/dut-signal'
import { openSerial, type SerialTransport } from '../../transports/serial'
import { parseCommandLine, type Lpm01aCommand } from './commands'
import { EmulatedAcquisition, garbageBytes, type AcquisitionTruth, type Lpm01aFault, type ScheduledFault } from './emulator-acquisition'
import {
  DEFAULT_SUPPLY_V,
  DYNAMIC_RANGE,
  ENERGY_MAX_HZ,
  FrameType,
  LPM01A_BAUD,
  OVERCURRENT_SPIKE_A,
  OVERCURRENT_TRIP_A,
  STATIC_RANGE,
  asciiDecMaxAcqtimeS,
  type Lpm01aFormat,
  type Lpm01aOutput
} from './protocol'
import { formatAck, formatError } from './replies'
import { encodeAsciiDec } from './sample-formats'
import { encodeTextFrame } from './stream-metadata'

export type { Lpm01aFault, ScheduledFault } from './emulator-acquisition'

export interface Lpm01aEmulatorOptions {
  /** Serial port the emulator opens: the device end of a pty pair. */
  devicePath: string
  signal: DutSignal
  clock?: BenchClock
  pace?: 'real-time' | 'fast'
  /** Faults to fire at given sample counts of the next acquisitions (each fires once). */
  faults?: ScheduledFault[]
  /** Keep every sent sample's exact value and word for tests (memory grows with the capture). */
  keepTruth?: boolean
  boardId?: string
  firmware?: string
  edgeResolutionS?: number
  txBufferBytes?: number
  /** 'streaming': a previous session left the board acquiring in bin_hexa at 100 kHz (stale data on connect). */
  initialState?: 'idle' | 'streaming'
  /** How to pull the cable: the virtual bench closes the pty pair. Default: close our end of the port. */
  onUnplug?: () => Promise<void>
}

export interface Lpm01aEmulatorTruth {
  /** Every command line the board received, in order. */
  commands: string[]
  hostControl: boolean
  acquisitions: AcquisitionTruth[]
}

export interface Lpm01aEmulator {
  readonly devicePath: string
  /** Applies a fault now: before the next sample of a running acquisition, or at once when idle. */
  inject(fault: Lpm01aFault): void
  unplug(): Promise<void>
  close(): Promise<void>
  truth(): Lpm01aEmulatorTruth
}

interface BoardSettings {
  voltageV: number
  freqHz: number
  acqtimeS: number
  acqmode: 'dyn' | 'stat'
  funcmode: 'optim' | 'high'
  output: Lpm01aOutput
  format: Lpm01aFormat
  trigsrc: 'sw' | 'd7'
  trigdelayS: number
  currthresA: number
  pwr: 'auto' | 'on' | 'off'
  pwrend: 'on' | 'off'
  eventEdge: 'fal' | 'ris' | null
}

const DEFAULTS: BoardSettings = {
  voltageV: DEFAULT_SUPPLY_V,
  freqHz: 100,
  acqtimeS: 10,
  acqmode: 'dyn',
  funcmode: 'optim',
  output: 'current',
  format: 'ascii_dec',
  trigsrc: 'sw',
  trigdelayS: 1e-3,
  currthresA: 1e-3,
  pwr: 'auto',
  pwrend: 'on',
  eventEdge: null
}

/** Commands a board in standalone mode still answers. */
const WITHOUT_HOST_CONTROL = new Set(['htc', 'hrc', 'powershield', 'version', 'status', 'range', 'help', 'echo', 'temp', 'stop', 'psrst'])
/** Commands accepted while an acquisition runs. */
const DURING_ACQUISITION = new Set(['stop', 'pwr', 'targrst'])

export async function startLpm01aEmulator(options: Lpm01aEmulatorOptions): Promise<Lpm01aEmulator> {
  const transport = await openSerial(options.devicePath, LPM01A_BAUD)
  const board = new EmulatedBoard(transport, options)
  if (options.initialState === 'streaming') board.startStaleStream()
  return board
}

class EmulatedBoard implements Lpm01aEmulator {
  readonly devicePath: string
  private settings: BoardSettings = { ...DEFAULTS }
  private hostControl = false
  private targetOn = false
  private targetOffUntilS = -Infinity
  private acquisition: EmulatedAcquisition | null = null
  private readonly acquisitions: AcquisitionTruth[] = []
  private readonly commands: string[] = []
  private readonly clock: BenchClock
  private readonly faults: ScheduledFault[]
  private lineBuffer = ''
  private inFlightBytes = 0
  private writeChain: Promise<void> = Promise.resolve()
  private ticker: ReturnType<typeof setInterval> | null = null
  private gone = false

  constructor(
    private readonly transport: SerialTransport,
    private readonly options: Lpm01aEmulatorOptions
  ) {
    this.devicePath = options.devicePath
    this.clock = options.clock ?? realTimeClock
    this.faults = [...(options.faults ?? [])]
    transport.onData((chunk) => this.receive(chunk))
    transport.onClose(() => this.shutDown())
  }

  truth(): Lpm01aEmulatorTruth {
    return { commands: [...this.commands], hostControl: this.hostControl, acquisitions: [...this.acquisitions] }
  }

  inject(fault: Lpm01aFault): void {
    if (this.gone) return
    if (fault.kind === 'unplug') {
      void this.unplug()
      return
    }
    if (this.acquisition && !this.acquisition.done) {
      this.acquisition.inject(fault)
      return
    }
    if (fault.kind === 'garbage') this.send(garbageBytes(fault.byteCount, fault.seed ?? 1))
    if (fault.kind === 'overcurrent') this.targetOn = false
  }

  async unplug(): Promise<void> {
    if (this.gone) return
    if (this.acquisition && !this.acquisition.done) this.acquisition.stop('unplug')
    this.shutDown()
    await this.writeChain
    if (this.options.onUnplug) await this.options.onUnplug()
    await this.transport.close()
  }

  async close(): Promise<void> {
    this.shutDown()
    await this.transport.close()
  }

  /** What a board left acquiring by a previous session sends before anyone speaks to it. */
  startStaleStream(): void {
    this.settings = { ...this.settings, format: 'bin_hexa', freqHz: 100_000, acqtimeS: Infinity, pwr: 'on' }
    this.targetOn = true
    this.beginAcquisition()
  }

  // ---- bytes in: command lines --------------------------------------------------------------------

  private receive(chunk: Buffer): void {
    this.lineBuffer += chunk.toString('latin1')
    if (this.lineBuffer.length > 4096) this.lineBuffer = this.lineBuffer.slice(-4096)
    let nl: number
    while ((nl = this.lineBuffer.indexOf('\n')) >= 0) {
      const line = this.lineBuffer.slice(0, nl).replace(/\r$/, '')
      this.lineBuffer = this.lineBuffer.slice(nl + 1)
      if (line.trim() !== '') this.handleLine(line.trim())
    }
  }

  private handleLine(line: string): void {
    if (this.gone) return
    this.commands.push(line)
    const parsed = parseCommandLine(line)
    const running = this.acquisition !== null && !this.acquisition.done
    if (!parsed.ok) return this.reject(line, parsed.detail)
    const cmd = parsed.command
    if (running && !DURING_ACQUISITION.has(cmd.name)) {
      return this.reject(line, 'acquisition in progress: send stop first')
    }
    if (!this.hostControl && !WITHOUT_HOST_CONTROL.has(cmd.name)) {
      return this.reject(line, 'PowerShield is in standalone mode: send htc to take host control first')
    }
    this.execute(cmd, line)
  }

  private execute(cmd: Lpm01aCommand, line: string): void {
    const s = this.settings
    const ack = (value?: string) => this.reply(formatAck(line, value))
    switch (cmd.name) {
      case 'htc':
        this.hostControl = true
        return ack()
      case 'hrc':
        this.hostControl = false
        return ack()
      case 'powershield':
        return ack(this.options.boardId ?? 'VIRTUAL-LPM01A')
      case 'version':
        return ack(this.options.firmware ?? '1.0.7')
      case 'status':
        return ack('ok')
      case 'range': {
        const r = s.acqmode === 'dyn' ? DYNAMIC_RANGE : STATIC_RANGE
        return ack(`${encodeAsciiDec(r.minA)} ${encodeAsciiDec(r.maxA)}`)
      }
      case 'help':
        return ack('commands: htc hrc powershield version range status lcd psrst volt freq acqtime acqmode funcmode output format trigsrc trigdelay currthres pwr pwrend eventsrc start stop targrst temp autotest calib echo')
      case 'psrst':
        this.settings = { ...DEFAULTS }
        this.hostControl = false
        this.targetOn = false
        return ack()
      case 'volt':
        if (cmd.voltageV === 'get') return ack(encodeAsciiDec(s.voltageV))
        s.voltageV = Math.round(cmd.voltageV * 1000) / 1000
        return ack()
      case 'freq':
        s.freqHz = cmd.hz
        return ack()
      case 'acqtime':
        s.acqtimeS = cmd.seconds === 'inf' ? Infinity : cmd.seconds
        return ack()
      case 'acqmode':
        s.acqmode = cmd.mode
        return ack()
      case 'funcmode':
        s.funcmode = cmd.mode
        return ack()
      case 'output':
        s.output = cmd.output
        return ack()
      case 'format':
        s.format = cmd.format
        return ack()
      case 'trigsrc':
        s.trigsrc = cmd.source
        return ack()
      case 'trigdelay':
        s.trigdelayS = cmd.seconds
        return ack()
      case 'currthres':
        s.currthresA = cmd.thresholdA
        return ack()
      case 'pwr':
        if (cmd.state === 'get') return ack(this.targetOn ? 'on' : 'off')
        s.pwr = cmd.state
        if (cmd.state !== 'auto') this.targetOn = cmd.state === 'on'
        return ack()
      case 'pwrend':
        s.pwrend = cmd.state
        return ack()
      case 'eventsrc':
        s.eventEdge = cmd.edge
        return ack()
      case 'targrst':
        this.targetOffUntilS = cmd.seconds === 0 ? Infinity : this.benchNowS() + cmd.seconds
        if (cmd.seconds === 0) this.targetOn = false
        return ack()
      case 'temp':
        return ack(cmd.unit === 'degc' ? '25.0' : '77.0')
      case 'autotest':
        return ack('ok')
      case 'lcd':
      case 'calib':
      case 'echo':
        return ack()
      case 'start':
        return this.start(line)
      case 'stop':
        if (!this.acquisition || this.acquisition.done) return this.reject(line, 'no acquisition in progress')
        this.send(this.acquisition.stop('stop'))
        return this.acquisitionEnded()
    }
  }

  /** Replies are text lines, except inside a bin_hexa stream where they travel as frames. */
  private reply(text: string, isError = false): void {
    if (this.acquisition && !this.acquisition.done && this.acquisition.settings.format === 'bin_hexa') {
      for (const line of text.split('\r\n').filter(Boolean)) {
        this.send(encodeTextFrame(isError ? FrameType.error : FrameType.info, toAscii(line.replace(/^PowerShield > /, ''))))
      }
      return
    }
    this.send(Buffer.from(toAscii(text), 'latin1'))
  }

  private reject(line: string, detail: string): void {
    this.reply(formatError(line, detail), true)
  }

  // ---- acquisitions -------------------------------------------------------------------------------

  private start(line: string): void {
    const s = this.settings
    if (s.output === 'energy' && s.freqHz > ENERGY_MAX_HZ) {
      return this.reject(line, `energy output is limited to 10 kHz: set freq 10k or lower (freq is ${s.freqHz} Hz)`)
    }
    if (s.format === 'ascii_dec') {
      const maxS = asciiDecMaxAcqtimeS(s.freqHz)
      if (maxS === 0) return this.reject(line, `ascii_dec is limited to 20 kHz: use format bin_hexa at ${s.freqHz} Hz`)
      if (s.acqtimeS > maxS + 1e-12) {
        return this.reject(line, `ascii_dec at ${s.freqHz} Hz is limited to ${maxS} s of acquisition: set acqtime ${maxS} or less, or use format bin_hexa`)
      }
    }
    this.reply(formatAck(line))
    this.beginAcquisition()
  }

  private beginAcquisition(): void {
    const s = this.settings
    if (s.pwr === 'auto') this.targetOn = true
    this.targetOffUntilS = -Infinity
    const acquisition = new EmulatedAcquisition(
      {
        sampleRateHz: s.freqHz,
        acqtimeS: s.acqtimeS,
        output: s.output,
        format: s.format,
        supplyV: s.voltageV,
        eventEdge: s.eventEdge,
        triggerOnD7: s.trigsrc === 'd7',
        triggerDelayS: s.trigdelayS,
        // dynamic mode trips at 59 mA (75 mA spikes tolerated, UM2243); for static mode, whose range ends
        // at 200 mA, we trip above that (our judgment: the public sources give no static trip level)
        overcurrent: s.acqmode === 'dyn' ? { tripA: OVERCURRENT_TRIP_A, spikeA: OVERCURRENT_SPIKE_A } : { tripA: STATIC_RANGE.maxA, spikeA: Infinity }
      },
      this.options.signal,
      this.clock.nowS(),
      {
        edgeResolutionS: this.options.edgeResolutionS ?? 10e-6,
        keepTruth: this.options.keepTruth ?? false,
        faults: this.faults,
        targetPowered: (tS) => this.targetOn && !(tS < this.targetOffUntilS),
        bufferPercent: () => Math.min(100, (100 * this.inFlightBytes) / this.txBufferBytes())
      }
    )
    this.acquisition = acquisition
    this.acquisitions.push(acquisition.truth)
    if ((this.options.pace ?? 'real-time') === 'fast') void this.runFast(acquisition)
    else this.ticker = setInterval(() => this.tick(acquisition), 5)
  }

  /** Now on the bench timeline: in 'fast' pacing a running acquisition's time runs ahead of the clock. */
  private benchNowS(): number {
    const a = this.acquisition
    return a && !a.done && (this.options.pace ?? 'real-time') === 'fast' ? a.nextSampleTimeS : this.clock.nowS()
  }

  private txBufferBytes(): number {
    return this.options.txBufferBytes ?? 64 * 1024
  }

  private tick(acquisition: EmulatedAcquisition): void {
    if (this.gone || acquisition.done) return
    const full = this.inFlightBytes > this.txBufferBytes()
    this.deliver(acquisition, acquisition.advance(this.clock.nowS(), Infinity, full))
  }

  private async runFast(acquisition: EmulatedAcquisition): Promise<void> {
    while (!this.gone && !acquisition.done) {
      this.deliver(acquisition, acquisition.advance(Infinity, 4096))
      await this.writeChain
      await new Promise((r) => setImmediate(r))
    }
  }

  private deliver(acquisition: EmulatedAcquisition, bytes: Uint8Array): void {
    if (bytes.length > 0) this.send(bytes)
    if (acquisition.unplugRequested) {
      void this.unplug()
      return
    }
    if (acquisition.done) this.acquisitionEnded()
  }

  private acquisitionEnded(): void {
    if (this.ticker) clearInterval(this.ticker)
    this.ticker = null
    const truth = this.acquisition?.truth
    if (truth?.endedBy === 'overcurrent') {
      this.targetOn = false
      this.settings.pwr = 'off'
    } else if (this.settings.pwr === 'auto' && this.settings.pwrend === 'off') this.targetOn = false
  }

  // ---- bytes out ----------------------------------------------------------------------------------

  private send(bytes: Uint8Array): void {
    if (this.gone || bytes.length === 0) return
    this.inFlightBytes += bytes.length
    this.writeChain = this.writeChain
      .then(() => (this.gone ? undefined : this.transport.write(bytes)))
      .catch(() => this.shutDown())
      .finally(() => {
        this.inFlightBytes -= bytes.length
      })
  }

  private shutDown(): void {
    if (this.gone) return
    this.gone = true
    if (this.ticker) clearInterval(this.ticker)
    this.ticker = null
  }
}

/** The board speaks 7-bit ASCII; our limit messages use a few typographic characters. */
function toAscii(text: string): string {
  return text.replace(/[–—]/g, '-').replace(/µ/g, 'u').replace(/[^\x00-\x7f]/g, '?')
}
