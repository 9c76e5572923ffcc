import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { unzipSync } from 'fflate'
import type { JoulebenchCore } from '../../src-main/api/core'
import { decodeMessage, encodeMessage } from '../../src-main/api/wire'
import { RecordingWriter } from '../../src-main/store/recording-writer'
import { call, makeCore, recordEvents, refusal } from '../helpers/api'
import { prng } from '../helpers/prng'

// A synthetic 100 kS/s recording whose every sample is known: a square wave of 10 mA for 50 ms every
// 200 ms over a 1 mA floor, D0 high with the pulse, D3 toggling every sample, 0.1 s lost at 1.0 s.
const T = 1e-5
const N = 300_000
const GAP = { startIndex: 100_000, count: 10_000 }
const SUPPLY_V = 3.3
const high = (i: number) => i % 20_000 < 5_000
const currentAt = (i: number) => Math.fround(high(i) ? 0.01 : 0.001)
const digitalAt = (i: number) => (high(i) ? 1 : 0) | ((i & 1) << 3)
const inGap = (i: number) => i >= GAP.startIndex && i < GAP.startIndex + GAP.count

function writeSynthetic(core: JoulebenchCore): number {
  const w = RecordingWriter.create(core.db, { name: 'synthetic square', samplePeriodS: T, supplyV: SUPPLY_V, digital: true })
  const BLOCK = 4096
  for (let s = 0; s < N; ) {
    if (s === GAP.startIndex) {
      w.gap({ ...GAP, reason: 'test loss' })
      s += GAP.count
      continue
    }
    const e = Math.min(N, s + BLOCK, s < GAP.startIndex ? GAP.startIndex : N)
    const c = new Float32Array(e - s)
    const d = new Uint8Array(e - s)
    for (let i = s; i < e; i++) {
      c[i - s] = currentAt(i)
      d[i - s] = digitalAt(i)
    }
    w.samples({ startIndex: s, currentA: c, digital: d })
    s = e
  }
  w.mark({ index: 150_000, label: 'inference 7' })
  w.finish()
  return w.id
}

/** Truth over the sample slots [a, b): min, max, mean of present samples; digital AND and OR. */
function truth(a: number, b: number) {
  let count = 0
  let sum = 0
  let sumsq = 0
  let min = Infinity
  let max = -Infinity
  let and = 0xff
  let or = 0
  for (let i = a; i < b; i++) {
    if (inGap(i)) continue
    const v = currentAt(i)
    count++
    sum += v
    sumsq += v * v
    min = Math.min(min, v)
    max = Math.max(max, v)
    and &= digitalAt(i)
    or |= digitalAt(i)
  }
  return { count, sum, sumsq, min, max, mean: sum / count, and, or }
}

