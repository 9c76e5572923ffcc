import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { LiveTail } from '../../src-main/capture/live-tail'
import { liveColumns } from '../../src-main/capture/trace-window'
import { RecordingStore } from '../../src-main/store/recording-store'
import { RecordingWriter } from '../../src-main/store/recording-writer'
import { openWorkspace } from '../../src-main/store/workspace'

const T = 1e-5
const valueAt = (i: number) => Math.fround(0.001 + ((i * 7919) % 1000) * 1e-5)
const digitalAt = (i: number) => (i >> 6) & 0xff

describe('live views: the committed part from the store, the rest from the live tail', () => {
  it('joins the two without a seam: every column true to its samples, none empty', () => {
    const db = openWorkspace(join(mkdtempSync(join(tmpdir(), 'jb-live-')), 'w.db'))
    const store = RecordingStore.open(db)
    const writer = RecordingWriter.create(db, { name: 'live', samplePeriodS: T, digital: true })
    const tail = new LiveTail(50_000, T)
    // 400,000 slots delivered; the store has committed the first 380,000 (a commit every ~second).
    const delivered = 400_000
    const committed = 380_000
    for (let s = 0; s < delivered; s += 5000) {
      const c = Float32Array.from({ length: 5000 }, (_, k) => valueAt(s + k))
      const d = Uint8Array.from({ length: 5000 }, (_, k) => digitalAt(s + k))
      tail.add({ startIndex: s, currentA: c, digital: d })
      if (s < committed) writer.samples({ startIndex: s, currentA: c, digital: d })
      if (s + 5000 === committed) writer.commit()
    }
    const info = store.get(writer.id)
    expect(info.sampleCount).toBe(committed)
    const live = { tail, committedCount: committed, sampleCount: delivered }

    const check = (fromS: number, toS: number, width: number) => {
      const v = liveColumns(store, info, live, fromS, toS, width, true)
      const n = v.tS.length
      expect(n).toBeLessThanOrEqual(width)
      expect(n).toBeGreaterThan(width * 0.5)
      const endIndex = Math.min(delivered, Math.ceil(toS / T - 1e-9))
      for (let c = 0; c < n; c++) {
        const a = Math.round(v.tS[c] / T)
        const b = c + 1 < n ? Math.round(v.tS[c + 1] / T) : endIndex
        expect(b).toBeGreaterThan(a)
        let min = Infinity
        let max = -Infinity
        let sum = 0
        let and = 0xff
        let or = 0
        for (let i = a; i < b; i++) {
          min = Math.min(min, valueAt(i))
          max = Math.max(max, valueAt(i))
          sum += valueAt(i)
          and &= digitalAt(i)
          or |= digitalAt(i)
        }
        expect([v.min[c], v.max[c], v.digitalAll![c], v.digitalAny![c]]).toEqual([min, max, and, or])
        expect(v.mean[c]).toBeCloseTo(sum / (b - a), 8)
      }
      return v
    }
    // The whole recording: mostly from summaries, the last 5 % from the tail.
    check(0, delivered * T, 800)
    check(0.123, 3.95, 500)
    // The last 2 s as a live view follows them: the tail alone.
    check((delivered - 200_000) * T, delivered * T, 1000)
    // A window that ends beyond what has arrived stops at what has.
    const beyond = check(3.9, 4.5, 300)
    expect(beyond.tS.at(-1)!).toBeLessThan(4)
    writer.finish()
    db.close()
  })
})
