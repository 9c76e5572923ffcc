import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { strToU8, unzipSync, zipSync } from 'fflate'
import { describe, expect, it } from 'vitest'
import { importRecording } from '../../src-main/formats/import-recording'
import { exportPpk2 } from '../../src-main/formats/ppk2-file'
import { exportCsv } from '../../src-main/formats/csv-export'
import { FormatError } from '../../src-main/formats/format-error'
import { RecordingWriter } from '../../src-main/store/recording-writer'
import { RecordingStore } from '../../src-main/store/recording-store'
import { openWorkspace, type Db } from '../../src-main/store/workspace'
import { prng } from '../helpers/prng'

const dir = mkdtempSync(join(tmpdir(), 'jb-fmt-'))
let fileNo = 0
function file(name: string, content: string | Uint8Array): string {
  const p = join(dir, `${fileNo++}-${name}`)
  writeFileSync(p, content)
  return p
}
const freshDb = (): Db => openWorkspace(join(dir, `${fileNo++}.db`))
const count = (db: Db): number => db.prepare('SELECT count(*) FROM recordings').pluck().get() as number
const f32 = Math.fround

/** Monsoon-style rows at 5 kHz: 0.2 ms steps printed in ms. */
function monsoon(n: number, withVoltage: boolean): { text: string; cur: number[]; volt: number[] } {
  const cur: number[] = []
  const volt: number[] = []
  const lines = [withVoltage ? 'Time (ms),Main Avg Current (mA),Main Avg Power (mW),Main Avg Voltage (V),USB Avg Current (mA)' : 'Time (ms),Main Avg Power (mW)']
  for (let i = 0; i < n; i++) {
    const mA = 5 + (i % 10 < 3 ? 20 : 0) + (i % 7) * 0.125
    const v = 3.7 + (i % 5) * 0.01
    cur.push(mA / 1000)
    volt.push(v)
    const t = ((i + 1) * 0.2).toFixed(1)
    lines.push(withVoltage ? `${t},${mA},${(mA * v).toFixed(4)},${v},0` : `${t},${(mA * 3.3).toFixed(6)}`)
  }
  return { text: lines.join('\r\n') + '\r\n', cur, volt }
}

describe('Monsoon Power Tool CSV', () => {
  it('imports current and voltage at a fixed 5 kHz and integrates energy from them', async () => {
    const db = freshDb()
    const m = monsoon(20_000, true)
    const r = await importRecording(db, file('monsoon.csv', m.text))
    expect(r.format).toBe('monsoon')
    expect(r.recording.samplePeriodS).toBeCloseTo(2e-4, 15)
    expect(r.recording.channels.voltage).toBe(true)
    const s = new RecordingStore(db).stats(r.recording.id)
    let q = 0
    let e = 0
    for (let i = 0; i < m.cur.length; i++) {
      q += f32(m.cur[i]) * 2e-4
      e += f32(f32(m.cur[i]) * f32(m.volt[i])) * 2e-4
    }
    expect(s.chargeC! / q).toBeCloseTo(1, 9)
    expect(s.energyJ! / e).toBeCloseTo(1, 6)
    expect(s.energySource).toBe('measured-voltage')
  })

  it('derives current from power with --voltage, and asks for it when missing', async () => {
    const db = freshDb()
    const m = monsoon(5_000, false)
    const path = file('power-only.csv', m.text)
    await expect(importRecording(db, path)).rejects.toThrow(/--voltage/)
    expect(count(db)).toBe(0)
    const r = await importRecording(db, path, { supplyV: 3.3 })
    const s = new RecordingStore(db).stats(r.recording.id)
    let energy = 0
    for (const c of m.cur) energy += c * 3.3 * 2e-4
    expect(s.energyJ! / energy).toBeCloseTo(1, 6)
  })

  it('names the line and column of a bad value and writes nothing', async () => {
    const db = freshDb()
    const lines = monsoon(100, true).text.split('\r\n')
    lines[57 - 1] = lines[57 - 1].replace(/,[^,]+,/, ',12.5.3,')
    await expect(importRecording(db, file('bad.csv', lines.join('\n')))).rejects.toThrow(/line 57, column "Main Avg Current \(mA\)": expected a number, found "12\.5\.3"/)
    const back = monsoon(100, true).text.split('\r\n')
    back[30 - 1] = back[30 - 1].replace(/^[^,]+/, '1.0')
    await expect(importRecording(db, file('back.csv', back.join('\n')))).rejects.toThrow(/line 30.*expected a time after/)
    expect(count(db)).toBe(0)
  })
})

