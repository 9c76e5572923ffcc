/**
 * How long the writer holds the event loop during a live PPK2 capture (100 kS/s, blocks of 4,096 raw
 * words as the driver delivers them, one commit per second of signal): the longest single call and the
 * share of each second spent writing. Decides whether writing needs a worker thread.
 *
 *   npx tsx bench/store-capture.ts [--seconds 120]
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { openWorkspace } from '../src-main/store/workspace'
import { RecordingWriter } from '../src-main/store/recording-writer'
import { ppk2Words, PPK2_BENCH_FORMAT } from './lib/ppk2-traffic'

const i = process.argv.indexOf('--seconds')
const seconds = i > 0 ? Number(process.argv[i + 1]) : 120
const RATE = 100_000
const BLOCK = 4096
const dir = mkdtempSync(join(tmpdir(), 'jb-bench-'))
const db = openWorkspace(join(dir, 'capture.db'))
const w = RecordingWriter.create(db, { samplePeriodS: 1 / RATE, supplyV: 3.3, ...PPK2_BENCH_FORMAT }, { commitEveryMs: 1e9 })
const pattern = ppk2Words(0, 245 * BLOCK)
const current = new Float32Array(BLOCK)
const calls: number[] = []
let perSecond = 0
let worstSecond = 0
for (let at = 0; at < seconds * RATE; at += BLOCK) {
  const raw = pattern.subarray(at % pattern.length, (at % pattern.length) + BLOCK)
  const t = performance.now()
  w.samples({ startIndex: at, currentA: current, raw })
  const d = performance.now() - t
  calls.push(d)
  perSecond += d
  if (Math.floor((at + BLOCK) / RATE) !== Math.floor(at / RATE)) {
    worstSecond = Math.max(worstSecond, perSecond)
    perSecond = 0
  }
}
w.finish()
calls.sort((a, b) => a - b)
const q = (p: number): string => calls[Math.min(calls.length - 1, Math.floor(p * calls.length))].toFixed(3)
console.log(`live PPK2 capture, ${seconds} s at 100 kS/s, ${calls.length} blocks of ${BLOCK} words`)
console.log(`  writer call ms: median ${q(0.5)}, p99 ${q(0.99)}, max ${calls[calls.length - 1].toFixed(3)} (the max is a commit)`)
console.log(`  busiest second of signal spent ${worstSecond.toFixed(1)} ms writing (${(worstSecond / 10).toFixed(2)} % of the second)`)
db.close()
rmSync(dir, { recursive: true, force: true })
