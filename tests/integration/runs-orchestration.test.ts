import { existsSync, mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import '../../src-main/instruments/raw-formats'
import { openWorkspace, type Db } from '../../src-main/store/workspace'
import { RecordingStore } from '../../src-main/store/recording-store'
import { VirtualBench } from '../../src-main/virtual-bench/bench'
import type { RunningVirtualInstrument } from '../../src-main/virtual-bench/registry'
import { createVirtualLpm01a } from '../../src-main/instruments/lpm01a/virtual'
import { openPtyPair } from '../../src-main/transports/pty-pair'
import { BenchmarkRun, type RunProgress } from '../../src-main/runs/run-plan'
import { parsePlan } from '../../src-main/runs/plan'
import { defaultPlan } from '../../src-main/runs/plan-defaults'
import type { TruthInference } from '../../src-main/dut/mlperf-tiny/power-timeline'

const cleanups: Array<() => Promise<unknown> | unknown> = []
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c()
})

function workspace(): Db {
  const db = openWorkspace(join(mkdtempSync(join(tmpdir(), 'jb-runs-orch-')), 'w.db'))
  cleanups.push(() => db.close())
  return db
}

function bench(): VirtualBench {
  const b = new VirtualBench()
  cleanups.push(() => b.close())
  return b
}

/** The demo plan, smaller: 2 windows of infer 8 1 on the virtual LPM01A. */
function smallPlan(change: Record<string, unknown> = {}) {
  const base = defaultPlan('performance', { analyzerId: 'virtual:lpm01a' })
  return parsePlan({ ...base, repetitions: { inferences: 8, warmup: 1, windows: 2 }, ...change })
}

const rel = (a: number, b: number) => Math.abs(a - b) / Math.abs(b)

describe('running a plan on the virtual bench', () => {
  it('performance mode: every measured inference agrees with the virtual DUT’s truth, warm-ups left out', async () => {
    const db = workspace()
    const plan = smallPlan()
    const run = BenchmarkRun.start(db, plan, { bench: bench() })
    const phases: string[] = []
    run.on('progress', (p: RunProgress) => phases.push(`${p.phase}${p.window ?? ''}`))
    const d = await run.done
    expect(d.stateReason).toBeNull()
    expect(d.state).toBe('finished')
    expect([...new Set(phases)]).toEqual(['opening', 'loading', 'idle', 'window1', 'window2', 'analyzing', 'done'])

    const truth = run.virtualDut!.truth()
    const measuredTruth = truth.inferences.filter((i: TruthInference) => !i.warmup)
    const measured = d.segments.filter((s) => s.kind === 'inference' && s.role === 'measured')
    expect(measured).toHaveLength(16)
    expect(measuredTruth).toHaveLength(16)
    measured.forEach((s, k) => {
      // 100 kS/s: an edge lands within one 10 µs sample of where the DUT put it.
      expect(Math.abs(s.durationS! - (measuredTruth[k].endS - measuredTruth[k].startS))).toBeLessThanOrEqual(2e-5)
      expect(rel(s.energyJ!, measuredTruth[k].energyJ)).toBeLessThan(5e-3)
      expect(rel(s.netEnergyJ!, measuredTruth[k].netEnergyJ)).toBeLessThan(5e-3)
    })
    // Truth gaps between consecutive measured inferences are the firmware's 20 ms sleep; so are the segments'.
    const truthEnergy = measuredTruth.reduce((a, i) => a + i.energyJ, 0) / measuredTruth.length
    expect(rel(d.summary!.energyPerInferenceJ!.mean!, truthEnergy)).toBeLessThan(5e-3)
    expect(d.summary!.warmupDiscarded).toBe(2)
    expect(d.summary!.n).toBe(16)
    // Edges fall on the 10 µs sample grid: the latencies differ by at most one sample (often not at all),
    // and the interval is Student's t (15 degrees of freedom, 2.131) times the standard error.
    const latency = d.summary!.latencyPerInferenceS!
    expect(latency.sd!).toBeLessThanOrEqual(1e-5)
    expect(latency.ci!.halfWidth).toBeCloseTo((2.131 * latency.sd!) / 4, 8)

    // The DUT's own lap times, window by window, against the times it printed them.
    const batches = truth.batches
    expect(batches).toHaveLength(2)
    const windows = d.segments.filter((s) => s.kind === 'window')
    windows.forEach((w, k) => {
      const b = batches[k]
      expect(Math.abs(w.dutLatencyPerInferenceS! - (b.endTimestampS - b.startTimestampS) / b.count)).toBeLessThanOrEqual(2e-6 / b.count)
    })

    // What the run keeps: its recording (finished), analyzer and DUT identities, the plan.
    const rec = RecordingStore.open(db).get(d.recordingId!)
    expect(rec.state).toBe('finished')
    expect(rec.uuid).toBe(d.recordingUuid)
    expect(d.instruments.map((i) => [i.role, i.identity.id])).toEqual([
      ['analyzer', 'virtual:lpm01a'],
      ['dut', 'virtual:mlperf-tiny']
    ])
    expect(d.instruments[1].identity.firmware).toMatch(/ULPMark for tinyML Firmware V0\.0\.1, model kws01/)
    expect(d.plan).toEqual(JSON.parse(JSON.stringify(plan)))
    // Cleanup: the virtual DUT's port is gone.
    expect(existsSync(run.virtualDut!.hostPath)).toBe(false)
  })

  it('performance mode without an analyzer: latency per window from m-lap-us, against the DUT’s truth', async () => {
    const db = workspace()
    const plan = parsePlan({ ...defaultPlan('dut-only'), repetitions: { inferences: 12, warmup: 2, windows: 3 } })
    const run = BenchmarkRun.start(db, plan, { bench: bench() })
    const d = await run.done
    expect(d.state).toBe('finished')
    expect(d.recordingId).toBeNull()
    const truth = run.virtualDut!.truth()
    const expected = truth.batches.map((b) => (b.endTimestampS - b.startTimestampS) / b.count)
    const got = d.segments.filter((s) => s.kind === 'window').map((s) => s.latencyPerInferenceS!)
    expect(got).toHaveLength(3)
    got.forEach((g, k) => expect(Math.abs(g - expected[k])).toBeLessThanOrEqual(2e-6 / 12))
    expect(d.summary!.n).toBe(3)
    expect(d.summary!.warmupDiscarded).toBe(6)
    expect(d.summary!.energyPerInferenceJ).toBeNull()
  })

  it('a cancelled run keeps its recording and says where it stopped', async () => {
    const db = workspace()
    const run = BenchmarkRun.start(db, smallPlan(), { bench: bench() })
    run.on('progress', (p: RunProgress) => {
      if (p.phase === 'window' && p.window === 1) run.cancel()
    })
    const d = await run.done
    expect(d.state).toBe('cancelled')
    expect(d.stateReason).toMatch(/^Cancelled by the user during window 1 of 2\. Recording \d+ \([0-9a-f-]{36}\) keeps everything captured\.$/)
    const rec = RecordingStore.open(db).get(d.recordingId!)
    expect(rec.sampleCount).toBeGreaterThan(0)
    expect(existsSync(run.virtualDut!.hostPath)).toBe(false)
  })

  it('a pulled analyzer cable ends the run with a clear message, keeps the recording, and still scores the completed window', async () => {
    const db = workspace()
    const b = bench()
    let analyzerPort: RunningVirtualInstrument | null = null
    const start = b.start.bind(b)
    b.start = async (id: string) => (analyzerPort = await start(id))
    const run = BenchmarkRun.start(db, smallPlan(), { bench: b })
    run.on('progress', (p: RunProgress) => {
      if (p.phase === 'window' && p.window === 2 && analyzerPort) {
        const pulled = analyzerPort
        analyzerPort = null
        // Pull the cable a little into the second window.
        setTimeout(() => void pulled.close(), 150)
      }
    })
    const d = await run.done
    expect(d.state).toBe('failed')
    expect(d.stateReason).toMatch(/LPM01A.*was lost.*during window 2 of 2\. Reconnect it and start the run again\. Recording \d+ .*keeps everything captured\./)
    const rec = RecordingStore.open(db).get(d.recordingId!)
    expect(rec.state).toBe('interrupted')
    expect(rec.sampleCount).toBeGreaterThan(0)
    // Window 1 finished before the cable went: its 8 measured inferences are scored.
    expect(d.summary!.n).toBe(8)
    expect(existsSync(run.virtualDut!.hostPath)).toBe(false)
  })
})

