/**
 * A GDB Remote Serial Protocol client over TCP: the universal path to OpenOCD, pyOCD, J-Link's GDB
 * server, `probe-rs gdb` and QEMU. One request at a time (the protocol's rule); stop replies, console
 * output and File-I/O (semihosting) requests that arrive while the target runs are handled as events.
 */
import { connect, type Socket } from 'node:net'
import { bytesToHex, encodePacket, hexToBytes, hexToText, payloadText, RspDecoder, textToHex, type RspEvent } from './rsp-codec'
import { parseStopReply, StopReplyError, type FileIoArg, type StopReply } from './stop-reply'
import { answerFileIo } from './file-io'
import { TargetTimeoutError } from '../debug-target'

export class GdbConnectionError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'GdbConnectionError'
  }
}

export class GdbErrorReply extends Error {
  constructor(
    readonly server: string,
    readonly request: string,
    readonly reply: string
  ) {
    super(`${server} refused "${request.slice(0, 40)}": ${reply === '' ? 'not supported (empty reply)' : `error ${reply}`}.`)
    this.name = 'GdbErrorReply'
  }
}

/** What the target reported when it stopped, exited or was killed. */
export type StopEvent = Exclude<StopReply, { kind: 'output' } | { kind: 'file-io' }>

export interface SemihostingIo {
  /** Bytes the target wrote to fd 1 or 2. */
  write(fd: number, data: Uint8Array): void
  /** Bytes for the target's reads from fd 0; return an empty array for end of input. */
  read?(maxBytes: number): Uint8Array
}

export interface GdbClientOptions {
  /** Per-request timeout; the error names the server and the request. */
  timeoutS?: number
  connectTimeoutS?: number
  /** Console output (`O` packets and monitor command output). */
  onConsoleOutput?: (text: string) => void
  /** Semihosting File-I/O. Without it, writes to stdout/stderr are collected in `semihostingOutput`. */
  semihosting?: SemihostingIo
}

type State = 'halted' | 'running' | 'file-io' | 'exited' | 'closed'

interface PendingReply {
  resolve(payload: Uint8Array): void
  reject(error: Error): void
  /** `O` packets before the final reply belong to this request (qRcmd). */
  onOutput?: (text: string) => void
  /** Whether a stop reply (T05…, S05) can be the answer (only for `?`). */
  stopReplyExpected: boolean
}

const MAX_RESENDS = 3

export class GdbClient {
  readonly serverName: string
  /** Features from qSupported: `PacketSize` → "1000", `QStartNoAckMode` → true … */
  readonly features = new Map<string, string | boolean>()
  /** Text the target wrote through semihosting when no SemihostingIo was given. */
  semihostingOutput = ''
  exitCode: number | undefined

  private socket!: Socket
  private decoder = new RspDecoder()
  private ackMode = true
  private lastSent: Uint8Array | undefined
  private resends = 0
  private pending: PendingReply | undefined
  private queue: Promise<unknown> = Promise.resolve()
  private state: State = 'halted'
  private stopWaiters: Array<{ resolve(e: StopEvent): void; reject(e: Error): void }> = []
  private lastStop: StopEvent | undefined
  private closeReason: string | undefined
  private supportsX: boolean | undefined
  private useVCont = false
  private timeoutS: number
  /** Counts of protocol anomalies (garbage bytes, corrupt frames, resends), for diagnostics. */
  readonly anomalies = { garbageBytes: 0, corruptFrames: 0, resends: 0, unsolicitedStops: 0 }

  private constructor(
    readonly host: string,
    readonly port: number,
    private readonly options: GdbClientOptions
  ) {
    this.serverName = `GDB server at ${host}:${port}`
    this.timeoutS = options.timeoutS ?? 5
  }

  static async connect(host: string, port: number, options: GdbClientOptions = {}): Promise<GdbClient> {
    const client = new GdbClient(host, port, options)
    await client.open(options.connectTimeoutS ?? 5)
    await client.handshake()
    return client
  }

  get isRunning(): boolean {
    return this.state === 'running' || this.state === 'file-io'
  }

  get hasExited(): boolean {
    return this.state === 'exited'
  }

