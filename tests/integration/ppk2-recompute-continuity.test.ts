import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import '../../src-main/setup'
import { CaptureSession } from '../../src-main/capture/capture-session'
import type { Gap, SampleSink } from '../../src-main/capture/sample-block'
import type { PowerAnalyzer, StreamOptions } from '../../src-main/instruments/power-analyzer'
import { Ppk2Driver } from '../../src-main/instruments/ppk2/driver'
import type { Ppk2RawSnapshot } from '../../src-main/instruments/ppk2/raw-format'
import { steps } from '../../src-main/instruments/ppk2/signals'
import { createVirtualPpk2 } from '../../src-main/instruments/ppk2/virtual'
import { RecordingStore } from '../../src-main/store/recording-store'
import { RecordingWriter } from '../../src-main/store/recording-writer'
import { openWorkspace, type Db } from '../../src-main/store/workspace'
import { ReferenceSpikeFilter, type ReferenceCalibration } from '../helpers/ppk2-reference-filter'
import { CollectingSink, fastClock, waitFor } from '../helpers/ppk2-sink'

const cleanups: Array<() => Promise<unknown>> = []
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c().catch(() => {})
})

/** The analyzer with a copy of every block and gap the driver delivers kept aside: the live values. */
function teed(analyzer: PowerAnalyzer, live: CollectingSink): PowerAnalyzer {
  const both = (sink: SampleSink): SampleSink => ({
    samples: (b) => (live.samples({ ...b, currentA: b.currentA.slice(), raw: b.raw!.slice() }), sink.samples(b)),
    gap: (g) => (live.gap({ ...g }), sink.gap(g)),
    mark: (m) => sink.mark(m),
    warning: (w) => (live.warning(w), sink.warning(w))
  })
  return new Proxy(analyzer, {
    get(target, prop, receiver) {
      if (prop === 'start') return (sink: SampleSink, options?: StreamOptions) => target.start(both(sink), options)
      const v = Reflect.get(target, prop, receiver)
      return typeof v === 'function' ? v.bind(target) : v
    }
  })
}

/** Live current per slot (NaN in gap slots) and the words, from what the driver delivered. */
function liveTimeline(live: CollectingSink): { currentA: Float32Array; words: Uint32Array; present: Uint8Array } {
  const n = live.next
  const currentA = new Float32Array(n).fill(NaN)
  const words = new Uint32Array(n)
  const present = new Uint8Array(n)
  for (const b of live.blocks) {
    currentA.set(b.currentA, b.startIndex)
    words.set(b.raw!, b.startIndex)
    present.fill(1, b.startIndex, b.startIndex + b.currentA.length)
  }
  return { currentA, words, present }
}

/** Slots where stored values and live ones differ as float32 (NaN = NaN); reports up to a few. */
function differences(got: Float32Array, want: Float32Array): number[] {
  const out: number[] = []
  for (let k = 0; k < want.length; k++) if (!Object.is(got[k], want[k])) out.push(k)
  return out
}

/**
 * Raw chunks that start right after another chunk (not after a gap) with a range switch among their
 * first word and the two before it: the filter is running there, so a restart would change values.
 */
function chunkStartsInsideFilter(db: Db, recordingId: number, words: Uint32Array, present: Uint8Array): { inside: number; chunks: number } {
  const chunks = db
    .prepare("SELECT start_index, count FROM recording_chunks WHERE recording_id = ? AND stream = 'raw' ORDER BY start_index")
    .all(recordingId) as Array<{ start_index: number; count: number }>
  let inside = 0
  for (const c of chunks) {
    const s = c.start_index
    if (s < 3 || !present[s - 3]) continue
    const range = (k: number) => (words[k] >>> 14) & 7
    if (range(s) !== range(s - 1) || range(s - 1) !== range(s - 2) || range(s - 2) !== range(s - 3)) inside++
  }
  return { inside, chunks: chunks.length }
}

