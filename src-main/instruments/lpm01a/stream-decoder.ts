/**
 * Turns the bytes the board sends into typed events. One byte stream carries three grammars in turn:
 * command replies (text lines), then — from the line `ack start` on — the acquisition in ascii_dec
 * (text lines) or bin_hexa (2-byte words and F0 Fx … FF FF frames), then text again after the end.
 * The switch happens inside a chunk at the exact byte, so the caller must arm it with the format it
 * configured (`expectAcquisition`) before sending `start`.
 *
 * Pure and total: any byte sequence gives events (bad bytes become counted `anomaly` events), memory
 * stays bounded (lines and frames have a maximum length) and every call returns.
 */
import { FRAME_END, FRAME_START, FrameType, PROMPT, TIMESTAMP_OVERFLOW_BIT, type Lpm01aFormat } from './protocol'
import { parseReplyLine, type Lpm01aReply } from './replies'
import { decodeAsciiDec, decodeHexaWord, packAsciiRaw } from './sample-formats'
import { EVENT_TEXT, TIMESTAMP_LINE, classifyStreamMessage } from './stream-metadata'

export type Lpm01aStreamEvent =
  | { kind: 'reply'; reply: Lpm01aReply }
  /** A run of consecutive samples: values in A (output current) or J (output energy), and the raw words. */
  | { kind: 'samples'; values: Float64Array; raw: Uint32Array }
  | { kind: 'timestamp'; timeMs: number; bufferPercent: number; overflow: boolean }
  | { kind: 'event'; eventNumber: number; edge: string | null }
  | { kind: 'end' }
  | { kind: 'overcurrent' }
  | { kind: 'target-powered-down' }
  /** The board's transmit buffer overflowed: samples were lost (how many, the next timestamp tells). */
  | { kind: 'overflow'; message: string }
  | { kind: 'voltage'; voltageV: number }
  /** An error the board reported inside the stream (F1 frame or `error …` line). */
  | { kind: 'error'; message: string }
  | { kind: 'info'; message: string }
  | { kind: 'anomaly'; byteCount: number; reason: string }

export type DecoderMode = 'text' | 'ascii_dec' | 'bin_hexa'

/** Longest text line or text frame we wait for before declaring it garbage. */
export const MAX_LINE_BYTES = 256

export class Lpm01aStreamDecoder {
  private modeNow: DecoderMode = 'text'
  private armed: Lpm01aFormat | null = null
  private carry: Uint8Array = new Uint8Array(0)
  /** Bytes of an over-long line being skipped up to its newline. */
  private skippingLine = 0
  private out: Lpm01aStreamEvent[] = []
  private values: Float64Array = new Float64Array(0)
  private raw: Uint32Array = new Uint32Array(0)
  private count = 0
  /** Just switched to bin_hexa: a prompt printed before the data would otherwise read as 7 samples. */
  private binaryStart = false

  get mode(): DecoderMode {
    return this.modeNow
  }

  /** Bytes held back waiting for the rest of a line or frame (bounded by MAX_LINE_BYTES + a frame). */
  get pendingBytes(): number {
    return this.carry.length
  }

  /** The next `ack start` switches to this format's grammar. */
  expectAcquisition(format: Lpm01aFormat): void {
    this.armed = format
  }

  /** Back to command replies, forgetting partial lines and frames (after a flush, or a lost end marker). */
  reset(): void {
    this.modeNow = 'text'
    this.binaryStart = false
    this.armed = null
    this.carry = new Uint8Array(0)
    this.skippingLine = 0
  }

  push(chunk: Uint8Array): Lpm01aStreamEvent[] {
    let buf: Uint8Array
    if (this.carry.length === 0) buf = chunk
    else {
      buf = new Uint8Array(this.carry.length + chunk.length)
      buf.set(this.carry)
      buf.set(chunk, this.carry.length)
    }
    this.out = []
    this.startSamples(this.modeNow === 'bin_hexa' ? buf.length >> 1 : Math.ceil(buf.length / 8))
    let pos = 0
    while (pos < buf.length) {
      const next = this.modeNow === 'bin_hexa' ? this.binary(buf, pos) : this.lines(buf, pos)
      if (next === pos) break
      pos = next
    }
    this.carry = buf.slice(pos)
    this.flushSamples()
    return this.out
  }

  // ---- text and ascii_dec: lines --------------------------------------------------------------------

