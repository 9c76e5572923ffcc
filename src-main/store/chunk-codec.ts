import { deflateRawSync, inflateRawSync } from 'node:zlib'

/**
 * Lossless encodings of sample chunks. Each one turns slow-moving values into runs of zero bytes
 * (XOR or difference with the previous sample), splits the bytes into planes so that deflate sees
 * like next to like, and compresses with raw deflate at level 1 (native zlib: fast enough to stay far
 * ahead of any instrument).
 */
export type ChunkCodec = 'f32-xor-planes' | 'f64-xor-planes' | 'u8-xor' | 'u32-xor-planes' | 'ppk2-word-planes'

export class CorruptChunkError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'CorruptChunkError'
  }
}

const DEFLATE = { level: 1 }

function deflate(planes: Uint8Array): Buffer {
  return deflateRawSync(planes, DEFLATE)
}

function inflate(data: Uint8Array, expectedBytes: number, what: string): Uint8Array {
  let out: Buffer
  try {
    out = inflateRawSync(data, { maxOutputLength: Math.max(expectedBytes, 1) })
  } catch (e) {
    throw new CorruptChunkError(`${what}: compressed data is damaged (${(e as Error).message}).`)
  }
  if (out.length !== expectedBytes) {
    throw new CorruptChunkError(`${what}: expected ${expectedBytes} bytes after decompression, found ${out.length}.`)
  }
  return out
}

/** 32-bit words → XOR with the previous word → 4 byte planes. */
function packWords32(words: Uint32Array): Uint8Array {
  const n = words.length
  const planes = new Uint8Array(n * 4)
  let prev = 0
  for (let i = 0; i < n; i++) {
    const w = words[i]
    const x = (w ^ prev) >>> 0
    prev = w
    planes[i] = x & 0xff
    planes[n + i] = (x >>> 8) & 0xff
    planes[2 * n + i] = (x >>> 16) & 0xff
    planes[3 * n + i] = x >>> 24
  }
  return planes
}

function unpackWords32(planes: Uint8Array, n: number, out: Uint32Array): void {
  let prev = 0
  for (let i = 0; i < n; i++) {
    const x = planes[i] | (planes[n + i] << 8) | (planes[2 * n + i] << 16) | (planes[3 * n + i] << 24)
    prev = (prev ^ x) >>> 0
    out[i] = prev
  }
}

export function encodeFloat32(values: Float32Array): Buffer {
  return deflate(packWords32(new Uint32Array(values.buffer, values.byteOffset, values.length)))
}

export function decodeFloat32(data: Uint8Array, count: number, what = 'chunk'): Float32Array {
  const out = new Float32Array(count)
  unpackWords32(inflate(data, count * 4, what), count, new Uint32Array(out.buffer))
  return out
}

export function encodeWords32(words: Uint32Array): Buffer {
  return deflate(packWords32(words))
}

export function decodeWords32(data: Uint8Array, count: number, what = 'chunk'): Uint32Array {
  const out = new Uint32Array(count)
  unpackWords32(inflate(data, count * 4, what), count, out)
  return out
}

/** Float64 as two 32-bit halves, each XORed with the previous sample's, then 8 byte planes. */
export function encodeFloat64(values: Float64Array): Buffer {
  const n = values.length
  const halves = new Uint32Array(values.buffer, values.byteOffset, n * 2)
  const planes = new Uint8Array(n * 8)
  let pLo = 0
  let pHi = 0
  for (let i = 0; i < n; i++) {
    const lo = halves[2 * i]
    const hi = halves[2 * i + 1]
    const xl = (lo ^ pLo) >>> 0
    const xh = (hi ^ pHi) >>> 0
    pLo = lo
    pHi = hi
    for (let b = 0; b < 4; b++) {
      planes[b * n + i] = (xl >>> (8 * b)) & 0xff
      planes[(b + 4) * n + i] = (xh >>> (8 * b)) & 0xff
    }
  }
  return deflate(planes)
}

