import { describe, expect, it } from 'vitest'
import { Ppk2StreamDecoder } from '../../src-main/instruments/ppk2/stream-decoder'
import { word, wordBytes } from '../helpers/ppk2-fixtures'
import { prng } from '../helpers/prng'

interface Decoded {
  samples: Map<number, number>
  gaps: Array<{ start: number; count: number }>
  decoder: Ppk2StreamDecoder
  /** Every slot the decoder accounted for, in order, checked for contiguity. */
  slots: number
}

/** Feeds bytes in random chunk sizes and checks the output is a contiguous run of slots. */
function decode(bytes: Uint8Array, seed = 1, maxChunk = 5000): Decoded {
  const samples = new Map<number, number>()
  const gaps: Decoded['gaps'] = []
  let slots = 0
  const decoder = new Ppk2StreamDecoder({
    words(start, words) {
      expect(start).toBe(slots)
      words.forEach((w, k) => samples.set(start + k, w))
      slots += words.length
    },
    gap(start, count) {
      expect(start).toBe(slots)
      expect(count).toBeGreaterThan(0)
      gaps.push({ start, count })
      slots += count
    }
  })
  const rand = prng(seed)
  for (let at = 0; at < bytes.length; ) {
    const n = Math.min(bytes.length - at, 1 + Math.floor(rand() * maxChunk))
    decoder.push(bytes.subarray(at, at + n))
    at += n
  }
  decoder.finish()
  expect(decoder.nextIndex).toBe(slots)
  return { samples, gaps, decoder, slots }
}

/** A stream of n words with varied payload; the counter starts at `firstCounter` and wraps at 64. */
function stream(n: number, seed: number, firstCounter = 0): number[] {
  const rand = prng(seed)
  const out: number[] = []
  for (let k = 0; k < n; k++) {
    out.push(word(Math.floor(rand() * 16384), Math.floor(rand() * 5), firstCounter + k, Math.floor(rand() * 256)))
  }
  return out
}

/** Merges adjacent lost indices into the gaps a correct decoder must report. */
function expectedGaps(lost: number[]): Array<{ start: number; count: number }> {
  const sorted = [...lost].sort((a, b) => a - b)
  const gaps: Array<{ start: number; count: number }> = []
  for (const i of sorted) {
    const last = gaps[gaps.length - 1]
    if (last && last.start + last.count === i) last.count++
    else gaps.push({ start: i, count: 1 })
  }
  return gaps
}

function expectExact(result: Decoded, original: number[], lost: number[]): void {
  expect(result.gaps).toEqual(expectedGaps(lost))
  const lostSet = new Set(lost)
  expect(result.slots).toBe(original.length)
  for (let i = 0; i < original.length; i++) {
    if (lostSet.has(i)) expect(result.samples.has(i)).toBe(false)
    else expect(result.samples.get(i)).toBe(original[i])
  }
}