describe('STM32CubeMonitor-Power .stpm archives and raw CSV', () => {
  const raw = (from: number, n: number, decimalComma = false): string =>
    ['Time(ms);Current(uA)', ...Array.from({ length: n }, (_, k) => {
      const i = from + k
      const line = `${(i * 0.1).toFixed(1)};${i % 2000 < 300 ? 10_000 + (i % 13) : 150.5}`
      return decimalComma ? line.replace(/\./g, ',') : line
    })].join('\n')

  it('joins the raw files of an archive in time order at 10 kS/s', async () => {
    const db = freshDb()
    const zip = zipSync({ 'b_rawfile_2.csv': strToU8(raw(30_000, 30_000)), 'a_rawfile_1.csv': strToU8(raw(0, 30_000)), 'settings.xml': strToU8('<x/>') })
    const r = await importRecording(db, file('run.stpm', zip))
    expect(r.format).toBe('stpm')
    expect(r.recording.samplePeriodS).toBeCloseTo(1e-4, 15)
    expect(r.recording.sampleCount).toBe(60_000)
    let q = 0
    for (let i = 0; i < 60_000; i++) q += f32((i % 2000 < 300 ? 10_000 + (i % 13) : 150.5) * 1e-6) * 1e-4
    expect(new RecordingStore(db).stats(r.recording.id).chargeC! / q).toBeCloseTo(1, 9)
  })

  it('reads a plain raw CSV with decimal commas', async () => {
    const db = freshDb()
    const r = await importRecording(db, file('raw.csv', raw(0, 5000, true)), { supplyV: 3.3 })
    expect(r.format).toBe('stpm')
    expect(new RecordingStore(db).stats(r.recording.id).currentA.max).toBe(f32((10_000 + 12) * 1e-6))
  })

  it('refuses truncated and damaged archives, naming where', async () => {
    const db = freshDb()
    const zip = zipSync({ 'a_rawfile_1.csv': strToU8(raw(0, 20_000)) })
    await expect(importRecording(db, file('cut.stpm', zip.subarray(0, zip.length - 30)))).rejects.toThrow(/cut\.stpm.*truncated/)
    const damaged = zip.slice()
    for (let i = 200; i < 260; i++) damaged[i] ^= 0x5a
    await expect(importRecording(db, file('damaged.stpm', damaged))).rejects.toThrow(FormatError)
    expect(count(db)).toBe(0)
  })
})

/** .ppk2 as Nordic's app writes it, built here with an independent ZIP library and the documented layout. */
function nordicPpk2(currentsUa: number[], logic: number[], sps = 100_000): Uint8Array {
  const raw = new Uint8Array(currentsUa.length * 6)
  const view = new DataView(raw.buffer)
  for (let i = 0; i < currentsUa.length; i++) {
    view.setFloat32(i * 6, currentsUa[i], true)
    let bits = 0
    for (let n = 0; n < 8; n++) bits |= ((logic[i] >> n) & 1 ? 0b10 : 0b01) << (2 * n)
    view.setUint16(i * 6 + 4, bits) // big-endian, DataView's default, as the app does
  }
  return zipSync({
    'session.raw': raw,
    'minimap.raw': strToU8('{}'),
    'metadata.json': strToU8(JSON.stringify({ metadata: { samplesPerSecond: sps, startSystemTime: 1_700_000_000_000 }, formatVersion: 2 }))
  })
}

