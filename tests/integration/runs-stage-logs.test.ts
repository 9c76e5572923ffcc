import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import '../../src-main/instruments/raw-formats'
import { cli } from '../helpers/cli'
import { openWorkspace, type Db } from '../../src-main/store/workspace'
import { VirtualBench } from '../../src-main/virtual-bench/bench'
import { openPtyPair } from '../../src-main/transports/pty-pair'
import { openSerial } from '../../src-main/transports/serial'
import { BenchmarkRun, type RunProgress } from '../../src-main/runs/run-plan'
import { parsePlan } from '../../src-main/runs/plan'
import { defaultPlan } from '../../src-main/runs/plan-defaults'
import { RunsStore } from '../../src-main/runs/runs-store'
import { MAX78000_LIKE } from '../../src-main/virtual-bench/npu-boards'
import type { RunSegment } from '../../src-main/runs/run-analysis'

/**
 * Stage logs in real runs on the virtual bench: the MAX78000-like board prints its stage times on its
 * UART after every inference, the run collects them and pins them to the inferences the threshold
 * finds. Expected figures come from the board's model (currents and durations), never from the run.
 */

const cleanups: Array<() => Promise<unknown> | unknown> = []
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c()
})

const V = 3.3
const IDLE_A = 1e-3
const rel = (a: number, b: number) => Math.abs(a - b) / Math.abs(b)

/** The board's model of one inference of `macs` MACs at the demo plan's 10 ns and 0.2 nJ per MAC. */
function modelStages(macs: number): Record<string, { durationS: number; energyJ: number }> {
  const st = MAX78000_LIKE.defaultStages
  const fixed = (c: { durationS: number; extraCurrentA: number }) => ({ durationS: c.durationS, energyJ: (IDLE_A + c.extraCurrentA) * V * c.durationS })
  const cnnS = macs * 10e-9
  return { init: fixed(st.init), memory: fixed(st.memory), inference: { durationS: cnnS, energyJ: macs * 0.2e-9 + IDLE_A * V * cnnS }, post: fixed(st.post) }
}

