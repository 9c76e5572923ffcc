/**
 * The Results screen over many runs: R runs (each 50 measured inferences with their segments, stored
 * through the runs store), listed, fitted, compared and reported through the API as the screen calls
 * it. Prints reply sizes on the wire per run (robust to load) and times (best of 5; the machine is
 * shared, so treat them as upper bounds).
 *
 *   npx tsx bench/results-runs.ts [R=300]
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { performance } from 'node:perf_hooks'
import { summarize } from '../src-main/analysis/statistics'
import { JoulebenchCore } from '../src-main/api/core'
import { encodeMessage } from '../src-main/api/wire'
import { defaultPerformancePlan } from '../src-main/runs/plan-defaults'
import { parsePlan } from '../src-main/runs/plan'
import type { RunSegment, RunSummary } from '../src-main/runs/run-analysis'
import { RunsStore } from '../src-main/runs/runs-store'
import { openWorkspace } from '../src-main/store/workspace'

const R = Number(process.argv[2] ?? 300)
const N = 50
const dir = mkdtempSync(join(tmpdir(), 'jb-bench-results-runs-'))
const path = join(dir, 'w.db')

{
  const db = openWorkspace(path)
  const store = new RunsStore(db)
  let seed = 1
  const rnd = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31)
  const impls = ['naive', 'im2col', 'SIMD']
  for (let r = 0; r < R; r++) {
    const impl = impls[r % 3]
    const macs = 100_000 * (1 + (r % 20))
    const plan = parsePlan({ ...defaultPerformancePlan(), name: `sweep ${r}`, model: { name: `m${macs}`, macs, params: macs / 50 }, tags: { device: `board ${r % 4}`, implementation: impl, free: ['bench'] } })
    const run = store.create(plan)
    const perMac = [345e-9, 109e-9, 40e-9][r % 3]
    const lat = Array.from({ length: N }, () => perMac * macs * (1 + (rnd() - 0.5) * 0.02))
    const en = lat.map((l) => l * 0.05)
    const segments: RunSegment[] = lat.map((l, i) => ({
      kind: 'inference', label: 'inference', inference: i, window: 0, role: 'measured', startIndex: null, endIndex: null, startS: i, endS: i + l, durationS: l,
      chargeC: null, energyJ: en[i], netEnergyJ: null, averageCurrentA: null, averagePowerW: en[i] / l, peakCurrentA: null, peakPowerW: null, missingSamples: 0,
      inferenceCount: null, energyPerInferenceJ: null, latencyPerInferenceS: null, dutLatencyPerInferenceS: null
    }))
    const s = (v: number[]) => summarize(v)
    const summary: RunSummary = {
      basis: 'inferences', n: N, warmupDiscarded: 0, energySubtractsIdle: false, energyPerInferenceJ: s(en), latencyPerInferenceS: s(lat), grossEnergyJ: s(en), netEnergyJ: null,
      chargeC: null, averagePowerW: s(en.map((e, i) => e / lat[i])), peakPowerW: null, dutLatencyPerInferenceS: null, baseline: null, mlperf: null, stages: []
    }
    store.finish(run.id, { state: 'finished', analysis: { segments, summary, dropped: [], notes: [] } })
  }
  db.close()
}

const core = new JoulebenchCore({ dbPath: path, host: 'test', discovery: { listSerialPorts: async () => [], listUsbDevices: async () => [] } })
let id = 1
async function call(method: string, params: unknown): Promise<number> {
  const reply = await core.handle({ id: id++, method, params })
  if (!reply.ok) throw new Error(`${method}: ${reply.error.message}`)
  const wire = encodeMessage(reply)
  return typeof wire === 'string' ? Buffer.byteLength(wire) : wire.byteLength
}
async function best(f: () => Promise<number>): Promise<{ ms: number; bytes: number }> {
  let ms = Infinity
  let bytes = 0
  for (let k = 0; k < 5; k++) {
    const t0 = performance.now()
    bytes = await f()
    ms = Math.min(ms, performance.now() - t0)
  }
  return { ms, bytes }
}

const rows: Array<[string, { ms: number; bytes: number }]> = [
  ['results.runs (list, all runs)', await best(() => call('results.runs', {}))],
  ['results.runsFit (energy ~ MACs, 3 groups)', await best(() => call('results.runsFit', { x: 'macs', y: 'energy', group: ['implementation'] }))],
  ['results.runsCompare (3 groups, every inference)', await best(() => call('results.runsCompare', { group: ['implementation'], baseline: 'naive' }))],
  ['results.runsReport (comparison, 2 plots)', await best(() => call('results.runsReport', { group: ['implementation'] }))]
]
console.log(`${R} runs × ${N} measured inferences each (segments stored), through the API:`)
for (const [label, r] of rows) console.log(`  ${label.padEnd(48)} ${r.ms.toFixed(1).padStart(7)} ms  ${(r.bytes / 1024).toFixed(1).padStart(8)} KiB reply  (${(r.bytes / R).toFixed(0)} B per run)`)
console.log('  (timings: best of 5 on a machine shared with other builds and tests)')
await core.close()
rmSync(dir, { recursive: true, force: true })
