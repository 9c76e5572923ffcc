/**
 * Durable ingest of a 100 kS/s PPK2 stream (raw words kept, currents decoded, summaries built,
 * committed once per second of signal), then storage per sample, resident memory along the way, and
 * view query times on the result.
 *
 *   npx tsx bench/store-ingest.ts [--seconds 3600] [--noise-bits 3]
 */
import { mkdtempSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { openWorkspace } from '../src-main/store/workspace'
import { RecordingWriter } from '../src-main/store/recording-writer'
import { RecordingStore } from '../src-main/store/recording-store'
import { ppk2Words, PPK2_BENCH_FORMAT } from './lib/ppk2-traffic'

const arg = (name: string, fallback: number): number => {
  const i = process.argv.indexOf(`--${name}`)
  return i > 0 ? Number(process.argv[i + 1]) : fallback
}
const seconds = arg('seconds', 3600)
/** Uniform ADC noise of this many bits (3 ≈ ±4 LSB; real PPK2 noise depends on range and load). */
const noiseBits = arg('noise-bits', 3)
const RATE = 100_000
const BLOCK = 4096

const dir = mkdtempSync(join(tmpdir(), 'jb-bench-'))
const path = join(dir, 'bench.db')
const db = openWorkspace(path)

// Pre-generate 10 s of words and replay them with a running counter, so generation is not timed.
const pattern = ppk2Words(0, 245 * BLOCK, 1, noiseBits) // ~10 s, a multiple of the block and of the 64-step counter
const total = seconds * RATE
const w = RecordingWriter.create(db, { samplePeriodS: 1 / RATE, supplyV: 3.3, ...PPK2_BENCH_FORMAT })
const current = new Float32Array(BLOCK)
const rss: Array<[number, number]> = []
const t0 = performance.now()
for (let i = 0; i < total; i += BLOCK) {
  const n = Math.min(BLOCK, total - i)
  const at = i % pattern.length
  const raw = pattern.subarray(at, at + n)
  w.samples({ startIndex: i, currentA: n === BLOCK ? current : current.subarray(0, n), raw })
  if (i % (60 * RATE) < BLOCK) rss.push([i / RATE, process.memoryUsage().rss / 2 ** 20])
}
w.finish()
const elapsedS = (performance.now() - t0) / 1000
db.pragma('wal_checkpoint(TRUNCATE)')
const chunkBytes = db.prepare('SELECT sum(length(data)) FROM recording_chunks').pluck().get() as number
const summaryBytes = db.prepare('SELECT sum(length(data)) FROM recording_summaries').pluck().get() as number
const fileBytes = statSync(path).size

console.log(`ingest: ${seconds} s of 100 kS/s PPK2 words (ADC noise ${noiseBits} bits) = ${(total / 1e6).toFixed(1)} M samples in ${elapsedS.toFixed(2)} s`)
console.log(`  ${(total / elapsedS / 1e6).toFixed(1)} M samples/s (${(total / elapsedS / RATE).toFixed(0)}× real time), one core, commit per 1 s of signal`)
console.log(`storage: chunks ${(chunkBytes / total).toFixed(3)} B/sample, summaries ${(summaryBytes / total).toFixed(3)} B/sample, ` +
  `total ${((chunkBytes + summaryBytes) / total).toFixed(3)} B/sample; database file ${(fileBytes / total).toFixed(3)} B/sample`)
console.log(`resident memory (MiB) by minute of signal: ${rss.map(([s, m]) => `${(s / 60).toFixed(0)}:${m.toFixed(0)}`).join(' ')}`)

const store = new RecordingStore(db)
const viewTimes = (id: number, durationS: number, label: string): void => {
  const best: number[] = []
  let seed = 12345
  const rnd = (): number => ((seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0) / 2 ** 32)
  for (const frac of [1, 0.5, 0.1, 0.01, 0.001, 0.0001]) {
    let min = Infinity
    for (let rep = 0; rep < 5; rep++) {
      const len = durationS * frac
      const from = rnd() * (durationS - len)
      const s = performance.now()
      const v = store.view(id, from, from + len, 2000)
      min = Math.min(min, performance.now() - s)
      if (v.tS.length > 2000) throw new Error('too many columns')
    }
    best.push(min)
  }
  console.log(`view 2000 columns, ${label}: window = 100%/50%/10%/1%/0.1%/0.01% of the recording → best of 5 ms: ${best.map((x) => x.toFixed(2)).join(' / ')}`)
}
viewTimes(w.id, seconds, `${seconds} s recording`)

// A one-minute recording in the same workspace, for comparison.
const w2 = RecordingWriter.create(db, { samplePeriodS: 1 / RATE, supplyV: 3.3, ...PPK2_BENCH_FORMAT })
for (let i = 0; i < 60 * RATE; i += BLOCK) {
  const n = Math.min(BLOCK, 60 * RATE - i)
  w2.samples({ startIndex: i, currentA: current.subarray(0, n), raw: pattern.subarray(i % pattern.length, (i % pattern.length) + n) })
}
w2.finish()
viewTimes(w2.id, 60, '60 s recording')

const statsBest = (() => {
  let min = Infinity
  for (let rep = 0; rep < 5; rep++) {
    const s = performance.now()
    store.stats(w.id, 1.23456789, seconds - 1.71234567)
    min = Math.min(min, performance.now() - s)
  }
  return min
})()
console.log(`stats over the whole ${seconds} s recording less odd edges: best of 5 ${statsBest.toFixed(2)} ms`)
db.close()
rmSync(dir, { recursive: true, force: true })
