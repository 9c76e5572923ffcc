import { randomUUID } from 'node:crypto'
import { hostname } from 'node:os'
import type { DroppedRun } from '../analysis/segments'
import type { InstrumentIdentity } from '../instruments/identity'
import { RecordingStore } from '../store/recording-store'
import type { Db } from '../store/workspace'
import { writerIsGone } from '../store/writer-liveness'
import { VERSION } from '../version'
import type { BenchmarkPlan, PlanTags } from './plan'
import type { RunAnalysis, RunSegment, RunSummary } from './run-analysis'
import type { StageLogLine } from './stage-log-tap'

export type RunState = 'running' | 'finished' | 'failed' | 'cancelled' | 'interrupted'
export type RunMode = BenchmarkPlan['mode']

/** One instrument a run used, as it described itself, with the settings and calibration in force. */
export interface RunInstrument {
  role: 'analyzer' | 'dut' | 'interface-board' | 'probe'
  identity: InstrumentIdentity
  settings: unknown
  calibration: { id: string | null; snapshot: unknown } | null
}

/** A run as listed: everything but its plan and segments. */
export interface RunInfo {
  id: number
  /** Stable across workspaces: merging matches runs by it. */
  uuid: string
  name: string
  mode: RunMode
  state: RunState
  stateReason: string | null
  model: { name: string; macs: number | null; params: number | null }
  recordingId: number | null
  recordingUuid: string | null
  instruments: RunInstrument[]
  tags: PlanTags
  summary: RunSummary | null
  notes: string[]
  softwareVersion: string
  startedAt: string
  finishedAt: string | null
}

/** The stage-log lines a run collected, as they arrived (null for runs without a stage log). */
export interface RunStageLogRecord {
  /** Where they came from, in words ("max78000 stage log on the DUT's UART (/dev/ttyACM0)"). */
  source: string
  lines: StageLogLine[]
  /** Lines that arrived past the limit and were not kept. */
  overflow: number
  /** How many lines were kept (`lines` may be left out of a detail, see RunsStore.detail). */
  lineCount?: number
}

export interface RunDetail extends RunInfo {
  plan: BenchmarkPlan
  segments: RunSegment[]
  dropped: DroppedRun[]
  /** Absent in details made before stage logs existed. */
  stageLog?: RunStageLogRecord | null
}

interface RunRow {
  id: number
  uuid: string
  name: string
  mode: RunMode
  state: RunState
  state_reason: string | null
  plan_json: string
  model_name: string
  model_macs: number | null
  model_params: number | null
  recording_id: number | null
  recording_uuid: string | null
  instruments_json: string
  summary_json: string | null
  notes_json: string
  dropped_json: string
  software_version: string
  started_at: string
  finished_at: string | null
  updated_at: string
  writer_pid: number | null
  writer_host: string | null
  stage_log_json: string | null
}

export class RunNotFoundError extends Error {
  constructor(ref: string | number) {
    super(`No run "${ref}" in this workspace: give its number or UUID (or the start of the UUID, 4 characters or more) as listed by \`joulebench run --list\` or the Runs screen.`)
    this.name = 'RunNotFoundError'
  }
}

/** Runs being carried out by this process: recovery leaves them alone. */
export const liveRunIds = new Set<number>()

const SEGMENT_COLUMNS: Array<[keyof RunSegment, string]> = [
  ['kind', 'kind'],
  ['label', 'label'],
  ['inference', 'inference_index'],
  ['window', 'window_index'],
  ['role', 'role'],
  ['startIndex', 'start_index'],
  ['endIndex', 'end_index'],
  ['startS', 'start_s'],
  ['endS', 'end_s'],
  ['durationS', 'duration_s'],
  ['chargeC', 'charge_c'],
  ['energyJ', 'energy_j'],
  ['netEnergyJ', 'net_energy_j'],
  ['averageCurrentA', 'average_current_a'],
  ['averagePowerW', 'average_power_w'],
  ['peakCurrentA', 'peak_current_a'],
  ['peakPowerW', 'peak_power_w'],
  ['missingSamples', 'missing_samples'],
  ['inferenceCount', 'inference_count'],
  ['energyPerInferenceJ', 'energy_per_inference_j'],
  ['latencyPerInferenceS', 'latency_per_inference_s'],
  ['dutLatencyPerInferenceS', 'dut_latency_per_inference_s']
]

/** Tag keys of a plan as stored in run_tags; free tags go under "tag". */
export function tagRows(tags: PlanTags): Array<{ key: string; value: string }> {
  const rows: Array<{ key: string; value: string }> = []
  for (const [key, value] of Object.entries(tags)) {
    if (key === 'free') for (const t of value as string[]) rows.push({ key: 'tag', value: t })
    else if (value !== undefined && value !== '') rows.push({ key, value: String(value) })
  }
  return rows
}

