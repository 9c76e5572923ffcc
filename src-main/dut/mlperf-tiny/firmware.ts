/**
 * The DUT side of the MLPerf Tiny protocol as the public reference firmware behaves
 * (mlcommons/tiny benchmark/api/internally_implemented.cpp), as a pure state machine: bytes in,
 * steps out. Time, the UART and the power signal belong to the virtual DUT that runs these steps.
 *
 * Behaviour kept on purpose, quirks included, because real DUTs have them:
 * - the receive buffer keeps the first 80 characters of a command; CR/LF are ordinary characters;
 * - words are split on runs of spaces; commands compare exactly ("names" is unknown);
 * - `infer` without arguments means N = 1, W = 10; numbers are read like C's atoi ("12x" is 12);
 * - `db load N` larger than the buffer prints a line without the m- prefix and LF only;
 * - `db HEX` stores pairs until N bytes have arrived, then says m-load-done and ignores the rest;
 *   a bad pair stops the command after the pairs before it were stored;
 * - `db print` prints the whole declared buffer, 8 bytes a line, plus an empty line when the size is
 *   not a multiple of 8;
 * - an empty command prints "e-[Unknown command: (null)]" (newlib's printf of a NULL %s);
 * - every command ends with m-ready.
 */

export type TimestampMode = 'performance' | 'energy'

export const EE_FW_VERSION = 'ULPMark for tinyML Firmware V0.0.1'
export const EE_DEVICE_NAME = 'dut'
const CMD_SIZE = 80

/** What the firmware does, in order. `timestamp` prints m-lap-us-N or pulses the pin, by mode. */
export type FirmwareStep =
  | { kind: 'print'; text: string }
  | { kind: 'timestamp' }
  | { kind: 'infer'; count: number; warmup: boolean }

export interface FirmwareConfig {
  mode: TimestampMode
  /** TH_MODEL_VERSION: kws01, vww01, ic01, ad01 … */
  model: string
  /** TH_VENDOR_NAME_STRING; the reference uses "unspecified". */
  vendor?: string
  /** MAX_DB_INPUT_SIZE. */
  maxInputBytes?: number
  /** The output vector th_results prints for the current input. */
  results?: (input: Uint8Array) => number[]
}

/** C's atoi: optional spaces and sign, then digits; anything else stops it; no digits gives 0. */
export function atoi(s: string): number {
  const m = /^[ \t\n\v\f\r]*([-+]?)(\d*)/.exec(s)
  if (!m || m[2] === '') return 0
  const v = Number(m[2].slice(0, 12)) // int overflow is undefined in C; saturating is a fair stand-in
  return m[1] === '-' ? -v : v
}

/** Default output: a deterministic, input-dependent probability vector with the model's class count. */
export function defaultResults(model: string): (input: Uint8Array) => number[] {
  const classes = /^kws/.test(model) ? 12 : /^vww/.test(model) ? 2 : /^ad/.test(model) ? 1 : 10
  return (input) => {
    let h = 2166136261
    for (const b of input) h = Math.imul(h ^ b, 16777619) >>> 0
    const raw = Array.from({ length: classes }, (_, k) => ((Math.imul(h ^ (k * 0x9e3779b1), 2654435761) >>> 0) % 1000) + 1)
    const sum = raw.reduce((a, b) => a + b, 0)
    return raw.map((r) => r / sum)
  }
}

function formatResults(values: number[]): string {
  // th_printf("%0.3f") per value, comma-separated, as the reference submissions print them.
  return `m-results-[${values.map((v) => (Number.isFinite(v) ? v.toFixed(3) : Number.isNaN(v) ? 'nan' : v > 0 ? 'inf' : '-inf')).join(',')}]\r\n`
}

export class MlperfFirmware {
  private cmd: number[] = []
  private buffer: Uint8Array
  private bufferSize = 0
  private bufferPos = 0
  private readonly vendor: string
  private readonly results: (input: Uint8Array) => number[]
  private parserEnabled = false

  constructor(readonly config: FirmwareConfig) {
    this.buffer = new Uint8Array(config.maxInputBytes ?? 96 * 96 * 3)
    this.vendor = config.vendor ?? 'unspecified'
    this.results = config.results ?? defaultResults(config.model)
  }

  /** ee_benchmark_initialize: mode banner, the initial timestamp, m-init-done, m-ready. */
  boot(): FirmwareStep[] {
    this.parserEnabled = true
    return [
      { kind: 'print', text: `m-timestamp-mode-${this.config.mode}\r\n` },
      { kind: 'timestamp' },
      { kind: 'print', text: 'm-init-done\r\n' },
      { kind: 'print', text: 'm-ready\r\n' }
    ]
  }

  /** ee_serial_callback for each byte; returns the steps of each command these bytes completed. */
  receive(bytes: Uint8Array): FirmwareStep[][] {
    const out: FirmwareStep[][] = []
    for (const b of bytes) {
      if (b === 0x25 /* % */) {
        const text = String.fromCharCode(...this.cmd)
        this.cmd = []
        if (this.parserEnabled) out.push(this.dispatch(text))
      } else if (this.cmd.length < CMD_SIZE) {
        this.cmd.push(b)
      }
      // Past 80 characters the firmware keeps overwriting its last slot, which the terminator then
      // clears: the command is the first 80 characters.
    }
    return out
  }

