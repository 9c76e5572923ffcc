import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { cli } from '../helpers/cli'
import { openWorkspace } from '../../src-main/store/workspace'
import { RecordingWriter } from '../../src-main/store/recording-writer'
import { validatePlan } from '../../src-main/runs/plan'
import { KWS01_FACTS } from '../../src-main/runs/plan-defaults'
import { MAX78000_LIKE } from '../../src-main/virtual-bench/npu-boards'

const rel = (a: number, b: number) => Math.abs(a - b) / Math.abs(b)

describe('joulebench run', () => {
  const dir = mkdtempSync(join(tmpdir(), 'jb-cli-run-'))
  const db = join(dir, 'fresh.db')

  it('run --virtual --json completes in a fresh workspace and reports energy and latency per inference with their spread', async () => {
    const r = await cli(['run', '--virtual', '--json', '--db', db])
    expect(r.code).toBe(0)
    const doc = r.json()
    expect(doc.run).toMatchObject({ id: 1, state: 'finished', mode: 'performance', model: { name: 'kws01' } })
    expect(doc.run.recordingId).toBe(1)
    // The virtual NPU board's model (plan defaults): the CNN costs 10 ns and 0.2 nJ per MAC above a 1 mA
    // floor at 3.3 V; init, memory I/O and post-processing are the board's fixed stages around it.
    const macs = doc.plan.model.macs
    expect([KWS01_FACTS.macs, doc.plan.model.macs]).toContain(macs)
    const fixed = Object.values(MAX78000_LIKE.defaultStages)
    const latencyS = macs * 10e-9 + fixed.reduce((a, st) => a + st.durationS, 0)
    const energyJ = macs * 0.2e-9 + 1e-3 * 3.3 * latencyS + fixed.reduce((a, st) => a + st.extraCurrentA * 3.3 * st.durationS, 0)
    const s = doc.summary
    expect(s.n).toBe(60)
    expect(s.warmupDiscarded).toBe(6)
    expect(rel(s.energyPerInferenceJ.mean, energyJ)).toBeLessThan(0.01)
    expect(rel(s.latencyPerInferenceS.mean, latencyS)).toBeLessThan(0.01)
    for (const f of [s.energyPerInferenceJ, s.latencyPerInferenceS]) {
      // The virtual board is steady: the spread is the sample grid's (it may be exactly zero), and the
      // interval is Student's t (59 degrees of freedom, 2.001) times the standard error.
      expect(f.sd).toBeGreaterThanOrEqual(0)
      expect(f.sd).toBeLessThan(0.01 * f.mean)
      expect(f.ci.level).toBe(0.95)
      expect(f.ci.halfWidth).toBeCloseTo((2.001 * f.sd) / Math.sqrt(60), 6 - Math.floor(Math.log10(f.mean)))
      expect(f.ci.low).toBeCloseTo(f.mean - f.ci.halfWidth, 15)
    }
    expect(doc.segments.filter((g: { kind: string }) => g.kind === 'inference')).toHaveLength(66)
    // Per-stage metrics: the four MAX78000 stages, each over the 60 measured inferences.
    expect(s.stages.map((st: { stage: string; n: number }) => [st.stage, st.n])).toEqual([
      ['init', 60],
      ['memory', 60],
      ['inference', 60],
      ['post', 60]
    ])
    // Progress went to stderr, never into the JSON.
    expect(r.stderr).toMatch(/window 3\/3/)
  })

  it('lists runs and prints the human summary with "mean ± CI"', async () => {
    const list = await cli(['run', '--list', '--json', '--db', db])
    expect(list.json().runs.map((x: { id: number }) => x.id)).toEqual([1])
    const text = await cli(['run', '--list', '--db', db])
    expect(text.stdout).toMatch(/kws01 on the virtual bench\s+performance\s+finished/)
  })

  it('runs a plan file: --print-plan gives a valid starting point, and a DUT-only plan runs from it', async () => {
    const printed = await cli(['run', '--virtual', '--dut-only', '--print-plan', '--db', db])
    expect(printed.code).toBe(0)
    const plan = JSON.parse(printed.stdout)
    expect(validatePlan(plan).ok).toBe(true)
    plan.repetitions = { inferences: 10, warmup: 1, windows: 2 }
    const file = join(dir, 'laps.json')
    writeFileSync(file, JSON.stringify(plan))
    const r = await cli(['run', file, '--db', db])
    expect(r.code).toBe(0)
    expect(r.stdout).toMatch(/^Run 2 \(finished\) "kws01 latency from DUT timestamps", performance mode/)
    // Lap times tick in whole microseconds, so two windows may agree exactly (spread 0 s).
    expect(r.stdout).toMatch(/latency \/ inference\s+26\.\d+ ms ± (?:[\d.]+ [nµ]s|0 s) \(95 % CI\)\s+sd (?:[\d.]+ [nµ]s|0 s)\s+median 26\.\d+ ms\s+n 2/)
    expect(r.stdout).toContain('no analyzer: latency from the DUT’s own timestamps')
  })

  it('names the plan file and every bad field, and the JSON error when it does not parse', async () => {
    const bad = join(dir, 'bad.json')
    writeFileSync(bad, JSON.stringify({ mode: 'energy', dut: { kind: 'serial' }, analyzer: null, supplyV: 3.3, model: { name: 'x', macs: 1 }, repetitions: { inferences: 0 }, segmentation: { kind: 'gpio', line: 9 } }))
    const r = await cli(['run', bad, '--db', db])
    expect(r.code).toBe(1)
    expect(r.stderr).toContain(`The plan ${bad} is not a valid benchmark plan`)
    expect(r.stderr).toMatch(/dut\.port: .*got nothing/)
    expect(r.stderr).toMatch(/repetitions\.inferences: must be at least 1; got 0/)
    expect(r.stderr).toMatch(/segmentation\.line: lines are D0–D7; got 9/)
    const broken = join(dir, 'broken.json')
    writeFileSync(broken, '{ "mode": ')
    expect((await cli(['run', broken, '--db', db])).stderr).toMatch(/The plan .*broken\.json is not valid JSON/)
    expect((await cli(['run', join(dir, 'nope.json'), '--db', db])).stderr).toMatch(/Cannot read the plan .*nope\.json: no such file/)
    expect((await cli(['run', '--energy', '--db', db])).stderr).toMatch(/--energy picks a virtual demo plan: use it with --virtual/)
    expect((await cli(['run', '--virtual', '--analyzer', 'lpm01a:/dev/ttyACM0', '--db', db])).stderr).toMatch(/only a virtual analyzer can see: use --analyzer virtual:lpm01a or virtual:ppk2/)
  })
})

