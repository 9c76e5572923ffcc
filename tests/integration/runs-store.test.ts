import { spawnSync } from 'node:child_process'
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { openWorkspace, type Db } from '../../src-main/store/workspace'
import { RecordingWriter } from '../../src-main/store/recording-writer'
import { RecordingStore } from '../../src-main/store/recording-store'
import { RunsStore, RunNotFoundError, liveRunIds } from '../../src-main/runs/runs-store'
import { defaultPlan } from '../../src-main/runs/plan-defaults'
import { parsePlan } from '../../src-main/runs/plan'
import { arrayTrace } from '../../src-main/analysis/array-trace'
import { analyzeRun } from '../../src-main/runs/run-analysis'
import { VERSION } from '../../src-main/version'

const open: Db[] = []
afterEach(() => {
  for (const db of open.splice(0)) db.close()
})

function workspace(path = join(mkdtempSync(join(tmpdir(), 'jb-runs-store-')), 'w.db')) {
  const db = openWorkspace(path)
  open.push(db)
  return { db, path }
}

/** A small finished analysis: 5 inferences of 10 ms at 11 mA over a 1 mA floor, 3 V, 10 kS/s. */
function sampleAnalysis() {
  const c = new Float32Array(2000).fill(1e-3)
  for (let k = 0; k < 5; k++) c.fill(11e-3, 200 + k * 300, 300 + k * 300)
  return analyzeRun(arrayTrace({ samplePeriodS: 1e-4, currentA: c, supplyV: 3 }), {
    segmentation: parsePlan({ ...defaultPlan('capture'), segmentation: { kind: 'threshold', level: 5e-3 } }).segmentation,
    idle: { startS: 0, endS: 0.015 },
    warmup: 1
  })
}