  private open(timeoutS: number): Promise<void> {
    return new Promise((resolve, reject) => {
      const socket = connect({ host: this.host, port: this.port })
      const timer = setTimeout(() => {
        socket.destroy()
        reject(new GdbConnectionError(`${this.serverName} did not accept a connection within ${timeoutS} s. Check the host and port, and that no firewall is in the way.`))
      }, timeoutS * 1000)
      socket.once('error', (e: NodeJS.ErrnoException) => {
        clearTimeout(timer)
        reject(
          new GdbConnectionError(
            e.code === 'ECONNREFUSED'
              ? `Nothing is listening at ${this.host}:${this.port}. Start the GDB server (openocd, pyocd gdbserver, JLinkGDBServer, probe-rs gdb, or qemu-system-arm -gdb tcp::${this.port}) or check the port.`
              : `Cannot connect to ${this.serverName}: ${e.message}.`
          )
        )
      })
      socket.once('connect', () => {
        clearTimeout(timer)
        // Without this each request waits for the delayed ACK of the last one (about 40 ms per exchange).
        socket.setNoDelay(true)
        this.socket = socket
        socket.removeAllListeners('error')
        socket.on('error', (e) => this.onClosed(`connection error: ${e.message}`))
        socket.on('close', () => this.onClosed('the server closed the connection'))
        socket.on('data', (chunk: Buffer) => this.onData(chunk))
        resolve()
      })
    })
  }

  private async handshake(): Promise<void> {
    const reply = await this.request('qSupported:multiprocess-;swbreak+;hwbreak+;vContSupported+;no-resumed+')
    for (const item of reply.split(';')) {
      if (item.endsWith('+')) this.features.set(item.slice(0, -1), true)
      else if (item.endsWith('-')) this.features.set(item.slice(0, -1), false)
      else if (item.includes('=')) this.features.set(item.slice(0, item.indexOf('=')), item.slice(item.indexOf('=') + 1))
    }
    if (this.features.get('QStartNoAckMode') === true) {
      if ((await this.request('QStartNoAckMode')) === 'OK') this.ackMode = false
    }
    // vCont is used only when the stub lists both continue and step among its actions.
    if (this.features.get('vContSupported') === true) {
      const actions = (await this.request('vCont?')).split(';')
      this.useVCont = actions[0] === 'vCont' && actions.includes('c') && actions.includes('s')
    }
    // Ask why the target is stopped; a stub that is already running would not answer this.
    const why = await this.request('?')
    const stop = this.toStopEvent(why)
    if (stop) this.lastStop = stop
  }

  /** Largest packet the stub accepts (qSupported PacketSize), capped to keep memory chunks modest. */
  get packetSize(): number {
    const raw = this.features.get('PacketSize')
    const n = typeof raw === 'string' ? parseInt(raw, 16) : NaN
    return Number.isFinite(n) && n > 64 ? Math.min(n, 16384) : 400
  }

  // ---- wire ----

  private send(bytes: Uint8Array): void {
    if (this.state === 'closed') throw new GdbConnectionError(`${this.serverName} is disconnected (${this.closeReason}). Reconnect.`)
    this.socket.write(bytes)
  }

  private onData(chunk: Buffer): void {
    let events: RspEvent[]
    try {
      events = this.decoder.push(chunk)
    } catch (e) {
      this.onClosed(`protocol decoder failed: ${(e as Error).message}`)
      return
    }
    for (const event of events) {
      switch (event.type) {
        case 'ack':
          this.resends = 0
          break
        case 'nack':
          if (this.ackMode && this.lastSent && this.resends < MAX_RESENDS) {
            this.resends++
            this.anomalies.resends++
            this.socket.write(this.lastSent)
          }
          break
        case 'corrupt':
          this.anomalies.corruptFrames++
          if (this.ackMode) this.socket.write('-')
          break
        case 'garbage':
          this.anomalies.garbageBytes += event.count
          break
        case 'interrupt':
        case 'notification':
          break
        case 'packet':
          if (this.ackMode) this.socket.write('+')
          this.onPacket(event.payload)
          break
      }
    }
  }

