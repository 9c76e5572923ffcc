/**
 * Driver for the ST X-NUCLEO-LPM01A (PowerShield firmware) over a serial transport it is given.
 *
 * Connecting: a board left streaming by an earlier session fills the port with samples that bury the
 * replies (the known trap the MLCommons runner's README warns about), so `open` first sends `stop`,
 * waits for the line to go quiet, flushes what the OS buffered, and only then takes host control and
 * reads the board's identity. Replies are matched to the command by its word; anything else is ignored.
 *
 * Capturing: `start` takes host control, sends the whole configuration, arms the stream decoder for the
 * chosen format and sends `start`; from the byte after `ack start` the stream goes to the capture
 * assembler (capture-assembler.ts explains indices, gaps, D7 marks and energy output). `stop` ends the
 * acquisition, waits for the board's end marker, and releases host control (`hrc`).
 */
import type { SampleSink } from '../../capture/sample-block'
import type { SerialTransport } from '../../transports/serial'
import type { InstrumentIdentity } from '../identity'
import type { CurrentRange, PowerAnalyzer, StreamOptions } from '../power-analyzer'
import { CaptureAssembler, type CaptureSummary } from './capture-assembler'
import { Lpm01aArgumentError, commandProblem, commandText, type Lpm01aCommand } from './commands'
import {
  DEFAULT_SUPPLY_V,
  DYNAMIC_RANGE,
  ENERGY_MAX_HZ,
  STATIC_RANGE,
  asciiDecMaxAcqtimeS,
  type Lpm01aFormat,
  type Lpm01aFrequencyHz,
  type Lpm01aOutput
} from './protocol'
import { lpm01aRecordingFormat } from './raw-format'
import { answers, type Lpm01aReply } from './replies'
import { Lpm01aStreamDecoder, type Lpm01aStreamEvent } from './stream-decoder'

export interface Lpm01aCaptureSettings {
  sampleRateHz: Lpm01aFrequencyHz
  format: Lpm01aFormat
  output: Lpm01aOutput
  /** Seconds, or 'inf' to acquire until stop(). */
  acquisitionTimeS: number | 'inf'
  /** 'dyn': 100 nA–50 mA, varying loads; 'stat': 1 nA–200 mA, steady loads. */
  acquisitionMode: 'dyn' | 'stat'
  functionMode: 'optim' | 'high'
  trigger: 'sw' | 'd7'
  triggerDelayS: number
  /** Which D7 edges become marks; 'off' sends no eventsrc command. */
  d7Events: 'fal' | 'ris' | 'off'
  /** Current threshold for the board's D2/D3 event output; undefined leaves it as it is. */
  currentThresholdA?: number
  supplyV: number
}

export const DEFAULT_CAPTURE_SETTINGS: Lpm01aCaptureSettings = {
  sampleRateHz: 100_000,
  format: 'bin_hexa',
  output: 'current',
  acquisitionTimeS: 'inf',
  acquisitionMode: 'dyn',
  functionMode: 'optim',
  trigger: 'sw',
  triggerDelayS: 0,
  d7Events: 'fal',
  supplyV: DEFAULT_SUPPLY_V
}

export interface Lpm01aDriverOptions {
  /** True for the virtual bench's emulated board. */
  virtual?: boolean
  /** How long to wait for each reply. */
  replyTimeoutS?: number
  settings?: Partial<Lpm01aCaptureSettings>
}

/** Something the board or the link did that stops an operation; the message says what to do. */
export class Lpm01aError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'Lpm01aError'
  }
}

interface PendingCommand {
  text: string
  resolve: (reply: Extract<Lpm01aReply, { kind: 'ack' }>) => void
  reject: (error: Error) => void
  timer: ReturnType<typeof setTimeout>
  refused?: Extract<Lpm01aReply, { kind: 'error' }>
}

type State = 'idle' | 'starting' | 'acquiring' | 'stopping' | 'closed'

export class Lpm01aDriver implements PowerAnalyzer {
  identity: InstrumentIdentity
  private current: Lpm01aCaptureSettings
  private readonly decoder = new Lpm01aStreamDecoder()
  private pending: PendingCommand | null = null
  private recentLines: string[] = []
  private state: State = 'idle'
  private draining: { bytes: number; lastByteAt: number } | null = null
  private assembler: CaptureAssembler | null = null
  private sink: SampleSink | null = null
  private endWaiters: Array<(s: CaptureSummary) => void> = []
  private lastSummary: CaptureSummary | null = null
  private disconnectListeners: Array<(reason: string) => void> = []
  private disconnected: string | null = null
  private closing = false
  private readonly replyTimeoutMs: number