describe('PPK2 stream decoder', () => {
  it('delivers every word at its index, whatever the chunking (1-byte chunks included)', () => {
    const words = stream(20_000, 3, 17)
    const bytes = wordBytes(words)
    for (const maxChunk of [1, 3, 7, 4096]) {
      const r = decode(bytes, maxChunk, maxChunk)
      expectExact(r, words, [])
      expect(r.decoder.stats.discardedBytes).toBe(0)
      expect(r.decoder.stats.samples).toBe(words.length)
    }
  })

  it('reports dropped samples as gaps of the exact size at the exact index, across counter wraps', () => {
    const words = stream(30_000, 5, 60)
    const rand = prng(11)
    const lost: number[] = []
    let at = 50
    while (at < words.length - 200) {
      const count = 1 + Math.floor(rand() * 63)
      for (let k = 0; k < count; k++) lost.push(at + k)
      at += count + 10 + Math.floor(rand() * 300)
    }
    const lostSet = new Set(lost)
    const kept = words.filter((_, i) => !lostSet.has(i))
    const r = decode(wordBytes(kept), 2)
    expectExact(r, words, lost)
    expect(r.decoder.stats.lostSamples).toBe(lost.length)
    expect(r.decoder.stats.discardedBytes).toBe(0)
  })

  it('keeps two losses close together as two gaps with the sample between them', () => {
    const words = stream(400, 6)
    const lost = [100, 102, 103, 110, 200, 201, 202, 204]
    const lostSet = new Set(lost)
    const r = decode(wordBytes(words.filter((_, i) => !lostSet.has(i))))
    expectExact(r, words, lost)
  })

  it('cannot see a loss of exactly 64 samples (the counter comes round): documented limit', () => {
    const words = stream(1000, 7)
    const kept = [...words.slice(0, 300), ...words.slice(364)]
    const r = decode(wordBytes(kept))
    expect(r.gaps).toEqual([])
    expect(r.slots).toBe(1000 - 64)
  })

  it('keeps a sample whose counter alone is wrong, as the app does, and counts it', () => {
    const words = stream(500, 8)
    const glitched = [...words]
    glitched[250] = (glitched[250] ^ (0x15 << 18)) >>> 0
    const r = decode(wordBytes(glitched))
    expect(r.gaps).toEqual([])
    expect(r.samples.get(250)).toBe(glitched[250])
    expect(r.decoder.stats.counterGlitches).toBe(1)
  })

  it('turns an in-sequence word with an invalid range into a one-sample gap', () => {
    const words = stream(500, 9)
    const bad = [...words]
    bad[123] = (bad[123] | (7 << 14)) >>> 0
    const r = decode(wordBytes(bad))
    expectExact(r, words, [123])
    expect(r.decoder.stats.corruptWords).toBe(1)
  })

  it('realigns after dropped bytes: never a wrong value, every damaged word lost, at most two more', () => {
    // A word's counter sits in its third byte, so its first and last bytes are never checked. When bytes
    // go missing near a word boundary, several placements of the loss leave the same counters behind
    // (the last byte of word n or the first of word n+1, …); the decoder gives up every word that any
    // placement could have damaged rather than deliver a wrong value: at most the two neighbours.
    const words = stream(40_000, 10)
    const bytes = wordBytes(words)
    const rand = prng(12)
    const drop = new Set<number>()
    const events: Array<Set<number>> = []
    for (let w = 40; w < words.length - 60; w += 30 + Math.floor(rand() * 200)) {
      const first = 4 * w + Math.floor(rand() * 4)
      const n = 1 + Math.floor(rand() * 3)
      const damaged = new Set<number>()
      for (let b = first; b < first + n; b++) {
        drop.add(b)
        damaged.add(b >> 2)
      }
      events.push(damaged)
    }
    const r = decode(bytes.filter((_, b) => !drop.has(b)), 13)
    expect(r.slots).toBe(words.length)
    const damagedAll = new Set(events.flatMap((e) => [...e]))
    for (let i = 0; i < words.length; i++) {
      if (damagedAll.has(i)) expect(r.samples.has(i)).toBe(false)
      else if (r.samples.has(i)) expect(r.samples.get(i)).toBe(words[i])
    }
    let exact = 0
    for (const damaged of events) {
      const lo = Math.min(...damaged)
      const hi = Math.max(...damaged)
      let extra = 0
      for (let i = lo - 3; i <= hi + 3; i++) if (!damaged.has(i) && !r.samples.has(i)) extra++
      expect(extra).toBeLessThanOrEqual(2)
      if (extra === 0) exact++
    }
    // Everything not near a loss is delivered.
    const near = new Set(events.flatMap((e) => [...e].flatMap((i) => [i - 1, i, i + 1])))
    for (let i = 0; i < words.length; i++) if (!near.has(i)) expect(r.samples.has(i)).toBe(true)
    // A loss well inside a word (its counter byte or the bytes next to it) is still counted exactly.
    expect(exact).toBeGreaterThan(events.length / 10)
  })

  it('skips inserted garbage: never a wrong or invented sample, rarely one given up', () => {
    // Garbage can imitate a word by chance (a counter byte that fits, about 1 in 100); where a stray and
    // a real word are then indistinguishable, the slot is reported lost rather than filled with either.
    const words = stream(40_000, 14)
    const rand = prng(15)
    const parts: number[] = []
    const insertedBefore: number[] = []
    words.forEach((w, i) => {
      if (i > 20 && i % 97 === 0) {
        const n = 1 + Math.floor(rand() * 19)
        for (let k = 0; k < n; k++) parts.push(Math.floor(rand() * 256))
        insertedBefore.push(i)
      }
      parts.push(w & 0xff, (w >>> 8) & 0xff, (w >>> 16) & 0xff, w >>> 24)
    })
    const r = decode(Uint8Array.from(parts), 16)
    expect(r.slots).toBe(words.length)
    const near = new Set(insertedBefore.flatMap((i) => [i - 1, i]))
    for (let i = 0; i < words.length; i++) {
      if (r.samples.has(i)) expect(r.samples.get(i)).toBe(words[i])
      else expect(near.has(i)).toBe(true)
    }
    expect(r.decoder.stats.lostSamples).toBeLessThan(insertedBefore.length / 10)
  })

  it('skips bytes before the first whole word (joining a stream mid-flight)', () => {
    const words = stream(1000, 17, 33)
    const bytes = wordBytes(words).subarray(6)
    const r = decode(bytes)
    // The first whole word is the second one; it becomes index 0.
    expect(r.samples.get(0)).toBe(words[2])
    expect(r.slots).toBe(998)
    expect(r.decoder.stats.discardedBytes).toBe(2)
  })

  it('a restart continues the index from where the caller says', () => {
    // Runs of consecutive samples, merged across deliveries: [first index, length].
    const out: Array<[number, number]> = []
    const d = new Ppk2StreamDecoder({
      words: (s, w) => {
        const last = out[out.length - 1]
        if (last && last[0] + last[1] === s) last[1] += w.length
        else out.push([s, w.length])
      },
      gap: (s, c) => out.push([s, -c])
    })
    d.push(wordBytes(stream(100, 18)))
    d.finish()
    d.restart(250)
    d.push(wordBytes(stream(50, 19, 5)))
    d.finish()
    expect(out).toEqual([
      [0, 100],
      [250, 50]
    ])
  })

  it('survives random and mutated input: no throw, no hang, every byte accounted for', () => {
    const rand = prng(99)
    for (let round = 0; round < 300; round++) {
      let bytes: Uint8Array
      if (round % 3 === 0) {
        bytes = Uint8Array.from({ length: Math.floor(rand() * 5000) }, () => Math.floor(rand() * 256))
      } else {
        bytes = wordBytes(stream(500 + Math.floor(rand() * 2000), round))
        const flips = Math.floor(rand() * 40)
        for (let f = 0; f < flips; f++) bytes[Math.floor(rand() * bytes.length)] = Math.floor(rand() * 256)
        if (round % 3 === 2) bytes = bytes.filter(() => rand() > 0.01)
      }
      const r = decode(bytes, round, 1 + Math.floor(rand() * 700))
      const s = r.decoder.stats
      expect(4 * s.samples + s.discardedBytes).toBe(bytes.length)
      expect(r.decoder.pendingBytes).toBe(0)
    }
  })

  it('holds at most a bounded amount of garbage while searching', () => {
    const d = new Ppk2StreamDecoder({ words() {}, gap() {} })
    d.push(wordBytes(stream(100, 20)))
    const rand = prng(21)
    for (let k = 0; k < 100; k++) d.push(Uint8Array.from({ length: 10_000 }, () => Math.floor(rand() * 256)))
    expect(d.pendingBytes).toBeLessThan(80_000)
  })
})
