import type { SerialTransport } from '../../transports/serial'
import type { InstrumentIdentity } from '../../instruments/identity'
import {
  ExchangeCollector,
  INTERFACE_COMMAND_PREFIX,
  ReplyLineSplitter,
  dbHexCommands,
  dbLoadCommand,
  encodeCommand,
  inferCommand,
  lapElapsedUs,
  parseLine,
  printable,
  type DutReply,
  type ParsedLine
} from './protocol'

/**
 * Host side of an MLPerf Tiny DUT link over a serial transport: one command at a time, each waiting
 * for its m-ready, never more than 64 bytes in flight, every wait bounded by a timeout whose message
 * says what to check. Works directly (performance mode, 115200 baud) or through an interface board
 * (energy mode: the board speaks to the isolated DUT at 9600 baud).
 */

export interface MlperfDutOptions {
  /** Commands go to an interface board as `dut <command>%` and replies come back as `[dut]: …`. */
  viaInterfaceBoard?: boolean
  /** The first reply line must arrive within this. Default 2 s (the runner's name probe waits 2 s). */
  replyTimeoutS?: number
  /** A whole command must finish within this, unless the call gives its own. Default 5 s. */
  commandTimeoutS?: number
  /** The baud rate the port was opened at, for error messages. */
  baudRate?: number
  /** Every line as it arrives (for transcripts and logs). */
  onLine?: (line: ParsedLine) => void
}

export interface Exchange {
  command: string
  lines: ParsedLine[]
  /** The DUT's replies (relayed ones through a board), in order. */
  replies: DutReply[]
  /** Messages of `e-[…]` replies. */
  errors: string[]
}

export interface InferResult {
  count: number
  warmups: number
  /** m-lap-us values between m-infer-start and m-infer-done (performance mode). */
  lapsUs: number[]
  /** End minus start lap, allowing one wrap of the 32-bit counter; null in energy mode. */
  elapsedUs: number | null
  latencyPerInferenceS: number | null
  results: number[] | null
  /** The exchange, for printing. */
  exchange: Exchange
}

export class DutError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'DutError'
  }
}
export class DutTimeoutError extends DutError {
  override name = 'DutTimeoutError'
}
export class DutReplyError extends DutError {
  override name = 'DutReplyError'
}
export class DutDisconnectedError extends DutError {
  override name = 'DutDisconnectedError'
}

interface Pending {
  command: string
  collector: ExchangeCollector
  resolve(e: Exchange): void
  reject(e: Error): void
  replyTimer: NodeJS.Timeout
  doneTimer: NodeJS.Timeout
}

export class MlperfDut {
  readonly identity: InstrumentIdentity
  /** Lines that arrived while no command was waiting (boot banner, a reset, late replies); the last 1000. */
  readonly unsolicited: ParsedLine[] = []
  private readonly splitter = new ReplyLineSplitter()
  private readonly via: boolean
  private pending: Pending | null = null
  private queue: Promise<unknown> = Promise.resolve()
  private closedReason: string | null = null
  private disconnectListeners: Array<(reason: string) => void> = []
  private resyncNeeded = false
  private lastDataAtMs = 0
  /** A boot banner started arriving between commands and its m-ready has not come yet. */
  private bootInProgress = false
  private bannerMode: 'performance' | 'energy' | null = null

  constructor(
    private readonly transport: SerialTransport,
    private readonly options: MlperfDutOptions = {}
  ) {
    this.via = options.viaInterfaceBoard ?? false
    this.identity = {
      id: `mlperf-tiny:${transport.path}`,
      kind: 'dut-link',
      family: 'mlperf-tiny',
      model: this.via ? 'MLPerf Tiny DUT (through interface board)' : 'MLPerf Tiny DUT',
      serial: null,
      firmware: null,
      location: transport.path,
      virtual: false
    }
    transport.onData((chunk) => this.receive(chunk))
    transport.onClose((reason) => {
      this.closedReason = reason
      const p = this.pending
      if (p) {
        this.finish()
        p.reject(
          new DutDisconnectedError(
            `The DUT link on ${transport.path} went away during \`${p.command}\` (${reason}). ${this.receivedSoFar(p)} Reconnect the cable and run the command again.`
          )
        )
      }
      for (const l of this.disconnectListeners.splice(0)) l(reason)
    })
  }

  get path(): string {
    return this.transport.path
  }