  private onPacket(payload: Uint8Array): void {
    const text = payloadText(payload)
    if (this.pending) {
      if (this.pending.onOutput && text.startsWith('O') && text !== 'OK') {
        const out = hexToText(text.slice(1))
        if (out !== undefined) {
          this.pending.onOutput(out)
          return
        }
      }
      // A stop reply to a request that cannot have one is unsolicited: QEMU, for one, sends T05 to a new
      // connection when it stops a VM that an earlier client left running. GDB flushes it; so do we.
      if (!this.pending.stopReplyExpected && /^[TS][0-9a-fA-F]{2}/.test(text)) {
        this.anomalies.unsolicitedStops++
        return
      }
      const p = this.pending
      this.pending = undefined
      p.resolve(payload)
      return
    }
    if (this.state === 'running') {
      this.onAsyncStopReply(text)
      return
    }
    // A packet nobody asked for: a late reply after a timeout, or a stub bug. Count it and move on.
    this.anomalies.corruptFrames++
  }

  private onAsyncStopReply(text: string): void {
    let reply: StopReply
    try {
      reply = parseStopReply(text)
    } catch (e) {
      this.failWaiters(e as StopReplyError)
      return
    }
    if (reply.kind === 'output') {
      this.options.onConsoleOutput?.(reply.text)
      return
    }
    if (reply.kind === 'file-io') {
      this.state = 'file-io'
      void this.serveFileIo(reply.call, reply.args).catch((e: Error) => this.failWaiters(e))
      return
    }
    this.settleStop(reply)
  }

  private settleStop(stop: StopEvent): void {
    this.lastStop = stop
    if (stop.kind === 'exited' || stop.kind === 'terminated') {
      this.state = 'exited'
      if (stop.kind === 'exited') this.exitCode = stop.exitCode
    } else {
      this.state = 'halted'
    }
    const waiters = this.stopWaiters
    this.stopWaiters = []
    for (const w of waiters) w.resolve(stop)
  }

  private failWaiters(error: Error): void {
    const waiters = this.stopWaiters
    this.stopWaiters = []
    for (const w of waiters) w.reject(error)
  }

  private onClosed(reason: string): void {
    if (this.state === 'closed') return
    const wasExited = this.state === 'exited'
    this.state = 'closed'
    this.closeReason = reason
    const error = new GdbConnectionError(
      wasExited
        ? `${this.serverName} closed the connection after the target exited${this.exitCode !== undefined ? ` with code ${this.exitCode}` : ''}.`
        : `Lost ${this.serverName}: ${reason}. Check that the GDB server is still running, then reconnect.`
    )
    this.pending?.reject(error)
    this.pending = undefined
    this.failWaiters(error)
  }

  /**
   * Sends one packet and resolves with the reply payload (as text). Requests are serialised. Only valid
   * while the target is halted (or stopped in a File-I/O request).
   */
  request(payload: string | Uint8Array, options: { timeoutS?: number; onOutput?: (text: string) => void } = {}): Promise<string> {
    return this.requestBytes(payload, options).then(payloadText)
  }

  requestBytes(payload: string | Uint8Array, options: { timeoutS?: number; onOutput?: (text: string) => void } = {}): Promise<Uint8Array> {
    const run = () =>
      new Promise<Uint8Array>((resolve, reject) => {
        const label = typeof payload === 'string' ? payload : payloadText(payload.subarray(0, 40))
        if (this.state === 'closed') {
          reject(new GdbConnectionError(`${this.serverName} is disconnected (${this.closeReason}). Reconnect.`))
          return
        }
        if (this.state === 'running') {
          reject(new Error(`Cannot send "${label.slice(0, 30)}" to ${this.serverName} while the target runs. Halt it first.`))
          return
        }
        const timeoutS = options.timeoutS ?? this.timeoutS
        const timer = setTimeout(() => {
          this.pending = undefined
          // A reply may still come and would be taken for the answer to the next request: drop the link.
          this.socket.destroy()
          this.onClosed('request timed out')
          reject(new TargetTimeoutError(`No reply from ${this.serverName} to "${label.slice(0, 30)}" within ${timeoutS} s. Is the server still attached to the target? The connection was closed; reconnect.`))
        }, timeoutS * 1000)
        this.pending = {
          resolve: (p) => {
            clearTimeout(timer)
            resolve(p)
          },
          reject: (e) => {
            clearTimeout(timer)
            reject(e)
          },
          onOutput: options.onOutput,
          stopReplyExpected: label === '?'
        }
        const frame = encodePacket(payload)
        this.lastSent = frame
        this.resends = 0
        this.send(frame)
      })
    const next = this.queue.then(run, run)
    this.queue = next.catch(() => undefined)
    return next
  }

  private async expectOk(payload: string): Promise<void> {
    const reply = await this.request(payload)
    if (reply !== 'OK') throw new GdbErrorReply(this.serverName, payload, reply)
  }

