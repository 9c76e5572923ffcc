import { existsSync, readFileSync } from 'node:fs'
import { resolve } from 'node:path'
import { describeModelBytes } from '../models/model-file'
import { ANALYZER_FAMILIES } from '../instruments/analyzers'
import { MLPERF_TINY_RULE } from '../analysis/mlperf-rule'
import { parsePlan, type BenchmarkPlan, type BenchmarkPlanInput } from './plan'

/**
 * Ready-made plans: the one `joulebench run --virtual` and the Runs screen start from, and the MLPerf
 * Tiny energy-mode preset. They use the virtual bench so that a newcomer sees a whole benchmark with no
 * hardware; every figure is either computed here or carries its source.
 */

/**
 * kws01 (MLPerf Tiny keyword spotting, DS-CNN) as our TFLite reader counts it in the reference model
 * mlcommons/tiny benchmark/training/keyword_spotting/trained_models/kws_ref_model.tflite
 * (`joulebench model kws_ref_model.tflite`): 2,656,768 MACs, 22,606 parameters. Used when that file is
 * not at hand; the MLPerf Tiny paper rounds it to 2.7 M MACs.
 */
export const KWS01_FACTS = { name: 'kws01', macs: 2_656_768, params: 22_606, inputBytes: 490 } as const
const KWS01_SOURCE = 'kws_ref_model.tflite (mlcommons/tiny), counted by joulebench model'

/** Where a checkout of the project keeps the reference model next to it (not shipped with the product). */
const KWS01_CANDIDATES = ['../shared/data/mlperf-tiny/kws_ref_model.tflite', '../../shared/data/mlperf-tiny/kws_ref_model.tflite']

/** kws01's MACs and parameters from the reference model file when it is there, else the embedded figures. */
export function kws01Model(cwd = process.cwd()): BenchmarkPlan['model'] {
  for (const candidate of KWS01_CANDIDATES) {
    const file = resolve(cwd, candidate)
    if (!existsSync(file)) continue
    try {
      const facts = describeModelBytes(new Uint8Array(readFileSync(file)), file)
      if (facts.kind === 'tflite') return { name: 'kws01', macs: facts.macs, params: facts.params, file, source: `counted from ${file}` }
    } catch {
      // An unreadable copy is no reason to fail a demo: fall back to the embedded figures.
    }
  }
  return { name: KWS01_FACTS.name, macs: KWS01_FACTS.macs, params: KWS01_FACTS.params, source: KWS01_SOURCE }
}

/** The virtual analyzer a default plan uses: the PPK2 once the bench has one, else the LPM01A. */
export function defaultVirtualAnalyzer(): string {
  const families = ANALYZER_FAMILIES.map((f) => f.family)
  return families.includes('ppk2') ? 'virtual:ppk2' : `virtual:${families.includes('lpm01a') ? 'lpm01a' : families[0]}`
}

/** Three significant digits: a level a person would type. */
const round3 = (x: number) => Number(x.toPrecision(3))

const VIRTUAL_DUT = { kind: 'virtual', latencyPerMacS: 10e-9, energyPerMacJ: 0.2e-9, idleCurrentA: 1e-3, noiseA: 20e-6 } as const

/**
 * The demo benchmark: kws01 on the virtual bench's MAX78000-like NPU board, 3 windows of `infer 20 2`,
 * with a 20 ms sleep between inferences (as the convolution study's firmware does with its timer), an
 * idle baseline before the first window, and statistics over the 60 measured inferences. The board
 * prints its stage times on its UART after each inference (MAX78000 format), so the run shows each
 * inference's init, memory I/O, CNN and post-processing stages with their energy.
 */
export function defaultPerformancePlan(options: { analyzerId?: string; cwd?: string } = {}): BenchmarkPlan {
  const model = kws01Model(options.cwd)
  const supplyV = 3.3
  const activeA = VIRTUAL_DUT.idleCurrentA + VIRTUAL_DUT.energyPerMacJ / (supplyV * VIRTUAL_DUT.latencyPerMacS)
  const plan: BenchmarkPlanInput = {
    name: 'kws01 on the virtual bench',
    mode: 'performance',
    // D0 high during each CNN run: analyzers with logic inputs (PPK2) show it under the trace.
    dut: { ...VIRTUAL_DUT, gapS: 0.02, inferenceLine: 0, board: 'max78000' },
    analyzer: { id: options.analyzerId ?? defaultVirtualAnalyzer() },
    supplyV,
    model,
    input: { kind: 'random', bytes: KWS01_FACTS.inputBytes, seed: 1 },
    repetitions: { inferences: 20, warmup: 2, windows: 3 },
    // Halfway between the idle floor and the CNN's current, above every other stage's draw, so the
    // threshold finds the CNN run and the stage log places the rest; 10 % hysteresis against noise.
    segmentation: { kind: 'threshold', quantity: 'current', level: round3((VIRTUAL_DUT.idleCurrentA + activeA) / 2), hysteresis: round3((activeA - VIRTUAL_DUT.idleCurrentA) / 10), minDurationS: 0.005 },
    idle: { kind: 'before-first-window', durationS: 0.3 },
    stages: { source: { kind: 'dut-uart' }, format: 'max78000' },
    tags: { device: 'virtual MLPerf Tiny DUT', accelerator: 'MAX78000-like (virtual)', model: 'kws01', implementation: 'reference', free: ['virtual'] }
  }
  return parsePlan(plan, 'The default plan')
}

