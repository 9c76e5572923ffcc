import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { beforeAll, describe, expect, it } from 'vitest'
import { openWorkspace, type Db } from '../../src-main/store/workspace'
import { RecordingWriter, liveRecordingIds } from '../../src-main/store/recording-writer'
import { RecordingStore } from '../../src-main/store/recording-store'
import { prng } from '../helpers/prng'
import { DEFAULT_TEST_CALIBRATION, ppk2CurrentA, ppk2Word, registerTestPpk2Format } from '../helpers/store-ppk2-decoder'

const T = 1e-5
const HIGH_A = 0.01
const LOW_A = 0.001
const PERIOD = 4000
const HIGH_SAMPLES = 1000

function squareAt(i: number): number {
  return i % PERIOD < HIGH_SAMPLES ? HIGH_A : LOW_A
}
/** Samples at HIGH in [0, n), counted in closed form. */
function highBefore(n: number): number {
  return Math.floor(n / PERIOD) * HIGH_SAMPLES + Math.min(n % PERIOD, HIGH_SAMPLES)
}
const f32 = (x: number): number => Math.fround(x)

function expectedSquareCharge(a: number, b: number): number {
  const high = highBefore(b) - highBefore(a)
  return (high * f32(HIGH_A) + (b - a - high) * f32(LOW_A)) * T
}

function freshDb(): Db {
  return openWorkspace(join(mkdtempSync(join(tmpdir(), 'jb-store-')), 'w.db'))
}

/** Feeds [from, to) in blocks of random length so that block edges fall everywhere. */
function feed(w: RecordingWriter, from: number, to: number, rand: () => number, make: (i: number) => number): void {
  let i = from
  while (i < to) {
    const n = Math.min(to - i, 1 + Math.floor(rand() * 9000))
    const currentA = new Float32Array(n)
    for (let k = 0; k < n; k++) currentA[k] = make(i + k)
    w.samples({ startIndex: i, currentA })
    i += n
  }
}