  // ---- memory ----

  async readMemory(address: number, length: number): Promise<Uint8Array> {
    const out = new Uint8Array(length)
    const chunk = Math.max(16, Math.floor((this.packetSize - 16) / 2))
    for (let done = 0; done < length; ) {
      const n = Math.min(chunk, length - done)
      const request = `m${((address + done) >>> 0).toString(16)},${n.toString(16)}`
      const reply = await this.request(request)
      if (reply.length === 0 || reply[0] === 'E') {
        throw new GdbErrorReply(this.serverName, request, reply)
      }
      const bytes = hexToBytes(reply)
      if (!bytes || bytes.length === 0) throw new GdbErrorReply(this.serverName, request, `malformed reply "${reply.slice(0, 20)}"`)
      // Stubs may return fewer bytes than asked (end of a region): continue from there.
      out.set(bytes.subarray(0, n), done)
      done += Math.min(bytes.length, n)
    }
    return out
  }

  async writeMemory(address: number, data: Uint8Array): Promise<void> {
    if (this.supportsX === undefined) {
      const probe = await this.request(`X${(address >>> 0).toString(16)},0:`)
      this.supportsX = probe === 'OK'
    }
    const chunk = this.supportsX ? Math.max(16, Math.floor((this.packetSize - 32) / 2)) : Math.max(16, Math.floor((this.packetSize - 32) / 2))
    for (let done = 0; done < data.length; ) {
      const n = Math.min(chunk, data.length - done)
      const a = ((address + done) >>> 0).toString(16)
      const part = data.subarray(done, done + n)
      if (this.supportsX) {
        const head = new TextEncoder().encode(`X${a},${n.toString(16)}:`)
        const packet = new Uint8Array(head.length + n)
        packet.set(head)
        packet.set(part, head.length)
        const reply = await this.request(packet)
        if (reply !== 'OK') throw new GdbErrorReply(this.serverName, `X${a},${n.toString(16)}`, reply)
      } else {
        await this.expectOk(`M${a},${n.toString(16)}:${bytesToHex(part)}`)
      }
      done += n
    }
  }

  // ---- registers (GDB's numbering for this target; see target-description.ts) ----

  async readRegister(regnum: number): Promise<Uint8Array> {
    const request = `p${regnum.toString(16)}`
    const reply = await this.request(request)
    const bytes = reply[0] === 'E' ? undefined : hexToBytes(reply)
    if (!bytes || bytes.length === 0) throw new GdbErrorReply(this.serverName, request, reply)
    return bytes
  }

  async writeRegister(regnum: number, value: Uint8Array): Promise<void> {
    await this.expectOk(`P${regnum.toString(16)}=${bytesToHex(value)}`)
  }

  async readAllRegisters(): Promise<Uint8Array> {
    const reply = await this.request('g')
    const bytes = reply[0] === 'E' ? undefined : hexToBytes(reply.replace(/x/g, '0'))
    if (!bytes) throw new GdbErrorReply(this.serverName, 'g', reply)
    return bytes
  }

  // ---- breakpoints ----

  /** type 0 software, 1 hardware; kind 2 = 16-bit Thumb, 4 = 32-bit Thumb-2 (stubs may ignore it). */
  async insertBreakpoint(address: number, type: 0 | 1 = 0, kind = 2): Promise<void> {
    await this.expectOk(`Z${type},${(address >>> 0).toString(16)},${kind}`)
  }

  async removeBreakpoint(address: number, type: 0 | 1 = 0, kind = 2): Promise<void> {
    await this.expectOk(`z${type},${(address >>> 0).toString(16)},${kind}`)
  }

  // ---- run control ----

  /** Lets the target run. Its stop arrives later: await waitForStop(). */
  async resume(): Promise<void> {
    await this.queue
    if (this.state === 'exited') throw new Error(`The target behind ${this.serverName} has exited${this.exitCode !== undefined ? ` (code ${this.exitCode})` : ''}; reload it to run again.`)
    if (this.state === 'running') return
    this.state = 'running'
    this.lastStop = undefined
    this.send(encodePacket(this.useVCont ? 'vCont;c' : 'c'))
  }