describe('Nordic .ppk2 files', () => {
  it('imports current (µA) and digital lines from the 6-byte frames', async () => {
    const db = freshDb()
    const n = 30_000
    const cur = Array.from({ length: n }, (_, i) => 1.5 + (i % 100))
    const logic = Array.from({ length: n }, (_, i) => (i >> 8) & 0xff)
    const r = await importRecording(db, file('nordic.ppk2', nordicPpk2(cur, logic)))
    expect(r.recording.samplePeriodS).toBe(1e-5)
    expect(r.recording.startedAt).toBe(new Date(1_700_000_000_000).toISOString())
    const s = new RecordingStore(db).reader(r.recording.id).read(0, n)
    for (let i = 0; i < n; i += 37) {
      expect(s.currentA[i]).toBe(f32(f32(cur[i]) * 1e-6))
      expect(s.digital![i]).toBe(logic[i])
    }
  })

  it('exports a recording Nordic\'s app can read, gaps as NaN with invalid lines, and imports it back', async () => {
    const db = freshDb()
    const w = RecordingWriter.create(db, { samplePeriodS: 1e-5, supplyV: 1.8, digital: true })
    const cur = (i: number): number => 1e-3 + (i % 1000) * 1e-6
    for (let i = 0; i < 20_000; i += 1000) {
      if (i === 5000) {
        w.gap({ startIndex: 5000, count: 1000, reason: 'device reported loss' })
        continue
      }
      w.samples({ startIndex: i, currentA: Float32Array.from({ length: 1000 }, (_, k) => cur(i + k)), digital: Uint8Array.from({ length: 1000 }, (_, k) => (i + k) & 3) })
    }
    w.finish()
    const store = new RecordingStore(db)
    const out = join(dir, 'out.ppk2')
    const result = await exportPpk2(store, w.id, out)
    expect(result.samples).toBe(20_000)
    const z = unzipSync(readFileSync(out))
    const meta = JSON.parse(new TextDecoder().decode(z['metadata.json']))
    expect(meta.formatVersion).toBe(2)
    expect(meta.metadata.samplesPerSecond).toBe(100_000)
    expect(meta.joulebench.gaps).toEqual([{ startIndex: 5000, count: 1000, reason: 'device reported loss' }])
    const raw = z['session.raw']
    expect(raw.length).toBe(20_000 * 6)
    const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength)
    for (const i of [0, 1, 4999, 6000, 19_999]) {
      expect(view.getFloat32(i * 6, true)).toBeCloseTo(f32(cur(i)) * 1e6, 2)
      const bits = view.getUint16(i * 6 + 4)
      expect(bits & 3).toBe(i & 1 ? 0b10 : 0b01)
      expect((bits >> 2) & 3).toBe(i & 2 ? 0b10 : 0b01)
    }
    expect(view.getFloat32(5500 * 6, true)).toBeNaN()
    expect(view.getUint16(5500 * 6 + 4)).toBe(0)
    const minimap = JSON.parse(new TextDecoder().decode(z['minimap.raw']))
    expect(minimap.data.length).toBeLessThan(10_000)
    expect(minimap.data.min).toHaveLength(minimap.data.length)

    const back = await importRecording(db, out)
    expect(back.recording.gapSamples).toBe(1000)
    const a = store.stats(w.id)
    const b = store.stats(back.recording.id)
    expect(b.count).toBe(a.count)
    expect(b.chargeC! / a.chargeC!).toBeCloseTo(1, 6)
  })

  it('refuses frames cut short, an old format version and a file that is no archive', async () => {
    const db = freshDb()
    const good = unzipSync(nordicPpk2([1, 2, 3], [0, 0, 0]))
    const cut = zipSync({ ...good, 'session.raw': good['session.raw'].subarray(0, 16) })
    await expect(importRecording(db, file('cut.ppk2', cut))).rejects.toThrow(/session\.raw, byte 12: expected whole 6-byte frames, found 4 bytes left over/)
    const old = zipSync({ ...good, 'metadata.json': strToU8('{"formatVersion":1,"metadata":{"samplesPerSecond":100000}}') })
    await expect(importRecording(db, file('old.ppk2', old))).rejects.toThrow(/formatVersion 2, found 1/)
    await expect(importRecording(db, file('text.ppk2', 'hello, not a zip'))).rejects.toThrow(/text\.ppk2.*ZIP/)
    expect(count(db)).toBe(0)
  })
})

