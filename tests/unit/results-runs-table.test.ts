import { describe, expect, it } from 'vitest'
import { compareRuns, fitRuns, stageBreakdown, type RunSamples } from '../../src-main/results/runs-analysis'
import { filterRuns, runCategories, runsMappedTable, RunFilterError } from '../../src-main/results/runs-table'
import { renderStageBarsSvg } from '../../src-main/results/stage-bars'
import type { ModelFileFacts } from '../../src-main/models/model-file'
import { prng } from '../helpers/prng'
import { syntheticRun } from '../helpers/results-runs-fixtures'

const mean = (v: number[]) => v.reduce((a, b) => a + b, 0) / v.length
const sd = (v: number[]) => Math.sqrt(v.reduce((a, b) => a + (b - mean(v)) ** 2, 0) / (v.length - 1))

describe('runs as a mapped table', () => {
  const elf = { kind: 'elf', elfClass: 32, endianness: 'little', machine: 'ARM', entryAddress: 0, sections: [], textBytes: 1000, rodataBytes: 200, dataBytes: 30, bssBytes: 400, flashBytes: 1230, ramBytes: 430, file: 'fw.elf', fileName: 'fw.elf' } as ModelFileFacts
  const tflite = { kind: 'tflite', schemaVersion: 3, description: '', fileBytes: 5000, subgraphs: [], layerCount: 3, macs: 123, params: 777, paramBytes: 800, peakActivationBytes: 4096, operatorCounts: {}, file: 'm.tflite', fileName: 'm.tflite' } as ModelFileFacts
  const fileFacts = (facts: ModelFileFacts, role: 'model' | 'firmware') => ({ role, fileName: facts.fileName, filePath: null, sha256: '0'.repeat(64), fileBytes: role === 'model' ? 5000 : 9000, describedAt: '2026-01-01T00:00:00Z', facts })
  const latency = [0.010, 0.011, 0.012, 0.013]
  const energy = [1e-3, 1.2e-3, 1.1e-3, 1.3e-3]
  const run = syntheticRun({
    id: 7,
    name: 'conv <SIMD>',
    tags: { device: 'F401', implementation: 'SIMD', clockHz: 84e6, free: ['lab', 'v2'] },
    macs: 2_359_296,
    latencyS: latency,
    energyJ: energy,
    stages: { post: { latencyS: [1e-3, 1e-3], energyJ: [2e-6, 2e-6] }, init: { latencyS: [3e-3, 5e-3], energyJ: [1e-5, 3e-5] } },
    facts: { model: fileFacts(tflite, 'model'), firmware: fileFacts(elf, 'firmware') }
  })

  it('gives each run one row: tags as labels, its means and confidence bounds as SI numbers, facts and stages as fields', () => {
    const t = runsMappedTable([run])
    expect(t.rows).toHaveLength(1)
    const row = t.rows[0]
    expect(row.line).toBe(7)
    expect(row.labels).toMatchObject({ run: '7', name: 'conv <SIMD>', device: 'F401', implementation: 'SIMD', clockHz: '84000000', tags: 'lab, v2', analyzer: 'PPK2 S1 (virtual)', calibration: 'cal-1', model: 'm' })
    expect(row.values.macs).toBe(2_359_296)
    expect(row.values.latency).toBeCloseTo(mean(latency), 15)
    expect(row.values.energy).toBeCloseTo(mean(energy), 15)
    // 95 % t interval with 3 degrees of freedom: t = 3.182446 (tables).
    const half = 3.182446 * (sd(energy) / 2)
    expect(row.values.energyLow).toBeCloseTo(mean(energy) - half, 9)
    expect(row.values.energyHigh).toBeCloseTo(mean(energy) + half, 9)
    expect(row.values.power).toBeCloseTo(mean(energy.map((e, i) => e / latency[i])), 12)
    expect(row.values.clockHz).toBe(84e6)
    expect(row.values).toMatchObject({ params: 777, weightBytes: 800, peakActivationBytes: 4096, modelFileBytes: 5000, flashBytes: 1230, ramBytes: 430, n: 4 })
    expect(row.values['stage.init.latency']).toBeCloseTo(4e-3, 15)
    expect(row.values['stage.init.energy']).toBeCloseTo(2e-5, 15)
    // Stages in the order of an inference, whatever order the summary lists them in.
    const stageFields = t.fields.filter((f) => f.name.startsWith('stage.')).map((f) => f.name)
    expect(stageFields).toEqual(['stage.init.latency', 'stage.init.energy', 'stage.post.latency', 'stage.post.energy'])
    expect(t.fields.find((f) => f.name === 'energy')!.unit).toBe('J')
  })

  it('leaves the numbers of a run without a summary empty rather than zero', () => {
    const failed = syntheticRun({ id: 2, macs: 10, latencyS: [1], energyJ: [1], state: 'failed' })
    const row = runsMappedTable([failed]).rows[0]
    expect(row.values.energy).toBeNull()
    expect(row.values.latency).toBeNull()
    expect(row.values.macs).toBe(10)
  })
})

