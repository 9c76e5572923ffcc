/**
 * Merging a field workspace: one real run of the virtual bench, cloned under new UUIDs into a field
 * file of N recordings and runs (the same chunks and summaries each time), merged into an empty lab
 * workspace. Prints the file sizes, bytes of samples copied, the time of a merge, of a dry run and of
 * a second merge that adds nothing (best of 3; the machine is shared, so treat times as upper bounds),
 * and the target's size after the merge against the field file's (robust to load).
 *
 *   npx tsx bench/merge-workspace.ts [N=40]
 */
import Database from 'better-sqlite3'
import { randomUUID } from 'node:crypto'
import { copyFileSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { performance } from 'node:perf_hooks'
import { runCli } from '../src-main/hosts/cli/main'
import { defaultPerformancePlan } from '../src-main/runs/plan-defaults'
import { openWorkspace } from '../src-main/store/workspace'
import { mergeWorkspace } from '../src-main/workspace-merge/merge'

const N = Number(process.argv[2] ?? 40)
const dir = mkdtempSync(join(tmpdir(), 'jb-bench-merge-'))
const field = join(dir, 'field.db')

const base = defaultPerformancePlan()
const plan = { ...base, dut: { ...base.dut, clockSpeed: 2 }, repetitions: { inferences: 10, warmup: 1, windows: 2 } }
writeFileSync(join(dir, 'plan.json'), JSON.stringify(plan))
const quiet = { stdout: () => {}, stderr: () => {}, env: process.env }
if ((await runCli(['run', join(dir, 'plan.json'), '--db', field], quiet)) !== 0) throw new Error('the virtual run failed')

/** Clone the run and its recording N − 1 times under new UUIDs (rows copied by SQL, blobs as they are). */
function clone(path: string, copies: number): void {
  const db = new Database(path)
  const cols = (t: string) => (db.pragma(`table_info(${t})`) as Array<{ name: string }>).map((c) => c.name)
  const rec = db.prepare('SELECT * FROM recordings LIMIT 1').get() as Record<string, unknown>
  const run = db.prepare('SELECT * FROM runs LIMIT 1').get() as Record<string, unknown>
  const recCols = cols('recordings').filter((c) => c !== 'id')
  const runCols = cols('runs').filter((c) => c !== 'id')
  db.transaction(() => {
    for (let k = 1; k < copies; k++) {
      const ruuid = randomUUID()
      const rid = Number(db.prepare(`INSERT INTO recordings (${recCols.join(', ')}) VALUES (${recCols.map((c) => `@${c}`).join(', ')})`).run({ ...rec, uuid: ruuid }).lastInsertRowid)
      for (const t of ['recording_chunks', 'recording_summaries', 'recording_gaps']) {
        const c = cols(t).filter((x) => x !== 'recording_id')
        db.prepare(`INSERT INTO ${t} (recording_id, ${c.join(', ')}) SELECT ?, ${c.join(', ')} FROM ${t} WHERE recording_id = ?`).run(rid, rec.id)
      }
      const id = Number(db.prepare(`INSERT INTO runs (${runCols.join(', ')}) VALUES (${runCols.map((c) => `@${c}`).join(', ')})`).run({ ...run, uuid: randomUUID(), recording_id: rid, recording_uuid: ruuid }).lastInsertRowid)
      for (const t of ['run_tags', 'run_segments']) {
        const c = cols(t).filter((x) => x !== 'run_id')
        db.prepare(`INSERT INTO ${t} (run_id, ${c.join(', ')}) SELECT ?, ${c.join(', ')} FROM ${t} WHERE run_id = ?`).run(id, run.id)
      }
    }
  })()
  db.pragma('wal_checkpoint(TRUNCATE)')
  db.close()
}
clone(field, N)

const emptyLab = join(dir, 'empty-lab.db')
openWorkspace(emptyLab).close()
const size = (p: string) => statSync(p).size
const mb = (b: number) => (b / 1048576).toFixed(1)

async function timed(label: string, prepare: () => string, dryRun = false, runs = 3) {
  let best = Infinity
  let summary = null as Awaited<ReturnType<typeof mergeWorkspace>> | null
  let target = ''
  for (let r = 0; r < runs; r++) {
    target = prepare()
    const db = openWorkspace(target)
    const t0 = performance.now()
    summary = await mergeWorkspace(db, field, { dryRun })
    best = Math.min(best, performance.now() - t0)
    db.close()
  }
  return { label, best, summary: summary!, target }
}

const fresh = () => {
  const t = join(dir, `lab-${randomUUID()}.db`)
  copyFileSync(emptyLab, t)
  return t
}
const first = await timed('merge into an empty workspace', fresh)
const merged = first.target
const dry = await timed('dry run (same work, rolled back)', fresh, true)
const again = await timed('second merge of the same file (adds nothing)', () => merged)
const checkpointed = new Database(merged)
checkpointed.pragma('wal_checkpoint(TRUNCATE)')
checkpointed.close()

console.log(`field workspace: ${N} runs with their recordings, ${mb(size(field))} MiB; ${mb(first.summary.sampleBytes)} MiB of sample chunks and summaries copied per merge`)
for (const t of [first, dry, again]) {
  console.log(`  ${t.label.padEnd(46)} ${t.best.toFixed(0).padStart(6)} ms  (${(size(field) / 1048576 / (t.best / 1000)).toFixed(0)} MiB/s of field file)  added ${t.summary.added.runs} runs, ${t.summary.added.recordings} recordings; skipped ${t.summary.skipped.runs} runs`)
}
console.log(`  target after the merge: ${mb(size(merged))} MiB = ${(size(merged) / size(field)).toFixed(3)} × the field file`)
console.log('  (timings: best of 3 on a machine shared with other builds and tests)')
rmSync(dir, { recursive: true, force: true })
