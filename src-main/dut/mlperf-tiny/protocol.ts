/**
 * The MLPerf Tiny / EEMBC DUT serial protocol, host side: bytes ⇄ commands and replies. Pure.
 *
 * Facts (mlcommons/tiny benchmark/api/internally_implemented.{h,cpp}, benchmark/runner/*.py,
 * benchmark/interface/Application/CLI/*.cpp):
 * - a command is ASCII words separated by spaces and ends in `%`; no CR or LF (a stray one becomes part
 *   of the next command); the DUT keeps at most 80 characters of it;
 * - replies are CR LF lines: `m-…` information, `e-[…]` errors; every command ends with `m-ready`;
 * - the host never has more than 64 bytes in flight without that handshake;
 * - through an interface board the host sends `dut <command>%`; the board answers
 *   `m-dut-passthrough(<command>)` and `m-ready`, then relays the DUT's lines prefixed `[dut]: `,
 *   ending with `[dut]: m-ready`.
 */

export const COMMAND_TERMINATOR = '%'
/** EE_CMD_SIZE: characters of a command the DUT keeps; the rest is lost. */
export const DUT_COMMAND_CHARS = 80
/** Bytes the host may send before it must wait for m-ready. */
export const MAX_BYTES_IN_FLIGHT = 64
export const INTERFACE_COMMAND_PREFIX = 'dut '
export const RELAYED_LINE_PREFIX = '[dut]: '
/** MAX_DB_INPUT_SIZE of the reference firmware (96 × 96 × 3); a submitter may build with another. */
export const REFERENCE_MAX_DB_BYTES = 96 * 96 * 3
/** Replies longer than this are cut (a results vector of thousands of values still fits). */
export const MAX_LINE_CHARS = 1 << 18

export class MlperfCommandError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'MlperfCommandError'
  }
}

export interface EncodeOptions {
  viaInterfaceBoard?: boolean
}

/** The exact bytes for one command, checked against the protocol's limits before anything is sent. */
export function encodeCommand(command: string, options: EncodeOptions = {}): Uint8Array {
  for (let k = 0; k < command.length; k++) {
    const c = command.charCodeAt(k)
    if (c < 0x20 || c > 0x7e) {
      throw new MlperfCommandError(
        `Command "${printable(command)}" contains ${c === 0x0d || c === 0x0a ? 'a CR or LF' : `the byte 0x${c.toString(16).padStart(2, '0')}`}: MLPerf Tiny commands are plain ASCII ending in %, and the DUT would keep the stray byte as part of the command.`
      )
    }
  }
  if (command.includes(COMMAND_TERMINATOR)) {
    throw new MlperfCommandError(`Command "${command}" contains %, which ends a command: send it as two commands.`)
  }
  if (command.length > DUT_COMMAND_CHARS) {
    throw new MlperfCommandError(`Command "${command.slice(0, 40)}…" is ${command.length} characters; the DUT keeps only ${DUT_COMMAND_CHARS}.`)
  }
  const wire = (options.viaInterfaceBoard ? INTERFACE_COMMAND_PREFIX : '') + command + COMMAND_TERMINATOR
  if (wire.length > MAX_BYTES_IN_FLIGHT) {
    throw new MlperfCommandError(
      `Command "${command.slice(0, 40)}…" needs ${wire.length} bytes on the wire; the protocol allows ${MAX_BYTES_IN_FLIGHT} before the DUT's m-ready.`
    )
  }
  return Uint8Array.from(wire, (ch) => ch.charCodeAt(0))
}

/**
 * Bytes per `db HEX` command so the whole command stays within 64 bytes: 30 direct ("db " + 60 hex
 * digits + "%"), 28 through the board. The MLCommons runner uses 31 and 26; 31 direct would put 66
 * bytes in flight, so we keep to the rule instead.
 */
export function dbChunkBytes(viaInterfaceBoard = false): number {
  const overhead = (viaInterfaceBoard ? INTERFACE_COMMAND_PREFIX.length : 0) + 'db '.length + COMMAND_TERMINATOR.length
  return Math.floor((MAX_BYTES_IN_FLIGHT - overhead) / 2)
}

export function dbLoadCommand(byteCount: number): string {
  if (!Number.isInteger(byteCount) || byteCount < 1) throw new MlperfCommandError(`db load needs a byte count ≥ 1, got ${byteCount}.`)
  return `db load ${byteCount}`
}

export function dbHexCommands(data: Uint8Array, viaInterfaceBoard = false): string[] {
  const chunk = dbChunkBytes(viaInterfaceBoard)
  const out: string[] = []
  for (let at = 0; at < data.length; at += chunk) {
    let hex = ''
    for (const b of data.subarray(at, at + chunk)) hex += b.toString(16).padStart(2, '0')
    out.push(`db ${hex}`)
  }
  return out
}