describe('generic CSV', () => {
  it('keeps uneven time steps and integrates with them', async () => {
    const db = freshDb()
    const rand = prng(11)
    let t = 0
    const rows = ['t [us],I (uA)']
    const ts: number[] = []
    const is: number[] = []
    for (let i = 0; i < 4000; i++) {
      t += 50 + Math.floor(rand() * 200)
      const iu = 100 + Math.floor(rand() * 900)
      rows.push(`${t},${iu}`)
      ts.push(t * 1e-6)
      is.push(iu * 1e-6)
    }
    const r = await importRecording(db, file('uneven.csv', rows.join('\n')), { supplyV: 3 })
    expect(r.recording.samplePeriodS).toBeNull()
    expect(r.notes.join(' ')).toMatch(/uneven/)
    let q = 0
    for (let i = 1; i < ts.length; i++) q += f32(is[i]) * (ts[i] - ts[i - 1])
    const s = new RecordingStore(db).stats(r.recording.id)
    expect(s.chargeC!).toBeCloseTo(q, 12)
    expect(s.energyJ!).toBeCloseTo(3 * q, 12)
  })

  it('turns missing rows on a fixed grid into gaps', async () => {
    const db = freshDb()
    const rows = ['time_s,current_mA']
    for (let i = 0; i < 1000; i++) if (i < 400 || i >= 420) rows.push(`${(i * 0.001).toFixed(3)},${i % 10}`)
    const r = await importRecording(db, file('holes.csv', rows.join('\n')))
    expect(r.recording.samplePeriodS).toBeCloseTo(0.001, 12)
    expect(new RecordingStore(db).gaps(r.recording.id)).toEqual([{ startIndex: 400, count: 20, reason: 'no row in the file' }])
  })

  it('asks for a unit the header lacks, and takes it from the user', async () => {
    const db = freshDb()
    const path = file('nounit.csv', 'time,current\n0,1\n1,2\n2,3\n')
    await expect(importRecording(db, path)).rejects.toThrow(/line 1, column "time": expected a unit.*--time-unit/)
    const r = await importRecording(db, path, { units: { time: 's', current: 'mA' } })
    expect(new RecordingStore(db).stats(r.recording.id).currentA.mean).toBeCloseTo(2e-3, 9)
    await expect(importRecording(db, file('noheader.csv', '1,2\n3,4\n'), { format: 'csv' })).rejects.toThrow(/line 1: expected a header/)
  })

  it('round-trips a full-rate CSV export', async () => {
    const db = freshDb()
    const w = RecordingWriter.create(db, { samplePeriodS: 1e-4, supplyV: 3.3 })
    const values = Float32Array.from({ length: 30_000 }, (_, i) => 1e-3 * (1 + Math.sin(i / 100)))
    w.samples({ startIndex: 0, currentA: values })
    w.finish()
    const store = new RecordingStore(db)
    const out = join(dir, 'export.csv')
    const r = exportCsv(store, w.id, out, { fromS: 0.5, toS: 1.5 })
    expect(r.rows).toBe(10_000)
    const lines = readFileSync(out, 'utf8').trim().split('\n')
    expect(lines[0]).toBe('time_s,current_A')
    const [t, c] = lines[1].split(',').map(Number)
    expect(t).toBeCloseTo(0.5, 12)
    expect(f32(c)).toBe(values[5000])
    const back = await importRecording(db, out, { supplyV: 3.3 })
    expect(back.recording.samplePeriodS).toBeCloseTo(1e-4, 12)
    const a = store.stats(w.id, 0.5, 1.5)
    const b = store.stats(back.recording.id)
    expect(b.count).toBe(a.count)
    expect(b.chargeC! / a.chargeC!).toBeCloseTo(1, 9)
    const dec = exportCsv(store, w.id, join(dir, 'dec.csv'), { widthRows: 100 })
    expect(dec.rows).toBeLessThanOrEqual(100)
  })
})

describe('fuzzed files', () => {
  it('mutated CSV and archive bytes give a clear error or a recording, never a crash or a hang', async () => {
    const db = freshDb()
    const rand = prng(99)
    const csv = strToU8(monsoon(300, true).text)
    const ppk2 = nordicPpk2(Array.from({ length: 300 }, (_, i) => i), Array.from({ length: 300 }, () => 0))
    for (const [name, base] of [
      ['fuzz.csv', csv],
      ['fuzz.ppk2', ppk2]
    ] as Array<[string, Uint8Array]>) {
      for (let round = 0; round < 25; round++) {
        const bytes = base.slice(0, rand() < 0.3 ? Math.floor(rand() * base.length) : base.length)
        const flips = 1 + Math.floor(rand() * 8)
        for (let k = 0; k < flips && bytes.length; k++) bytes[Math.floor(rand() * bytes.length)] = Math.floor(rand() * 256)
        const path = file(name, bytes)
        try {
          await importRecording(db, path)
        } catch (e) {
          expect(e).toBeInstanceOf(Error)
          expect((e as Error).message).toContain(path.split('/').pop()!)
        }
      }
    }
  })
})
