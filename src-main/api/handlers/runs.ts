import type { HandlerMap, JoulebenchCore } from '../core'
import type { RunTrace } from '../methods/runs'
import { validatePlan } from '../../runs/plan'
import { defaultPlan } from '../../runs/plan-defaults'
import { analyzeRun } from '../../runs/run-analysis'
import { RecordingStore } from '../../store/recording-store'

function trace(core: JoulebenchCore, id: number | string, fromS: number, toS: number, widthPx: number): RunTrace {
  const run = core.runs.store.get(id)
  if (run.recordingId === null) {
    throw new Error(`Run ${run.id} has no recording${run.recordingUuid ? ` (recording ${run.recordingUuid} was deleted)` : ' (it ran without an analyzer)'}.`)
  }
  const store = core.recordings ?? new RecordingStore(core.db)
  const info = store.get(run.recordingId)
  const durationS = store.durationS(info)
  const current = store.view(info.id, fromS, toS, widthPx, 'current')
  const out: RunTrace = { runId: run.id, recordingId: info.id, fromS, toS, durationS, tS: current.tS, min: current.min, max: current.max, mean: current.mean }
  if (info.channels.digital && current.tS.length > 0) {
    // Same window and width, so the same columns: AND and OR of the lines per column.
    const d = store.view(info.id, fromS, toS, widthPx, 'digital')
    out.digitalAll = Uint8Array.from(d.min, (v) => (Number.isFinite(v) ? v : 0))
    out.digitalAny = Uint8Array.from(d.max, (v) => (Number.isFinite(v) ? v : 0))
  }
  return out
}

export const runHandlers: Pick<
  HandlerMap,
  'runs.list' | 'runs.get' | 'runs.start' | 'runs.cancel' | 'runs.delete' | 'runs.trace' | 'plans.validate' | 'plans.default' | 'analysis.analyze'
> = {
  'runs.list': (core) => {
    const m = core.runs
    return { runs: m.store.list(), activeRunId: m.current?.id ?? null }
  },
  'runs.get': (core, p) => core.runs.store.detail(p.id, { stageLogLines: false }),
  'runs.start': (core, p) => {
    const run = core.runs.start(p.plan)
    return { runId: run.id, uuid: run.uuid }
  },
  'runs.cancel': (core, p) => ({ cancelled: core.runs.cancel(p.id) }),
  'runs.delete': (core, p) => {
    const r = core.runs.store.delete(p.id, { withRecording: p.withRecording })
    return { deleted: r.runId, recordingDeleted: r.recordingDeleted }
  },
  'runs.trace': (core, p) => trace(core, p.id, p.fromS, p.toS, p.widthPx),
  'plans.validate': (_core, p) => validatePlan(p.plan),
  'plans.default': (_core, p) => defaultPlan(p.kind, { analyzerId: p.analyzerId }),
  'analysis.analyze': (core, p) => {
    const store = core.recordings ?? new RecordingStore(core.db)
    const info = store.get(p.recordingId)
    const analysis = analyzeRun(store.reader(info.id), {
      segmentation: p.segmentation,
      supplyV: p.supplyV ?? null,
      idle: p.idle ?? null,
      subtractIdle: p.subtractIdle,
      warmup: p.warmup,
      confidence: p.confidence,
      inferenceCount: p.inferenceCount,
      timestampWindows: p.timestampWindows
    })
    return { ...analysis, recordingId: info.id }
  }
}