/** Performance mode with no analyzer: latency from the DUT's own m-lap-us timestamps, 5 windows. */
export function defaultDutOnlyPlan(options: { cwd?: string } = {}): BenchmarkPlan {
  return parsePlan(
    {
      name: 'kws01 latency from DUT timestamps',
      mode: 'performance',
      dut: { ...VIRTUAL_DUT },
      analyzer: null,
      supplyV: 3.3,
      model: kws01Model(options.cwd),
      input: { kind: 'random', bytes: KWS01_FACTS.inputBytes, seed: 1 },
      repetitions: { inferences: 50, warmup: 5, windows: 5 },
      segmentation: { kind: 'dut-laps' },
      tags: { device: 'virtual MLPerf Tiny DUT', model: 'kws01', free: ['virtual'] }
    },
    'The default plan'
  )
}

/**
 * N for `infer N W` so that one window lasts at least the rule's 10 s with 10 % to spare, from a
 * latency per inference (the runner's advice: tune N until each window reaches 10 s).
 */
export function inferencesForWindow(latencyPerInferenceS: number, minWindowS = MLPERF_TINY_RULE.minWindowS): number {
  return Math.ceil((minWindowS * 1.1) / latencyPerInferenceS)
}

/**
 * MLPerf Tiny energy mode on the virtual bench: the virtual LPM01A powers the virtual DUT, which talks
 * at 9600 baud through a virtual interface board and pulls D7 low at each timestamp; 5 windows of
 * `infer N 10` (kws01's default warm-up) with N making each window ≥ 10 s; scored as the median.
 * `clockSpeed` runs the bench faster than real time (the emulators sample on the bench clock).
 */
export function defaultEnergyPlan(options: { clockSpeed?: number; cwd?: string; analyzerId?: string } = {}): BenchmarkPlan {
  const model = kws01Model(options.cwd)
  const latencyS = model.macs * VIRTUAL_DUT.latencyPerMacS
  const analyzerId = options.analyzerId ?? 'virtual:lpm01a'
  // The LPM01A reports D7 edges as events (marks); analyzers with logic inputs record the line itself.
  const source = analyzerId.startsWith('virtual:lpm01a') || analyzerId.startsWith('lpm01a:') ? { kind: 'marks' } : { kind: 'line', line: 7 }
  return parsePlan(
    {
      name: 'kws01 MLPerf Tiny energy mode (virtual bench)',
      mode: 'energy',
      dut: { ...VIRTUAL_DUT, link: 'interface-board', timestampLine: 7, clockSpeed: options.clockSpeed ?? 1 },
      analyzer: { id: analyzerId },
      supplyV: 3.3,
      model,
      input: { kind: 'random', bytes: KWS01_FACTS.inputBytes, seed: 1 },
      repetitions: { inferences: inferencesForWindow(latencyS), warmup: 10, windows: MLPERF_TINY_RULE.windowCount },
      segmentation: { kind: 'dut-timestamps', source, mlperfRule: true },
      tags: { device: 'virtual MLPerf Tiny DUT', model: 'kws01', implementation: 'reference', free: ['virtual', 'mlperf-energy'] }
    },
    'The default energy plan'
  )
}

/** Capture mode on the virtual bench's demo board (the convolution study's loop, 110 ms inferences every 310 ms). */
export function defaultCapturePlan(options: { analyzerId?: string } = {}): BenchmarkPlan {
  return parsePlan(
    {
      name: 'Demo board free-running capture',
      mode: 'capture',
      dut: { kind: 'none' },
      analyzer: { id: options.analyzerId ?? defaultVirtualAnalyzer() },
      supplyV: 3.3,
      model: { name: 'standard conv (SIMD)', macs: 2_359_296, params: null, source: 'seeds.md §2: 32×32 output, 16→16 channels, 3×3 kernel' },
      repetitions: { inferences: 1, captureDurationS: 5 },
      segmentation: { kind: 'threshold', level: 10e-3, hysteresis: 1e-3, minDurationS: 0.01 },
      tags: { device: 'NUCLEO-F401RE (virtual demo board)', primitive: 'standard convolution', implementation: 'SIMD', clockHz: 84e6, free: ['virtual'] }
    },
    'The default capture plan'
  )
}

export type DefaultPlanKind = 'performance' | 'energy' | 'dut-only' | 'capture'

export function defaultPlan(kind: DefaultPlanKind = 'performance', options: { analyzerId?: string; clockSpeed?: number } = {}): BenchmarkPlan {
  switch (kind) {
    case 'energy':
      return defaultEnergyPlan(options)
    case 'dut-only':
      return defaultDutOnlyPlan()
    case 'capture':
      return defaultCapturePlan(options)
    default:
      return defaultPerformancePlan(options)
  }
}

/**
 * The analyzer settings MLPerf Tiny's runner uses in energy mode, by family: the LPM01A integrates
 * energy over 1 ms (`output energy`, `freq 1k`, `format ascii_dec`) and reports D7 falling edges as
 * events. Other families record their digital lines as they are. Plan settings override these.
 */
export function energyModeAnalyzerSettings(family: string): { sampleRateHz?: number; extra?: Record<string, unknown> } {
  if (family === 'lpm01a') return { sampleRateHz: 1000, extra: { output: 'energy', format: 'ascii_dec', d7Events: 'fal' } }
  return {}
}
