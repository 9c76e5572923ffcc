import { describe, expect, it } from 'vitest'
import { CaptureTap } from '../../src-main/capture/capture-tap'
import { LiveTail } from '../../src-main/capture/live-tail'
import type { Gap, Mark, SampleBlock, SampleSink } from '../../src-main/capture/sample-block'
import { prng } from '../helpers/prng'

const T = 1e-5

/** A reference: every slot ever delivered, by absolute index (NaN for lost ones), kept in plain arrays. */
class Reference {
  current: number[] = []
  digital: number[] = []
  put(i: number, c: number, d: number) {
    while (this.current.length < i) {
      this.current.push(NaN)
      this.digital.push(0)
    }
    if (i === this.current.length) {
      this.current.push(c)
      this.digital.push(d)
    }
  }
  lose(a: number, b: number) {
    for (let i = a; i < b; i++) this.put(i, NaN, 0)
  }
}

function expectColumns(tail: LiveTail, ref: Reference, a: number, b: number, width: number) {
  const cols = tail.columns(a, b, width)
  const n = b - a
  const k = Math.min(width, n)
  expect(cols.tS.length).toBe(k)
  for (let c = 0; c < k; c++) {
    const from = a + Math.floor((c * n) / k)
    const to = a + Math.floor(((c + 1) * n) / k)
    let count = 0
    let sum = 0
    let min = Infinity
    let max = -Infinity
    let and = 0xff
    let or = 0
    for (let i = from; i < to; i++) {
      // Slots the tail no longer holds, or never had, are missing.
      if (i < tail.start || i >= tail.end || Number.isNaN(ref.current[i])) continue
      const v = ref.current[i]
      count++
      sum += v
      min = Math.min(min, v)
      max = Math.max(max, v)
      and &= ref.digital[i]
      or |= ref.digital[i]
    }
    expect(cols.tS[c]).toBeCloseTo(from * T, 12)
    if (count === 0) {
      expect(Number.isNaN(cols.mean[c]) && Number.isNaN(cols.min[c]) && Number.isNaN(cols.max[c])).toBe(true)
      continue
    }
    expect(cols.min[c]).toBe(Math.fround(min))
    expect(cols.max[c]).toBe(Math.fround(max))
    expect(cols.mean[c]).toBeCloseTo(sum / count, 6)
    if (cols.digitalAll) {
      expect(cols.digitalAll[c]).toBe(and)
      expect(cols.digitalAny![c]).toBe(or)
    }
  }
}

describe('live tail', () => {
  it('holds the newest samples across wrap-around and draws them like the store draws raw columns', () => {
    const rnd = prng(7)
    const tail = new LiveTail(1000, T)
    const ref = new Reference()
    let next = 0
    for (let step = 0; step < 400; step++) {
      const kind = rnd()
      if (kind < 0.1) {
        const count = 1 + Math.floor(rnd() * 300)
        tail.gap({ startIndex: next, count, reason: 'test' })
        ref.lose(next, next + count)
        next += count
        continue
      }
      // Now and then a driver skips slots without saying, or repeats a stretch.
      const skip = kind < 0.15 ? Math.floor(rnd() * 50) : 0
      const back = kind > 0.95 ? Math.min(next, Math.floor(rnd() * 20)) : 0
      const start = next + skip - back
      const n = 1 + Math.floor(rnd() * (kind > 0.9 ? 2500 : 200))
      const c = new Float32Array(n)
      const d = new Uint8Array(n)
      for (let k = 0; k < n; k++) {
        c[k] = Math.fround(rnd() * 0.05)
        d[k] = Math.floor(rnd() * 256)
      }
      ref.lose(next, start)
      for (let k = 0; k < n; k++) ref.put(start + k, c[k], d[k])
      tail.add({ startIndex: start, currentA: c, digital: d })
      next = Math.max(next, start + n)
      expect(tail.end).toBe(next)
      expect(tail.start).toBe(Math.max(0, next - 1000))
      if (step % 20 === 0) {
        expectColumns(tail, ref, tail.start, tail.end, 37)
        expectColumns(tail, ref, Math.max(0, tail.end - 1500), tail.end + 10, 200)
        expectColumns(tail, ref, tail.end - 5, tail.end, 100)
      }
    }
  })

  it('keeps only the newest part of a block longer than itself', () => {
    const tail = new LiveTail(100, T)
    const c = Float32Array.from({ length: 250 }, (_, i) => i)
    tail.add({ startIndex: 0, currentA: c })
    expect(tail.start).toBe(150)
    const cols = tail.columns(150, 250, 100)
    expect(Array.from(cols.min)).toEqual(Array.from({ length: 100 }, (_, i) => 150 + i))
    expect(cols.digitalAll).toBeUndefined()
    // Asking before what it holds gives empty (NaN) columns, never zeros.
    expect(Array.from(tail.columns(0, 150, 10).mean).every(Number.isNaN)).toBe(true)
  })

  it('refuses a capacity that is not a whole positive number', () => {
    expect(() => new LiveTail(0, T)).toThrow(RangeError)
    expect(() => new LiveTail(2.5, T)).toThrow(RangeError)
  })
})