  /** Consumes whole lines from pos; stops at a partial line or when the mode changes to bin_hexa. */
  private lines(buf: Uint8Array, pos: number): number {
    while (pos < buf.length && this.modeNow !== 'bin_hexa') {
      const nl = buf.indexOf(0x0a, pos)
      if (this.skippingLine > 0) {
        const skipped = (nl < 0 ? buf.length : nl + 1) - pos
        this.skippingLine += skipped
        if (nl < 0) return buf.length
        this.anomaly(this.skippingLine, `line longer than ${MAX_LINE_BYTES} bytes`)
        this.skippingLine = 0
        pos = nl + 1
        continue
      }
      if (nl < 0) {
        if (buf.length - pos > MAX_LINE_BYTES) {
          this.skippingLine = buf.length - pos
          return buf.length
        }
        return pos
      }
      if (nl - pos > MAX_LINE_BYTES) {
        this.anomaly(nl + 1 - pos, `line longer than ${MAX_LINE_BYTES} bytes`)
      } else {
        this.line(buf, pos, nl)
      }
      pos = nl + 1
    }
    return pos
  }

  private line(buf: Uint8Array, start: number, end: number): void {
    let stop = end
    if (stop > start && buf[stop - 1] === 0x0d) stop--
    if (stop === start) return
    for (let i = start; i < stop; i++) {
      const b = buf[i]
      if (b < 0x20 || b > 0x7e) {
        this.anomaly(end + 1 - start, 'unreadable line')
        return
      }
    }
    const text = String.fromCharCode(...buf.subarray(start, stop))
    if (this.modeNow === 'ascii_dec') this.acquisitionLine(text, end + 1 - start)
    else this.replyLine(text)
  }

  private replyLine(text: string): void {
    const reply = parseReplyLine(text)
    if (!reply) return
    this.emit({ kind: 'reply', reply })
    if (reply.kind === 'ack' && reply.words[0] === 'start' && this.armed) {
      this.modeNow = this.armed
      this.binaryStart = this.armed === 'bin_hexa'
      this.armed = null
    }
  }

  private acquisitionLine(text: string, byteCount: number): void {
    const sample = decodeAsciiDec(text)
    if (sample) {
      this.sample(sample.value, packAsciiRaw(sample.mantissa, sample.exponent))
      return
    }
    const ts = TIMESTAMP_LINE.exec(text)
    if (ts) {
      const pct = Number(ts[3])
      this.emit({ kind: 'timestamp', timeMs: Number(ts[1]) * 1000 + Number(ts[2]), bufferPercent: pct, overflow: false })
      return
    }
    const ev = EVENT_TEXT.exec(text)
    if (ev) {
      this.emit({ kind: 'event', eventNumber: Number(ev[1]), edge: ev[2] ?? null })
      return
    }
    if (text === 'end') {
      this.emit({ kind: 'end' })
      this.modeNow = 'text'
      return
    }
    const reply = parseReplyLine(text)
    if (!reply) return
    if (reply.kind === 'error' && !/^PowerShield/.test(text)) {
      // A bare `error …` line inside the data is the board reporting on the acquisition, not a reply.
      this.streamMessage('error', reply.words.join(' '))
      return
    }
    if (reply.kind === 'completed') {
      this.emit({ kind: 'reply', reply })
      this.modeNow = 'text'
      return
    }
    if (reply.kind === 'text') {
      if (/^\d/.test(text)) this.anomaly(byteCount, `malformed sample "${text}"`)
      else this.streamMessage('info', text)
      return
    }
    this.emit({ kind: 'reply', reply })
  }

  // ---- bin_hexa: words and frames -------------------------------------------------------------------

  /** Consumes words and frames from pos; returns where it stopped (incomplete data, or text mode again). */
  private binary(buf: Uint8Array, pos: number): number {
    const len = buf.length
    if (this.binaryStart) {
      let k = 0
      while (k < PROMPT.length && pos + k < len && buf[pos + k] === PROMPT.charCodeAt(k)) k++
      if (k === PROMPT.length) pos += k
      else if (pos + k === len) return pos // could still be a prompt: wait for more bytes
      this.binaryStart = false
    }
    while (pos < len && this.modeNow === 'bin_hexa') {
      const b0 = buf[pos]
      if (b0 >= 0xf0) {
        if (pos + 1 >= len) return pos
        if (b0 === FRAME_START && buf[pos + 1] >= 0xf1 && buf[pos + 1] <= 0xf7) {
          const next = this.frame(buf, pos)
          if (next === pos) return pos
          pos = next
        } else {
          this.anomaly(1, `byte 0x${b0.toString(16)} where a sample or frame should start`)
          pos++
        }
        continue
      }
      if (pos + 1 >= len) return pos
      const b1 = buf[pos + 1]
      if (b1 === FRAME_START) {
        // A valid stream never has F0 F1…F7 straddling a word boundary: if it does, b0 is a stray byte.
        if (pos + 2 >= len) return pos
        if (buf[pos + 2] >= 0xf1) {
          this.anomaly(1, 'stray byte before a frame (stream realigned)')
          pos++
          continue
        }
      }
      const word = (b0 << 8) | b1
      this.sample(decodeHexaWord(word), word)
      pos += 2
    }
    return pos
  }