describe('run --virtual with stages', () => {
  it('stores per-stage segments and metrics: each stage within 1 % of the board’s model, stages adding up to the inference', async () => {
    const db = join(mkdtempSync(join(tmpdir(), 'jb-stages-cli-')), 'w.db')
    const r = await cli(['run', '--virtual', '--json', '--db', db])
    expect(r.code).toBe(0)
    const doc = r.json()
    expect(doc.run.state).toBe('finished')
    expect(doc.plan.stages).toEqual({ source: { kind: 'dut-uart' }, format: 'max78000' })
    expect(doc.run.notes.filter((n: string) => n.startsWith('Stage log'))).toEqual([])
    const model = modelStages(doc.plan.model.macs)
    const dt = 1e-5 // the virtual analyzers sample at 100 kS/s

    const segments = doc.segments as RunSegment[]
    const measured = segments.filter((g) => g.kind === 'inference' && g.role === 'measured')
    expect(measured).toHaveLength(60)
    for (const inf of measured) {
      const stages = segments.filter((g) => g.kind === 'stage' && g.inference === inf.inference)
      expect(stages.map((g) => g.label)).toEqual(['init', 'memory', 'inference', 'post'])
      for (const g of stages) {
        expect(rel(g.energyJ!, model[g.label].energyJ)).toBeLessThan(0.01)
        // Logged stages are placed at their logged length (whole µs); the CNN is as the threshold found
        // it, whose edges the analyzer's front end may move by a few samples.
        expect(Math.abs(g.durationS! - model[g.label].durationS)).toBeLessThanOrEqual((g.label === 'inference' ? 5 : 1) * dt)
        expect(g.role).toBe('measured')
      }
      // Adjacent stages tile the inference: their energies add up to its energy, their times to its time.
      expect(rel(stages.reduce((a, g) => a + g.energyJ!, 0), inf.energyJ!)).toBeLessThan(1e-9)
      expect(Math.abs(stages.reduce((a, g) => a + g.durationS!, 0) - inf.durationS!)).toBeLessThan(1e-9)
      expect(stages[0].startS).toBeCloseTo(inf.startS!, 9)
      expect(stages[3].endS).toBeCloseTo(inf.endS!, 9)
    }

    // Per-stage metrics with spread, in --json, and their means add up to the inference's mean.
    const s = doc.summary
    expect(s.stages.map((st: { stage: string }) => st.stage)).toEqual(['init', 'memory', 'inference', 'post'])
    for (const st of s.stages) {
      expect(st.n).toBe(60)
      expect(rel(st.energyJ.mean, model[st.stage].energyJ)).toBeLessThan(0.01)
      expect(st.energyJ.sd).toBeGreaterThanOrEqual(0)
      expect(st.energyJ.ci.level).toBe(0.95)
      expect(st.latencyS.ci.low).toBeLessThanOrEqual(st.latencyS.mean)
      expect(st.netEnergyJ.mean).toBeLessThan(st.energyJ.mean)
    }
    const stageSumJ = s.stages.reduce((a: number, st: { energyJ: { mean: number } }) => a + st.energyJ.mean, 0)
    expect(rel(stageSumJ, s.energyPerInferenceJ.mean)).toBeLessThan(1e-9)
    const modelTotalJ = Object.values(model).reduce((a, m) => a + m.energyJ, 0)
    expect(rel(s.energyPerInferenceJ.mean, modelTotalJ)).toBeLessThan(0.01)

    // The lines themselves are kept with the run, each with its window and arrival time.
    const stored = RunsStore.open(openWorkspace(db)).detail(doc.run.id)
    expect(stored.stageLog!.lines).toHaveLength(66 * 4)
    expect(stored.stageLog!.lines[0].text).toMatch(/^Initialization Time: 3000 us$/)
    expect(new Set(stored.stageLog!.lines.map((l) => l.window))).toEqual(new Set([0, 1, 2]))
    const times = stored.stageLog!.lines.map((l) => l.atMs)
    expect(times.every((t, k) => k === 0 || t >= times[k - 1])).toBe(true)
  })
})