class CollectingSink implements SampleSink {
  blocks: SampleBlock[] = []
  gaps: Gap[] = []
  marks: Mark[] = []
  warnings: string[] = []
  samples(b: SampleBlock) {
    this.blocks.push(b)
  }
  gap(g: Gap) {
    this.gaps.push(g)
  }
  mark(m: Mark) {
    this.marks.push(m)
  }
  warning(w: string) {
    this.warnings.push(w)
  }
}

describe('capture tap', () => {
  it('cuts the stream at the requested number of slots, gaps included, and says so once', async () => {
    let limits = 0
    const tap = new CaptureTap({ samplePeriodS: T, tailSamples: 100, limitSamples: 1000, onLimit: () => limits++ })
    const out = new CollectingSink()
    const sink = tap.wrap(out)
    sink.samples({ startIndex: 0, currentA: new Float32Array(600).fill(1), digital: new Uint8Array(600), raw: new Uint32Array(600) })
    sink.gap({ startIndex: 600, count: 100, reason: 'lost' })
    sink.mark({ index: 650, label: 'in' })
    sink.samples({ startIndex: 700, currentA: new Float32Array(500).fill(2), digital: new Uint8Array(500), raw: new Uint32Array(500) })
    sink.mark({ index: 1100, label: 'past the end' })
    sink.samples({ startIndex: 1200, currentA: new Float32Array(10) })
    await Promise.resolve()
    expect(limits).toBe(1)
    expect(tap.slots).toBe(1000)
    expect(out.blocks.map((b) => [b.startIndex, b.currentA.length, b.digital!.length, b.raw!.length])).toEqual([
      [0, 600, 600, 600],
      [700, 300, 300, 300]
    ])
    expect(out.gaps).toEqual([{ startIndex: 600, count: 100, reason: 'lost' }])
    expect(out.marks).toEqual([{ index: 650, label: 'in' }])
    expect(tap.gapSamples).toBe(100)
  })

  it('counts slots a driver skipped without saying, and reports the last stretch\'s statistics', () => {
    const tap = new CaptureTap({ samplePeriodS: T, tailSamples: 100 })
    const sink = tap.wrap(new CollectingSink())
    sink.samples({ startIndex: 0, currentA: Float32Array.from([1, 2, 3]) })
    sink.samples({ startIndex: 10, currentA: Float32Array.from([4, NaN, 6]) })
    const r = tap.takeRecent()
    expect(r).toEqual({ windowS: 13 * T, count: 5, meanA: 16 / 5, minA: 1, maxA: 6 })
    expect(tap.gapSamples).toBe(7)
    expect(tap.gapCount).toBe(1)
    expect(tap.takeRecent()).toEqual({ windowS: 0, count: 0, meanA: null, minA: null, maxA: null })
  })
})