  /** Parses the frame at pos; returns pos unchanged when more bytes are needed. */
  private frame(buf: Uint8Array, pos: number): number {
    const type = buf[pos + 1]
    const len = buf.length
    const terminatedAt = (i: number) => buf[i] === FRAME_END && buf[i + 1] === FRAME_END
    const fixed = (size: number, onValid: () => void): number => {
      if (pos + size > len) return pos
      if (!terminatedAt(pos + size - 2)) {
        this.anomaly(2, `frame 0x${type.toString(16)} not terminated by FF FF`)
        return pos + 2
      }
      onValid()
      return pos + size
    }
    switch (type) {
      case FrameType.error:
      case FrameType.info: {
        const limit = Math.min(len - 1, pos + 2 + MAX_LINE_BYTES)
        for (let i = pos + 2; i < limit; i++) {
          if (terminatedAt(i)) {
            const text = String.fromCharCode(...buf.subarray(pos + 2, i)).replace(/[^\x20-\x7e]/g, '?').trim()
            // replies to commands sent during a bin_hexa acquisition travel in these frames too
            const reply = /^(ack|error|Error detail|Acquisition completed)\b/.test(text) ? parseReplyLine(text) : null
            if (reply) this.emit({ kind: 'reply', reply })
            else this.streamMessage(type === FrameType.error ? 'error' : 'info', text)
            return i + 2
          }
        }
        if (len - pos < MAX_LINE_BYTES + 4) return pos
        this.anomaly(2, `text frame longer than ${MAX_LINE_BYTES} bytes`)
        return pos + 2
      }
      case FrameType.timestamp:
        return fixed(9, () => {
          const ms = ((buf[pos + 2] << 24) | (buf[pos + 3] << 16) | (buf[pos + 4] << 8) | buf[pos + 5]) >>> 0
          this.emit({
            kind: 'timestamp',
            timeMs: ms & 0x7fff_ffff,
            bufferPercent: buf[pos + 6],
            overflow: (ms & TIMESTAMP_OVERFLOW_BIT) !== 0
          })
        })
      case FrameType.end:
        return fixed(4, () => {
          this.emit({ kind: 'end' })
          this.modeNow = 'text'
        })
      case FrameType.overcurrent:
        return fixed(4, () => this.emit({ kind: 'overcurrent' }))
      case FrameType.targetPoweredDown:
        return fixed(4, () => this.emit({ kind: 'target-powered-down' }))
      default:
        return fixed(6, () => this.emit({ kind: 'voltage', voltageV: ((buf[pos + 2] << 8) | buf[pos + 3]) / 1000 }))
    }
  }

  // ---- shared --------------------------------------------------------------------------------------

  /** Error and info messages; events, overcurrent and power-down also arrive this way in some encodings. */
  private streamMessage(kind: 'error' | 'info', text: string): void {
    const ev = EVENT_TEXT.exec(text)
    if (ev) {
      this.emit({ kind: 'event', eventNumber: Number(ev[1]), edge: ev[2] ?? null })
      return
    }
    const cls = classifyStreamMessage(text)
    if (cls === 'overcurrent') this.emit({ kind: 'overcurrent' })
    else if (cls === 'target-powered-down') this.emit({ kind: 'target-powered-down' })
    else if (cls === 'overflow') this.emit({ kind: 'overflow', message: text })
    else this.emit({ kind, message: text })
  }

  private startSamples(capacity: number): void {
    if (this.values.length < capacity) {
      this.values = new Float64Array(capacity)
      this.raw = new Uint32Array(capacity)
    }
    this.count = 0
  }

  private sample(value: number, raw: number): void {
    if (this.count === this.values.length) {
      const grown = new Float64Array(this.values.length * 2 + 16)
      grown.set(this.values)
      const grownRaw = new Uint32Array(grown.length)
      grownRaw.set(this.raw)
      this.values = grown
      this.raw = grownRaw
    }
    this.values[this.count] = value
    this.raw[this.count] = raw
    this.count++
  }

  private flushSamples(): void {
    if (this.count === 0) return
    this.out.push({ kind: 'samples', values: this.values.slice(0, this.count), raw: this.raw.slice(0, this.count) })
    this.count = 0
  }

  private emit(event: Lpm01aStreamEvent): void {
    this.flushSamples()
    this.out.push(event)
  }

  private anomaly(byteCount: number, reason: string): void {
    const last = this.out[this.out.length - 1]
    if (this.count === 0 && last?.kind === 'anomaly' && last.reason === reason) {
      last.byteCount += byteCount
      return
    }
    this.emit({ kind: 'anomaly', byteCount, reason })
  }
}
