/**
 * Child process for the crash test: writes a square wave into a recording as fast as it can and prints
 * `committed N` after every commit, until it is killed. Usage: node --import tsx store-crash-writer.ts DB
 */
import { openWorkspace } from '../../src-main/store/workspace'
import { RecordingWriter } from '../../src-main/store/recording-writer'

export const CRASH_PERIOD_S = 1e-5
export function crashSquareAt(i: number): number {
  return i % 4000 < 1000 ? 0.01 : 0.001
}

if (process.argv[2]) {
  const db = openWorkspace(process.argv[2])
  const w = RecordingWriter.create(db, { samplePeriodS: CRASH_PERIOD_S, supplyV: 3.3, name: 'crash test' }, { commitEveryDataS: 0.05 })
  process.stdout.write(`recording ${w.id}\n`)
  let i = 0
  let reported = 0
  for (;;) {
    const n = 777
    const currentA = new Float32Array(n)
    for (let k = 0; k < n; k++) currentA[k] = crashSquareAt(i + k)
    w.samples({ startIndex: i, currentA })
    i += n
    const c = w.progress().committedCount
    if (c !== reported) {
      reported = c
      process.stdout.write(`committed ${c}\n`)
    }
  }
}