describe('recordings API through JoulebenchCore.handle', () => {
  let core: JoulebenchCore
  let id: number

  beforeAll(() => {
    core = makeCore()
    id = writeSynthetic(core)
  })
  afterAll(() => core.close())

  it('lists the recording with its duration in seconds', async () => {
    const { recordings } = await call(core, 'recordings.list', {})
    const r = recordings.find((x) => x.id === id)!
    expect(r.name).toBe('synthetic square')
    expect(r.durationS).toBeCloseTo(N * T, 12)
    expect(r.sampleCount).toBe(N)
    expect(r.gapSamples).toBe(GAP.count)
    expect(r.live).toBe(false)
  })

  it('gives details: gaps and marks with their times in seconds', async () => {
    const d = await call(core, 'recordings.get', { id })
    expect(d.gaps).toEqual([{ startIndex: GAP.startIndex, count: GAP.count, reason: 'test loss', startS: GAP.startIndex * T, durationS: GAP.count * T }])
    expect(d.marks).toEqual([{ index: 150_000, label: 'inference 7', timeS: 150_000 * T }])
    expect(d.recording.state).toBe('finished')
    // By UUID prefix as well as by number.
    expect((await call(core, 'recordings.get', { id: d.recording.uuid.slice(0, 8) })).recording.id).toBe(id)
  })

  it('draws the whole recording in at most widthPx columns, each true to the samples it covers', async () => {
    const width = 500
    const v = await call(core, 'recordings.view', { id, fromS: 0, toS: N * T, widthPx: width })
    const n = v.tS.length
    expect(n).toBeGreaterThan(width / 2)
    expect(n).toBeLessThanOrEqual(width)
    expect(v.level).toBeGreaterThan(0) // 600 samples per column: drawn from summaries, not samples
    expect(v.digitalAll).toBeInstanceOf(Uint8Array)
    for (let c = 0; c < n; c++) {
      const a = Math.round(v.tS[c] / T)
      const b = c + 1 < n ? Math.round(v.tS[c + 1] / T) : N
      const t = truth(a, b)
      if (t.count === 0) {
        // Gaps are drawn as gaps: no value at all, never a zero.
        expect([v.min[c], v.max[c], v.mean[c]].every(Number.isNaN)).toBe(true)
        expect(v.digitalAny![c]).toBe(0)
        continue
      }
      expect(v.min[c]).toBe(t.min)
      expect(v.max[c]).toBe(t.max)
      expect(v.mean[c]).toBeCloseTo(t.mean, 9)
      expect(v.digitalAll![c]).toBe(t.and)
      expect(v.digitalAny![c]).toBe(t.or)
    }
    // The 0.1-s gap at 1.0 s spans whole columns of 6 ms: some columns must be empty.
    expect(Array.from(v.mean).filter(Number.isNaN).length).toBeGreaterThan(10)
  })

  it('draws a short window from raw samples, column by column exactly', async () => {
    // 500 samples across a rising edge (the pulse starts at i = 120 000) at 100 px: 5 samples a column.
    const fromS = 119_800 * T
    const toS = 120_300 * T
    const v = await call(core, 'recordings.view', { id, fromS, toS, widthPx: 100 })
    expect(v.level).toBe(0)
    expect(v.tS.length).toBe(100)
    for (let c = 0; c < 100; c++) {
      const a = 119_800 + c * 5
      const t = truth(a, a + 5)
      expect(v.tS[c]).toBeCloseTo(a * T, 12)
      expect(v.min[c]).toBe(t.min)
      expect(v.max[c]).toBe(t.max)
      expect(v.digitalAll![c]).toBe(t.and)
      expect(v.digitalAny![c]).toBe(t.or)
    }
    // Wider than the samples: one column per sample, D3 then alternates all/none.
    const fine = await call(core, 'recordings.view', { id, fromS, toS: fromS + 10 * T, widthPx: 50 })
    expect(fine.tS.length).toBe(10)
    expect(Array.from(fine.digitalAll!, (x) => (x >> 3) & 1)).toEqual([0, 1, 0, 1, 0, 1, 0, 1, 0, 1])
  })

  it('leaves the digital lanes out when asked', async () => {
    const v = await call(core, 'recordings.view', { id, fromS: 0, toS: 1, widthPx: 100, digital: false })
    expect(v.digitalAll).toBeUndefined()
  })

  it('sends a view as one binary frame of typed arrays, about 13 bytes per column', async () => {
    const reply = await core.handle({ id: 99, method: 'recordings.view', params: { id, fromS: 0, toS: N * T, widthPx: 2000 } })
    const frame = encodeMessage(reply)
    expect(frame).toBeInstanceOf(Uint8Array)
    const back = decodeMessage(frame as Uint8Array) as { ok: true; result: { tS: Float64Array; min: Float32Array; digitalAny: Uint8Array } }
    expect(back.result.tS).toBeInstanceOf(Float64Array)
    expect(back.result.min).toBeInstanceOf(Float32Array)
    const cols = back.result.tS.length
    // 8 (t) + 3 × 4 (min, max, mean) + 2 × 1 (digital) bytes per column, plus the JSON header.
    expect((frame as Uint8Array).byteLength).toBeLessThan(cols * 22 + 2048)
  })

  it('computes window statistics exactly, minimum and energy included', async () => {
    const fromS = 0.05
    const toS = 2.5
    const s = await call(core, 'recordings.stats', { id, fromS, toS })
    const a = Math.ceil(fromS / T - 1e-9)
    const b = Math.ceil(toS / T - 1e-9)
    const t = truth(a, b)
    const chargeC = t.sum * T
    const sd = Math.sqrt(t.sumsq / t.count - t.mean ** 2)
    expect(s.count).toBe(t.count)
    expect(s.gapSamples).toBe(GAP.count)
    expect(s.durationS).toBeCloseTo(toS - fromS, 12)
    expect(s.measuredDurationS).toBeCloseTo(t.count * T, 12)
    expect(s.currentA.min).toBe(t.min)
    expect(s.currentA.max).toBe(t.max)
    expect(s.currentA.mean!).toBeCloseTo(t.mean, 12)
    expect(s.currentA.sd!).toBeCloseTo(sd, 9)
    expect(s.chargeC!).toBeCloseTo(chargeC, 12)
    expect(s.energyJ!).toBeCloseTo(SUPPLY_V * chargeC, 12)
    expect(s.averagePowerW!).toBeCloseTo((SUPPLY_V * chargeC) / (t.count * T), 9)
    expect(s.energySource).toBe('supply-voltage')
  })

  it('refuses bad parameters by field, and a missing recording by name', async () => {
    expect((await refusal(core, 'recordings.view', { id, fromS: 2, toS: 1, widthPx: 10 })).issues?.[0]?.path).toBe('toS')
    expect((await refusal(core, 'recordings.view', { id, fromS: 0, toS: 1, widthPx: 0 })).code).toBe('invalid-params')
    expect((await refusal(core, 'recordings.view', { id, fromS: 0, toS: 1, widthPx: 10, channel: 'digital' })).code).toBe('invalid-params')
    expect((await refusal(core, 'recordings.view', { id, fromS: 0, toS: 1, widthPx: 10, channel: 'voltage' })).message).toMatch(/no measured voltage/)
    expect((await refusal(core, 'recordings.stats', { id: 9999 })).message).toMatch(/No recording "9999"/)
    expect((await refusal(core, 'recordings.get', { id: -1 })).code).toBe('invalid-params')
  })

  it('answers any view request with columns or an error reply, never an exception (seeded fuzz)', async () => {
    const rnd = prng(20260611)
    const pick = <T>(xs: T[]): T => xs[Math.floor(rnd() * xs.length)]
    for (let k = 0; k < 300; k++) {
      const fromS = pick([0, rnd() * 4, rnd() * 1e-4, 1e9, -1, NaN, 'x' as unknown as number, 0.999])
      const toS = pick([fromS + rnd() * 3, fromS + 1e-7, fromS, 1e12, Infinity, 5])
      const widthPx = pick([1, 2, Math.floor(rnd() * 20000), 16384, 16385, 0.5, -3])
      const reply = await core.handle({ id: k, method: 'recordings.view', params: { id: pick([id, 'zzzz', 0, 2.5]), fromS, toS, widthPx } })
      if (!reply.ok) {
        expect(['invalid-params', 'failed']).toContain(reply.error.code)
        expect(reply.error.message.length).toBeGreaterThan(5)
        continue
      }
      const v = reply.result as { tS: Float64Array; min: Float32Array; max: Float32Array; mean: Float32Array }
      expect(v.tS.length).toBeLessThanOrEqual(widthPx)
      for (let c = 0; c < v.tS.length; c++) {
        if (Number.isNaN(v.mean[c])) continue
        expect(v.min[c]).toBeLessThanOrEqual(v.mean[c] * (1 + 1e-6))
        expect(v.max[c]).toBeGreaterThanOrEqual(v.mean[c] * (1 - 1e-6))
        if (c) expect(v.tS[c]).toBeGreaterThan(v.tS[c - 1])
      }
    }
  })

  it('answers random parameters to every recordings and capture method with a reply, never an exception (seeded fuzz)', async () => {
    const rnd = prng(4242)
    const methods = ['recordings.list', 'recordings.get', 'recordings.view', 'recordings.stats', 'recordings.update', 'recordings.upload', 'recordings.export', 'capture.stop', 'capture.status', 'capture.configure', 'capture.disconnect']
    const values = (): unknown => {
      const k = Math.floor(rnd() * 12)
      return [null, true, -1, 0, 1e308, NaN, 'x'.repeat(Math.floor(rnd() * 300)), [], {}, { id: 1 }, new Uint8Array(3), id][k]
    }
    const keys = ['id', 'fromS', 'toS', 'widthPx', 'channel', 'digital', 'name', 'tags', 'notes', 'bytes', 'uploadId', 'format', 'instrumentId', 'supplyV', 'mode', 'userGains', '__proto__', 'constructor']
    for (let k = 0; k < 400; k++) {
      const params: Record<string, unknown> = {}
      for (let j = Math.floor(rnd() * 5); j > 0; j--) params[keys[Math.floor(rnd() * keys.length)]] = values()
      const method = methods[Math.floor(rnd() * methods.length)]
      const reply = await core.handle({ id: k, method, params: rnd() < 0.1 ? values() : params })
      if (!reply.ok) expect(['invalid-params', 'failed', 'bad-request']).toContain(reply.error.code)
    }
    // The synthetic recording is untouched by all that.
    expect((await call(core, 'recordings.get', { id })).recording).toMatchObject({ name: 'synthetic square', sampleCount: N })
  })

  it('renames, tags and deletes, announcing each change', async () => {
    const events = recordEvents(core)
    const second = writeSynthetic(core)
    const renamed = await call(core, 'recordings.update', { id: second, name: 'renamed', tags: ['conv', 'simd', 'conv'], notes: 'bench 2' })
    expect(renamed).toMatchObject({ id: second, name: 'renamed', tags: ['conv', 'simd'], notes: 'bench 2' })
    expect(await call(core, 'recordings.delete', { id: second })).toEqual({ deleted: second })
    expect((await call(core, 'recordings.list', {})).recordings.map((r) => r.id)).not.toContain(second)
    expect((await refusal(core, 'recordings.get', { id: second })).message).toMatch(/No recording/)
    expect(events.filter((e) => e.event === 'recordings.changed').map((e) => e.data)).toEqual([
      { id: second, change: 'updated' },
      { id: second, change: 'deleted' }
    ])
  })
})