  /** Single-steps one instruction and returns the stop event. */
  async step(timeoutS = this.timeoutS): Promise<StopEvent> {
    await this.queue
    if (this.state !== 'halted') throw new Error(`Cannot step: the target behind ${this.serverName} is ${this.state}.`)
    this.state = 'running'
    this.lastStop = undefined
    const stopped = this.waitForStop(timeoutS)
    this.send(encodePacket(this.useVCont ? 'vCont;s' : 's'))
    return stopped
  }

  /** Stops a running target (Ctrl-C). Resolves with the stop event. */
  async interrupt(timeoutS = this.timeoutS): Promise<StopEvent> {
    if (!this.isRunning) return this.lastStop ?? { kind: 'stopped', signal: 2, registers: new Map(), reason: undefined, thread: undefined }
    const stopped = this.waitForStop(timeoutS)
    this.socket.write(Uint8Array.of(0x03))
    return stopped
  }

  /** Resolves when the running target stops, exits or is killed; rejects after timeoutS. */
  waitForStop(timeoutS: number): Promise<StopEvent> {
    if (!this.isRunning) {
      if (this.lastStop) return Promise.resolve(this.lastStop)
      if (this.state === 'closed') return Promise.reject(new GdbConnectionError(`${this.serverName} is disconnected (${this.closeReason}).`))
    }
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.stopWaiters = this.stopWaiters.filter((w) => w !== waiter)
        reject(new TargetTimeoutError(`The target behind ${this.serverName} did not stop within ${timeoutS} s. It may be stuck in a loop or waiting for input; halt it or raise the timeout.`))
      }, timeoutS * 1000)
      const waiter = {
        resolve: (e: StopEvent) => {
          clearTimeout(timer)
          resolve(e)
        },
        reject: (e: Error) => {
          clearTimeout(timer)
          reject(e)
        }
      }
      this.stopWaiters.push(waiter)
    })
  }

  /** Runs a monitor command (`qRcmd`) and returns its text output. */
  async monitor(command: string, timeoutS = this.timeoutS): Promise<string> {
    let output = ''
    const reply = await this.request(`qRcmd,${textToHex(command)}`, { timeoutS, onOutput: (t) => (output += t) })
    if (reply === 'OK') return output
    if (reply === '') throw new GdbErrorReply(this.serverName, `monitor ${command}`, reply)
    if (reply[0] === 'E') throw new GdbErrorReply(this.serverName, `monitor ${command}`, reply)
    // Some stubs answer with the hex output itself instead of O packets.
    return output + (hexToText(reply) ?? reply)
  }

  /** Reads a qXfer object (e.g. features target.xml) whole. */
  async readXfer(object: string, annex: string): Promise<string> {
    let text = ''
    for (;;) {
      const reply = await this.request(`qXfer:${object}:read:${annex}:${text.length.toString(16)},${(this.packetSize - 8).toString(16)}`)
      if (reply === '' || reply[0] === 'E') throw new GdbErrorReply(this.serverName, `qXfer:${object}:read:${annex}`, reply)
      text += reply.slice(1)
      if (reply[0] === 'l') return text
      if (reply[0] !== 'm') throw new GdbErrorReply(this.serverName, `qXfer:${object}:read:${annex}`, reply.slice(0, 20))
    }
  }

  async close(): Promise<void> {
    if (this.state === 'closed') return
    try {
      if (this.isRunning) await this.interrupt(1).catch(() => undefined)
      if (this.state === 'halted') this.send(encodePacket('D'))
    } catch {
      // Closing anyway.
    }
    this.onClosed('closed by us')
    this.socket.end()
    this.socket.destroy()
  }

  // ---- stop replies and File-I/O ----

  private toStopEvent(text: string): StopEvent | undefined {
    try {
      const r = parseStopReply(text)
      return r.kind === 'output' || r.kind === 'file-io' ? undefined : r
    } catch {
      return undefined
    }
  }

  private async serveFileIo(call: string, args: FileIoArg[]): Promise<void> {
    const result = await answerFileIo(call, args, {
      readMemory: (a, n) => this.readMemory(a, n),
      writeMemory: (a, d) => this.writeMemory(a, d),
      io: this.options.semihosting ?? {
        write: (_fd, data) => {
          this.semihostingOutput += new TextDecoder().decode(data)
        }
      }
    })
    // The F reply resumes the target: it is not a request with a reply of its own.
    await this.queue
    this.state = 'running'
    this.send(encodePacket(result))
  }
}