/** The independent conversion over the live words in index order, with the filter restarted only at `restartAt`. */
function referenceTimeline(words: Uint32Array, present: Uint8Array, c: ReferenceCalibration, snapshot: Ppk2RawSnapshot, restartAt: number): Float64Array {
  const filter = new ReferenceSpikeFilter(snapshot.spikeFilter)
  const out = new Float64Array(words.length).fill(NaN)
  for (let k = 0; k < words.length; k++) {
    if (k === restartAt) filter.reset()
    if (present[k]) out[k] = filter.next(words[k], c, snapshot.supplyMv)
  }
  return out
}

function expectClose(got: Float32Array, want: Float64Array): void {
  let worst = 0
  for (let k = 0; k < want.length; k++) {
    if (Number.isNaN(want[k])) {
      expect(got[k]).toBeNaN()
      continue
    }
    worst = Math.max(worst, Math.abs(got[k] - want[k]) / (Math.abs(want[k]) + 1e-9))
  }
  // float32 keeps about 6e-8 relative; a filter restarted in the wrong place is off by tens of percent.
  expect(worst).toBeLessThan(1e-6)
}

describe('recomputing a PPK2 capture carries the spike filter across stored chunks', () => {
  it('reproduces every live current sample bit for bit, across chunk boundaries, a lost-sample gap and a reconnect', async () => {
    // The DUT changes range every 2–3 samples through all five ranges, so the filter runs nearly all
    // the time and every chunk boundary falls inside its window.
    const signal = steps([
      { durationS: 30e-6, currentA: 20e-6 },
      { durationS: 20e-6, currentA: 2e-3 },
      { durationS: 30e-6, currentA: 300e-6 },
      { durationS: 20e-6, currentA: 120e-3 },
      { durationS: 30e-6, currentA: 20e-3 },
      { durationS: 20e-6, currentA: 1e-3 }
    ])
    const clock = fastClock(4)
    const virtual = await createVirtualPpk2(signal, clock, { faults: [{ kind: 'drop-samples', atIndex: 150_003, count: 41 }] })
    cleanups.push(() => virtual.close())
    const driver = await Ppk2Driver.open(await virtual.open(), {
      virtual: true,
      clock,
      supplyMv: 3300,
      reconnect: { open: () => virtual.open(), timeoutS: 30, retryIntervalS: 0.05 }
    })
    cleanups.push(() => driver.close())
    const path = join(mkdtempSync(join(tmpdir(), 'jb-spike-recompute-')), 'w.db')
    const db = openWorkspace(path)
    const live = new CollectingSink()
    const session = await CaptureSession.start(db, teed(driver, live), { ...driver.recordingFormat, name: 'spike filter across chunks' })
    await waitFor(() => live.sampleCount >= 250_000, 120_000)
    const first = virtual.emulator
    first.inject({ kind: 'unplug' })
    await waitFor(() => !virtual.plugged)
    await new Promise((r) => setTimeout(r, 150))
    await virtual.replug()
    await waitFor(() => virtual.emulator !== first && virtual.emulator.truth.samplesProduced >= 200_000, 120_000)
    const stopped = await session.stop()
    db.close()
    expect(stopped.state).toBe('finished')
    expect(live.disorder).toEqual([])

    // Two kinds of gap: lost samples (the driver's filter runs on) and the reconnect (it starts afresh).
    const reconnectAt = first.truth.samplesProduced
    const reconnect = live.gaps.find((g) => g.startIndex === reconnectAt)
    expect(reconnect?.reason).toMatch(/disconnected/)
    expect(live.gaps.some((g: Gap) => g.startIndex === 150_003 && g.count === 41 && /lost/.test(g.reason))).toBe(true)
    const { currentA: liveA, words, present } = liveTimeline(live)

    const db2 = openWorkspace(path)
    const store = RecordingStore.open(db2, path)
    const info = store.get(stopped.id)
    expect(info.sampleCount).toBe(live.next)
    // A fresh store each time: reads decode each chunk alone, from the checkpoint saved with it.
    const readAll = () => new RecordingStore(db2).reader(info.id).read(0, info.sampleCount).currentA
    const boundaries = chunkStartsInsideFilter(db2, info.id, words, present)
    expect(boundaries.inside).toBeGreaterThanOrEqual(3)

    expect(differences(readAll(), liveA).slice(0, 5)).toEqual([])
    const statsAsCaptured = store.stats(info.id)

    // Without checkpoints (as a recording written before them), reads restart the filter at every chunk
    // and differ from the live values: the comparisons here can fail.
    db2.prepare('UPDATE recording_chunks SET decoder_state = NULL WHERE recording_id = ?').run(info.id)
    expect(differences(readAll(), liveA).length).toBeGreaterThan(0)

    // Recompute under the same calibration: every current sample as it was live, and the same summaries.
    const snapshot = info.calibration as Ppk2RawSnapshot
    store.recompute(info.id, { id: null, snapshot })
    expect(differences(readAll(), liveA).slice(0, 5)).toEqual([])
    // Same samples, so the same extremes; sums may group differently (the writer summed block by block).
    const again = store.stats(info.id)
    expect(again.count).toBe(statsAsCaptured.count)
    expect([again.currentA.min, again.currentA.max]).toEqual([statsAsCaptured.currentA.min, statsAsCaptured.currentA.max])
    expect(Math.abs(again.currentA.mean! / statsAsCaptured.currentA.mean! - 1)).toBeLessThan(1e-12)
    expect(Math.abs(again.currentA.sd! / statsAsCaptured.currentA.sd! - 1)).toBeLessThan(1e-12)

    // The independent conversion (restarted only at the reconnect) agrees with the live values…
    const c = snapshot.calibration
    expectClose(liveA, referenceTimeline(words, present, c, snapshot, reconnectAt))

    // …and under a changed calibration it is what the recomputed recording must hold.
    const changed: Ppk2RawSnapshot = {
      ...snapshot,
      calibration: {
        ...c,
        r: c.r.map((r, k) => r * (1 + 0.01 * (k + 1))),
        o: c.o.map((o) => o + 3),
        ug: [1.01, 0.99, 1.02, 0.98, 1.03]
      }
    }
    store.recompute(info.id, { id: null, snapshot: changed })
    const expected = referenceTimeline(words, present, changed.calibration, changed, reconnectAt)
    const recomputed = readAll()
    expectClose(recomputed, expected)
    let sum = 0
    let count = 0
    for (let k = 0; k < expected.length; k++) if (present[k]) ((sum += Math.fround(expected[k])), count++)
    const stats = store.stats(info.id)
    expect(stats.count).toBe(count)
    expect(Math.abs(stats.currentA.mean! / (sum / count) - 1)).toBeLessThan(1e-7)

    // Back to the calibration it was captured with: bit for bit the live values again.
    store.recompute(info.id, { id: null, snapshot })
    expect(differences(readAll(), liveA).slice(0, 5)).toEqual([])

    // The same stream written again in small chunks (4,099 samples, so boundaries fall everywhere).
    const writer = RecordingWriter.create(db2, { samplePeriodS: 10e-6, rawFormat: info.rawFormat, calibration: { id: null, snapshot } }, { maxChunkSamples: 4099 })
    const events = [...live.blocks.map((b) => ({ at: b.startIndex, block: b })), ...live.gaps.map((g) => ({ at: g.startIndex, gap: g }))].sort((a, b) => a.at - b.at)
    for (const e of events) {
      if ('block' in e) writer.samples(e.block!)
      else writer.gap(e.gap!)
    }
    writer.finish()
    const small = chunkStartsInsideFilter(db2, writer.id, words, present)
    expect(small.chunks).toBeGreaterThan(100)
    expect(small.inside).toBeGreaterThan(small.chunks / 2)
    const readSmall = () => new RecordingStore(db2).reader(writer.id).read(0, live.next).currentA
    expect(differences(readSmall(), liveA).slice(0, 5)).toEqual([])
    store.recompute(writer.id, { id: null, snapshot })
    expect(differences(readSmall(), liveA).slice(0, 5)).toEqual([])
    db2.close()
  }, 240_000)
})
