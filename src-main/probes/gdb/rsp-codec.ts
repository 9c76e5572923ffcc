/**
 * GDB Remote Serial Protocol framing: `$payload#cc` packets, `+`/`-` acknowledgements, `}` escapes
 * (byte XOR 0x20), `*` run-length encoding in replies, `%` notifications. Pure: bytes in, events out.
 */

const DOLLAR = 0x24
const HASH = 0x23
const PERCENT = 0x25
const ESCAPE = 0x7d
const STAR = 0x2a
const PLUS = 0x2b
const MINUS = 0x2d
const CTRL_C = 0x03

export type RspEvent =
  | { type: 'ack' }
  | { type: 'nack' }
  | { type: 'interrupt' }
  | { type: 'packet'; payload: Uint8Array }
  | { type: 'notification'; payload: Uint8Array }
  /** A frame whose checksum did not match: the sender should get a `-` and resend. */
  | { type: 'corrupt'; reason: string }
  /** Bytes outside any frame that mean nothing (line noise, a stray character). */
  | { type: 'garbage'; count: number }

export function checksum(bytes: Uint8Array): number {
  let sum = 0
  for (const b of bytes) sum = (sum + b) & 0xff
  return sum
}

const hexDigits = '0123456789abcdef'

/** Frames a payload, escaping the four bytes RSP reserves. Binary payloads (`X`, `vFile`) are fine. */
export function encodePacket(payload: Uint8Array | string, kind: 'packet' | 'notification' = 'packet'): Uint8Array {
  const body = typeof payload === 'string' ? new TextEncoder().encode(payload) : payload
  const out: number[] = [kind === 'packet' ? DOLLAR : PERCENT]
  let sum = 0
  for (const b of body) {
    if (b === DOLLAR || b === HASH || b === ESCAPE || b === STAR) {
      out.push(ESCAPE, b ^ 0x20)
      sum = (sum + ESCAPE + (b ^ 0x20)) & 0xff
    } else {
      out.push(b)
      sum = (sum + b) & 0xff
    }
  }
  out.push(HASH, hexDigits.charCodeAt(sum >> 4), hexDigits.charCodeAt(sum & 15))
  return Uint8Array.from(out)
}

/**
 * Run-length encodes a payload the way stubs may: a run of n+1 equal bytes becomes the byte, `*`, and
 * the character n+29. Counts that would give `#`, `$` or `+`/`-` ambiguity (n+29 = 35, 36) are avoided,
 * and runs are only taken when they save space. Used by emulated servers and tests.
 */
export function runLengthEncode(payload: string): string {
  let out = ''
  let i = 0
  while (i < payload.length) {
    const c = payload[i]
    let run = 1
    while (i + run < payload.length && payload[i + run] === c && run < 98) run++
    let repeat = run - 1
    if (repeat + 29 === 35 || repeat + 29 === 36) repeat = 5 // '#' and '$' may not be counts
    if (repeat >= 3 && c !== '*' && c !== '#' && c !== '$' && c !== '}') {
      out += c + '*' + String.fromCharCode(repeat + 29)
      i += repeat + 1
    } else {
      out += c
      i += 1
    }
  }
  return out
}

function hexValue(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30
  if (c >= 0x61 && c <= 0x66) return c - 0x61 + 10
  if (c >= 0x41 && c <= 0x46) return c - 0x41 + 10
  return -1
}

/**
 * Incremental decoder. Feed it whatever the socket delivers; it yields events in order. Frames longer
 * than maxPayloadBytes are dropped as corrupt rather than buffered without bound.
 */
export class RspDecoder {
  private state: 'idle' | 'body' | 'escape' | 'check1' | 'check2' = 'idle'
  private kind: 'packet' | 'notification' = 'packet'
  private body: number[] = []
  private sum = 0
  private check = 0
  private garbage = 0
  private pendingRepeat = false
  private overflow = false

  constructor(private readonly maxPayloadBytes = 1 << 20) {}

