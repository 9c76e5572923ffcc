import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { JoulebenchCore } from '../../src-main/api/core'
import type { ApiEvent } from '../../src-main/api/contract'
import { noHardware } from '../helpers/api'
import { defaultPlan } from '../../src-main/runs/plan-defaults'
import { encodeMessage, decodeMessage } from '../../src-main/api/wire'

let core: JoulebenchCore | null = null
afterEach(async () => {
  if (core) {
    await core.runs.closeAll()
    await core.close()
  }
  core = null
})

function makeCore(): JoulebenchCore {
  core = new JoulebenchCore({ dbPath: join(mkdtempSync(join(tmpdir(), 'jb-runs-api-')), 'w.db'), host: 'test', discovery: noHardware })
  return core
}

let nextId = 1
async function call(c: JoulebenchCore, method: string, params: unknown): Promise<any> {
  const reply = await c.handle({ id: nextId++, method, params })
  if (!reply.ok) throw Object.assign(new Error(reply.error.message), { reply })
  // Through the wire encoding, as a browser would receive it.
  return decodeMessage(encodeMessage(reply.result) as string | Uint8Array)
}

function smallPlan() {
  return { ...defaultPlan('performance', { analyzerId: 'virtual:lpm01a' }), repetitions: { inferences: 6, warmup: 1, windows: 2 } }
}

describe('runs and plans through the API', () => {
  it('gives default plans and validates plans field by field', async () => {
    const c = makeCore()
    const plan = await call(c, 'plans.default', { kind: 'energy' })
    expect(plan.mode).toBe('energy')
    expect((await call(c, 'plans.validate', { plan })).ok).toBe(true)
    const bad = await call(c, 'plans.validate', { plan: { ...plan, supplyV: -1, repetitions: { inferences: 'many' } } })
    expect(bad.ok).toBe(false)
    expect(bad.issues.map((i: { path: string }) => i.path).sort()).toEqual(['repetitions.inferences', 'supplyV'])
    const reply = await c.handle({ id: 99, method: 'runs.start', params: { plan: { ...plan, mode: 'fast' } } })
    expect(reply.ok).toBe(false)
    if (!reply.ok) {
      expect(reply.error.code).toBe('invalid-params')
      expect(reply.error.issues!.map((i) => i.path)).toContain('plan.mode')
    }
  })

  it('starts a run with progress and state events, then lists it, shows it, draws its trace, analyzes and deletes it', async () => {
    const c = makeCore()
    const events: ApiEvent[] = []
    c.onEvent((e) => events.push(e))
    const finished = new Promise<any>((resolve) => c.onEvent((e) => e.event === 'runs.state' && e.data.state !== 'running' && resolve(e.data)))
    const { runId, uuid } = await call(c, 'runs.start', { plan: smallPlan() })
    expect(uuid).toMatch(/^[0-9a-f-]{36}$/)
    // One run at a time: a second start is refused with the running one named.
    await expect(call(c, 'runs.start', { plan: smallPlan() })).rejects.toThrow(new RegExp(`Run ${runId} .* is still running`))
    expect((await call(c, 'runs.list', {})).activeRunId).toBe(runId)
    const end = await finished
    expect(end).toMatchObject({ runId, state: 'finished', reason: null, run: { id: runId, state: 'finished' } })
    const progress = events.filter((e) => e.event === 'runs.progress').map((e) => e.data as { phase: string; window: number | null })
    expect(progress.some((p) => p.phase === 'window' && p.window === 2)).toBe(true)
    expect(progress.at(-1)!.phase).toBe('done')

    const list = await call(c, 'runs.list', {})
    expect(list.runs.map((r: { id: number }) => r.id)).toEqual([runId])
    expect(list.activeRunId).toBeNull()
    const detail = await call(c, 'runs.get', { id: uuid.slice(0, 8) })
    expect(detail.summary.n).toBe(12)
    expect(detail.segments.filter((s: { kind: string }) => s.kind === 'inference')).toHaveLength(14)

    const trace = await call(c, 'runs.trace', { id: runId, fromS: 0, toS: 1, widthPx: 300 })
    expect(trace.tS).toBeInstanceOf(Float64Array)
    expect(trace.tS.length).toBeLessThanOrEqual(300)
    expect(trace.tS.length).toBeGreaterThan(100)
    expect(trace.min.length).toBe(trace.tS.length)
    expect(trace.durationS).toBeGreaterThan(1)
    // The inference current (7.06 mA) and the idle floor (1 mA) both show in the first second.
    expect(Math.max(...trace.max)).toBeGreaterThan(6e-3)
    expect(Math.min(...trace.min)).toBeLessThan(1.2e-3)

    const analysis = await call(c, 'analysis.analyze', { recordingId: detail.recordingId, segmentation: { kind: 'threshold', level: 4e-3, minDurationS: 0.005 }, warmup: 1 })
    expect(analysis.summary.n).toBe(13)
    // Cut by the same threshold without the stage log, the recording gives the run's CNN stage (the burst the log is pinned to).
    const cnn = detail.summary.stages.find((st: { stage: string }) => st.stage === 'inference')
    expect(Math.abs(analysis.summary.energyPerInferenceJ.mean - cnn.energyJ.mean) / cnn.energyJ.mean).toBeLessThan(1e-3)

    expect(await call(c, 'runs.delete', { id: runId, withRecording: true })).toEqual({ deleted: runId, recordingDeleted: detail.recordingId })
    await expect(call(c, 'runs.get', { id: runId })).rejects.toThrow(/No run/)
  })

  it('cancels a running run; the stored run says so and keeps its recording', async () => {
    const c = makeCore()
    const { runId } = await call(c, 'runs.start', { plan: smallPlan() })
    await new Promise<void>((resolve) => c.onEvent((e) => e.event === 'runs.progress' && (e.data as { phase: string }).phase === 'window' && resolve()))
    expect(await call(c, 'runs.cancel', { id: runId })).toEqual({ cancelled: true })
    await new Promise<void>((resolve) => c.onEvent((e) => e.event === 'runs.state' && e.data.state === 'cancelled' && resolve()))
    const d = await call(c, 'runs.get', { id: runId })
    expect(d.state).toBe('cancelled')
    expect(d.recordingId).not.toBeNull()
    expect(await call(c, 'runs.cancel', { id: runId })).toEqual({ cancelled: false })
  })
})