describe('a stage log with faults', () => {
  function workspace(): Db {
    const db = openWorkspace(join(mkdtempSync(join(tmpdir(), 'jb-stages-')), 'w.db'))
    cleanups.push(() => db.close())
    return db
  }

  it('a garbled line, a missing stage and a missing pass each give a warning naming the port; the run completes with its inference figures', async () => {
    // The firmware's second UART, as a pty pair: the run reads hostPath, this test prints on devicePath.
    const uart = await openPtyPair('jb-stagelog')
    cleanups.push(() => uart.close())
    const firmware = await openSerial(uart.devicePath, 115200)
    cleanups.push(() => firmware.close())
    const bench = new VirtualBench()
    cleanups.push(() => bench.close())

    const base = defaultPlan('performance', { analyzerId: 'virtual:lpm01a' })
    const plan = parsePlan({
      ...base,
      repetitions: { inferences: 3, warmup: 1, windows: 3 },
      stages: { source: { kind: 'serial', port: uart.hostPath, baudRate: 115200 }, format: 'max78000' }
    })
    const cnnUs = Math.round(plan.model.macs * 10e-9 * 1e6)
    const pass = (drop?: string, garble?: string) =>
      [
        ['Initialization', 3000],
        ['Memory I/O', 6000],
        ['Inference', cnnUs],
        ['Post-Processing', 4000]
      ]
        .filter(([label]) => label !== drop)
        .map(([label, us]) => (label === garble ? `${label} Tmie: ${us} us` : `${label} Time: ${us} us`))
    // Window 1: the third inference's Memory I/O line garbled. Window 2: the second without its
    // Post-Processing line. Window 3: only three passes for four inferences.
    const logs = [
      [pass(), pass(), pass(undefined, 'Memory I/O'), pass()],
      [pass(), pass('Post-Processing'), pass(), pass()],
      [pass(), pass(), pass()]
    ]
    const run = BenchmarkRun.start(workspace(), plan, { bench })
    run.on('progress', (p: RunProgress) => {
      if (p.phase === 'window' && p.window !== null && p.message.startsWith(`Window ${p.window} `)) {
        const text = logs[p.window - 1].flat().join('\r\n') + '\r\n'
        logs[p.window - 1] = [] // once per window
        if (text.trim()) void firmware.write(text)
      }
    })
    const d = await run.done
    expect(d.state).toBe('finished')

    const warnings = d.notes.filter((n) => n.startsWith('Stage log'))
    const port = `max78000 stage log on ${uart.hostPath} at 115200 baud`
    expect(warnings.every((w) => w.startsWith(`Stage log (${port}): `))).toBe(true)
    // The garbled line, quoted, with what was expected.
    expect(warnings.some((w) => /1 line is not a max78000 stage line: "Memory I\/O Tmie: 6000 us" \(window 1\)\. Expected lines like "Inference Time: 2900 us"/.test(w))).toBe(true)
    // Which inference lost which stage (inference numbers count warm-ups: window 1 holds 1–4, window 2 holds 5–8).
    expect(warnings.some((w) => /inference 3 \(window 1\) has no "Memory I\/O" line/.test(w))).toBe(true)
    expect(warnings.some((w) => /inference 6 \(window 2\) has no "Post-Processing" line/.test(w))).toBe(true)
    expect(warnings.some((w) => /window 3 logged 3 passes through the stages where 4 inferences were found on the trace \(infer 3 1 ran 4\)/.test(w))).toBe(true)
    expect(warnings.some((w) => /5 measured inferences have no placed stages and are left out of the statistics \(role "excluded"\)/.test(w))).toBe(true)

    // What stays: 9 inferences measured by the trace, 4 of them with stages and in the statistics.
    const inferences = d.segments.filter((g) => g.kind === 'inference')
    expect(inferences.map((g) => g.role)).toEqual(['warmup', 'measured', 'excluded', 'measured', 'warmup', 'excluded', 'measured', 'measured', 'warmup', 'excluded', 'excluded', 'excluded'])
    // Stages for every inference of windows 1 and 2 but the faulty two; none in window 3.
    expect([...new Set(d.segments.filter((g) => g.kind === 'stage').map((g) => g.inference))]).toEqual([0, 1, 3, 4, 6, 7])
    expect(d.summary!.n).toBe(4)
    expect(d.summary!.energyPerInferenceJ!.mean).toBeGreaterThan(0)
    expect(d.summary!.stages.map((st) => [st.stage, st.n])).toEqual([
      ['init', 4],
      ['memory', 4],
      ['inference', 4],
      ['post', 4]
    ])
    const model = modelStages(plan.model.macs)
    for (const st of d.summary!.stages) expect(rel(st.energyJ.mean!, model[st.stage].energyJ)).toBeLessThan(0.01)
  })

  it('a stage-log port that does not open is a warning; the run still measures its inferences', async () => {
    const bench = new VirtualBench()
    cleanups.push(() => bench.close())
    const base = defaultPlan('performance', { analyzerId: 'virtual:lpm01a' })
    const plan = parsePlan({ ...base, repetitions: { inferences: 3, warmup: 0, windows: 1 }, stages: { source: { kind: 'serial', port: '/dev/jb-no-such-port' }, format: 'we2' } })
    const d = await BenchmarkRun.start(workspace(), plan, { bench }).done
    expect(d.state).toBe('finished')
    expect(d.notes.find((n) => n.startsWith('Stage log'))).toMatch(/^Stage log: could not open \/dev\/jb-no-such-port \(stages\.source\.port\) at 115200 baud: .+ The run went on without stages/)
    expect(d.summary!.n).toBe(3)
    expect(d.summary!.stages).toEqual([])
    expect(d.segments.filter((g) => g.kind === 'inference').every((g) => g.role === 'measured')).toBe(true)
  })
})
