/**
 * What a benchmark run costs on the virtual bench, end to end through real ptys and a real SQLite file:
 * - the demo performance run (`joulebench run --virtual`): wall time, best of N;
 * - MLPerf Tiny energy mode (5 windows ≥ 10 s) with the bench clock at 10× real time: wall time and bench seconds;
 * - bytes the workspace keeps: per recorded sample, and per stored segment row;
 * - re-analysing a stored run's recording (what `joulebench analyze` and the API do), best of 5.
 * Wall times depend on how busy the machine is; counts and bytes do not.
 *
 *   npx tsx bench/runs-virtual.ts [--repeat 3]
 */
import { mkdtempSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import '../src-main/instruments/raw-formats'
import { openWorkspace } from '../src-main/store/workspace'
import { RecordingStore } from '../src-main/store/recording-store'
import { BenchmarkRun } from '../src-main/runs/run-plan'
import { defaultPlan } from '../src-main/runs/plan-defaults'
import { analyzeRun } from '../src-main/runs/run-analysis'
import type { RunDetail } from '../src-main/runs/runs-store'

const i = process.argv.indexOf('--repeat')
const repeat = i > 0 ? Number(process.argv[i + 1]) : 3
const dir = mkdtempSync(join(tmpdir(), 'jb-bench-runs-'))
const dbPath = join(dir, 'runs.db')
const db = openWorkspace(dbPath)

async function timed(kind: 'performance' | 'energy'): Promise<{ ms: number; run: RunDetail }> {
  const plan = defaultPlan(kind, { analyzerId: 'virtual:lpm01a', clockSpeed: 10 })
  const t = performance.now()
  const run = await BenchmarkRun.start(db, plan).done
  const ms = performance.now() - t
  if (run.state !== 'finished') throw new Error(`run ${run.id} ${run.state}: ${run.stateReason}`)
  return { ms, run }
}

const perf: number[] = []
let perfRun: RunDetail | null = null
for (let k = 0; k < repeat; k++) {
  const r = await timed('performance')
  perf.push(r.ms)
  perfRun = r.run
}
const energy = await timed('energy')

const store = RecordingStore.open(db)
const rec = store.get(perfRun!.recordingId!)
const eRec = store.get(energy.run.recordingId!)
const segmentRows = db.prepare('SELECT count(*) FROM run_segments').pluck().get() as number
const segmentBytes = db.prepare("SELECT coalesce(sum(pgsize), 0) FROM dbstat WHERE name IN ('run_segments', 'run_segments_kind')").pluck().get() as number | null

const analyses: number[] = []
const plan = perfRun!.plan
for (let k = 0; k < 5; k++) {
  const t = performance.now()
  analyzeRun(store.reader(rec.id), { segmentation: plan.segmentation, supplyV: plan.supplyV, warmup: plan.repetitions.warmup })
  analyses.push(performance.now() - t)
}

const eWindows = energy.run.segments.filter((s) => s.kind === 'window')
const benchS = eWindows.length ? eWindows[eWindows.length - 1].endS! : NaN
console.log('Runs on the virtual bench (machine shared with other engineers: wall times are upper bounds)')
console.log(`  performance demo (3 windows of infer 20 2, kws01, LPM01A 100 kS/s): best ${(Math.min(...perf) / 1000).toFixed(2)} s wall of ${perf.map((m) => (m / 1000).toFixed(2)).join(', ')}`)
console.log(`    recording: ${rec.sampleCount} samples, ${(rec.storedBytes / rec.sampleCount).toFixed(3)} stored bytes per sample (raw words + summaries)`)
console.log(`    ${perfRun!.summary!.n} inferences measured, energy ${(perfRun!.summary!.energyPerInferenceJ!.mean! * 1e6).toFixed(2)} µJ, latency ${(perfRun!.summary!.latencyPerInferenceS!.mean! * 1e3).toFixed(3)} ms`)
console.log(`  energy mode (5 windows ≥ 10 s, bench clock 10×): ${(energy.ms / 1000).toFixed(2)} s wall for ${benchS.toFixed(1)} s of bench time`)
console.log(`    recording: ${eRec.sampleCount} samples at 1 kHz, ${(eRec.storedBytes / eRec.sampleCount).toFixed(3)} stored bytes per sample; median ${(energy.run.summary!.mlperf!.medianEnergyPerInferenceJ! * 1e6).toFixed(2)} µJ / inference`)
console.log(`  run segments: ${segmentRows} rows in ${repeat + 1} runs${segmentBytes ? `, ${(segmentBytes / segmentRows).toFixed(0)} bytes per row (table + index pages)` : ''}`)
console.log(`  re-analysis of a stored run (${rec.sampleCount} samples, threshold): best ${Math.min(...analyses).toFixed(1)} ms of 5`)
console.log(`  workspace file: ${(statSync(dbPath).size / 2 ** 20).toFixed(2)} MiB`)
db.close()
rmSync(dir, { recursive: true, force: true })
