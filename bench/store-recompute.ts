/**
 * Recomputing a stored PPK2 recording: how fast a whole recording is decoded again and its summaries
 * rebuilt, how long a random window read takes (each read decodes the chunks it touches), and (robust
 * to load) how many stored current samples differ from the live conversion, which runs one spike
 * filter over the whole stream, and how many bytes the store adds per chunk to make them agree.
 *
 *   npx tsx bench/store-recompute.ts [--seconds 30]
 *
 * Words come from bench/lib/ppk2-traffic (range switches 0→3→2→0 every 200 ms), written as a live
 * capture writes them: blocks of 4,096 words, one commit per second of signal.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { decodePpk2Words, newSpikeFilterState, DEFAULT_SPIKE_FILTER } from '../src-main/instruments/ppk2/conversion'
import { defaultPpk2Calibration } from '../src-main/instruments/ppk2/metadata'
import { RecordingStore } from '../src-main/store/recording-store'
import { RecordingWriter } from '../src-main/store/recording-writer'
import { openWorkspace } from '../src-main/store/workspace'
import { ppk2Words, PPK2_BENCH_FORMAT } from './lib/ppk2-traffic'

const i = process.argv.indexOf('--seconds')
const seconds = i > 0 ? Number(process.argv[i + 1]) : 30
const RATE = 100_000
const BLOCK = 4096
const n = seconds * RATE
const dir = mkdtempSync(join(tmpdir(), 'jb-bench-'))
const db = openWorkspace(join(dir, 'recompute.db'))
const w = RecordingWriter.create(db, { samplePeriodS: 1 / RATE, supplyV: 3.3, ...PPK2_BENCH_FORMAT }, { commitEveryMs: 1e9 })
const words = ppk2Words(0, n)
for (let at = 0; at < n; at += BLOCK) {
  const raw = words.subarray(at, Math.min(n, at + BLOCK))
  w.samples({ startIndex: at, currentA: new Float32Array(raw.length), raw })
}
w.finish()
const store = RecordingStore.open(db)
const id = w.id

// The live conversion: one filter from the first word to the last.
const live = new Float32Array(n)
decodePpk2Words(words, defaultPpk2Calibration(), 3300, live, newSpikeFilterState(DEFAULT_SPIKE_FILTER))
function mismatches(): number {
  let bad = 0
  const reader = store.reader(id)
  for (let at = 0; at < n; at += 100_000) {
    const got = reader.read(at, Math.min(n, at + 100_000)).currentA
    for (let k = 0; k < got.length; k++) if (!Object.is(got[k], live[at + k])) bad++
  }
  return bad
}
const liveMean = live.reduce((s, v) => s + v, 0) / n
const meanError = (): number => Math.abs(store.stats(id).currentA.mean! / liveMean - 1)

console.log(`stored PPK2 recording: ${seconds} s at 100 kS/s, ${n.toLocaleString()} samples, ${(db.prepare("SELECT count(*) FROM recording_chunks WHERE stream = 'raw'").pluck().get() as number)} raw chunks`)
console.log(`  as written: ${mismatches()} read samples differ from the live conversion; summary mean off by ${meanError().toExponential(2)}`)

const info = store.get(id)
let best = Infinity
for (let run = 0; run < 3; run++) {
  const t = performance.now()
  store.recompute(id, { id: null, snapshot: info.calibration })
  best = Math.min(best, performance.now() - t)
}
console.log(`  recompute, same calibration: best of 3 ${best.toFixed(0)} ms (${(n / best / 1000).toFixed(1)} M samples/s)`)
console.log(`  after recompute: ${mismatches()} read samples differ from the live conversion; summary mean off by ${meanError().toExponential(2)}`)

const cols = (db.pragma('table_info(recording_chunks)') as Array<{ name: string }>).map((c) => c.name)
if (cols.includes('decoder_state')) {
  const extra = db.prepare("SELECT coalesce(sum(length(decoder_state)), 0) FROM recording_chunks WHERE stream = 'raw'").pluck().get() as number
  const raw = db.prepare("SELECT sum(length(data)) FROM recording_chunks WHERE stream = 'raw'").pluck().get() as number
  console.log(`  decoder checkpoints: ${extra} bytes for ${raw.toLocaleString()} bytes of raw chunks (${((extra / raw) * 100).toFixed(3)} %)`)
}

// Random 2,000-sample windows from a reader with an empty cache, as a fresh view of a long recording.
let bestRead = Infinity
for (let run = 0; run < 3; run++) {
  const reader = new RecordingStore(db).reader(id)
  let s = 7
  const t = performance.now()
  for (let k = 0; k < 200; k++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0
    const a = s % (n - 2000)
    reader.read(a, a + 2000)
  }
  bestRead = Math.min(bestRead, (performance.now() - t) / 200)
}
console.log(`  random 2,000-sample window read (cold reader): best of 3 runs ${bestRead.toFixed(2)} ms per window`)
db.close()
rmSync(dir, { recursive: true, force: true })