describe('joulebench analyze', () => {
  const dir = mkdtempSync(join(tmpdir(), 'jb-cli-analyze-'))
  const db = join(dir, 'w.db')
  // 10 kS/s, 3 V: a 1 mA floor; eight 20 ms inferences at 15 mA every 100 ms from 0.2 s, with D0 high during each.
  const dt = 1e-4
  const starts = Array.from({ length: 8 }, (_, k) => 2000 + k * 1000)
  const INF = 200
  const grossJ = 15e-3 * 3 * INF * dt
  const netJ = (15e-3 - 1e-3) * 3 * INF * dt

  function writeRecording(): number {
    const ws = openWorkspace(db)
    const current = new Float32Array(11000).fill(1e-3)
    const digital = new Uint8Array(11000)
    for (const s of starts) {
      current.fill(15e-3, s, s + INF)
      digital.fill(1, s, s + INF)
    }
    const w = RecordingWriter.create(ws, { name: 'known segments', samplePeriodS: dt, supplyV: 3, digital: true })
    w.samples({ startIndex: 0, currentA: current, digital })
    w.finish()
    ws.close()
    return w.id
  }

  it('prints every segment and the summary for a recording cut by threshold, GPIO and windows alike', async () => {
    const id = String(writeRecording())
    for (const spec of ['threshold:8mA,min=1ms', 'gpio:D0', `windows:${starts.map((s) => `${(s * dt).toFixed(4)}-${((s + INF) * dt).toFixed(4)}`).join(',')}`]) {
      const r = await cli(['analyze', id, '--segment', spec, '--json', '--db', db])
      expect(r.code, r.stderr).toBe(0)
      const doc = r.json()
      const inf = doc.segments.filter((g: { kind: string }) => g.kind === 'inference')
      expect(inf.map((g: { startIndex: number }) => g.startIndex)).toEqual(starts)
      for (const g of inf) {
        expect(g.durationS).toBeCloseTo(INF * dt, 9)
        expect(rel(g.energyJ, grossJ)).toBeLessThan(1e-6)
        expect(rel(g.chargeC, 15e-3 * INF * dt)).toBeLessThan(1e-6)
        expect(rel(g.averagePowerW, 45e-3)).toBeLessThan(1e-6)
        expect(rel(g.peakPowerW, 45e-3)).toBeLessThan(1e-6)
      }
      expect(doc.summary.n).toBe(8)
      expect(rel(doc.summary.energyPerInferenceJ.mean, grossJ)).toBeLessThan(1e-6)
      expect(rel(doc.summary.energyPerInferenceJ.median, grossJ)).toBeLessThan(1e-6)
    }
  })

  it('subtracts an idle window and leaves out warm-ups when asked, in SI JSON and in text', async () => {
    const r = await cli(['analyze', '1', '--segment', 'threshold:8mA', '--idle', '0-0.15', '--subtract-idle', '--warmup', '2', '--json', '--db', db])
    const s = r.json().summary
    expect(s.n).toBe(6)
    expect(s.warmupDiscarded).toBe(2)
    expect(s.energySubtractsIdle).toBe(true)
    expect(rel(s.energyPerInferenceJ.mean, netJ)).toBeLessThan(1e-6)
    expect(rel(s.baseline.powerW, 3e-3)).toBeLessThan(1e-6)
    const text = await cli(['analyze', '1', '--segment', 'threshold:8mA', '--idle', '0-0.15', '--subtract-idle', '--db', db])
    expect(text.stdout).toMatch(/Recording 1 "known segments" \(1\.1 s\), cut by a current threshold of 0\.008 A/)
    expect(text.stdout).toMatch(/energy \/ inference \(net\)\s+840 µJ/)
    expect(text.stdout).toMatch(/gross energy\s+900 µJ/)
    expect(text.stdout).toMatch(/idle baseline\s+1 mA, 3 mW/)
  })

  it('imports a file given instead of a recording, and analyzes it', async () => {
    const csv = join(dir, 'loop.csv')
    // 1 kS/s: 50 ms at 20 mA every 200 ms, 2 mA otherwise, 2 s.
    const rows = ['time (s),current (mA)']
    for (let i = 0; i < 2000; i++) rows.push(`${(i / 1000).toFixed(3)},${i % 200 >= 100 && i % 200 < 150 ? 20 : 2}`)
    writeFileSync(csv, rows.join('\n') + '\n')
    const r = await cli(['analyze', csv, '--segment', 'threshold:10m', '--voltage', '3.3', '--json', '--db', db])
    expect(r.code, r.stderr).toBe(0)
    expect(r.stderr).toMatch(/Imported .*loop\.csv \(csv\) as recording 2/)
    const s = r.json().summary
    expect(s.n).toBe(10)
    expect(rel(s.energyPerInferenceJ.mean, 20e-3 * 3.3 * 0.05)).toBeLessThan(1e-6)
    expect(rel(s.latencyPerInferenceS.mean, 0.05)).toBeLessThan(1e-9)
  })

  it('explains bad requests: a missing --segment, an unknown method, --subtract-idle without idle, a line with no data', async () => {
    expect((await cli(['analyze', '1', '--db', db])).stderr).toMatch(/Say how to cut the recording with --segment/)
    const unknown = await cli(['analyze', '1', '--segment', 'level:5mA', '--db', db])
    expect(unknown.code).toBe(2)
    expect(unknown.stderr).toMatch(/Unknown segmentation "level"/)
    expect((await cli(['analyze', '1', '--segment', 'threshold:8mA', '--subtract-idle', '--db', db])).stderr).toMatch(/--subtract-idle needs an idle window/)
    expect((await cli(['analyze', '2', '--segment', 'gpio:D3', '--db', db])).stderr).toMatch(/Recording 2 .*has no digital lines/)
    expect((await cli(['analyze', '99', '--segment', 'gpio:D3', '--db', db])).stderr).toMatch(/No recording "99".*is not a file either/)
  })
})
