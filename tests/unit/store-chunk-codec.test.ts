import { describe, expect, it } from 'vitest'
import {
  CorruptChunkError,
  decodeBytes,
  decodeFloat32,
  decodeFloat64,
  decodePpk2Words,
  decodeWords32,
  encodeBytes,
  encodeFloat32,
  encodeFloat64,
  encodePpk2Words,
  encodeWords32
} from '../../src-main/store/chunk-codec'
import { planWindow } from '../../src-main/analysis/window-statistics'
import { levelSpan, MAX_LEVEL } from '../../src-main/store/summary'
import { prng } from '../helpers/prng'
import { ppk2Word } from '../helpers/store-ppk2-decoder'

describe('chunk codecs', () => {
  const rand = prng(5)
  it('round-trip every bit of random words, floats and bytes', () => {
    for (const n of [0, 1, 2, 255, 4097]) {
      const words = Uint32Array.from({ length: n }, () => Math.floor(rand() * 2 ** 32))
      expect(Array.from(decodeWords32(encodeWords32(words), n))).toEqual(Array.from(words))
      expect(Array.from(decodePpk2Words(encodePpk2Words(words), n))).toEqual(Array.from(words))
      const floats = new Float32Array(words.buffer.slice(0))
      expect(new Uint32Array(decodeFloat32(encodeFloat32(floats), n).buffer)).toEqual(words)
      const doubles = Float64Array.from({ length: n }, () => (rand() - 0.5) * 1e6)
      expect(Array.from(decodeFloat64(encodeFloat64(doubles), n))).toEqual(Array.from(doubles))
      const bytes = Uint8Array.from({ length: n }, () => Math.floor(rand() * 256))
      expect(Array.from(decodeBytes(encodeBytes(bytes), n))).toEqual(Array.from(bytes))
    }
  })

  it('packs PPK2 words with counter glitches losslessly and in well under 3 bytes per sample', () => {
    const n = 100_000
    const words = new Uint32Array(n)
    let counter = 17
    for (let i = 0; i < n; i++) {
      counter = rand() < 0.001 ? Math.floor(rand() * 64) : counter + 1 // now and then the counter jumps, as in loss
      const range = i % 20_000 < 2000 ? 3 : 0
      words[i] = ppk2Word(1000 + Math.floor(rand() * 16), range, counter, i % 20_000 < 2000 ? 1 : 0)
    }
    const packed = encodePpk2Words(words)
    expect(Array.from(decodePpk2Words(packed, n))).toEqual(Array.from(words))
    expect(packed.length / n).toBeLessThan(1.5)
  })

  it('reports damaged or short data as CorruptChunkError, never another throw', () => {
    const words = Uint32Array.from({ length: 5000 }, (_, i) => ppk2Word(i & 0x3fff, i % 5, i, i >> 4))
    const good = encodePpk2Words(words)
    for (let round = 0; round < 200; round++) {
      const bad = Buffer.from(good.subarray(0, rand() < 0.5 ? Math.floor(rand() * good.length) : good.length))
      for (let k = 0; k < 4; k++) if (bad.length) bad[Math.floor(rand() * bad.length)] = Math.floor(rand() * 256)
      try {
        const out = decodePpk2Words(bad, 5000, 'chunk x')
        expect(out.length).toBe(5000)
      } catch (e) {
        expect(e).toBeInstanceOf(CorruptChunkError)
        expect((e as Error).message).toMatch(/^chunk x: /)
      }
    }
    expect(() => decodeFloat32(encodeFloat32(new Float32Array(10)), 11, 'chunk y')).toThrow(/chunk y: expected 44 bytes/)
  })
})

describe('window plan', () => {
  it('tiles any range exactly with few pieces, coarsest in the middle', () => {
    const rand = prng(8)
    for (let round = 0; round < 2000; round++) {
      const a = Math.floor(rand() * 2 ** 34)
      const b = a + Math.floor(rand() ** 3 * 2 ** 33)
      const pieces = planWindow(a, b, MAX_LEVEL, levelSpan)
      let at = a
      let entries = 0
      let raw = 0
      for (const p of pieces) {
        const s = levelSpan(p.level)
        expect(p.start * s).toBe(at)
        at = p.end * s
        if (p.level === 0) raw += p.end - p.start
        else entries += p.end - p.start
      }
      expect(at).toBe(b)
      expect(raw).toBeLessThanOrEqual(2 * 255)
      expect(entries).toBeLessThanOrEqual(2 * 15 * MAX_LEVEL + Math.ceil((b - a) / levelSpan(MAX_LEVEL)))
    }
  })
})
