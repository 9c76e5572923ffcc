import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { summarize } from '../../src-main/analysis/statistics'
import { defaultPerformancePlan } from '../../src-main/runs/plan-defaults'
import { parsePlan } from '../../src-main/runs/plan'
import type { RunSegment, RunSummary } from '../../src-main/runs/run-analysis'
import { RunsStore } from '../../src-main/runs/runs-store'
import { openWorkspace } from '../../src-main/store/workspace'
import { cli } from './cli'
import { prng } from './prng'

/**
 * A workspace with runs for the Results tests: a sweep of model sizes on the virtual bench for two
 * implementations (real runs, real recordings), and two μNPU runs with per-stage figures stored through
 * the runs store, shaped like seed A's MAX78000 and HX-WE2 (the virtual DUT has no stage markers).
 */

export const SWEEP = {
  naive: { latencyPerMacS: 10e-9, energyPerMacJ: 0.2e-9 },
  SIMD: { latencyPerMacS: 4e-9, energyPerMacJ: 0.12e-9 }
} as const
export const SWEEP_MACS = [1_000_000, 2_000_000, 3_500_000]
export const SUPPLY_V = 3.3
export const IDLE_A = 1e-3

/** Stage means per inference of the two μNPU runs (s, J). */
export const NPU_STAGES = {
  MAX78000: { init: [4.0e-3, 60e-6], memory: [9.0e-3, 110e-6], inference: [2.0e-3, 20e-6], post: [0.5e-3, 4e-6] },
  'HX-WE2': { init: [2.0e-3, 90e-6], memory: [4.0e-3, 160e-6], inference: [1.2e-3, 70e-6], post: [0.4e-3, 12e-6] }
} as const

export function sweepPlan(impl: keyof typeof SWEEP, macs: number) {
  const base = defaultPerformancePlan()
  const k = SWEEP[impl]
  return parsePlan({
    ...base,
    name: `conv ${impl} ${macs / 1e6}M`,
    // The plain MLPerf Tiny DUT (no NPU board, no stage log): energy follows the MAC law alone.
    dut: { ...base.dut, board: undefined, latencyPerMacS: k.latencyPerMacS, energyPerMacJ: k.energyPerMacJ, idleCurrentA: IDLE_A, noiseA: 0, gapS: 0.015, clockSpeed: 2 },
    stages: undefined,
    supplyV: SUPPLY_V,
    model: { name: `conv-${macs / 1e6}M`, macs, params: macs / 100 },
    repetitions: { inferences: 6, warmup: 1, windows: 1 },
    segmentation: { kind: 'threshold', quantity: 'current', level: 4e-3, hysteresis: 0.5e-3, minDurationS: 0.002 },
    idle: { kind: 'before-first-window', durationS: 0.1 },
    tags: { device: 'virtual DUT', implementation: impl, model: `conv-${macs / 1e6}M`, clockHz: 84e6, free: ['sweep'] }
  })
}

/** Stores a finished run whose inferences were cut into stages, as the runs store keeps any run. */
function storeStageRun(dbPath: string, device: keyof typeof NPU_STAGES, seed: number): void {
  const db = openWorkspace(dbPath)
  try {
    const store = new RunsStore(db)
    const plan = parsePlan({
      ...defaultPerformancePlan(),
      name: `resnet on ${device}`,
      model: { name: 'resnet', macs: 18_461_184, params: 381_792, source: 'seeds.md §1.3 (MAX78000 build)' },
      tags: { device, accelerator: device === 'MAX78000' ? 'ADI CNN accelerator' : 'Ethos-U55', model: 'resnet', implementation: 'npu', free: ['unpu'] }
    })
    const run = store.create(plan)
    const rnd = prng(seed)
    const n = 20
    const segments: RunSegment[] = []
    const perStage: Record<string, { latency: number[]; energy: number[] }> = {}
    const totals = { latency: [] as number[], energy: [] as number[], power: [] as number[] }
    let t = 0.5
    for (let i = 0; i < n; i++) {
      let lat = 0
      let en = 0
      const start = t
      for (const [stage, [d, e]] of Object.entries(NPU_STAGES[device])) {
        const dS = d * (1 + (rnd() - 0.5) * 0.04)
        const eJ = e * (1 + (rnd() - 0.5) * 0.04)
        ;(perStage[stage] ??= { latency: [], energy: [] }).latency.push(dS)
        perStage[stage].energy.push(eJ)
        segments.push(segment('stage', stage, i, t, dS, eJ))
        t += dS
        lat += dS
        en += eJ
      }
      segments.push(segment('inference', 'inference', i, start, lat, en))
      totals.latency.push(lat)
      totals.energy.push(en)
      totals.power.push(en / lat)
      t += 0.05
    }
    const s = (v: number[]) => summarize(v)
    const summary: RunSummary = {
      basis: 'inferences',
      n,
      warmupDiscarded: 0,
      energySubtractsIdle: false,
      energyPerInferenceJ: s(totals.energy),
      latencyPerInferenceS: s(totals.latency),
      grossEnergyJ: s(totals.energy),
      netEnergyJ: null,
      chargeC: null,
      averagePowerW: s(totals.power),
      peakPowerW: null,
      dutLatencyPerInferenceS: null,
      baseline: null,
      mlperf: null,
      stages: Object.entries(perStage).map(([stage, v]) => ({ stage, n, latencyS: s(v.latency), energyJ: s(v.energy), netEnergyJ: null, averagePowerW: s(v.energy.map((e, i) => e / v.latency[i])) }))
    }
    store.finish(run.id, { state: 'finished', analysis: { segments, summary, dropped: [], notes: [] } })
  } finally {
    db.close()
  }
}

function segment(kind: 'stage' | 'inference', label: string, inference: number, startS: number, durationS: number, energyJ: number): RunSegment {
  return {
    kind,
    label,
    inference,
    window: 0,
    role: 'measured',
    startIndex: null,
    endIndex: null,
    startS,
    endS: startS + durationS,
    durationS,
    chargeC: energyJ / SUPPLY_V,
    energyJ,
    netEnergyJ: null,
    averageCurrentA: energyJ / SUPPLY_V / durationS,
    averagePowerW: energyJ / durationS,
    peakCurrentA: null,
    peakPowerW: null,
    missingSamples: 0,
    inferenceCount: null,
    energyPerInferenceJ: null,
    latencyPerInferenceS: null,
    dutLatencyPerInferenceS: null
  }
}

/** Fills `dbPath` with the sweep (6 virtual-bench runs) and the two μNPU stage runs. */
export async function makeRunsWorkspace(dir: string, dbPath: string, options: { stages?: boolean } = {}): Promise<void> {
  for (const impl of Object.keys(SWEEP) as Array<keyof typeof SWEEP>) {
    for (const macs of SWEEP_MACS) {
      const file = join(dir, `plan-${impl}-${macs}.json`)
      writeFileSync(file, JSON.stringify(sweepPlan(impl, macs)))
      const r = await cli(['run', file, '--db', dbPath, '--json'])
      if (r.code !== 0) throw new Error(`joulebench run ${file} failed: ${r.stderr}`)
    }
  }
  if (options.stages !== false) {
    storeStageRun(dbPath, 'MAX78000', 1)
    storeStageRun(dbPath, 'HX-WE2', 2)
  }
}