export function inferCommand(count: number, warmups: number): string {
  if (!Number.isInteger(count) || count < 1) throw new MlperfCommandError(`infer needs N ≥ 1 inferences, got ${count}.`)
  if (!Number.isInteger(warmups) || warmups < 0) throw new MlperfCommandError(`infer needs W ≥ 0 warm-ups, got ${warmups}.`)
  // Always send W: firmware defaults it to 10 when omitted, although its help text says 0.
  return `infer ${count} ${warmups}`
}

/** One reply line, classified. Unknown shapes are kept as text, never dropped. */
export type DutReply =
  | { kind: 'ready' }
  | { kind: 'init-done' }
  | { kind: 'timestamp-mode'; mode: 'performance' | 'energy' }
  | { kind: 'name'; device: string; vendor: string }
  | { kind: 'profile'; profile: string }
  | { kind: 'model'; model: string }
  | { kind: 'lap'; microseconds: number }
  | { kind: 'expecting'; byteCount: number }
  | { kind: 'load-done' }
  | { kind: 'buffer'; bytes: number[] }
  | { kind: 'warmup-start'; count: number }
  | { kind: 'warmup-done' }
  | { kind: 'infer-start'; count: number }
  | { kind: 'infer-done' }
  | { kind: 'results'; values: number[] }
  | { kind: 'passthrough'; command: string }
  | { kind: 'error'; message: string }
  /** An m- line of a shape we do not know, or a malformed known one (reason says which). */
  | { kind: 'message'; text: string; reason?: string }
  /** Anything else (help text, "Supplied buffer size … exceeds maximum", boot chatter). */
  | { kind: 'text'; text: string }

/** C printf's float spellings, as a results vector may contain them. */
function parseCNumber(s: string): number {
  const t = s.trim().toLowerCase()
  if (/^[-+]?(nan)(\(.*\))?$/.test(t)) return NaN
  if (/^[-+]?inf(inity)?$/.test(t)) return t.startsWith('-') ? -Infinity : Infinity
  if (!/^[-+]?(\d+\.?\d*|\.\d+)(e[-+]?\d+)?$/.test(t)) return Number.NaN
  return Number(t)
}

export function parseReply(line: string): DutReply {
  let m: RegExpExecArray | null
  if (line === 'm-ready') return { kind: 'ready' }
  if (line === 'm-init-done') return { kind: 'init-done' }
  if (line === 'm-load-done') return { kind: 'load-done' }
  if (line === 'm-warmup-done') return { kind: 'warmup-done' }
  if (line === 'm-infer-done') return { kind: 'infer-done' }
  if ((m = /^m-timestamp-mode-(performance|energy)$/.exec(line))) return { kind: 'timestamp-mode', mode: m[1] as 'performance' | 'energy' }
  if ((m = /^m-lap-us-(\d+)$/.exec(line))) return { kind: 'lap', microseconds: Number(m[1]) }
  if ((m = /^m-name-(.+?)-\[(.*)\]$/.exec(line))) return { kind: 'name', device: m[1], vendor: m[2] }
  if ((m = /^m-profile-\[(.*)\]$/.exec(line))) return { kind: 'profile', profile: m[1] }
  if ((m = /^m-model-\[(.*)\]$/.exec(line))) return { kind: 'model', model: m[1] }
  if ((m = /^m-\[Expecting (\d+) bytes\]$/.exec(line))) return { kind: 'expecting', byteCount: Number(m[1]) }
  if ((m = /^m-warmup-start-(\d+)$/.exec(line))) return { kind: 'warmup-start', count: Number(m[1]) }
  if ((m = /^m-infer-start-(\d+)$/.exec(line))) return { kind: 'infer-start', count: Number(m[1]) }
  if ((m = /^m-buffer-([0-9a-fA-F]{2}(?:-[0-9a-fA-F]{2})*)$/.exec(line))) {
    return { kind: 'buffer', bytes: m[1].split('-').map((h) => parseInt(h, 16)) }
  }
  if ((m = /^m-results-\[(.*)\]$/.exec(line))) {
    const parts = m[1].trim() === '' ? [] : m[1].split(',')
    const values = parts.map(parseCNumber)
    const bad = parts.filter((p, k) => Number.isNaN(values[k]) && !/nan/i.test(p))
    if (bad.length > 0) return { kind: 'message', text: line, reason: `results vector has ${bad.length} value(s) that are not numbers, e.g. "${bad[0].trim().slice(0, 40)}"` }
    return { kind: 'results', values }
  }
  if ((m = /^m-dut-passthrough\((.*)\)$/.exec(line))) return { kind: 'passthrough', command: m[1] }
  if ((m = /^e-\[(.*)\]$/.exec(line))) return { kind: 'error', message: m[1] }
  if (line.startsWith('e-')) return { kind: 'error', message: line.slice(2) }
  if (line.startsWith('m-')) return { kind: 'message', text: line }
  return { kind: 'text', text: line }
}