/**
 * The runs of a workspace: created when a run starts (state running), given its recording and
 * instruments as they open, and finished with its segments and summary in one transaction.
 */
export class RunsStore {
  constructor(readonly db: Db) {}

  /** Opens the store and marks runs that a killed process left running as interrupted. */
  static open(db: Db): RunsStore {
    const store = new RunsStore(db)
    store.recover()
    return store
  }

  create(plan: BenchmarkPlan, options: { startedAt?: Date } = {}): RunInfo {
    const now = (options.startedAt ?? new Date()).toISOString()
    const r = this.db
      .prepare(
        `INSERT INTO runs (uuid, name, mode, state, plan_json, model_name, model_macs, model_params, software_version, started_at, updated_at, writer_pid, writer_host)
         VALUES (@uuid, @name, @mode, 'running', @plan, @modelName, @macs, @params, @version, @now, @now, @pid, @host)`
      )
      .run({
        uuid: randomUUID(),
        name: plan.name,
        mode: plan.mode,
        plan: JSON.stringify(plan),
        modelName: plan.model.name,
        macs: plan.model.macs,
        params: plan.model.params,
        version: VERSION,
        now,
        pid: process.pid,
        host: hostname()
      })
    const id = Number(r.lastInsertRowid)
    const insertTag = this.db.prepare('INSERT OR IGNORE INTO run_tags (run_id, key, value) VALUES (?, ?, ?)')
    for (const t of tagRows(plan.tags)) insertTag.run(id, t.key, t.value)
    liveRunIds.add(id)
    return this.get(id)
  }

  setRecording(id: number, recording: { id: number; uuid: string }): void {
    this.db.prepare('UPDATE runs SET recording_id = ?, recording_uuid = ?, updated_at = ? WHERE id = ?').run(recording.id, recording.uuid, new Date().toISOString(), id)
  }

  setInstruments(id: number, instruments: RunInstrument[]): void {
    this.db.prepare('UPDATE runs SET instruments_json = ?, updated_at = ? WHERE id = ?').run(JSON.stringify(instruments), new Date().toISOString(), id)
  }

  /** Close a run: its state, why, and (when the analysis got that far) its segments and summary. */
  finish(
    id: number,
    outcome: { state: Exclude<RunState, 'running'>; reason?: string | null; analysis?: RunAnalysis | null; notes?: string[]; stageLog?: RunStageLogRecord | null }
  ): RunInfo {
    const at = new Date().toISOString()
    const a = outcome.analysis ?? null
    const insert = this.db.prepare(
      `INSERT INTO run_segments (run_id, seq, ${SEGMENT_COLUMNS.map(([, c]) => c).join(', ')}) VALUES (?, ?, ${SEGMENT_COLUMNS.map(() => '?').join(', ')})`
    )
    this.db.transaction(() => {
      this.db.prepare('DELETE FROM run_segments WHERE run_id = ?').run(id)
      a?.segments.forEach((s, seq) => insert.run(id, seq, ...SEGMENT_COLUMNS.map(([k]) => s[k] as string | number | null)))
      this.db
        .prepare(
          `UPDATE runs SET state = @state, state_reason = @reason, summary_json = @summary, notes_json = @notes, dropped_json = @dropped,
             stage_log_json = @stageLog, finished_at = @at, updated_at = @at, writer_pid = NULL WHERE id = @id`
        )
        .run({
          id,
          at,
          state: outcome.state,
          reason: outcome.reason ?? null,
          summary: a ? JSON.stringify(a.summary) : null,
          notes: JSON.stringify([...(a?.notes ?? []), ...(outcome.notes ?? [])]),
          dropped: JSON.stringify(a?.dropped ?? []),
          stageLog: outcome.stageLog ? JSON.stringify(outcome.stageLog) : null
        })
    })()
    liveRunIds.delete(id)
    return this.get(id)
  }

  list(): RunInfo[] {
    return (this.db.prepare('SELECT * FROM runs ORDER BY started_at DESC, id DESC').all() as RunRow[]).map((r) => this.info(r))
  }

  /** By number, UUID, or a unique UUID prefix of at least 4 characters. */
  get(ref: string | number): RunInfo {
    return this.info(this.row(ref))
  }

  /** The whole run; `stageLogLines: false` leaves the stage-log lines out (the screen needs only their count). */
  detail(ref: string | number, options: { stageLogLines?: boolean } = {}): RunDetail {
    const row = this.row(ref)
    const stageLog: RunStageLogRecord | null = row.stage_log_json ? JSON.parse(row.stage_log_json) : null
    if (stageLog) {
      stageLog.lineCount = stageLog.lines.length
      if (options.stageLogLines === false) stageLog.lines = []
    }
    return {
      ...this.info(row),
      plan: JSON.parse(row.plan_json),
      segments: this.segments(row.id),
      dropped: JSON.parse(row.dropped_json),
      stageLog
    }
  }