describe('running a plan against hardware that misbehaves (emulators at the port)', () => {
  it('a DUT that never answers fails the run with what to check, and the analyzer’s recording is kept', async () => {
    const db = workspace()
    // An LPM01A (emulated behind a pty, opened by id like a real board) and a DUT port nobody answers on.
    const lpm = await createVirtualLpm01a({ render: (_t, _p, c, d) => (c.fill(2e-3), d.fill(0x80)) })
    cleanups.push(() => lpm.close())
    const silent = await openPtyPair('jb-silent')
    cleanups.push(() => silent.close())
    const plan = parsePlan({
      ...smallPlan(),
      dut: { kind: 'serial', port: silent.hostPath, replyTimeoutS: 0.5 },
      analyzer: { id: `lpm01a:${lpm.hostPath}` }
    })
    const run = BenchmarkRun.start(db, plan, { bench: bench() })
    const d = await run.done
    expect(d.state).toBe('failed')
    expect(d.stateReason).toContain(`The DUT did not complete asking the DUT its name: No reply from the DUT on ${silent.hostPath} to "name%" within 0.5 s.`)
    expect(d.stateReason).toMatch(/Check 115200 baud .* Recording \d+ \(.*\) keeps everything captured\./)
    const rec = RecordingStore.open(db).get(d.recordingId!)
    expect(rec.state).toBe('finished')
    expect(rec.sampleCount).toBeGreaterThan(0)
    expect(d.instruments.map((i) => i.role)).toEqual(['analyzer'])
    expect(d.instruments[0].identity.id).toBe(`lpm01a:${lpm.hostPath}`)
  })

  it('an analyzer id nobody answers at fails before anything is recorded, naming the port', async () => {
    const db = workspace()
    const plan = parsePlan({ ...smallPlan(), dut: { kind: 'serial', port: '/dev/null-dut' }, analyzer: { id: 'lpm01a:/dev/no-such-port' } })
    const d = await BenchmarkRun.start(db, plan, { bench: bench() }).done
    expect(d.state).toBe('failed')
    expect(d.stateReason).toMatch(/^Failed opening lpm01a:\/dev\/no-such-port: .*no-such-port/)
    expect(d.recordingId).toBeNull()
  })
})