  push(chunk: Uint8Array): RspEvent[] {
    const events: RspEvent[] = []
    const flushGarbage = () => {
      if (this.garbage > 0) {
        events.push({ type: 'garbage', count: this.garbage })
        this.garbage = 0
      }
    }
    for (const b of chunk) {
      switch (this.state) {
        case 'idle':
          if (b === DOLLAR || b === PERCENT) {
            flushGarbage()
            this.kind = b === DOLLAR ? 'packet' : 'notification'
            this.body = []
            this.sum = 0
            this.pendingRepeat = false
            this.overflow = false
            this.state = 'body'
          } else if (b === PLUS) {
            flushGarbage()
            events.push({ type: 'ack' })
          } else if (b === MINUS) {
            flushGarbage()
            events.push({ type: 'nack' })
          } else if (b === CTRL_C) {
            flushGarbage()
            events.push({ type: 'interrupt' })
          } else {
            this.garbage++
          }
          break
        case 'body':
          if (b === HASH) {
            this.state = 'check1'
            break
          }
          if (b === DOLLAR) {
            // A new frame started inside this one: the old one was cut short. Resynchronise on it.
            events.push({ type: 'corrupt', reason: 'frame interrupted by a new "$"' })
            this.body = []
            this.sum = 0
            this.pendingRepeat = false
            this.overflow = false
            this.kind = 'packet'
            break
          }
          this.sum = (this.sum + b) & 0xff
          if (this.pendingRepeat) {
            this.pendingRepeat = false
            const count = b - 29
            const last = this.body[this.body.length - 1]
            if (last === undefined || count < 0) {
              this.overflow = true // malformed run: reported as corrupt at '#'
            } else if (this.body.length + count > this.maxPayloadBytes) {
              this.overflow = true
            } else {
              for (let i = 0; i < count; i++) this.body.push(last)
            }
          } else if (b === ESCAPE) {
            this.state = 'escape'
          } else if (b === STAR) {
            this.pendingRepeat = true
          } else {
            this.append(b)
          }
          break
        case 'escape':
          this.sum = (this.sum + b) & 0xff
          this.append(b ^ 0x20)
          this.state = 'body'
          break
        case 'check1': {
          const v = hexValue(b)
          this.check = v < 0 ? -256 : v << 4
          this.state = 'check2'
          break
        }
        case 'check2': {
          const v = hexValue(b)
          this.state = 'idle'
          const expected = v < 0 || this.check < 0 ? -1 : this.check | v
          if (this.overflow) {
            events.push({ type: 'corrupt', reason: `frame longer than ${this.maxPayloadBytes} bytes or with a malformed run-length count` })
          } else if (expected !== this.sum) {
            events.push({
              type: 'corrupt',
              reason: expected < 0 ? 'checksum is not two hex digits' : `checksum 0x${expected.toString(16).padStart(2, '0')} does not match 0x${this.sum.toString(16).padStart(2, '0')}`
            })
          } else {
            events.push({ type: this.kind, payload: Uint8Array.from(this.body) })
          }
          this.body = []
          break
        }
      }
    }
    flushGarbage()
    return events
  }

  private append(b: number): void {
    if (this.body.length >= this.maxPayloadBytes) this.overflow = true
    else this.body.push(b)
  }
}

// ---- payload helpers shared by the client and emulated servers ----

export function bytesToHex(bytes: Uint8Array): string {
  let s = ''
  for (const b of bytes) s += hexDigits[b >> 4] + hexDigits[b & 15]
  return s
}

/** Parses an even-length hex string; returns undefined on any non-hex character. */
export function hexToBytes(hex: string): Uint8Array | undefined {
  if (hex.length % 2 !== 0) return undefined
  const out = new Uint8Array(hex.length / 2)
  for (let i = 0; i < out.length; i++) {
    const hi = hexValue(hex.charCodeAt(2 * i))
    const lo = hexValue(hex.charCodeAt(2 * i + 1))
    if (hi < 0 || lo < 0) return undefined
    out[i] = (hi << 4) | lo
  }
  return out
}

export function textToHex(text: string): string {
  return bytesToHex(new TextEncoder().encode(text))
}

export function hexToText(hex: string): string | undefined {
  const bytes = hexToBytes(hex)
  return bytes && new TextDecoder().decode(bytes)
}

/** Bytes to a string one char per byte (true Latin-1, so binary survives a round trip). */
export function payloadText(payload: Uint8Array): string {
  let s = ''
  for (let i = 0; i < payload.length; i += 8192) s += String.fromCharCode(...payload.subarray(i, i + 8192))
  return s
}

/**
 * Frames an already-encoded body as is (no escaping): for bodies that were run-length encoded or
 * escaped by the caller, e.g. by an emulated stub.
 */
export function frameRaw(body: string): Uint8Array {
  const bytes = Uint8Array.from(body, (c) => c.charCodeAt(0) & 0xff)
  const sum = checksum(bytes)
  const out = new Uint8Array(bytes.length + 4)
  out[0] = DOLLAR
  out.set(bytes, 1)
  out[bytes.length + 1] = HASH
  out[bytes.length + 2] = hexDigits.charCodeAt(sum >> 4)
  out[bytes.length + 3] = hexDigits.charCodeAt(sum & 15)
  return out
}
