import Database from 'better-sqlite3'
import { createHash } from 'node:crypto'
import { copyFileSync, existsSync, mkdtempSync, readFileSync, statSync, truncateSync, writeFileSync } from 'node:fs'
import { hostname, tmpdir } from 'node:os'
import { join } from 'node:path'
import { beforeAll, describe, expect, it } from 'vitest'
import { PublishedTableStore } from '../../src-main/results/published-tables'
import { RunFactsStore } from '../../src-main/results/run-facts'
import { defaultPerformancePlan } from '../../src-main/runs/plan-defaults'
import { parsePlan } from '../../src-main/runs/plan'
import { RunsStore } from '../../src-main/runs/runs-store'
import { MIGRATIONS } from '../../src-main/store/migrations'
import { openWorkspace, type Db } from '../../src-main/store/workspace'
import { mergeWorkspace, WorkspaceMergeError, type MergeSummary } from '../../src-main/workspace-merge/merge'
import { cli } from '../helpers/cli'
import { prng } from '../helpers/prng'

/**
 * Merging real workspace files made by real runs on the virtual bench: a lab workspace and a field
 * laptop's. What a merge must keep (every row it copies, byte for byte, under new local ids) is checked
 * against the field file itself; what it must not touch is checked by a digest of every row of the target.
 */

const dir = mkdtempSync(join(tmpdir(), 'jb-merge-'))
const LAB = join(dir, 'lab.db')
const FIELD = join(dir, 'field.db')
const CAL_ID = '7c0ffee0-0000-4000-8000-00000000ca11'
const TABLE_TEXT = 'Layer,MACs,Energy (mJ)\nconv,1000,2.5\nconv,2000,5.1\n'

/** A digest of every row of every table, in a fixed order: equal digests, equal workspaces. */
function digest(path: string): string {
  const db = new Database(path, { readonly: true })
  try {
    const h = createHash('sha256')
    const tables = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name").pluck().all() as string[]
    for (const t of tables) {
      h.update(`\0table ${t}\0`)
      const cols = (db.pragma(`table_info(${t})`) as Array<{ name: string }>).map((c) => c.name)
      for (const row of db.prepare(`SELECT * FROM ${t} ORDER BY ${cols.map((_, i) => i + 1).join(', ')}`).raw().iterate() as IterableIterator<unknown[]>) {
        h.update(JSON.stringify(row.map((v) => (v instanceof Uint8Array ? Buffer.from(v).toString('hex') : v))))
      }
    }
    return h.digest('hex')
  } finally {
    db.close()
  }
}

const fileHash = (path: string) => createHash('sha256').update(readFileSync(path)).digest('hex')

function shortPlan(name: string, macs: number, tags: Record<string, unknown>) {
  const base = defaultPerformancePlan()
  return parsePlan({
    ...base,
    name,
    dut: { ...base.dut, gapS: 0.01, clockSpeed: 2, noiseA: 0 },
    model: { name: `m${macs}`, macs, params: null },
    repetitions: { inferences: 3, warmup: 1, windows: 1 },
    segmentation: { kind: 'threshold', quantity: 'current', level: 4e-3, hysteresis: 0.5e-3, minDurationS: 0.002 },
    idle: { kind: 'before-first-window', durationS: 0.05 },
    tags: { free: [], ...tags }
  })
}

async function runInto(db: string, name: string, macs: number, tags: Record<string, unknown>): Promise<void> {
  const file = join(dir, `${name.replace(/\W+/g, '-')}.json`)
  writeFileSync(file, JSON.stringify(shortPlan(name, macs, tags)))
  const r = await cli(['run', file, '--db', db, '--json'])
  expect(r.code, r.stderr).toBe(0)
}

/** A fresh copy of a workspace file (and nothing else of its folder). */
function copyOf(path: string, name: string): string {
  const to = join(dir, name)
  copyFileSync(path, to)
  return to
}