export function decodeFloat64(data: Uint8Array, count: number, what = 'chunk'): Float64Array {
  const planes = inflate(data, count * 8, what)
  const out = new Float64Array(count)
  const halves = new Uint32Array(out.buffer)
  let pLo = 0
  let pHi = 0
  for (let i = 0; i < count; i++) {
    let xl = 0
    let xh = 0
    for (let b = 0; b < 4; b++) {
      xl |= planes[b * count + i] << (8 * b)
      xh |= planes[(b + 4) * count + i] << (8 * b)
    }
    pLo = (pLo ^ xl) >>> 0
    pHi = (pHi ^ xh) >>> 0
    halves[2 * i] = pLo
    halves[2 * i + 1] = pHi
  }
  return out
}

export function encodeBytes(values: Uint8Array): Buffer {
  const x = new Uint8Array(values.length)
  let prev = 0
  for (let i = 0; i < values.length; i++) {
    x[i] = values[i] ^ prev
    prev = values[i]
  }
  return deflate(x)
}

export function decodeBytes(data: Uint8Array, count: number, what = 'chunk'): Uint8Array {
  const x = inflate(data, count, what)
  const out = new Uint8Array(count)
  let prev = 0
  for (let i = 0; i < count; i++) {
    prev ^= x[i]
    out[i] = prev
  }
  return out
}

/**
 * PPK2 sample words (ppk2.md §2.6: ADC bits 0–13, range 14–16, unused 17, counter 18–23, logic 24–31).
 * Five planes: the ADC difference (zig-zag, low and high byte), range bits XOR the previous, the
 * counter's departure from "previous + 1" (almost always 0), and the logic byte XOR the previous.
 * Every bit of every word comes back, counter glitches included.
 */
export function encodePpk2Words(words: Uint32Array): Buffer {
  const n = words.length
  const planes = new Uint8Array(n * 5)
  let pAdc = 0
  let pMid = 0
  let pCtr = 63
  let pLogic = 0
  const o1 = n
  const o2 = 2 * n
  const o3 = 3 * n
  const o4 = 4 * n
  for (let i = 0; i < n; i++) {
    const w = words[i]
    const adc = w & 0x3fff
    const mid = (w >>> 14) & 0xf
    const ctr = (w >>> 18) & 0x3f
    const logic = w >>> 24
    const d = adc - pAdc
    const zz = (d << 1) ^ (d >> 31)
    planes[i] = zz & 0xff
    planes[o1 + i] = zz >>> 8
    planes[o2 + i] = mid ^ pMid
    planes[o3 + i] = (ctr - pCtr - 1) & 0x3f
    planes[o4 + i] = logic ^ pLogic
    pAdc = adc
    pMid = mid
    pCtr = ctr
    pLogic = logic
  }
  return deflate(planes)
}

export function decodePpk2Words(data: Uint8Array, count: number, what = 'chunk'): Uint32Array {
  const n = count
  const planes = inflate(data, n * 5, what)
  const out = new Uint32Array(n)
  let adc = 0
  let mid = 0
  let ctr = 63
  let logic = 0
  const o1 = n
  const o2 = 2 * n
  const o3 = 3 * n
  const o4 = 4 * n
  for (let i = 0; i < n; i++) {
    const zz = planes[i] | (planes[o1 + i] << 8)
    adc = (adc + ((zz >>> 1) ^ -(zz & 1))) & 0x3fff
    mid ^= planes[o2 + i] & 0xf
    ctr = (ctr + 1 + planes[o3 + i]) & 0x3f
    logic ^= planes[o4 + i]
    out[i] = (adc | (mid << 14) | (ctr << 18) | (logic << 24)) >>> 0
  }
  return out
}

/** The packer used for raw words of a format: PPK2 words get their own; any other format the generic one. */
export function rawWordCodec(formatId: string): ChunkCodec {
  return formatId.startsWith('ppk2-word') ? 'ppk2-word-planes' : 'u32-xor-planes'
}

export function encodeRawWords(codec: ChunkCodec, words: Uint32Array): Buffer {
  return codec === 'ppk2-word-planes' ? encodePpk2Words(words) : encodeWords32(words)
}

export function decodeRawWords(codec: string, data: Uint8Array, count: number, what: string): Uint32Array {
  if (codec === 'ppk2-word-planes') return decodePpk2Words(data, count, what)
  if (codec === 'u32-xor-planes') return decodeWords32(data, count, what)
  throw new CorruptChunkError(`${what}: unknown raw chunk encoding "${codec}".`)
}