describe('recording store: fixed-rate square wave with a gap', () => {
  const db = freshDb()
  const N = 300_000
  const GAP_START = 100_000
  const GAP = 5_000
  let id = 0
  beforeAll(() => {
    const rand = prng(1)
    const w = RecordingWriter.create(db, { samplePeriodS: T, supplyV: 3.3, name: 'square' }, { commitEveryDataS: 0.3 })
    feed(w, 0, GAP_START, rand, squareAt)
    w.gap({ startIndex: GAP_START, count: GAP, reason: 'device reported loss' })
    feed(w, GAP_START + GAP, N, rand, squareAt)
    w.mark({ index: 1234, label: 'trigger' })
    w.finish()
    id = w.id
  })

  it('lists the recording as finished with its slots, gap and mark', () => {
    const store = new RecordingStore(db)
    const info = store.get(id)
    expect(info.state).toBe('finished')
    expect(info.sampleCount).toBe(N)
    expect(info.gapSamples).toBe(GAP)
    expect(info.uuid).toMatch(/^[0-9a-f-]{36}$/)
    expect(store.get(info.uuid.slice(0, 8)).id).toBe(id)
    expect(store.gaps(id)).toEqual([{ startIndex: GAP_START, count: GAP, reason: 'device reported loss' }])
    expect(store.marks(id)).toEqual([{ index: 1234, label: 'trigger' }])
  })

  it('gives exact charge, energy and mean over any window, gaps excluded', () => {
    const store = new RecordingStore(db)
    const rand = prng(2)
    const windows: Array<[number, number]> = [
      [0, N],
      [0, 1],
      [GAP_START - 10, GAP_START + GAP + 10],
      [37, 39],
      [12345, 287_654]
    ]
    for (let k = 0; k < 30; k++) {
      const a = Math.floor(rand() * N)
      windows.push([a, a + Math.floor(rand() * (N - a))])
    }
    for (const [a, b] of windows) {
      const s = store.stats(id, a * T, b * T)
      const ga = Math.max(a, GAP_START)
      const gb = Math.min(b, GAP_START + GAP)
      const gapIn = Math.max(0, gb - ga)
      const charge = expectedSquareCharge(a, b) - (gapIn > 0 ? expectedSquareCharge(ga, gb) : 0)
      const counted = b - a - gapIn
      expect(s.count).toBe(counted)
      expect(s.gapSamples).toBe(gapIn)
      if (counted === 0) continue
      expect(s.chargeC!).toBeCloseTo(charge, 12)
      expect(Math.abs(s.chargeC! - charge) / charge).toBeLessThan(1e-9)
      expect(s.energyJ! / (3.3 * charge)).toBeCloseTo(1, 9)
      expect(s.energySource).toBe('supply-voltage')
      expect(s.measuredDurationS).toBeCloseTo(counted * T, 12)
      expect(s.currentA.mean!).toBeCloseTo(charge / (counted * T), 9)
      const high = highBefore(b) - highBefore(a) - (gapIn ? highBefore(gb) - highBefore(ga) : 0)
      expect(s.currentA.max).toBe(high > 0 ? f32(HIGH_A) : f32(LOW_A))
      expect(s.averagePowerW!).toBeCloseTo(3.3 * s.currentA.mean!, 9)
    }
  })

  it('gives the standard deviation of a two-level signal', () => {
    const s = new RecordingStore(db).stats(id, 0, PERIOD * 10 * T)
    const p = HIGH_SAMPLES / PERIOD
    // Bernoulli mixture of two levels: sd = |high − low| · sqrt(p(1 − p)).
    expect(s.currentA.sd!).toBeCloseTo((f32(HIGH_A) - f32(LOW_A)) * Math.sqrt(p * (1 - p)), 7)
  })

  it('draws any window in at most W columns whose envelope matches the samples', () => {
    const store = new RecordingStore(db)
    const reader = store.reader(id)
    for (const [a, b, width] of [
      [0, N, 800],
      [1000, 1500, 100],
      [0, 2000, 3000],
      [90_000, 120_000, 300]
    ] as Array<[number, number, number]>) {
      const v = store.view(id, a * T, b * T, width)
      expect(v.tS.length).toBeLessThanOrEqual(width)
      expect(v.tS.length).toBeGreaterThan(0)
      for (let c = 0; c < v.tS.length; c++) {
        const s0 = Math.round(v.tS[c] / T)
        const s1 = c + 1 < v.tS.length ? Math.round(v.tS[c + 1] / T) : Math.min(N, Math.max(b, s0 + 1))
        const samples = reader.read(s0, Math.max(s0 + 1, Math.min(s1, N))).currentA
        let mn = Infinity
        let mx = -Infinity
        for (const x of samples) if (x === x) ((mn = Math.min(mn, x)), (mx = Math.max(mx, x)))
        if (mn === Infinity) expect(v.mean[c]).toBeNaN()
        else {
          expect(v.min[c]).toBe(mn)
          expect(v.max[c]).toBe(mx)
        }
      }
    }
  })

  it('reads samples back exactly, NaN in the gap, through the TraceReader', () => {
    const r = new RecordingStore(db).reader(id)
    expect(r.sampleCount).toBe(N)
    expect(r.samplePeriodS).toBe(T)
    const s = r.read(GAP_START - 3, GAP_START + GAP + 3).currentA
    expect(Array.from(s.slice(0, 3))).toEqual([GAP_START - 3, GAP_START - 2, GAP_START - 1].map((i) => f32(squareAt(i))))
    expect(s.slice(3, 3 + GAP).every((x) => Number.isNaN(x))).toBe(true)
    expect(s[GAP + 3]).toBe(f32(squareAt(GAP_START + GAP)))
  })
})

