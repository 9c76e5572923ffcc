import { summarize } from '../../src-main/analysis/statistics'
import type { RunSummary, StageSummary } from '../../src-main/runs/run-analysis'
import type { RunInfo } from '../../src-main/runs/runs-store'
import type { PlanTags } from '../../src-main/runs/plan'
import type { RunWithFacts } from '../../src-main/results/runs-table'
import type { RunFacts } from '../../src-main/results/run-facts'

/** Runs as the runs store lists them, built by hand from per-inference figures, for tests of the Results code. */

export interface SyntheticRunSpec {
  id: number
  name?: string
  tags?: Partial<PlanTags>
  macs: number
  params?: number | null
  latencyS: number[]
  energyJ: number[]
  powerW?: number[]
  stages?: Record<string, { latencyS: number[]; energyJ: number[] }>
  facts?: RunFacts
  state?: RunInfo['state']
}

export function syntheticRun(spec: SyntheticRunSpec): RunWithFacts {
  const s = (v: number[]) => summarize(v, { confidence: 0.95 })
  const power = spec.powerW ?? spec.energyJ.map((e, i) => e / spec.latencyS[i])
  const stages: StageSummary[] = Object.entries(spec.stages ?? {}).map(([stage, v]) => ({
    stage,
    n: v.latencyS.length,
    latencyS: s(v.latencyS),
    energyJ: s(v.energyJ),
    netEnergyJ: null,
    averagePowerW: s(v.energyJ.map((e, i) => e / v.latencyS[i]))
  }))
  const summary: RunSummary = {
    basis: 'inferences',
    n: spec.latencyS.length,
    warmupDiscarded: 0,
    energySubtractsIdle: false,
    energyPerInferenceJ: s(spec.energyJ),
    latencyPerInferenceS: s(spec.latencyS),
    grossEnergyJ: s(spec.energyJ),
    netEnergyJ: null,
    chargeC: null,
    averagePowerW: s(power),
    peakPowerW: null,
    dutLatencyPerInferenceS: null,
    baseline: null,
    mlperf: null,
    stages
  }
  return {
    id: spec.id,
    uuid: `00000000-0000-4000-8000-${String(spec.id).padStart(12, '0')}`,
    name: spec.name ?? `run ${spec.id}`,
    mode: 'performance',
    state: spec.state ?? 'finished',
    stateReason: null,
    model: { name: spec.tags?.model ?? 'm', macs: spec.macs, params: spec.params ?? null },
    recordingId: null,
    recordingUuid: null,
    instruments: [
      {
        role: 'analyzer',
        identity: { id: 'virtual:ppk2', kind: 'power-analyzer', family: 'ppk2', model: 'PPK2', serial: 'S1', firmware: null, location: null, virtual: true },
        settings: {},
        calibration: { id: 'cal-1', snapshot: null }
      }
    ],
    tags: { free: [], ...spec.tags } as PlanTags,
    summary: spec.state === 'failed' ? null : summary,
    notes: [],
    softwareVersion: '0.0.0-test',
    startedAt: `2026-01-01T00:00:${String(spec.id).padStart(2, '0')}.000Z`,
    finishedAt: null,
    facts: spec.facts ?? { model: null, firmware: null }
  }
}