export interface ParsedLine {
  /** The line as received, without CR/LF. */
  line: string
  /** Relayed from the DUT by an interface board (the `[dut]: ` prefix is removed from `reply`). */
  relayed: boolean
  reply: DutReply
}

export function parseLine(line: string): ParsedLine {
  const relayed = line.startsWith(RELAYED_LINE_PREFIX)
  return { line, relayed, reply: parseReply(relayed ? line.slice(RELAYED_LINE_PREFIX.length) : line) }
}

/** Something odd in the byte stream that did not stop it. */
export interface LineAnomaly {
  kind: 'non-ascii' | 'line-too-long'
  detail: string
}

/**
 * Splits the byte stream into lines the way the MLCommons runner reads it: LF ends a line, CR and NUL
 * are dropped. Bytes outside ASCII are kept (as Latin-1) and counted; an endless line is cut.
 */
export class ReplyLineSplitter {
  private pending = ''
  private discarding = false
  readonly anomalies: LineAnomaly[] = []

  push(chunk: Uint8Array): string[] {
    const lines: string[] = []
    let nonAscii = 0
    for (const b of chunk) {
      if (b === 0x0a) {
        if (!this.discarding) lines.push(this.pending)
        this.pending = ''
        this.discarding = false
        continue
      }
      if (b === 0x0d || b === 0x00 || this.discarding) continue
      if (b > 0x7e || (b < 0x20 && b !== 0x09)) nonAscii++
      this.pending += String.fromCharCode(b)
      if (this.pending.length > MAX_LINE_CHARS) {
        this.anomalies.push({ kind: 'line-too-long', detail: `a reply line passed ${MAX_LINE_CHARS} characters without a line feed; kept its start` })
        lines.push(this.pending)
        this.pending = ''
        this.discarding = true
      }
    }
    if (nonAscii > 0) this.anomalies.push({ kind: 'non-ascii', detail: `${nonAscii} byte(s) outside printable ASCII (wrong baud rate or noise on the line?)` })
    return lines
  }

  /** Text received after the last line feed. */
  get partial(): string {
    return this.pending
  }

  /** Forget an unfinished line (after a timeout, so it cannot glue onto the next reply); returns it. */
  discardPartial(): string {
    const p = this.pending
    this.pending = ''
    this.discarding = false
    return p
  }
}

/**
 * Collects the lines of one command until it is complete: the DUT's m-ready when direct; the board's
 * m-ready and then the relayed `[dut]: m-ready` when a `dut …` command goes through a board.
 *
 * A DUT that boots (or resets) meanwhile prints its banner (m-timestamp-mode-…, m-init-done) and an
 * m-ready of its own; those lines are set aside in `bootLines` so the boot's m-ready cannot pass for
 * the command's. A command sent while the firmware was booting may have been lost: `rebooted` says so.
 */
export class ExchangeCollector {
  readonly lines: ParsedLine[] = []
  readonly bootLines: ParsedLine[] = []
  private boardReady = false
  private done = false
  private inBoot = false
  private sawBoot = false

  /** `bootInProgress`: the banner began before this command was sent; its m-ready is still to come. */
  constructor(
    readonly expectRelayed: boolean,
    bootInProgress = false
  ) {
    this.inBoot = bootInProgress
  }

  accept(parsed: ParsedLine): boolean {
    if (this.done) return true
    const fromDut = parsed.relayed === this.expectRelayed
    const kind = parsed.reply.kind
    if (fromDut && (kind === 'timestamp-mode' || kind === 'init-done')) {
      this.inBoot = true
      this.sawBoot = true
    }
    if (this.inBoot && fromDut) {
      this.bootLines.push(parsed)
      if (kind === 'ready') this.inBoot = false
      return false
    }
    this.lines.push(parsed)
    if (kind !== 'ready') return false
    if (!this.expectRelayed) this.done = !parsed.relayed
    else if (parsed.relayed) this.done = true
    else this.boardReady = true
    return this.done
  }

  get complete(): boolean {
    return this.done
  }

  /** The DUT printed its boot banner during this command. */
  get rebooted(): boolean {
    return this.sawBoot
  }

  /** True once the interface board acknowledged a pass-through command. */
  get boardAcknowledged(): boolean {
    return this.boardReady
  }

  /** The DUT's replies: the relayed ones through a board, all of them when direct. */
  dutReplies(): DutReply[] {
    return this.lines.filter((l) => l.relayed === this.expectRelayed).map((l) => l.reply)
  }
}

export function printable(s: string): string {
  return s.replace(/[^\x20-\x7e]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`)
}

/** Elapsed microseconds between two m-lap-us readings of a 32-bit counter (it wraps after ~71.6 min). */
export function lapElapsedUs(startUs: number, endUs: number): number {
  return endUs >= startUs ? endUs - startUs : endUs + 2 ** 32 - startUs
}