describe('recording store: measured voltage', () => {
  it('integrates energy from per-sample power (a current ramp at a sloped voltage)', () => {
    const db = freshDb()
    const k = 1e-8
    const v0 = 3
    const c = 1e-6
    const N = 200_000
    const w = RecordingWriter.create(db, { samplePeriodS: T })
    for (let i = 0; i < N; i += 5000) {
      const currentA = new Float32Array(5000)
      const voltageV = new Float32Array(5000)
      for (let j = 0; j < 5000; j++) {
        currentA[j] = k * (i + j)
        voltageV[j] = v0 + c * (i + j)
      }
      w.samples({ startIndex: i, currentA, voltageV })
    }
    w.finish()
    const store = new RecordingStore(db)
    const sumI = (a: number, b: number): number => ((b - 1) * b) / 2 - ((a - 1) * a) / 2
    const sumI2 = (a: number, b: number): number => ((b - 1) * b * (2 * b - 1)) / 6 - ((a - 1) * a * (2 * a - 1)) / 6
    for (const [a, b] of [
      [0, N],
      [777, 150_001],
      [10, 20]
    ]) {
      const s = store.stats(w.id, a * T, b * T)
      const energy = T * (k * v0 * sumI(a, b) + k * c * sumI2(a, b))
      expect(s.energySource).toBe('measured-voltage')
      expect(Math.abs(s.energyJ! - energy) / energy).toBeLessThan(2e-7)
      expect(Math.abs(s.chargeC! - T * k * sumI(a, b)) / (T * k * sumI(a, b))).toBeLessThan(2e-7)
      expect(s.voltageV!.min).toBeCloseTo(v0 + c * a, 5)
    }
    const pv = store.view(w.id, 0, N * T, 100, 'power')
    expect(pv.max[99]).toBeCloseTo(k * (N - 1) * (v0 + c * (N - 1)), 8)
  })
})

describe('recording store: variable-rate samples', () => {
  it('integrates with the real time steps and never resamples', () => {
    const db = freshDb()
    const rand = prng(7)
    const N = 50_000
    const t = new Float64Array(N)
    const cur = new Float32Array(N)
    for (let i = 0; i < N; i++) {
      t[i] = i === 0 ? 0.5 : t[i - 1] + 1e-4 + rand() * 3e-4
      cur[i] = 0.002 + 0.001 * Math.sin(i / 50)
    }
    const w = RecordingWriter.create(db, { samplePeriodS: null, supplyV: 3.3 })
    for (let i = 0; i < N; i += 7000) {
      const e = Math.min(N, i + 7000)
      w.samples({ startIndex: i, currentA: cur.subarray(i, e), timeS: t.subarray(i, e) })
    }
    w.finish()
    const store = new RecordingStore(db)
    const whole = store.stats(w.id)
    let q = 0
    for (let i = 1; i < N; i++) q += cur[i] * (t[i] - t[i - 1])
    expect(whole.chargeC!).toBeCloseTo(q, 12)
    expect(whole.measuredDurationS).toBeCloseTo(t[N - 1] - t[0], 9)
    expect(store.durationS(store.get(w.id))).toBeCloseTo(t[N - 1], 12)
    // A window from the 1000th to the 40000th sample time: samples 1000..40000 inclusive, each with its step.
    const s = store.stats(w.id, t[1000], t[40000])
    let q2 = 0
    for (let i = 1000; i <= 40000; i++) q2 += cur[i] * (t[i] - t[i - 1])
    expect(s.chargeC!).toBeCloseTo(q2, 12)
    const v = store.view(w.id, 0, t[N - 1], 200)
    expect(v.tS.length).toBeLessThanOrEqual(200)
    for (let c = 1; c < v.tS.length; c++) expect(v.tS[c]).toBeGreaterThan(v.tS[c - 1])
    expect(v.tS[0]).toBe(0.5)
  })
})