  /** The input buffer as loaded so far (for tests and the results function). */
  get input(): Uint8Array {
    return this.buffer.slice(0, Math.min(this.bufferPos, this.buffer.length))
  }

  private dispatch(raw: string): FirmwareStep[] {
    const nul = raw.indexOf('\0')
    const text = nul >= 0 ? raw.slice(0, nul) : raw
    const words = text.split(' ').filter((w) => w !== '')
    const steps: FirmwareStep[] = []
    const print = (t: string) => steps.push({ kind: 'print', text: t })
    const tok = words[0]
    if (tok === 'name') print(`m-name-${EE_DEVICE_NAME}-[${this.vendor}]\r\n`)
    else if (tok === 'timestamp') steps.push({ kind: 'timestamp' })
    else if (tok === 'profile') {
      print(`m-profile-[${EE_FW_VERSION}]\r\n`)
      print(`m-model-[${this.config.model}]\r\n`)
    } else if (tok === 'help') this.help(print)
    else if (tok === 'db') this.db(words.slice(1), print)
    else if (tok === 'infer') this.infer(words.slice(1), steps)
    else if (tok === 'results') print(formatResults(this.results(this.input)))
    else print(`e-[Unknown command: ${tok ?? '(null)'}]\r\n`)
    print('m-ready\r\n')
    return steps
  }

  private infer(args: string[], steps: FirmwareStep[]): void {
    let n = 1
    let w = 10
    if (args[0] !== undefined) {
      const i = atoi(args[0])
      if (i <= 0) {
        steps.push({ kind: 'print', text: 'e-[Inference iterations must be >0]\r\n' })
        return
      }
      n = i
      if (args[1] !== undefined) {
        const j = atoi(args[1])
        if (j < 0) {
          steps.push({ kind: 'print', text: 'e-[Inference warmup must be >=0]\r\n' })
          return
        }
        w = j
      }
    }
    steps.push(
      { kind: 'print', text: `m-warmup-start-${w}\r\n` },
      { kind: 'infer', count: w, warmup: true },
      { kind: 'print', text: 'm-warmup-done\r\n' },
      { kind: 'print', text: `m-infer-start-${n}\r\n` },
      { kind: 'timestamp' },
      { kind: 'infer', count: n, warmup: false },
      { kind: 'timestamp' },
      { kind: 'print', text: 'm-infer-done\r\n' },
      { kind: 'print', text: formatResults(this.results(this.input)) }
    )
  }

  private db(args: string[], print: (t: string) => void): void {
    const sub = args[0]
    if (sub === undefined) return print("e-[Command 'db' requires a subcommand]\r\n")
    if (sub === 'load') {
      if (args[1] === undefined) return print("e-[Command 'db load' requires the # of bytes]\r\n")
      const size = atoi(args[1])
      if (size === 0) return print("e-[Command 'db load' must be >0 bytes]\r\n")
      this.bufferSize = size < 0 ? size + 2 ** 32 : size // size_t, as the firmware stores it
      this.bufferPos = 0
      if (this.bufferSize > this.buffer.length) {
        // The firmware prints these with %d and no m- prefix, LF only.
        print(`Supplied buffer size ${size} exceeds maximum of ${this.buffer.length}\n`)
      } else print(`m-[Expecting ${size} bytes]\r\n`)
      return
    }
    if (sub === 'print') {
      const size = Math.min(this.bufferSize, this.buffer.length)
      let text = ''
      let i = 0
      for (; i < size; i++) {
        if (i % 8 === 0) text += 'm-buffer-'
        text += this.buffer[i].toString(16).padStart(2, '0')
        text += (i + 1) % 8 === 0 || i + 1 === size ? '\r\n' : '-'
      }
      if (i % 8 !== 0) text += '\r\n'
      if (text) print(text)
      return
    }
    const digits = sub.slice(0, CMD_SIZE)
    if (digits.length % 2 !== 0) return print('e-[Insufficent number of hex digits]\r\n')
    for (let k = 0; k < digits.length; k += 2) {
      const pair = digits.slice(k, k + 2)
      if (!/^[0-9a-fA-F]{2}$/.test(pair)) return print(`e-[Invalid hex digit '${pair}']\r\n`)
      // Past the end of the buffer the C code writes out of bounds; we drop the byte but count it.
      if (this.bufferPos < this.buffer.length) this.buffer[this.bufferPos] = parseInt(pair, 16)
      this.bufferPos++
      if (this.bufferPos === this.bufferSize) return print('m-load-done\r\n')
    }
  }

  private help(print: (t: string) => void): void {
    for (const line of [
      EE_FW_VERSION,
      '',
      'help         : Print this information',
      'name         : Print the name of the device',
      'timestsamp   : Generate a timetsamp',
      'db SUBCMD    : Manipulate a generic byte buffer',
      '  load N     : Allocate N bytes and set load counter',
      '  db HH[HH]* : Load 8-bit hex byte(s) until N bytes',
      '  print [N=16] [offset=0]',
      '             : Print N bytes at offset as hex',
      'infer N [W=0]: Load input, execute N inferences after W warmup loops',
      'results      : Return the result fp32 vector'
    ])
      print(`${line}\r\n`)
  }
}