async function mergeInto(targetPath: string, other: string, options: { dryRun?: boolean } = {}): Promise<MergeSummary> {
  const db = openWorkspace(targetPath)
  try {
    return await mergeWorkspace(db, other, options)
  } finally {
    db.close()
  }
}

function checkpoint(path: string): void {
  const db = new Database(path)
  db.pragma('wal_checkpoint(TRUNCATE)')
  db.close()
}

describe('merging workspaces', () => {
  beforeAll(async () => {
    await runInto(LAB, 'lab run', 1_000_000, { device: 'lab board' })
    await runInto(FIELD, 'field run A', 1_500_000, { device: 'field sensor', free: ['field'] })
    await runInto(FIELD, 'field run B', 2_500_000, { device: 'field sensor', free: ['field'] })
    // The field laptop's analyzer was calibrated there; its runs name the record.
    const db = openWorkspace(FIELD)
    db.prepare(
      `INSERT INTO calibration_records (id, instrument_family, instrument_serial, instrument_model, performed_at, due_at, verdict, document)
       VALUES (?, 'ppk2', 'VIRTUAL-PPK2', 'Nordic Power Profiler Kit II', '2026-01-01T00:00:00.000Z', '2027-01-01T00:00:00.000Z', 'pass', '{}')`
    ).run(CAL_ID)
    for (const r of db.prepare('SELECT id, instruments_json, recording_id FROM runs').all() as Array<{ id: number; instruments_json: string; recording_id: number }>) {
      const instruments = JSON.parse(r.instruments_json).map((i: { role: string; calibration: unknown }) => (i.role === 'analyzer' ? { ...i, calibration: { id: CAL_ID, snapshot: null } } : i))
      db.prepare('UPDATE runs SET instruments_json = ? WHERE id = ?').run(JSON.stringify(instruments), r.id)
      db.prepare('UPDATE recordings SET calibration_id = ? WHERE id = ?').run(CAL_ID, r.recording_id)
    }
    new PublishedTableStore(db).import('field-table.csv', TABLE_TEXT)
    const fieldRun = db.prepare("SELECT uuid FROM runs WHERE name = 'field run A'").pluck().get() as string
    new RunFactsStore(db).attachPath(fieldRun, process.execPath)
    db.close()
    for (const p of [LAB, FIELD]) checkpoint(p)
  })

  it('adds nothing when a workspace is merged into itself, by path or as a copy', async () => {
    const lab = copyOf(LAB, 'self.db')
    const before = digest(lab)
    const self = await mergeInto(lab, lab)
    expect(self.sameFile).toBe(true)
    expect(self.added).toEqual({ recordings: 0, runs: 0, calibrations: 0, publishedTables: 0, tableMappings: 0, runFacts: 0 })
    expect(self.skipped.runs).toBe(1)
    expect(self.skipped.recordings).toBe(1)
    const twin = copyOf(lab, 'self-twin.db')
    const copy = await mergeInto(lab, twin)
    expect(copy.sameFile).toBe(false)
    expect(copy.added.runs + copy.added.recordings).toBe(0)
    expect(digest(lab)).toBe(before)
  })

  it('adds exactly the field workspace’s runs, recordings, calibration, table and facts, each once', async () => {
    const lab = copyOf(LAB, 'lab-merge.db')
    const fieldBefore = fileHash(FIELD)
    const s = await mergeInto(lab, FIELD)
    expect(s.added).toEqual({ recordings: 2, runs: 2, calibrations: 1, publishedTables: 1, tableMappings: 0, runFacts: 1 })
    expect(s.skipped.runs).toBe(0)
    expect(s.runs.map((r) => r.name).sort()).toEqual(['field run A', 'field run B'])
    expect(fileHash(FIELD)).toBe(fieldBefore)

    const field = new Database(FIELD, { readonly: true })
    const target = new Database(lab, { readonly: true })
    try {
      expect(target.prepare('SELECT count(*) FROM runs').pluck().get()).toBe(3)
      for (const fr of field.prepare('SELECT * FROM runs').all() as Array<Record<string, any>>) {
        const tr = target.prepare('SELECT * FROM runs WHERE uuid = ?').get(fr.uuid) as Record<string, any>
        // Everything but the local ids is as it was in the field.
        for (const k of Object.keys(fr)) if (!['id', 'recording_id', 'writer_pid'].includes(k)) expect(tr[k], k).toEqual(fr[k])
        const rec = target.prepare('SELECT uuid FROM recordings WHERE id = ?').pluck().get(tr.recording_id)
        expect(rec).toBe(fr.recording_uuid)
        const segs = (db: Database.Database, id: number) => db.prepare('SELECT * FROM run_segments WHERE run_id = ? ORDER BY seq').raw().all(id).map((r) => (r as unknown[]).slice(1))
        expect(segs(target, tr.id)).toEqual(segs(field, fr.id))
        const tags = (db: Database.Database, id: number) => db.prepare('SELECT key, value FROM run_tags WHERE run_id = ? ORDER BY key, value').all(id)
        expect(tags(target, tr.id)).toEqual(tags(field, fr.id))
      }
      // Samples byte for byte: every chunk, summary page, gap and mark of each recording.
      for (const fr of field.prepare('SELECT id, uuid FROM recordings').all() as Array<{ id: number; uuid: string }>) {
        const tid = target.prepare('SELECT id FROM recordings WHERE uuid = ?').pluck().get(fr.uuid) as number
        for (const [table, order] of [
          ['recording_chunks', 'stream, start_index'],
          ['recording_summaries', 'channel, level, page'],
          ['recording_gaps', 'start_index'],
          ['recording_marks', 'sample_index, label'],
          ['recording_warnings', 'sample_index']
        ]) {
          const rows = (db: Database.Database, id: number) =>
            (db.prepare(`SELECT * FROM ${table} WHERE recording_id = ? ORDER BY ${order}`).all(id) as Array<Record<string, unknown>>).map(({ id: _id, recording_id: _r, ...rest }) => rest)
          const a = rows(field, fr.id)
          expect(rows(target, tid), table).toEqual(a)
          if (table === 'recording_chunks') expect(a.length).toBeGreaterThan(0)
        }
        expect(target.prepare('SELECT calibration_id FROM recordings WHERE id = ?').pluck().get(tid)).toBe(CAL_ID)
      }
      expect(target.prepare('SELECT count(*) FROM calibration_records WHERE id = ?').pluck().get(CAL_ID)).toBe(1)
      expect(target.prepare('SELECT text FROM published_tables').pluck().all()).toEqual([TABLE_TEXT])
      expect(target.prepare('SELECT file_name FROM run_facts').pluck().all()).toHaveLength(1)
      expect(target.prepare('SELECT count(*) FROM workspace_merges').pluck().get()).toBe(1)
    } finally {
      field.close()
      target.close()
    }

    // The second merge of the same file adds nothing and changes nothing.
    const after = digest(lab)
    const again = await mergeInto(lab, FIELD)
    expect(again.added).toEqual({ recordings: 0, runs: 0, calibrations: 0, publishedTables: 0, tableMappings: 0, runFacts: 0 })
    expect(again.skipped).toMatchObject({ recordings: 2, runs: 2, calibrations: 1, publishedTables: 1, runFacts: 1 })
    expect(digest(lab)).toBe(after)

    // The merged runs are in the Results like any other: reports name the field calibration.
    const report = await cli(['results', '--db', lab, '--json', '--filter', 'tag=field'])
    expect(report.json().runs.map((r: { calibration: string }) => r.calibration)).toEqual([CAL_ID, CAL_ID])
  })

  it('says what a dry run would add and changes nothing', async () => {
    const lab = copyOf(LAB, 'lab-dry.db')
    const before = digest(lab)
    const s = await mergeInto(lab, FIELD, { dryRun: true })
    expect(s.dryRun).toBe(true)
    expect(s.added).toMatchObject({ recordings: 2, runs: 2, calibrations: 1 })
    expect(digest(lab)).toBe(before)
  })

  it('refuses files that are not good Joulebench workspaces, naming the file, and changes nothing', async () => {
    const lab = copyOf(LAB, 'lab-refuse.db')
    const before = digest(lab)
    const text = join(dir, 'notes.txt')
    writeFileSync(text, 'time,current\n0,1\n')
    const empty = join(dir, 'empty.db')
    writeFileSync(empty, '')
    const foreign = join(dir, 'foreign.db')
    const f = new Database(foreign)
    f.exec("CREATE TABLE photos (id INTEGER PRIMARY KEY, name TEXT); INSERT INTO photos (name) VALUES ('cat.jpg')")
    f.close()
    const truncated = copyOf(FIELD, 'truncated.db')
    truncateSync(truncated, Math.floor(statSync(truncated).size / 2))
    const scrambled = copyOf(FIELD, 'scrambled.db')
    const bytes = readFileSync(scrambled)
    const rnd = prng(7)
    // Every page after the first few overwritten: b-tree pages no longer parse.
    for (let i = 4096 * 3; i < bytes.length; i++) bytes[i] = Math.floor(rnd() * 256)
    writeFileSync(scrambled, bytes)
    const newer = copyOf(FIELD, 'newer.db')
    const n = new Database(newer)
    n.prepare('INSERT INTO schema_migrations (name, applied_at) VALUES (?, ?)').run('runs/999-from-the-future', '2030-01-01T00:00:00Z')
    n.close()

    const cases: Array<[string, string, RegExp]> = [
      [join(dir, 'missing.db'), 'missing', /no such file/],
      [dir, 'missing', /is a folder/],
      [text, 'not-sqlite', /not a Joulebench workspace.*starts with "time,current\\n0,1"\./],
      [empty, 'not-sqlite', /is empty/],
      [foreign, 'foreign', /not a Joulebench workspace: it has no workspace_meta table \(its tables: photos\)/],
      [truncated, 'corrupt', /damaged/],
      [scrambled, 'corrupt', /damaged/],
      [newer, 'newer', /newer Joulebench.*runs\/999-from-the-future.*Update Joulebench/]
    ]
    for (const [path, reason, message] of cases) {
      let error: unknown = null
      try {
        await mergeInto(lab, path)
      } catch (e) {
        error = e
      }
      expect(error, path).toBeInstanceOf(WorkspaceMergeError)
      expect((error as WorkspaceMergeError).reason, path).toBe(reason)
      expect((error as Error).message).toMatch(message)
      expect((error as Error).message).toContain(path)
      expect((error as Error).message).toMatch(/Nothing was changed in this workspace/)
      expect(digest(lab), path).toBe(before)
    }
  })

  it('brings a file from an older Joulebench up to date in a copy, leaving the file as it was', async () => {
    const old = join(dir, 'old.db')
    const older = MIGRATIONS.filter((m) => m.name !== 'results/002-run-facts' && m.name !== 'merge/001-history')
    const db: Db = openWorkspace(old, older)
    const store = new RunsStore(db)
    const run = store.create(shortPlan('old run', 3_000_000, { device: 'old laptop' }))
    store.finish(run.id, { state: 'failed', reason: 'the test stops it here' })
    db.close()
    checkpoint(old)
    const before = fileHash(old)
    const lab = copyOf(LAB, 'lab-old.db')
    const s = await mergeInto(lab, old)
    expect(s.source.upgraded).toEqual(['results/002-run-facts', 'merge/001-history'])
    expect(s.added.runs).toBe(1)
    expect(s.runs[0].uuid).toBe(run.uuid)
    expect(fileHash(old)).toBe(before)
    // No temporary copy is left behind.
    expect((await import('node:fs')).readdirSync(dir).filter((f) => f.includes('.merge-'))).toEqual([])
  })

  it('closes recordings and runs a killed process left open, in the copy it merges', async () => {
    const crashed = copyOf(FIELD, 'crashed.db')
    const deadPid = 2 ** 22 + 4321
    expect(() => process.kill(deadPid, 0)).toThrow()
    const db = new Database(crashed)
    db.prepare("UPDATE recordings SET state = 'recording', writer_pid = ?, writer_host = ?, ended_at = NULL WHERE name LIKE '%field run A%'").run(deadPid, hostname())
    db.prepare("UPDATE runs SET state = 'running', writer_pid = ?, writer_host = ?, finished_at = NULL WHERE name = 'field run A'").run(deadPid, hostname())
    expect(db.prepare("SELECT count(*) FROM recordings WHERE state = 'recording'").pluck().get()).toBe(1)
    db.close()
    const before = fileHash(crashed)
    const lab = copyOf(LAB, 'lab-crashed.db')
    const s = await mergeInto(lab, crashed)
    expect(s.source.recovered).toEqual({ recordings: 1, runs: 1 })
    expect(s.added).toMatchObject({ recordings: 2, runs: 2 })
    expect(fileHash(crashed)).toBe(before)
    const t = new Database(lab, { readonly: true })
    expect(t.prepare("SELECT state FROM runs WHERE name = 'field run A'").pluck().get()).toBe('interrupted')
    expect(t.prepare("SELECT count(*) FROM recordings WHERE state = 'recovered'").pluck().get()).toBe(1)
    t.close()
  })

  it('never throws anything but a refusal on a mutated file, and a refusal leaves the target as it was', async () => {
    const rnd = prng(2026)
    const clean = readFileSync(FIELD)
    const lab = copyOf(LAB, 'lab-fuzz.db')
    let refused = 0
    let merged = 0
    for (let round = 0; round < 12; round++) {
      const bytes = Buffer.from(clean)
      const flips = 1 + Math.floor(rnd() * 40)
      for (let k = 0; k < flips; k++) bytes[100 + Math.floor(rnd() * (bytes.length - 100))] = Math.floor(rnd() * 256)
      const path = join(dir, `fuzz-${round}.db`)
      writeFileSync(path, bytes)
      const target = copyOf(lab, `fuzz-target-${round}.db`)
      const before = digest(target)
      try {
        await mergeInto(target, path)
        merged++
      } catch (e) {
        expect(e, `round ${round}: ${(e as Error).message}`).toBeInstanceOf(WorkspaceMergeError)
        expect(digest(target)).toBe(before)
        refused++
      }
    }
    expect(refused + merged).toBe(12)
  })

  it('merges from the command line, with a summary for people and one for scripts', async () => {
    const lab = copyOf(LAB, 'lab-cli.db')
    const dry = await cli(['merge', FIELD, '--db', lab, '--dry-run'])
    expect(dry.code).toBe(0)
    expect(dry.stdout).toMatch(/^Dry run: nothing was changed\./)
    expect(dry.stdout).toMatch(/Would add: 2 runs, 2 recordings, 1 calibration record, 1 published table, 1 model\/firmware description \([\d.]+ [kM]B of samples\)/)
    const r = await cli(['merge', FIELD, '--db', lab, '--json'])
    expect(r.code).toBe(0)
    expect(r.json().added.runs).toBe(2)
    const again = await cli(['merge', FIELD, '--db', lab])
    expect(again.stdout).toMatch(/Added: nothing/)
    expect(again.stdout).toMatch(/Already here: 2 runs, 2 recordings, 1 calibration record, 1 published table, 1 model\/firmware description/)
    const bad = await cli(['merge', join(dir, 'notes.txt'), '--db', lab])
    expect(bad.code).toBe(1)
    expect(bad.stderr).toMatch(/^joulebench: .*notes\.txt is not a Joulebench workspace/)
    expect(existsSync(lab)).toBe(true)
  })
})