  onDisconnect(listener: (reason: string) => void): void {
    if (this.closedReason !== null) listener(this.closedReason)
    else this.disconnectListeners.push(listener)
  }

  /** The timestamp mode the firmware announced in its boot banner, if the banner was seen. */
  get timestampMode(): 'performance' | 'energy' | null {
    return this.bannerMode
  }

  /** Anomalies in the byte stream so far (non-ASCII bytes, endless lines). */
  get anomalies() {
    return this.splitter.anomalies
  }

  /**
   * Send one command and collect its replies up to m-ready. `e-[…]` replies are returned, not thrown:
   * the typed methods below turn them into errors.
   */
  command(command: string, options: { timeoutS?: number } = {}): Promise<Exchange> {
    const bytes = encodeCommand(command, { viaInterfaceBoard: this.via })
    const run = () => this.send(command, bytes, options.timeoutS ?? this.options.commandTimeoutS ?? 5)
    const next = this.queue.then(run, run)
    this.queue = next.catch(() => {})
    return next
  }

  /** `name%` → the vendor string of m-name-dut-[vendor]. */
  async name(): Promise<string> {
    const ex = await this.checked('name')
    const r = ex.replies.find((x) => x.kind === 'name')
    if (!r || r.kind !== 'name') throw this.missing(ex, 'an m-name-dut-[…] line')
    return r.vendor
  }

  /** `profile%` → m-profile-[…] and m-model-[…]. */
  async profile(): Promise<{ profile: string; model: string }> {
    const ex = await this.checked('profile')
    const p = ex.replies.find((x) => x.kind === 'profile')
    const m = ex.replies.find((x) => x.kind === 'model')
    if (!p || p.kind !== 'profile' || !m || m.kind !== 'model') throw this.missing(ex, 'm-profile-[…] and m-model-[…] lines')
    return { profile: p.profile, model: m.model }
  }

  /** `timestamp%` → the m-lap-us value in performance mode; null in energy mode (the DUT pulses its pin). */
  async timestamp(): Promise<number | null> {
    const ex = await this.checked('timestamp')
    const lap = ex.replies.find((x) => x.kind === 'lap')
    return lap && lap.kind === 'lap' ? lap.microseconds : null
  }

  /** `db load N%` then `db HEX%` commands until the DUT says m-load-done. */
  async load(data: Uint8Array): Promise<{ commands: number }> {
    const first = await this.checked(dbLoadCommand(data.length))
    const expecting = first.replies.find((x) => x.kind === 'expecting')
    if (!expecting || expecting.kind !== 'expecting' || expecting.byteCount !== data.length) {
      const said = first.replies.find((x) => x.kind === 'text')
      throw new DutReplyError(
        `The DUT on ${this.path} did not accept a ${data.length}-byte input: expected "m-[Expecting ${data.length} bytes]", got ${quoteLines(first)}.${said ? ' Its input buffer is smaller than this input: rebuild the firmware with a larger MAX_DB_INPUT_SIZE or send the model\'s real input size.' : ''}`
      )
    }
    const cmds = dbHexCommands(data, this.via)
    let done = false
    for (let k = 0; k < cmds.length; k++) {
      const ex = await this.checked(cmds[k])
      done = ex.replies.some((x) => x.kind === 'load-done')
      if (done && k < cmds.length - 1) {
        throw new DutReplyError(`The DUT on ${this.path} said m-load-done after ${(k + 1) * Math.ceil(data.length / cmds.length)} of ${data.length} bytes: it lost track of the db load count. Run the load again.`)
      }
    }
    if (!done) {
      throw new DutReplyError(
        `The DUT on ${this.path} received all ${data.length} bytes but never said m-load-done: some db commands were lost or cut. Check for noise on the line and that nothing else writes to the port, then load again.`
      )
    }
    return { commands: cmds.length + 1 }
  }

  /** `db print%` → the bytes of the DUT's input buffer. */
  async printBuffer(): Promise<Uint8Array> {
    const ex = await this.checked('db print')
    return Uint8Array.from(ex.replies.flatMap((r) => (r.kind === 'buffer' ? r.bytes : [])))
  }