  segments(id: number, kinds?: RunSegment['kind'][]): RunSegment[] {
    const where = kinds?.length ? ` AND kind IN (${kinds.map(() => '?').join(', ')})` : ''
    const rows = this.db.prepare(`SELECT * FROM run_segments WHERE run_id = ?${where} ORDER BY seq`).all(id, ...(kinds ?? [])) as Array<Record<string, unknown>>
    return rows.map((r) => Object.fromEntries(SEGMENT_COLUMNS.map(([k, c]) => [k, r[c]])) as unknown as RunSegment)
  }

  /** Runs whose tags include every pair given (the Results screen's filter). */
  withTags(filter: Array<{ key: string; value: string }>): RunInfo[] {
    if (filter.length === 0) return this.list()
    const clauses = filter.map(() => 'EXISTS (SELECT 1 FROM run_tags t WHERE t.run_id = runs.id AND t.key = ? AND t.value = ?)').join(' AND ')
    const args = filter.flatMap((f) => [f.key, f.value])
    return (this.db.prepare(`SELECT * FROM runs WHERE ${clauses} ORDER BY started_at DESC, id DESC`).all(...args) as RunRow[]).map((r) => this.info(r))
  }

  /** Delete a run (its segments and tags go with it); its recording too when asked and no other run uses it. */
  delete(ref: string | number, options: { withRecording?: boolean } = {}): { runId: number; recordingDeleted: number | null } {
    const row = this.row(ref)
    if (row.state === 'running' && (liveRunIds.has(row.id) || !writerIsGone(row))) {
      throw new Error(`Run ${row.id} is still running${liveRunIds.has(row.id) ? '' : ` in another Joulebench process (pid ${row.writer_pid})`}: cancel it first.`)
    }
    let recordingDeleted: number | null = null
    this.db.transaction(() => {
      this.db.prepare('DELETE FROM runs WHERE id = ?').run(row.id)
      if (options.withRecording && row.recording_id !== null) {
        const others = this.db.prepare('SELECT count(*) FROM runs WHERE recording_id = ?').pluck().get(row.recording_id) as number
        if (others === 0) {
          new RecordingStore(this.db).delete(row.recording_id)
          recordingDeleted = row.recording_id
        }
      }
    })()
    return { runId: row.id, recordingDeleted }
  }

  /** Runs left 'running' by a process that is gone become 'interrupted'; their recordings are kept. */
  recover(): RunInfo[] {
    const rows = this.db.prepare("SELECT * FROM runs WHERE state = 'running'").all() as RunRow[]
    const out: RunInfo[] = []
    for (const row of rows) {
      if (liveRunIds.has(row.id) || !writerIsGone(row)) continue
      const at = new Date().toISOString()
      this.db
        .prepare("UPDATE runs SET state = 'interrupted', state_reason = ?, finished_at = ?, updated_at = ?, writer_pid = NULL WHERE id = ?")
        .run(
          `The process running it (pid ${row.writer_pid ?? '?'} on ${row.writer_host ?? '?'}) ended before the run finished.${row.recording_id !== null ? ` Its recording ${row.recording_id} is kept; analyze it with joulebench analyze ${row.recording_id}.` : ''}`,
          at,
          at,
          row.id
        )
      out.push(this.get(row.id))
    }
    return out
  }

  private row(ref: string | number): RunRow {
    let row: RunRow | undefined
    const text = String(ref).trim()
    if (typeof ref === 'number' || /^\d+$/.test(text)) row = this.db.prepare('SELECT * FROM runs WHERE id = ?').get(Number(text)) as RunRow | undefined
    if (!row && /^[0-9a-f-]{4,36}$/i.test(text)) {
      const rows = this.db.prepare('SELECT * FROM runs WHERE uuid LIKE ? LIMIT 2').all(`${text.toLowerCase()}%`) as RunRow[]
      if (rows.length === 1) row = rows[0]
      else if (rows.length > 1) throw new Error(`More than one run's UUID starts with "${text}": give more of it.`)
    }
    if (!row) throw new RunNotFoundError(ref)
    return row
  }

  private info(r: RunRow): RunInfo {
    const plan = JSON.parse(r.plan_json) as BenchmarkPlan
    return {
      id: r.id,
      uuid: r.uuid,
      name: r.name,
      mode: r.mode,
      state: r.state,
      stateReason: r.state_reason,
      model: { name: r.model_name, macs: r.model_macs, params: r.model_params },
      recordingId: r.recording_id,
      recordingUuid: r.recording_uuid,
      instruments: JSON.parse(r.instruments_json),
      tags: plan.tags,
      summary: r.summary_json === null ? null : JSON.parse(r.summary_json),
      notes: JSON.parse(r.notes_json),
      softwareVersion: r.software_version,
      startedAt: r.started_at,
      finishedAt: r.finished_at
    }
  }
}