describe('import and export through the API', () => {
  let core: JoulebenchCore
  beforeAll(() => (core = makeCore()))
  afterAll(() => core.close())

  // 2,000 rows at 1 kS/s: 5 mA, with 20 mA for rows 500–799.
  const csvRows = Array.from({ length: 2000 }, (_, i) => `${(i / 1000).toFixed(3)},${i >= 500 && i < 800 ? '20' : '5'}`)
  const csv = new TextEncoder().encode(['time (s),current (mA)', ...csvRows].join('\n') + '\n')
  const expectedMeanA = (300 * 0.02 + 1700 * 0.005) / 2000

  it('imports a CSV sent as bytes and knows its values', async () => {
    const events = recordEvents(core)
    const r = await call(core, 'recordings.import', { fileName: 'bench run.csv', bytes: csv, supplyV: 1.8 })
    expect(r.format).toBe('csv')
    expect(r.recording.name).toBe('bench run')
    expect(r.recording.sampleCount).toBe(2000)
    expect(r.recording.samplePeriodS).toBeCloseTo(1e-3, 12)
    const s = await call(core, 'recordings.stats', { id: r.recording.id })
    expect(s.currentA.mean!).toBeCloseTo(expectedMeanA, 9)
    expect(s.currentA.min!).toBeCloseTo(0.005, 9)
    expect(s.energyJ! / (1.8 * expectedMeanA * 2)).toBeCloseTo(1, 6) // float32 storage of the currents
    expect(events.map((e) => e.event)).toContain('recordings.changed')
  })

  it('imports a file sent in pieces the same way', async () => {
    let up = await call(core, 'recordings.upload', { bytes: csv.subarray(0, 1000) })
    up = await call(core, 'recordings.upload', { uploadId: up.uploadId, bytes: csv.subarray(1000, 7000) })
    up = await call(core, 'recordings.upload', { uploadId: up.uploadId, bytes: csv.subarray(7000) })
    expect(up.receivedBytes).toBe(csv.byteLength)
    const r = await call(core, 'recordings.import', { fileName: 'pieces.csv', uploadId: up.uploadId })
    const s = await call(core, 'recordings.stats', { id: r.recording.id })
    expect(s.count).toBe(2000)
    expect(s.currentA.mean!).toBeCloseTo(expectedMeanA, 9)
    // An upload is used once.
    expect((await refusal(core, 'recordings.import', { fileName: 'again.csv', uploadId: up.uploadId })).message).toMatch(/unknown or expired/)
  })

  it('names the user\'s file, not a temporary copy, when the bytes are not a recording', async () => {
    const e = await refusal(core, 'recordings.import', { fileName: 'notes.csv', bytes: new TextEncoder().encode('hello,world\n1,2\n') })
    expect(e.message).toMatch(/notes\.csv/)
    expect(e.message).not.toMatch(/jb-import-/)
    const zip = await refusal(core, 'recordings.import', { fileName: 'broken.ppk2', bytes: new Uint8Array([0x50, 0x4b, 3, 4, 9, 9, 9]) })
    expect(zip.message).toMatch(/broken\.ppk2/)
    expect((await refusal(core, 'recordings.import', { fileName: 'x.csv' })).issues?.[0]?.path).toBe('bytes')
  })

  it('exports a CSV window and a .ppk2 file as bytes that read back to the same samples', async () => {
    const r = await call(core, 'recordings.import', { fileName: 'for export.csv', bytes: csv, supplyV: 3 })
    const id = r.recording.id
    const out = await call(core, 'recordings.export', { id, format: 'csv', fromS: 0.4, toS: 0.9 })
    expect(out.fileName).toBe('for export.csv')
    expect(out.bytes).toBeInstanceOf(Uint8Array)
    const lines = new TextDecoder().decode(out.bytes).trim().split('\n')
    expect(lines[0]).toBe('time_s,current_A')
    expect(lines.length - 1).toBe(500)
    expect(out.rows).toBe(500)
    const values = lines.slice(1).map((l) => l.split(',').map(Number))
    values.forEach(([t, a], k) => {
      const i = 400 + k
      expect(t).toBeCloseTo(i / 1000, 9)
      expect(a).toBeCloseTo(i >= 500 && i < 800 ? 0.02 : 0.005, 9)
    })

    const p = await call(core, 'recordings.export', { id, format: 'ppk2' })
    const files = unzipSync(p.bytes)
    const raw = files['session.raw']
    expect(raw.byteLength).toBe(2000 * 6)
    const dv = new DataView(raw.buffer, raw.byteOffset, raw.byteLength)
    for (const i of [0, 499, 500, 799, 800, 1999]) expect(dv.getFloat32(i * 6, true)).toBeCloseTo(i >= 500 && i < 800 ? 20_000 : 5_000, 2)
    expect(JSON.parse(new TextDecoder().decode(files['metadata.json'])).metadata.samplesPerSecond).toBeCloseTo(1000, 6)
    expect((await refusal(core, 'recordings.export', { id, format: 'ppk2', widthRows: 10 })).issues?.[0]?.path).toBe('widthRows')
  })
})