  /**
   * `infer N W%`. The default timeout allows 10 s plus 1 s per inference; pass a real one for slow models.
   * In performance mode the latency per inference is (last lap − first lap) / N.
   */
  async infer(count: number, warmups: number, options: { timeoutS?: number } = {}): Promise<InferResult> {
    const ex = await this.checked(inferCommand(count, warmups), options.timeoutS ?? 10 + count + warmups)
    const at = (kind: DutReply['kind']) => ex.replies.findIndex((r) => r.kind === kind)
    const start = at('infer-start')
    const end = at('infer-done')
    if (start < 0 || end < start) throw this.missing(ex, 'm-infer-start-N … m-infer-done')
    const lapsUs = ex.replies.slice(start, end).flatMap((r) => (r.kind === 'lap' ? [r.microseconds] : []))
    const elapsedUs = lapsUs.length >= 2 ? lapElapsedUs(lapsUs[0], lapsUs[lapsUs.length - 1]) : null
    const results = ex.replies.find((r) => r.kind === 'results')
    return {
      count,
      warmups,
      lapsUs,
      elapsedUs,
      latencyPerInferenceS: elapsedUs === null ? null : elapsedUs / 1e6 / count,
      results: results && results.kind === 'results' ? results.values : null,
      exchange: ex
    }
  }

  /** `results%` → the output vector of the last inference. */
  async results(): Promise<number[]> {
    const ex = await this.checked('results')
    const r = ex.replies.find((x) => x.kind === 'results')
    if (!r || r.kind !== 'results') throw this.missing(ex, 'an m-results-[…] line')
    return r.values
  }

  /**
   * Wait until the port has been quiet for `quietS` (at most `maxS`): whatever the DUT had queued
   * (a boot banner after opening the port resets it) is taken as unsolicited, not as a reply.
   */
  async settle(quietS = 0.1, maxS = 2): Promise<void> {
    this.lastDataAtMs = Math.max(this.lastDataAtMs, Date.now())
    await this.quietFor(quietS, maxS)
  }

  async close(): Promise<void> {
    await this.transport.close()
  }

  private async checked(command: string, timeoutS?: number): Promise<Exchange> {
    const ex = await this.command(command, { timeoutS })
    if (ex.errors.length > 0) {
      throw new DutReplyError(`The DUT on ${this.path} rejected \`${command}\`: ${ex.errors.join('; ')}.`)
    }
    return ex
  }

  private missing(ex: Exchange, what: string): DutError {
    return new DutReplyError(
      `The DUT on ${this.path} answered \`${ex.command}\` without ${what}; it sent ${quoteLines(ex)}. Is this an MLPerf Tiny firmware, and is the port the DUT's (not the interface board's or the power monitor's)?`
    )
  }

  private async send(command: string, bytes: Uint8Array, timeoutS: number): Promise<Exchange> {
    if (this.closedReason !== null) {
      throw new DutDisconnectedError(`The DUT link on ${this.path} is closed (${this.closedReason}); reconnect and open it again.`)
    }
    if (this.resyncNeeded) {
      // A command timed out: let its late replies arrive (as unsolicited lines) before this one goes out,
      // so they cannot complete it.
      await this.transport.flush()
      await this.quietFor(0.2, 1)
      const partial = this.splitter.discardPartial()
      if (partial) this.keepUnsolicited(parseLine(partial))
      this.resyncNeeded = false
    }
    const viaBoard = this.via
    return new Promise<Exchange>((resolve, reject) => {
      const replyS = Math.min(this.options.replyTimeoutS ?? 2, timeoutS)
      const p: Pending = {
        command,
        collector: new ExchangeCollector(viaBoard, this.bootInProgress),
        resolve,
        reject,
        replyTimer: setTimeout(() => this.timeout(p, replyS, true), replyS * 1000),
        doneTimer: setTimeout(() => this.timeout(p, timeoutS, false), timeoutS * 1000)
      }
      this.pending = p
      this.transport.write(bytes).catch((e: Error) => {
        if (this.pending !== p) return
        this.finish()
        reject(new DutError(`Could not send \`${command}\` to the DUT on ${this.path}: ${e.message}`))
      })
    })
  }

  private keepUnsolicited(line: ParsedLine): void {
    this.unsolicited.push(line)
    if (this.unsolicited.length > 1000) this.unsolicited.splice(0, this.unsolicited.length - 1000)
  }