describe('filters over runs', () => {
  const runs = [
    syntheticRun({ id: 1, tags: { device: 'A', implementation: 'naive', free: ['x'] }, macs: 1, latencyS: [1], energyJ: [1] }),
    syntheticRun({ id: 2, tags: { device: 'A', implementation: 'SIMD', free: ['x', 'y'] }, macs: 1, latencyS: [1], energyJ: [1] }),
    syntheticRun({ id: 3, tags: { device: 'B', implementation: 'SIMD' }, macs: 1, latencyS: [1], energyJ: [1], state: 'failed' }),
    syntheticRun({ id: 4, tags: { device: 'C', model: 'kws01' }, macs: 1, latencyS: [1], energyJ: [1] })
  ]
  const ids = (f: Record<string, string[]>) => filterRuns(runs, f).runs.map((r) => r.id)

  it('keeps a run when every key matches one of its values', () => {
    expect(ids({})).toEqual([1, 2, 3, 4])
    expect(ids({ device: ['A', 'B'] })).toEqual([1, 2, 3])
    expect(ids({ device: ['A', 'B'], implementation: ['SIMD'] })).toEqual([2, 3])
    expect(ids({ tag: ['y'] })).toEqual([2])
    expect(ids({ tag: ['x'], state: ['finished'] })).toEqual([1, 2])
    expect(ids({ model: ['kws01'] })).toEqual([4])
    expect(filterRuns(runs, { device: ['A'] }).filteredOut).toBe(2)
  })

  it('refuses a key runs do not have, naming the keys they do', () => {
    expect(() => filterRuns(runs, { colour: ['red'] })).toThrow(RunFilterError)
    expect(() => filterRuns(runs, { colour: ['red'] })).toThrow(/device, accelerator, model/)
  })

  it('offers every value of every key with the number of runs holding it', () => {
    const c = Object.fromEntries(runCategories(runs).map((k) => [k.name, Object.fromEntries(k.values.map((v) => [v.label, v.rows]))]))
    expect(c.device).toEqual({ A: 2, B: 1, C: 1 })
    expect(c.tag).toEqual({ x: 2, y: 1 })
    expect(c.state).toEqual({ failed: 1, finished: 3 })
    expect(c.implementation).toEqual({ naive: 1, SIMD: 2 })
    expect(c.accelerator).toBeUndefined()
  })
})