describe('runs store (a real SQLite workspace file)', () => {
  it('keeps a run with its plan, instruments, recording, segments, summary and tags, and reads it back after reopening', () => {
    const { db, path } = workspace()
    const plan = defaultPlan('performance')
    const store = RunsStore.open(db)
    const run = store.create(plan)
    expect(run).toMatchObject({ state: 'running', mode: 'performance', name: plan.name, softwareVersion: VERSION, model: { name: 'kws01', macs: plan.model.macs } })
    expect(run.uuid).toMatch(/^[0-9a-f-]{36}$/)

    const w = RecordingWriter.create(db, { name: 'r', samplePeriodS: 1e-4, supplyV: 3 })
    w.samples({ startIndex: 0, currentA: new Float32Array(100).fill(1e-3) })
    w.finish()
    store.setRecording(run.id, { id: w.id, uuid: w.uuid })
    const identity = { id: 'virtual:lpm01a', kind: 'power-analyzer' as const, family: 'lpm01a', model: 'LPM01A', serial: 'X1', firmware: '1.0.7', location: 'virtual bench', virtual: true }
    store.setInstruments(run.id, [{ role: 'analyzer', identity, settings: { sampleRateHz: 1000 }, calibration: { id: 'cal-7', snapshot: { gain: 1.001 } } }])
    const analysis = sampleAnalysis()
    store.finish(run.id, { state: 'finished', analysis, notes: ['a note'] })
    db.close()
    open.pop()

    const again = RunsStore.open(workspace(path).db)
    const d = again.detail(run.uuid)
    expect(d.state).toBe('finished')
    expect(d.plan).toEqual(JSON.parse(JSON.stringify(plan)))
    expect(d.recordingId).toBe(w.id)
    expect(d.recordingUuid).toBe(w.uuid)
    expect(d.instruments[0]).toEqual({ role: 'analyzer', identity, settings: { sampleRateHz: 1000 }, calibration: { id: 'cal-7', snapshot: { gain: 1.001 } } })
    expect(d.segments).toEqual(analysis.segments)
    expect(d.summary).toEqual(JSON.parse(JSON.stringify(analysis.summary)))
    expect(d.summary!.n).toBe(4)
    expect(d.notes).toEqual([...analysis.notes, 'a note'])
    expect(d.finishedAt).not.toBeNull()
    expect(again.segments(run.id, ['inference']).map((s) => s.role)).toEqual(['warmup', 'measured', 'measured', 'measured', 'measured'])
  })

  it('finds runs by id, UUID or UUID prefix, and says how to name one it cannot find', () => {
    const store = RunsStore.open(workspace().db)
    const a = store.create(defaultPlan('performance'))
    expect(store.get(a.id).uuid).toBe(a.uuid)
    expect(store.get(String(a.id)).uuid).toBe(a.uuid)
    expect(store.get(a.uuid.slice(0, 8)).id).toBe(a.id)
    expect(() => store.get(999)).toThrow(RunNotFoundError)
    expect(() => store.get('zz')).toThrow(/No run "zz".*number or UUID/)
  })

  it('filters by tags, including free tags', () => {
    const store = RunsStore.open(workspace().db)
    const p1 = parsePlan({ ...defaultPlan('performance'), tags: { device: 'MAX78000', implementation: 'SIMD', free: ['paper-a'] } })
    const p2 = parsePlan({ ...defaultPlan('performance'), tags: { device: 'MAX78000', implementation: 'naive', free: [] } })
    const p3 = parsePlan({ ...defaultPlan('performance'), tags: { device: 'STM32N6', free: ['paper-a'] } })
    const [a, b, c] = [p1, p2, p3].map((p) => store.create(p))
    const ids = (f: Array<{ key: string; value: string }>) => store.withTags(f).map((r) => r.id).sort()
    expect(ids([{ key: 'device', value: 'MAX78000' }])).toEqual([a.id, b.id].sort())
    expect(ids([{ key: 'tag', value: 'paper-a' }])).toEqual([a.id, c.id].sort())
    expect(ids([{ key: 'device', value: 'MAX78000' }, { key: 'implementation', value: 'SIMD' }])).toEqual([a.id])
    expect(store.get(a.id).tags).toMatchObject({ device: 'MAX78000', free: ['paper-a'] })
  })

  it('deletes a run with or without its recording, and never a recording another run uses', () => {
    const { db } = workspace()
    const store = RunsStore.open(db)
    const w = RecordingWriter.create(db, { name: 'shared', samplePeriodS: 1e-3, supplyV: 3 })
    w.finish()
    const a = store.create(defaultPlan('performance'))
    const b = store.create(defaultPlan('performance'))
    for (const r of [a, b]) {
      store.setRecording(r.id, { id: w.id, uuid: w.uuid })
      store.finish(r.id, { state: 'finished' })
    }
    expect(store.delete(a.id, { withRecording: true })).toEqual({ runId: a.id, recordingDeleted: null })
    expect(new RecordingStore(db).get(w.id).id).toBe(w.id)
    expect(store.delete(b.id, { withRecording: true })).toEqual({ runId: b.id, recordingDeleted: w.id })
    expect(() => new RecordingStore(db).get(w.id)).toThrow()
    expect(db.prepare('SELECT count(*) FROM run_segments').pluck().get()).toBe(0)
    expect(db.prepare('SELECT count(*) FROM run_tags').pluck().get()).toBe(0)
  })

  it('keeps the recording UUID of a run whose recording was deleted', () => {
    const { db } = workspace()
    const store = RunsStore.open(db)
    const w = RecordingWriter.create(db, { name: 'gone', samplePeriodS: 1e-3, supplyV: 3 })
    w.finish()
    const r = store.create(defaultPlan('performance'))
    store.setRecording(r.id, { id: w.id, uuid: w.uuid })
    store.finish(r.id, { state: 'finished' })
    new RecordingStore(db).delete(w.id)
    expect(store.get(r.id)).toMatchObject({ recordingId: null, recordingUuid: w.uuid })
  })

  it('marks a run left running by a process that is gone as interrupted, and leaves a live one alone', () => {
    const { db, path } = workspace()
    const store = RunsStore.open(db)
    const live = store.create(defaultPlan('performance'))
    const orphan = store.create(defaultPlan('performance'))
    // The orphan's writer is a process that has exited.
    const dead = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' })
    db.prepare('UPDATE runs SET writer_pid = ?, recording_id = NULL WHERE id = ?').run(Number(dead.stdout), orphan.id)
    liveRunIds.delete(orphan.id)
    const recovered = new RunsStore(workspace(path).db).recover()
    expect(recovered.map((r) => r.id)).toEqual([orphan.id])
    const r = RunsStore.open(workspace(path).db).get(orphan.id)
    expect(r.state).toBe('interrupted')
    expect(r.stateReason).toMatch(new RegExp(`pid ${dead.stdout} .* ended before the run finished`))
    expect(RunsStore.open(workspace(path).db).get(live.id).state).toBe('running')
  })
})
