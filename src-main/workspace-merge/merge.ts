import Database from 'better-sqlite3'
import { realpathSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { basename, dirname, join, resolve } from 'node:path'
import { RunsStore } from '../runs/runs-store'
import { RecordingStore } from '../store/recording-store'
import { openWorkspace, type Db } from '../store/workspace'
import { openForMerge, WorkspaceMergeError, type WorkspaceFileFacts } from './inspect'

export { WorkspaceMergeError, type MergeRefusal } from './inspect'

/**
 * Merge another Joulebench workspace (a field laptop's) into this one. Everything is matched by what
 * stays the same across workspaces — recordings and runs by UUID, calibration records by their id,
 * published tables by the SHA-256 of their text, column mappings by table shape, run facts by run UUID
 * and role — so a second merge of the same file adds nothing, and merging a workspace into itself
 * adds nothing. Local integer ids are given anew and every reference between rows is remapped.
 *
 * The other file is only ever read. When it is older than this Joulebench, or holds recordings and
 * runs that a killed process left open, it is copied (SQLite's backup) beside the target, brought up to
 * date and recovered in that copy, and the copy is merged and deleted. The copy into the target is one
 * transaction: a failure half-way leaves the target as it was.
 */

export interface MergeCounts {
  recordings: number
  runs: number
  calibrations: number
  publishedTables: number
  tableMappings: number
  runFacts: number
}

export interface MergeSummary {
  source: {
    path: string
    workspaceId: string
    createdAt: string | null
    /** Schema changes applied to a copy of the file before merging (it was made by an older Joulebench). */
    upgraded: string[]
    /** Recordings and runs a killed process had left open, closed in the copy before merging. */
    recovered: { recordings: number; runs: number }
  }
  dryRun: boolean
  /** True when the other file is this workspace's own file. */
  sameFile: boolean
  added: MergeCounts
  /** Already in this workspace (same UUID, id, hash or shape). */
  skipped: MergeCounts
  /** Left out because they were still being written when the file was copied. */
  unfinished: { recordings: number; runs: number }
  /** Runs of this workspace whose recording was missing here and came with the merge. */
  relinkedRuns: number
  /** Runs in both workspaces whose copies differ (e.g. analysed again on one side): this workspace's were kept. */
  differingRuns: string[]
  /** Bytes of sample chunks and summaries copied. */
  sampleBytes: number
  runs: Array<{ id: number; uuid: string; name: string; recordingUuid: string | null }>
  recordings: Array<{ id: number; uuid: string; name: string }>
  notes: string[]
}

export interface MergeOptions {
  /** Work out what would be added, then roll back. */
  dryRun?: boolean
  /** Folder for the temporary copy of an older file (default: beside the target). */
  tempDir?: string
}

type Row = Record<string, unknown>

/** Tables merged, in dependency order, with what identifies a row across workspaces. */
const CHILD_TABLES_OF_RECORDINGS = ['recording_chunks', 'recording_summaries', 'recording_gaps', 'recording_marks', 'recording_warnings'] as const
const CHILD_TABLES_OF_RUNS = ['run_tags', 'run_segments'] as const
const MERGED_TABLES = ['recordings', ...CHILD_TABLES_OF_RECORDINGS, 'runs', ...CHILD_TABLES_OF_RUNS, 'calibration_records', 'published_tables', 'table_column_mappings', 'run_facts'] as const
/** Tables whose integer id is local and given anew. */
const LOCAL_ID = new Set(['recordings', 'recording_marks', 'recording_warnings', 'runs', 'published_tables'])

const zero = (): MergeCounts => ({ recordings: 0, runs: 0, calibrations: 0, publishedTables: 0, tableMappings: 0, runFacts: 0 })

function columnsOf(db: Database.Database, table: string): string[] {
  return (db.pragma(`table_info(${table})`) as Array<{ name: string }>).map((c) => c.name)
}

class Rollback extends Error {}

function sameFile(a: string, b: string): boolean {
  try {
    return realpathSync(a) === realpathSync(b)
  } catch {
    return resolve(a) === resolve(b)
  }
}

function removeDbFiles(path: string): void {
  for (const suffix of ['', '-wal', '-shm', '-journal']) rmSync(path + suffix, { force: true })
}

/** A copy of the other file, brought up to date and with left-open recordings and runs closed. */
async function preparedCopy(src: Database.Database, facts: WorkspaceFileFacts, dir: string): Promise<{ path: string; recovered: { recordings: number; runs: number } }> {
  const path = join(dir, `.${basename(facts.path)}.merge-${process.pid}-${Date.now()}.db`)
  try {
    await src.backup(path)
    const copy = openWorkspace(path)
    try {
      const recordings = RecordingStore.open(copy).recovered.length
      const runs = new RunsStore(copy).recover().length
      return { path, recovered: { recordings, runs } }
    } finally {
      copy.close()
    }
  } catch (e) {
    removeDbFiles(path)
    if (e instanceof WorkspaceMergeError) throw e
    throw new WorkspaceMergeError(
      `${facts.path} could not be brought up to date for merging (in a temporary copy in ${dir}): ${(e as Error).message}. Check there is free space there, or update the file by opening it once with this Joulebench (joulebench recordings --db ${facts.path}). Nothing was changed in this workspace.`,
      'schema',
      facts.path
    )
  }
}

export async function mergeWorkspace(target: Db, otherPath: string, options: MergeOptions = {}): Promise<MergeSummary> {
  const targetPath = target.name && target.name !== ':memory:' ? target.name : null
  const opened = openForMerge(otherPath)
  let src = opened.db
  const facts = opened.facts
  let copyPath: string | null = null
  let recovered = { recordings: 0, runs: 0 }
  const isSelf = targetPath !== null && sameFile(targetPath, otherPath)
  try {
    if (!isSelf && (facts.missingMigrations.length > 0 || facts.unfinished.recordings > 0 || facts.unfinished.runs > 0)) {
      const dir = options.tempDir ?? (targetPath ? dirname(targetPath) : tmpdir())
      const prepared = await preparedCopy(src, facts, dir)
      src.close()
      copyPath = prepared.path
      recovered = prepared.recovered
      src = new Database(copyPath, { readonly: true, fileMustExist: true })
    }
    for (const table of MERGED_TABLES) {
      const mine = columnsOf(target, table)
      const theirs = columnsOf(src, table)
      if (mine.length === 0) throw new Error(`this workspace has no ${table} table`)
      if (mine.length !== theirs.length || mine.some((c) => !theirs.includes(c))) {
        throw new WorkspaceMergeError(
          `${otherPath} has the tables of a Joulebench workspace, but its ${table} table has other columns (${theirs.join(', ') || 'none'}) than this version expects (${mine.join(', ')}): it was edited by hand or by another program. Nothing was changed in this workspace.`,
          'schema',
          otherPath
        )
      }
    }
    let summary: MergeSummary
    try {
      summary = copyInto(target, src, options.dryRun === true)
    } catch (e) {
      if (e instanceof WorkspaceMergeError) throw e
      // Damage SQLite's quick check does not see (an index, a row's contents) shows only while copying.
      throw new WorkspaceMergeError(
        `Merging ${otherPath} stopped while copying: ${(e as Error).message}. Nothing was changed in this workspace (the copy is one transaction). If ${basename(otherPath)} is damaged, merge a good copy of it; if this disk is full, free some space and merge again.`,
        'copy-failed',
        otherPath
      )
    }
    summary.source = { path: otherPath, workspaceId: facts.workspaceId, createdAt: facts.createdAt, upgraded: copyPath ? facts.missingMigrations : [], recovered }
    summary.sameFile = isSelf
    if (isSelf) summary.notes.unshift(`${otherPath} is this workspace's own file: everything in it is here already.`)
    if (recovered.recordings || recovered.runs) {
      summary.notes.push(`${recovered.recordings} recording(s) and ${recovered.runs} run(s) a killed process had left open in ${basename(otherPath)} were closed (as recovered / interrupted) in the copy that was merged; the file itself is unchanged.`)
    }
    if (summary.unfinished.recordings || summary.unfinished.runs) {
      summary.notes.push(`${summary.unfinished.recordings} recording(s) and ${summary.unfinished.runs} run(s) are still being written by a Joulebench that is running on that file: they were left out. Merge again once they have finished.`)
    }
    if (!options.dryRun && total(summary.added) > 0) {
      target
        .prepare('INSERT INTO workspace_merges (source_workspace_id, source_path, merged_at, summary_json) VALUES (?, ?, ?, ?)')
        .run(facts.workspaceId, resolve(otherPath), new Date().toISOString(), JSON.stringify({ added: summary.added, skipped: summary.skipped, runs: summary.runs.map((r) => r.uuid), recordings: summary.recordings.map((r) => r.uuid) }))
    }
    return summary
  } finally {
    src.close()
    if (copyPath) removeDbFiles(copyPath)
  }
}

export function total(c: MergeCounts): number {
  return c.recordings + c.runs + c.calibrations + c.publishedTables + c.tableMappings + c.runFacts
}

function copyInto(target: Db, src: Database.Database, dryRun: boolean): MergeSummary {
  const summary: MergeSummary = {
    source: { path: '', workspaceId: '', createdAt: null, upgraded: [], recovered: { recordings: 0, runs: 0 } },
    dryRun,
    sameFile: false,
    added: zero(),
    skipped: zero(),
    unfinished: { recordings: 0, runs: 0 },
    relinkedRuns: 0,
    differingRuns: [],
    sampleBytes: 0,
    runs: [],
    recordings: [],
    notes: []
  }
  const cols = new Map(MERGED_TABLES.map((t) => [t, columnsOf(target, t).filter((c) => !(LOCAL_ID.has(t) && c === 'id'))]))
  const inserts = new Map(
    MERGED_TABLES.map((t) => {
      const c = cols.get(t)!
      return [t, target.prepare(`INSERT INTO ${t} (${c.join(', ')}) VALUES (${c.map((k) => `@${k}`).join(', ')})`)]
    })
  )
  const insert = (table: (typeof MERGED_TABLES)[number], row: Row): number => {
    const values: Row = {}
    for (const c of cols.get(table)!) values[c] = row[c]
    return Number(inserts.get(table)!.run(values).lastInsertRowid)
  }

  const work = () => {
    // Recordings, with every chunk, summary page, gap, mark and warning.
    const haveRecordings = new Set(target.prepare('SELECT uuid FROM recordings').pluck().all() as string[])
    const recordingIds = new Map<number, number>()
    for (const r of src.prepare('SELECT id, uuid, name, state FROM recordings ORDER BY id').all() as Array<{ id: number; uuid: string; name: string; state: string }>) {
      if (haveRecordings.has(r.uuid)) {
        summary.skipped.recordings++
        continue
      }
      if (r.state === 'recording') {
        summary.unfinished.recordings++
        continue
      }
      const row = src.prepare('SELECT * FROM recordings WHERE id = ?').get(r.id) as Row
      const id = insert('recordings', row)
      recordingIds.set(r.id, id)
      haveRecordings.add(r.uuid)
      summary.added.recordings++
      summary.recordings.push({ id, uuid: r.uuid, name: r.name })
      for (const table of CHILD_TABLES_OF_RECORDINGS) {
        for (const child of src.prepare(`SELECT * FROM ${table} WHERE recording_id = ?`).iterate(r.id) as IterableIterator<Row>) {
          if (child.data instanceof Uint8Array) summary.sampleBytes += child.data.byteLength
          insert(table, { ...child, recording_id: id })
        }
      }
    }
    // Runs of this workspace that had lost their recording get it back when it arrives.
    const addedUuids = summary.recordings.map((r) => r.uuid)
    if (addedUuids.length) {
      const relink = target.prepare('UPDATE runs SET recording_id = (SELECT id FROM recordings WHERE uuid = runs.recording_uuid) WHERE recording_id IS NULL AND recording_uuid = ?')
      for (const uuid of addedUuids) summary.relinkedRuns += relink.run(uuid).changes
    }

    // Runs, with their tags and segments, pointed at their recordings by UUID.
    const haveRuns = new Map((target.prepare('SELECT uuid, updated_at FROM runs').all() as Array<{ uuid: string; updated_at: string }>).map((r) => [r.uuid, r.updated_at]))
    const recordingByUuid = target.prepare('SELECT id FROM recordings WHERE uuid = ?').pluck()
    const keptRunUuids = new Set<string>()
    for (const r of src.prepare('SELECT id, uuid, name, state, updated_at, recording_uuid FROM runs ORDER BY id').all() as Array<{ id: number; uuid: string; name: string; state: string; updated_at: string; recording_uuid: string | null }>) {
      if (haveRuns.has(r.uuid)) {
        summary.skipped.runs++
        keptRunUuids.add(r.uuid)
        if (haveRuns.get(r.uuid) !== r.updated_at) summary.differingRuns.push(r.uuid)
        continue
      }
      if (r.state === 'running') {
        summary.unfinished.runs++
        continue
      }
      const row = src.prepare('SELECT * FROM runs WHERE id = ?').get(r.id) as Row
      const recordingId = r.recording_uuid ? ((recordingByUuid.get(r.recording_uuid) as number | undefined) ?? null) : null
      // The writer's pid means nothing on this machine; a finished run has none anyway.
      const id = insert('runs', { ...row, recording_id: recordingId, writer_pid: null })
      keptRunUuids.add(r.uuid)
      summary.added.runs++
      summary.runs.push({ id, uuid: r.uuid, name: r.name, recordingUuid: r.recording_uuid })
      for (const table of CHILD_TABLES_OF_RUNS) {
        for (const child of src.prepare(`SELECT * FROM ${table} WHERE run_id = ?`).iterate(r.id) as IterableIterator<Row>) insert(table, { ...child, run_id: id })
      }
    }
    if (summary.differingRuns.length) {
      summary.notes.push(`${summary.differingRuns.length} run(s) are in both workspaces but were changed on one side since (analysed again, or finished): this workspace's copies were kept.`)
    }

    // Calibration records the other workspace's recordings and runs were measured under.
    const referenced = new Set<string>()
    for (const id of src.prepare("SELECT calibration_id FROM recordings WHERE calibration_id IS NOT NULL AND state != 'recording'").pluck().all() as string[]) referenced.add(id)
    for (const json of src.prepare("SELECT instruments_json FROM runs WHERE state != 'running'").pluck().all() as string[]) {
      try {
        for (const inst of JSON.parse(json) as Array<{ calibration?: { id?: unknown } | null }>) if (typeof inst.calibration?.id === 'string') referenced.add(inst.calibration.id)
      } catch {
        // A damaged instruments list names no calibration; the run itself was still merged.
      }
    }
    const haveCal = target.prepare('SELECT 1 FROM calibration_records WHERE id = ?').pluck()
    const srcCal = src.prepare('SELECT * FROM calibration_records WHERE id = ?')
    let missingCal = 0
    for (const id of referenced) {
      if (haveCal.get(id)) {
        summary.skipped.calibrations++
        continue
      }
      const row = srcCal.get(id) as Row | undefined
      if (!row) {
        missingCal++
        continue
      }
      insert('calibration_records', row)
      summary.added.calibrations++
    }
    if (missingCal) summary.notes.push(`${missingCal} calibration record(s) named by the other workspace's recordings or runs are not in it (deleted there); their ids stay on the runs.`)

    // Published tables by content, column mappings by table shape (this workspace's mapping wins).
    const haveTables = new Set(target.prepare('SELECT text_sha256 FROM published_tables').pluck().all() as string[])
    for (const row of src.prepare('SELECT * FROM published_tables ORDER BY id').iterate() as IterableIterator<Row>) {
      if (haveTables.has(row.text_sha256 as string)) {
        summary.skipped.publishedTables++
        continue
      }
      insert('published_tables', row)
      haveTables.add(row.text_sha256 as string)
      summary.added.publishedTables++
    }
    const haveShapes = new Set(target.prepare('SELECT shape_key FROM table_column_mappings').pluck().all() as string[])
    for (const row of src.prepare('SELECT * FROM table_column_mappings').iterate() as IterableIterator<Row>) {
      if (haveShapes.has(row.shape_key as string)) summary.skipped.tableMappings++
      else {
        insert('table_column_mappings', row)
        summary.added.tableMappings++
      }
    }

    // Model and firmware facts of the runs now here.
    const haveFacts = target.prepare('SELECT 1 FROM run_facts WHERE run_uuid = ? AND role = ?').pluck()
    for (const row of src.prepare('SELECT * FROM run_facts').iterate() as IterableIterator<Row>) {
      if (!keptRunUuids.has(row.run_uuid as string)) continue
      if (haveFacts.get(row.run_uuid, row.role)) summary.skipped.runFacts++
      else {
        insert('run_facts', row)
        summary.added.runFacts++
      }
    }
    if (dryRun) throw new Rollback()
  }
  try {
    target.transaction(work)()
  } catch (e) {
    if (!(e instanceof Rollback)) throw e
  }
  return summary
}