describe('recording store: raw PPK2 words', () => {
  beforeAll(registerTestPpk2Format)

  it('keeps every raw bit, decodes under the calibration and recomputes under a new one', () => {
    const db = freshDb()
    const rand = prng(3)
    const N = 150_000
    const words = new Uint32Array(N)
    let range = 2
    for (let i = 0; i < N; i++) {
      if (rand() < 0.001) range = Math.floor(rand() * 5)
      const counter = i === 70_000 ? 5 : i // one counter glitch, kept as it came
      words[i] = ppk2Word(4000 + Math.floor(rand() * 40), range, counter, (i >> 10) & 0xff)
    }
    const w = RecordingWriter.create(db, {
      samplePeriodS: T,
      supplyV: 3.3,
      rawFormat: 'ppk2-word-v1',
      calibration: { id: null, snapshot: DEFAULT_TEST_CALIBRATION }
    })
    for (let i = 0; i < N; i += 4096) {
      const raw = words.slice(i, Math.min(N, i + 4096))
      w.samples({ startIndex: i, currentA: new Float32Array(raw.length), raw, digital: new Uint8Array(raw.length) })
    }
    w.finish()
    const store = new RecordingStore(db)
    expect(Array.from(store.sampleReader(store.get(w.id)).readRaw(0, N))).toEqual(Array.from(words))
    const digital = store.reader(w.id).read(0, N).digital!
    for (let i = 0; i < N; i += 997) expect(digital[i]).toBe((i >> 10) & 0xff)
    let q = 0
    for (let i = 0; i < N; i++) q += f32(ppk2CurrentA(words[i], DEFAULT_TEST_CALIBRATION))
    expect(store.stats(w.id).chargeC! / (q * T)).toBeCloseTo(1, 9)
    const info = store.recompute(w.id, { id: 'cal-2', snapshot: { ...DEFAULT_TEST_CALIBRATION, ug: [1.05, 1.05, 1.05, 1.05, 1.05] } })
    expect(info.calibrationId).toBe('cal-2')
    expect(store.stats(w.id).chargeC! / (q * T)).toBeCloseTo(1.05, 6)
    expect(store.stats(w.id, 0.5, 1).chargeC!).toBeGreaterThan(0)
    const bytes = db.prepare('SELECT sum(length(data)) FROM recording_chunks WHERE recording_id = ?').pluck().get(w.id) as number
    expect(bytes / N).toBeLessThan(3)
  })
})

describe('recording store: recovery in the same process', () => {
  it('closes a recording whose writer vanished as recovered, keeping what was committed', () => {
    const db = freshDb()
    const w = RecordingWriter.create(db, { samplePeriodS: T, supplyV: 1.8 })
    feed(w, 0, 25_000, prng(9), squareAt)
    w.commit()
    feed(w, 25_000, 26_000, prng(10), squareAt) // never committed: lost with the "crash"
    liveRecordingIds.delete(w.id)
    const store = RecordingStore.open(db)
    expect(store.recovered.map((r) => r.id)).toEqual([w.id])
    const info = store.get(w.id)
    expect(info.state).toBe('recovered')
    expect(info.sampleCount).toBe(25_000)
    expect(store.stats(w.id).chargeC!).toBeCloseTo(expectedSquareCharge(0, 25_000), 12)
    expect(RecordingStore.open(db).recovered).toEqual([])
  })
})

describe('recording store: live view of a recording in progress', () => {
  it('draws and integrates what has been committed while the writer goes on', () => {
    const db = freshDb()
    const w = RecordingWriter.create(db, { samplePeriodS: T, supplyV: 3.3 })
    feed(w, 0, 40_000, prng(21), squareAt)
    w.commit()
    const store = new RecordingStore(db)
    const info = store.get(w.id)
    expect(info.state).toBe('recording')
    expect(info.sampleCount).toBe(40_000)
    const v = store.view(w.id, 0, 40_000 * T, 500)
    expect(v.tS.length).toBe(500)
    expect(Math.max(...v.max)).toBe(f32(HIGH_A))
    expect(store.stats(w.id).chargeC!).toBeCloseTo(expectedSquareCharge(0, 40_000), 12)
    feed(w, 40_000, 60_000, prng(22), squareAt)
    w.commit()
    expect(store.stats(w.id).chargeC!).toBeCloseTo(expectedSquareCharge(0, 60_000), 12)
    w.finish()
  })
})