describe('fits and comparisons over runs', () => {
  // Two implementations, each run's energy exactly a·MACs + b: the fit must give back a and b.
  const law = { naive: { a: 20.9e-9, b: 1e-4, lat: 345e-9 }, SIMD: { a: 2.9e-9, b: 5e-5, lat: 40e-9 } }
  const runs = Object.entries(law).flatMap(([impl, k], g) =>
    [1e5, 3e5, 6e5, 1e6].map((macs, i) => syntheticRun({ id: g * 10 + i + 1, tags: { implementation: impl }, macs, latencyS: [k.lat * macs], energyJ: [k.a * macs + k.b] }))
  )
  const table = runsMappedTable(runs)

  it('fits energy and latency against MACs per group and names groups by their values', () => {
    const e = fitRuns(table, { x: 'macs', y: 'energy', group: ['implementation'] })
    expect(e.groups.map((g) => g.key)).toEqual(['naive', 'SIMD'])
    expect(e.groups[0].fit!.slope).toBeCloseTo(law.naive.a, 18)
    expect(e.groups[0].fit!.intercept).toBeCloseTo(law.naive.b, 12)
    expect(e.groups[1].fit!.slope).toBeCloseTo(law.SIMD.a, 18)
    expect(e.groups[0].fit!.r2).toBeCloseTo(1, 12)
    expect(e.slopeUnit).toBe('J/MAC')
    expect(e.slopeRatios[0].ratio).toBeCloseTo(law.SIMD.a / law.naive.a, 9)
    const l = fitRuns(table, { x: 'macs', y: 'latency', group: ['implementation'] })
    expect(l.groups[1].fit!.slope).toBeCloseTo(law.SIMD.lat, 15)
    // Points carry the run number, so a plot can say which run a dot is.
    expect(e.groups[1].points.map((p) => p.line)).toEqual([11, 12, 13, 14])
  })

  it('compares unpaired groups over every measured inference of their runs', () => {
    const rnd = prng(42)
    const noisy = (m: number, n: number) => Array.from({ length: n }, () => m * (1 + (rnd() - 0.5) * 0.1))
    const a = { latencyS: noisy(0.020, 10), energyJ: noisy(2e-3, 10), powerW: noisy(0.1, 10) }
    const b = { latencyS: noisy(0.010, 12), energyJ: noisy(1.5e-3, 12), powerW: noisy(0.15, 12) }
    const pair = [
      syntheticRun({ id: 1, tags: { device: 'MAX78000' }, macs: 1, latencyS: [mean(a.latencyS)], energyJ: [mean(a.energyJ)] }),
      syntheticRun({ id: 2, tags: { device: 'HX-WE2' }, macs: 1, latencyS: [mean(b.latencyS)], energyJ: [mean(b.energyJ)] })
    ]
    const samples = new Map<number, RunSamples>([
      [1, a],
      [2, b]
    ])
    const c = compareRuns(runsMappedTable(pair), samples, { group: ['device'], baseline: 'MAX78000' })
    expect(c.mode).toBe('means')
    const r = c.comparisons[0]
    expect(r.name).toBe('HX-WE2')
    expect(r.latency!.ratio).toBeCloseTo(mean(b.latencyS) / mean(a.latencyS), 12)
    expect(r.speedup!.ratio).toBeCloseTo(mean(a.latencyS) / mean(b.latencyS), 12)
    expect(r.power!.ratio).toBeCloseTo(mean(b.powerW) / mean(a.powerW), 12)
    // Log-scale interval: se = √(cv_a² + cv_b²), t with min(n) − 1 = 9 degrees of freedom: 2.262157.
    const cv = (v: number[]) => sd(v) / Math.sqrt(v.length) / mean(v)
    const se = Math.sqrt(cv(a.energyJ) ** 2 + cv(b.energyJ) ** 2)
    const ratio = mean(b.energyJ) / mean(a.energyJ)
    expect(r.energy!.lower).toBeCloseTo(ratio * Math.exp(-2.262157 * se), 6)
    expect(r.energy!.upper).toBeCloseTo(ratio * Math.exp(2.262157 * se), 6)
    expect(r.sentence).toMatch(/^HX-WE2 is \d\.\d\d× faster than MAX78000, at \d\.\d\d× the power/)
    // Groups in the order of their values as written; the baseline is the one named.
    expect(c.groups.map((g) => [g.key, g.latency!.n])).toEqual([
      ['HX-WE2', 12],
      ['MAX78000', 10]
    ])
  })

  it('counts a run without stored inferences by its mean, and says so', () => {
    const c = compareRuns(table, new Map(), { group: ['implementation'] })
    expect(c.groups.map((g) => g.rows)).toEqual([4, 4])
    expect(c.notes.join(' ')).toMatch(/no per-inference figures/)
    const naive = runs.filter((r) => r.tags.implementation === 'naive').map((r) => r.summary!.energyPerInferenceJ!.mean!)
    expect(c.groups[0].energy!.mean).toBeCloseTo(mean(naive), 15)
  })

  it('pairs runs across groups by a field when asked', () => {
    const c = compareRuns(table, new Map(), { group: ['implementation'], pairBy: ['macs'], baseline: 'naive' })
    expect(c.mode).toBe('paired')
    const expected = Math.exp(mean([1e5, 3e5, 6e5, 1e6].map((m) => Math.log((law.SIMD.a * m + law.SIMD.b) / (law.naive.a * m + law.naive.b)))))
    expect(c.comparisons[0].energy!.ratio).toBeCloseTo(expected, 12)
    expect(c.comparisons[0].pairs).toBe(4)
  })
})

describe('stage breakdown', () => {
  const runs = [
    syntheticRun({ id: 1, name: 'npu', macs: 1, latencyS: [1], energyJ: [1], stages: { custom: { latencyS: [1e-3], energyJ: [1e-6] }, inference: { latencyS: [2e-3], energyJ: [4e-6] }, init: { latencyS: [6e-3], energyJ: [3e-6] } } }),
    syntheticRun({ id: 2, name: 'cpu', macs: 1, latencyS: [1], energyJ: [1] }),
    syntheticRun({ id: 3, name: 'npu2', macs: 1, latencyS: [1], energyJ: [1], stages: { memory: { latencyS: [3e-3], energyJ: [9e-6] }, post: { latencyS: [1e-3], energyJ: [1e-6] } } })
  ]
  const b = stageBreakdown(runs)

  it('orders stages as an inference runs them and totals each bar', () => {
    expect(b.stages).toEqual(['init', 'memory', 'inference', 'post', 'custom'])
    expect(b.bars.map((x) => x.runId)).toEqual([1, 3])
    expect(b.bars[0].totalLatencyS).toBeCloseTo(9e-3, 15)
    expect(b.bars[0].totalEnergyJ).toBeCloseTo(8e-6, 15)
    expect(b.withoutStages).toEqual([{ runId: 2, label: '#2 cpu' }])
  })

  it('draws each stage as long as its share of the bar', () => {
    const svg = renderStageBarsSvg(b, { quantity: 'latency', width: 800 })
    const bar = svg.split('<g data-role="bar"')[1]
    const widths = Object.fromEntries([...bar.matchAll(/data-stage="([^"]+)" x="[\d.]+" y="[\d.]+" width="([\d.]+)"/g)].map((m) => [m[1], Number(m[2])]))
    expect(Object.keys(widths)).toEqual(['init', 'inference', 'custom'])
    expect(widths.init / widths.inference).toBeCloseTo(3, 1)
    expect(widths.custom / widths.inference).toBeCloseTo(0.5, 1)
    expect(svg).toContain('Initialisation')
    expect(svg).toContain('Memory I/O')
    expect(svg).not.toMatch(/NaN|undefined/)
  })
})
