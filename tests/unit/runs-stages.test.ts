import { describe, expect, it } from 'vitest'
import { arrayTrace } from '../../src-main/analysis/array-trace'
import { analyzeRun, type InferWindowRange } from '../../src-main/runs/run-analysis'
import { stageLogFormat } from '../../src-main/runs/plan-stages'
import { StageLogTap } from '../../src-main/runs/stage-log-tap'
import { mutate, prng, randomInt } from '../helpers/prng'

/**
 * Stage logs placed on a run's inferences, window by window, over a trace built here sample by sample:
 * every expected figure is the trace's own current × supply × time, added up by the test.
 */

const DT = 1e-4
const V = 3.3
const IDLE_A = 1e-3
/** init, memory I/O, CNN, post: samples and current, in the order the MAX78000 firmware runs them. */
const STAGES: Array<[string, string, number, number]> = [
  ['init', 'Initialization', 20, 2e-3],
  ['memory', 'Memory I/O', 30, 3e-3],
  ['inference', 'Inference', 50, 8e-3],
  ['post', 'Post-Processing', 10, 1.5e-3]
]
const GAP = 100

/** `windows` infer windows of `perWindow` inferences (the first a warm-up), idle between everything. */
function bench(windows: number, perWindow: number) {
  const current: number[] = []
  const ranges: InferWindowRange[] = []
  const idle = (n: number) => current.push(...new Array(n).fill(IDLE_A))
  idle(GAP)
  for (let w = 0; w < windows; w++) {
    const startIndex = current.length
    for (let k = 0; k < perWindow; k++) {
      for (const [, , n, a] of STAGES) current.push(...new Array(n).fill(a))
      idle(GAP)
    }
    ranges.push({ index: w, startIndex, endIndex: current.length, inferences: perWindow - 1, warmup: 1, dutLatencyPerInferenceS: null })
    idle(GAP)
  }
  return { trace: arrayTrace({ samplePeriodS: DT, currentA: current, supplyV: V }), windows: ranges }
}

const logPass = () => STAGES.map(([, label, n]) => `${label} Time: ${Math.round(n * DT * 1e6)} us`)

function analyze(b: ReturnType<typeof bench>, tap: StageLogTap) {
  return analyzeRun(b.trace, {
    segmentation: { kind: 'threshold', quantity: 'current', level: 5e-3, hysteresis: 0.5e-3, minDurationS: 0 },
    supplyV: V,
    windows: b.windows,
    runStageLog: { lines: tap.lines, format: stageLogFormat('max78000'), source: tap.source, uartBaud: 115200 }
  })
}

describe('a run’s stage log on its inferences', () => {
  it('places each logged pass on the CNN burst it belongs to; stage figures are the trace’s own', () => {
    const b = bench(2, 3)
    const tap = new StageLogTap('test log')
    for (const w of [0, 1]) {
      tap.beginWindow(w)
      for (let k = 0; k < 3; k++) for (const line of logPass()) tap.push(line)
    }
    const a = analyze(b, tap)
    expect(a.notes).toEqual([])
    const inferences = a.segments.filter((g) => g.kind === 'inference')
    expect(inferences.map((g) => g.role)).toEqual(['warmup', 'measured', 'measured', 'warmup', 'measured', 'measured'])
    const totalSamples = STAGES.reduce((n, s) => n + s[2], 0)
    for (const inf of inferences) {
      expect(inf.endIndex! - inf.startIndex!).toBe(totalSamples)
      const stages = a.segments.filter((g) => g.kind === 'stage' && g.inference === inf.inference)
      expect(stages.map((g) => g.label)).toEqual(['init', 'memory', 'inference', 'post'])
      stages.forEach((g, k) => {
        const [, , n, amps] = STAGES[k]
        expect(g.endIndex! - g.startIndex!).toBe(n)
        // The trace holds float32 currents: agreement to their precision.
        expect(Math.abs(g.energyJ! - amps * V * n * DT) / (amps * V * n * DT)).toBeLessThan(1e-6)
      })
      expect(Math.abs(stages.reduce((x, g) => x + g.energyJ!, 0) - inf.energyJ!)).toBeLessThan(1e-15)
    }
    expect(a.summary.n).toBe(4)
    expect(a.summary.stages.map((s) => [s.stage, s.n])).toEqual(STAGES.map(([st]) => [st, 4]))
  })

  it('a pass lost in window 1 does not shift the stages of window 2', () => {
    const b = bench(2, 3)
    const tap = new StageLogTap('test log')
    tap.beginWindow(0)
    for (let k = 0; k < 2; k++) for (const line of logPass()) tap.push(line)
    tap.beginWindow(1)
    for (let k = 0; k < 3; k++) for (const line of logPass()) tap.push(line)
    const a = analyze(b, tap)
    expect(a.notes[0]).toMatch(/^Stage log \(test log\): window 1 logged 2 passes through the stages where 3 inferences were found on the trace \(infer 2 1 ran 3\)/)
    expect(a.notes[1]).toMatch(/2 measured inferences have no placed stages and are left out of the statistics/)
    const roles = a.segments.filter((g) => g.kind === 'inference').map((g) => g.role)
    expect(roles).toEqual(['warmup', 'excluded', 'excluded', 'warmup', 'measured', 'measured'])
    expect(a.summary.n).toBe(2)
    expect(new Set(a.segments.filter((g) => g.kind === 'stage').map((g) => g.inference))).toEqual(new Set([3, 4, 5]))
  })

  it('seeded random and mutated logs never throw; every placed inference still adds up', () => {
    const rand = prng(0x57a9e)
    const b = bench(2, 4)
    const clean = new TextEncoder().encode(Array.from({ length: 4 }, logPass).flat().join('\r\n') + '\r\n')
    for (let trial = 0; trial < 150; trial++) {
      const tap = new StageLogTap('fuzz')
      for (const w of [0, 1]) {
        tap.beginWindow(w)
        const bytes = trial % 5 === 0 ? Uint8Array.from({ length: randomInt(rand, 0, 300) }, () => randomInt(rand, 0, 255)) : mutate(rand, clean, randomInt(rand, 1, 12))
        tap.pushBytes(bytes)
      }
      tap.flush()
      const a = analyze(b, tap)
      for (const n of a.notes) expect(n).toMatch(/^Stage log \(fuzz\): /)
      const inferences = a.segments.filter((g) => g.kind === 'inference')
      expect(inferences).toHaveLength(8)
      const measured = inferences.filter((g) => g.role === 'measured')
      expect(a.summary.n).toBe(measured.length)
      for (const inf of inferences) {
        const stages = a.segments.filter((g) => g.kind === 'stage' && g.inference === inf.inference)
        if (inf.role === 'excluded') expect(stages).toEqual([])
        if (stages.length) expect(Math.abs(stages.reduce((x, g) => x + g.energyJ!, 0) - inf.energyJ!)).toBeLessThan(1e-15)
      }
    }
  })
})