  /** Wait until no byte has arrived for `quietS`, or `maxS` has passed. */
  private async quietFor(quietS: number, maxS: number): Promise<void> {
    const deadline = Date.now() + maxS * 1000
    while (Date.now() < deadline && Date.now() - this.lastDataAtMs < quietS * 1000) {
      await new Promise((r) => setTimeout(r, 20))
    }
  }

  private receive(chunk: Buffer): void {
    this.lastDataAtMs = Date.now()
    for (const line of this.splitter.push(chunk)) {
      const parsed = parseLine(line)
      this.options.onLine?.(parsed)
      if (parsed.reply.kind === 'timestamp-mode' && parsed.relayed === this.via) this.bannerMode = parsed.reply.mode
      const p = this.pending
      if (!p) {
        this.keepUnsolicited(parsed)
        if (parsed.relayed === this.via) {
          const kind = parsed.reply.kind
          if (kind === 'timestamp-mode' || kind === 'init-done') this.bootInProgress = true
          else if (kind === 'ready') this.bootInProgress = false
        }
        continue
      }
      this.bootInProgress = false
      clearTimeout(p.replyTimer)
      const complete = p.collector.accept(parsed)
      if (p.collector.bootLines.at(-1) === parsed) this.keepUnsolicited(parsed)
      if (complete) {
        this.finish()
        const replies = p.collector.dutReplies()
        p.resolve({
          command: p.command,
          lines: p.collector.lines,
          replies,
          errors: replies.flatMap((r) => (r.kind === 'error' ? [r.message] : []))
        })
      }
    }
  }

  private finish(): void {
    const p = this.pending
    if (!p) return
    clearTimeout(p.replyTimer)
    clearTimeout(p.doneTimer)
    this.pending = null
  }

  private timeout(p: Pending, afterS: number, noReplyYet: boolean): void {
    if (this.pending !== p) return
    this.finish()
    this.resyncNeeded = true
    const wire = (this.via ? INTERFACE_COMMAND_PREFIX : '') + p.command + '%'
    const baud = this.options.baudRate ? `${this.options.baudRate} baud` : 'the baud rate'
    let advice: string
    if (p.collector.rebooted) {
      advice = `The DUT rebooted while the command was on its way (it printed its boot banner), so it probably never saw it: send the command again${this.via ? '' : ', and check the DUT is not reset by opening the port (DTR)'}.`
    } else if (noReplyYet && p.collector.lines.length === 0) {
      advice = this.via
        ? `Nothing came back from the interface board. Check that ${this.path} is the interface board's port (it answers "name%" with its own name), at 115200 baud.`
        : `Check ${baud} (MLPerf Tiny DUTs use 115200 in performance mode and 9600 in energy mode; the firmware's boot banner says m-timestamp-mode-performance or -energy), that TX and RX are crossed and grounds shared, that the DUT is powered and has booted (it prints m-init-done), and whether it sits behind an interface board (then use --via-board).`
    } else if (this.via && p.collector.boardAcknowledged) {
      advice = `The interface board relayed the command but the DUT never finished it${p.collector.lines.some((l) => l.relayed) ? '' : ' (no [dut]: line at all)'}: check the board↔DUT wiring (TX/RX crossed, level shifter powered), that the DUT runs at 9600 baud, and that the DUT is powered by the energy monitor.`
    } else {
      advice = `The DUT started answering but never sent m-ready. If it is still working (a long infer), raise the timeout; otherwise reset the DUT.`
    }
    p.reject(
      new DutTimeoutError(
        `No ${noReplyYet && p.collector.lines.length === 0 ? 'reply' : 'm-ready'} from the DUT on ${this.path} to "${printable(wire)}" within ${afterS} s. ${this.receivedSoFar(p)} ${advice}`
      )
    )
  }

  private receivedSoFar(p: Pending): string {
    const lines = p.collector.lines
    const partial = this.splitter.partial
    if (lines.length === 0 && !partial) return 'Nothing was received.'
    const shown = lines.slice(-6).map((l) => `"${printable(l.line)}"`)
    if (partial) shown.push(`"${printable(partial.slice(0, 80))}" (unfinished)`)
    return `Received: ${lines.length > 6 ? '… ' : ''}${shown.join(', ')}.`
  }
}

function quoteLines(ex: Exchange): string {
  if (ex.lines.length === 0) return 'nothing'
  return ex.lines
    .slice(0, 8)
    .map((l) => `"${printable(l.line)}"`)
    .join(', ')
}