  private constructor(
    private readonly transport: SerialTransport,
    private readonly options: Lpm01aDriverOptions
  ) {
    this.current = { ...DEFAULT_CAPTURE_SETTINGS, ...options.settings }
    this.replyTimeoutMs = (options.replyTimeoutS ?? 3) * 1000
    this.identity = {
      id: options.virtual ? 'virtual:lpm01a' : `lpm01a:${transport.path}`,
      kind: 'power-analyzer',
      family: 'lpm01a',
      model: 'ST X-NUCLEO-LPM01A (PowerShield)',
      serial: null,
      firmware: null,
      location: transport.path,
      virtual: options.virtual ?? false
    }
    transport.onData((chunk) => this.receive(chunk))
    transport.onClose((reason) => this.lost(reason))
  }

  /** Opens the board on an already open transport: quiets a stale stream, takes control, reads identity. */
  static async open(transport: SerialTransport, options: Lpm01aDriverOptions = {}): Promise<Lpm01aDriver> {
    const driver = new Lpm01aDriver(transport, options)
    driver.validate(driver.current)
    await driver.quiesce()
    await driver.command({ name: 'htc' })
    const id = await driver.command({ name: 'powershield' })
    const version = await driver.command({ name: 'version' })
    const idWords = id.words.slice(1)
    driver.identity = {
      ...driver.identity,
      serial: idWords.length > 0 ? idWords[idWords.length - 1] : null,
      firmware: version.words.slice(1).find((w) => /^\d+(\.\d+)+$/.test(w)) ?? (version.words.slice(1).join(' ') || null)
    }
    return driver
  }

  private get name(): string {
    return `LPM01A at ${this.transport.path}`
  }

  get settings(): Readonly<Lpm01aCaptureSettings> {
    return this.current
  }

  get samplePeriodS(): number {
    return 1 / this.current.sampleRateHz
  }

  get supplyV(): number {
    return this.current.supplyV
  }

  get ranges(): readonly CurrentRange[] {
    const r = this.current.acquisitionMode === 'dyn' ? DYNAMIC_RANGE : STATIC_RANGE
    const label = this.current.acquisitionMode === 'dyn' ? 'dynamic 100 nA–50 mA' : 'static 1 nA–200 mA'
    return [{ index: 0, label, minA: r.minA, maxA: r.maxA, accuracyFraction: r.accuracyFraction }]
  }

  /** Changes settings for the next start(); throws Lpm01aArgumentError naming what the board would refuse. */
  configure(settings: Partial<Lpm01aCaptureSettings>): void {
    const next = { ...this.current, ...settings }
    this.validate(next)
    this.current = next
  }

  onDisconnect(listener: (reason: string) => void): void {
    if (this.disconnected !== null) listener(this.disconnected)
    else this.disconnectListeners.push(listener)
  }

  async start(sink: SampleSink, options: StreamOptions = {}): Promise<void> {
    if (this.state !== 'idle') throw new Lpm01aError(`${this.name} is already capturing: stop it before starting again.`)
    const s = options.supplyV !== undefined ? { ...this.current, supplyV: options.supplyV } : this.current
    this.validate(s)
    this.current = s
    await this.command({ name: 'htc' })
    for (const cmd of this.setupCommands(s)) await this.command(cmd)
    const fs = s.sampleRateHz
    this.sink = sink
    this.lastSummary = null
    this.assembler = new CaptureAssembler({
      sink,
      sampleRateHz: fs,
      output: s.output,
      supplyV: s.supplyV,
      deviceName: this.name,
      expectedSamples: s.acquisitionTimeS === 'inf' ? null : Math.round(s.acquisitionTimeS * fs),
      markLabel: s.d7Events === 'ris' ? 'D7 rising' : 'D7 falling'
    })
    this.state = 'starting'
    this.decoder.expectAcquisition(s.format)
    try {
      await this.command({ name: 'start' })
    } catch (error) {
      this.decoder.reset()
      this.assembler = null
      this.state = 'idle'
      throw error
    }
    if (this.state === 'starting') this.state = 'acquiring'
  }

  /** Ends the acquisition (if one runs), waits for the board's end marker, and releases host control. */
  async stop(): Promise<void> {
    if (this.state === 'closed') return
    if (this.state === 'acquiring' || this.state === 'starting') {
      this.state = 'stopping'
      const ended = this.waitForEnd()
      await this.transport.write('stop\n').catch(() => {})
      const timeout = new Promise<'timeout'>((r) => setTimeout(() => r('timeout'), this.replyTimeoutMs).unref())
      if ((await Promise.race([ended, timeout])) === 'timeout' && this.assembler) {
        this.assembler.handle({ kind: 'error', message: 'no end-of-acquisition marker arrived after stop; the stream was cut there' })
        this.decoder.reset()
        this.finishAcquisition('stopped')
      }
    }
    if (this.disconnected === null) {
      try {
        await this.command({ name: 'hrc' })
      } catch (error) {
        this.sink?.warning(`${this.name}: could not release host control (${(error as Error).message}).`)
      }
    }
  }

  /**
   * How a recording should keep this driver's raw words with the current settings: pass it to
   * CaptureSession.start (rawFormat, calibration) so the store decodes them exactly as the driver does.
   */
  get recordingFormat(): ReturnType<typeof lpm01aRecordingFormat> {
    return lpm01aRecordingFormat(this.current)
  }

  /** Counts, gaps and warnings of the last capture that ended (null before the first one ends). */
  get lastCapture(): CaptureSummary | null {
    return this.lastSummary
  }

  /** Resolves when the running acquisition ends: acquisition time reached, overcurrent, stop, or unplug. */
  waitForEnd(): Promise<CaptureSummary> {
    if (!this.assembler) {
      return this.lastSummary
        ? Promise.resolve(this.lastSummary)
        : Promise.reject(new Lpm01aError(`${this.name}: no capture has been started.`))
    }
    return new Promise((resolve) => this.endWaiters.push(resolve))
  }

  async close(): Promise<void> {
    if (this.closing) return
    this.closing = true
    if (this.disconnected === null && this.state !== 'closed') await this.stop().catch(() => {})
    this.state = 'closed'
    await this.transport.close()
  }

  /**
   * Sends one command and resolves with its ack; rejects with the board's error detail or a timeout.
   * For diagnostics and settings the capture API does not cover; acquisitions go through start().
   */
  async command(cmd: Lpm01aCommand): Promise<Extract<Lpm01aReply, { kind: 'ack' }>> {
    const text = commandText(cmd)
    if (this.disconnected !== null) throw new Lpm01aError(`${this.name} is disconnected (${this.disconnected}): reconnect it and open it again.`)
    if (this.pending) throw new Lpm01aError(`${this.name}: a command is already waiting for its reply; send one at a time.`)
    this.recentLines = []
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending = null
        const arrived = this.recentLines.length > 0 ? `received ${this.recentLines.map((l) => JSON.stringify(l)).join(', ')}` : 'received nothing'
        reject(
          new Lpm01aError(
            `${this.name} did not answer \`${text}\`: expected \`ack ${text.split(' ')[0]}\` within ${this.replyTimeoutMs / 1000} s, ${arrived}. Check that the board is plugged in and runs PowerShield firmware (1.0.6 or later), and that no other program (STM32CubeMonitor-Power, a terminal) has the port open.`
          )
        )
      }, this.replyTimeoutMs)
      this.pending = { text, resolve, reject, timer }
      this.transport.write(`${text}\n`).catch((error: Error) => {
        clearTimeout(timer)
        this.pending = null
        reject(new Lpm01aError(`${this.name}: could not send \`${text}\` (${error.message}). Check the USB cable.`))
      })
    })
  }

  // ---- internals ----------------------------------------------------------------------------------

  private validate(s: Lpm01aCaptureSettings): void {
    for (const cmd of this.setupCommands(s)) {
      const problem = commandProblem(cmd)
      if (problem) throw new Lpm01aArgumentError(`${this.name}: ${problem}.`)
    }
    if (s.output === 'energy' && s.sampleRateHz > ENERGY_MAX_HZ) {
      throw new Lpm01aArgumentError(`${this.name}: energy output is limited to 10 kHz; choose a sampling rate of 10 kHz or lower (got ${s.sampleRateHz} Hz).`)
    }
    if (s.format === 'ascii_dec') {
      const maxS = asciiDecMaxAcqtimeS(s.sampleRateHz)
      const wantS = s.acquisitionTimeS === 'inf' ? Infinity : s.acquisitionTimeS
      if (maxS === 0) throw new Lpm01aArgumentError(`${this.name}: ascii_dec is limited to 20 kHz; use bin_hexa at ${s.sampleRateHz} Hz.`)
      if (wantS > maxS + 1e-12) {
        throw new Lpm01aArgumentError(
          `${this.name}: ascii_dec at ${s.sampleRateHz} Hz is limited to ${maxS} s of acquisition (asked for ${wantS === Infinity ? 'unlimited' : `${wantS} s`}); shorten it or use bin_hexa.`
        )
      }
    }
  }

  private setupCommands(s: Lpm01aCaptureSettings): Lpm01aCommand[] {
    const cmds: Lpm01aCommand[] = [
      { name: 'volt', voltageV: s.supplyV },
      { name: 'acqmode', mode: s.acquisitionMode },
      { name: 'funcmode', mode: s.functionMode },
      { name: 'output', output: s.output },
      { name: 'format', format: s.format },
      { name: 'freq', hz: s.sampleRateHz },
      { name: 'acqtime', seconds: s.acquisitionTimeS },
      { name: 'trigsrc', source: s.trigger },
      { name: 'trigdelay', seconds: s.triggerDelayS }
    ]
    if (s.d7Events !== 'off') cmds.push({ name: 'eventsrc', source: 'd7', edge: s.d7Events })
    if (s.currentThresholdA !== undefined) cmds.push({ name: 'currthres', thresholdA: s.currentThresholdA })
    cmds.push({ name: 'pwr', state: 'on', status: 'nostatus' })
    return cmds
  }

  /** Sends `stop` in case an earlier session left the board streaming, then waits for silence and flushes. */
  private async quiesce(): Promise<void> {
    this.draining = { bytes: 0, lastByteAt: Date.now() }
    await this.transport.write('stop\n').catch(() => {})
    const started = Date.now()
    while (Date.now() - this.draining.lastByteAt < 150) {
      if (Date.now() - started > 5000) {
        const bytes = this.draining.bytes
        this.draining = null
        throw new Lpm01aError(
          `${this.name} keeps sending data after \`stop\` (${bytes} bytes in 5 s): expected silence before taking control. Unplug the board, plug it back in, and open it again.`
        )
      }
      await new Promise((r) => setTimeout(r, 25))
    }
    this.draining = null
    await this.transport.flush()
    this.decoder.reset()
  }

  private receive(chunk: Buffer): void {
    if (this.draining) {
      this.draining.bytes += chunk.length
      this.draining.lastByteAt = Date.now()
      return
    }
    for (const event of this.decoder.push(chunk)) this.route(event)
  }

  private route(event: Lpm01aStreamEvent): void {
    if (event.kind === 'reply') return this.onReply(event.reply)
    if (event.kind === 'end') {
      this.assembler?.handle(event)
      return this.finishAcquisition(this.state === 'stopping' ? 'stopped' : 'end-of-acquisition')
    }
    if (this.assembler) this.assembler.handle(event)
  }

  private onReply(reply: Lpm01aReply): void {
    const p = this.pending
    if (reply.kind === 'completed') {
      if (this.assembler) this.finishAcquisition(this.state === 'stopping' ? 'stopped' : 'end-of-acquisition')
      return
    }
    if (p && answers(reply, p.text)) {
      if (reply.kind === 'ack') {
        clearTimeout(p.timer)
        this.pending = null
        p.resolve(reply)
      } else if (reply.kind === 'error') {
        p.refused = reply
        // the detail line follows; don't wait forever for it
        clearTimeout(p.timer)
        p.timer = setTimeout(() => this.refuse(p, null), 300)
      }
      return
    }
    if (p?.refused && reply.kind === 'error-detail') return this.refuse(p, reply.detail)
    if (reply.kind === 'error' && this.assembler) this.assembler.handle({ kind: 'error', message: reply.text })
    const line = reply.kind === 'text' || reply.kind === 'ack' || reply.kind === 'error' ? reply.text : reply.kind === 'error-detail' ? reply.detail : ''
    this.recentLines = [...this.recentLines.slice(-4), line]
  }

  private refuse(p: PendingCommand, detail: string | null): void {
    if (this.pending !== p) return
    clearTimeout(p.timer)
    this.pending = null
    p.reject(
      new Lpm01aError(
        `${this.name} refused \`${p.text}\`${detail ? `: ${detail}` : ' (no detail given)'}. Expected \`ack ${p.text.split(' ')[0]}\`; change that setting and try again.`
      )
    )
  }

  private finishAcquisition(endedBy: NonNullable<CaptureSummary['endedBy']>): void {
    const assembler = this.assembler
    if (!assembler) return
    this.assembler = null
    this.lastSummary = assembler.finish(endedBy)
    if (this.state !== 'closed') this.state = 'idle'
    for (const resolve of this.endWaiters.splice(0)) resolve(this.lastSummary)
  }

  private lost(reason: string): void {
    if (this.disconnected !== null) return
    this.disconnected = reason
    if (this.pending) {
      clearTimeout(this.pending.timer)
      this.pending.reject(new Lpm01aError(`${this.name} disconnected (${reason}) while waiting for \`${this.pending.text}\`: reconnect it and open it again.`))
      this.pending = null
    }
    if (this.closing) return
    let message = `${this.name} disconnected (${reason}). Reconnect the USB cable, then open the instrument again.`
    if (this.assembler) {
      const summary = this.assembler.summary
      message = `${this.name} disconnected (${reason}) during a capture after ${summary.samples} samples; everything received up to then is kept. Reconnect the USB cable, then open the instrument again and start a new capture.`
      this.sink?.warning(message)
      this.finishAcquisition('disconnected')
    }
    this.state = 'closed'
    for (const l of this.disconnectListeners.splice(0)) l(message)
  }
}
