import { createHash } from 'node:crypto'
import { readFileSync, statSync } from 'node:fs'
import { basename } from 'node:path'
import { describeModelBytes, ModelFileError, type ModelFileFacts } from '../models/model-file'
import type { Db } from '../store/workspace'

/**
 * The model file and firmware image behind a run, described once (MACs, parameters, peak activations
 * of a .tflite; flash and RAM of an .elf; a Vela summary) and kept with the run, so its Results row
 * and report show them after the files have moved. Kept by run UUID, so they travel with merges.
 */

export type RunFileRole = 'model' | 'firmware'

export interface RunFileFacts {
  role: RunFileRole
  fileName: string
  filePath: string | null
  sha256: string
  fileBytes: number
  describedAt: string
  facts: ModelFileFacts
}

export interface RunFacts {
  model: RunFileFacts | null
  firmware: RunFileFacts | null
}

export class RunFactsError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'RunFactsError'
  }
}

interface Row {
  run_uuid: string
  role: RunFileRole
  file_name: string
  file_path: string | null
  file_sha256: string
  file_bytes: number
  facts_json: string
  described_at: string
}

/** An ELF is the firmware; a TFLite model or a Vela summary describes the model. */
export function roleOf(facts: ModelFileFacts): RunFileRole {
  return facts.kind === 'elf' ? 'firmware' : 'model'
}

/** Files a plan names: its model file, and a firmware image where the plan flashes one (read loosely: plans of other versions differ). */
export function planFiles(plan: unknown): Array<{ role: RunFileRole; path: string }> {
  const p = (plan ?? {}) as { model?: { file?: unknown }; probe?: { flash?: { firmware?: unknown } }; firmware?: unknown }
  const out: Array<{ role: RunFileRole; path: string }> = []
  if (typeof p.model?.file === 'string' && p.model.file) out.push({ role: 'model', path: p.model.file })
  const fw = typeof p.probe?.flash?.firmware === 'string' ? p.probe.flash.firmware : typeof p.firmware === 'string' ? p.firmware : null
  if (fw) out.push({ role: 'firmware', path: fw })
  return out
}

export class RunFactsStore {
  /** Files already tried this session (missing or unreadable): not read again on every listing. */
  private tried = new Set<string>()

  constructor(private readonly db: Db) {}

  get(runUuid: string): RunFacts {
    const rows = this.db.prepare('SELECT * FROM run_facts WHERE run_uuid = ?').all(runUuid) as Row[]
    return this.fromRows(rows)
  }

  /** Every run's facts, by run UUID. */
  all(): Map<string, RunFacts> {
    const byRun = new Map<string, Row[]>()
    for (const r of this.db.prepare('SELECT * FROM run_facts').all() as Row[]) {
      const list = byRun.get(r.run_uuid) ?? []
      list.push(r)
      byRun.set(r.run_uuid, list)
    }
    return new Map([...byRun].map(([uuid, rows]) => [uuid, this.fromRows(rows)]))
  }

  /** Describe a file's bytes and keep the facts for the run (replacing what that role held). */
  attach(runUuid: string, bytes: Uint8Array, name: string, filePath: string | null = null): RunFileFacts {
    let facts: ModelFileFacts
    try {
      facts = describeModelBytes(bytes, filePath ?? name)
    } catch (e) {
      // The readers' own errors (ModelFileError, format errors) already say what was wrong with the bytes.
      throw new RunFactsError(e instanceof ModelFileError ? e.message : `${name}: ${(e as Error).message}`)
    }
    const role = roleOf(facts)
    const row: Row = {
      run_uuid: runUuid,
      role,
      file_name: basename(name),
      file_path: filePath,
      file_sha256: createHash('sha256').update(bytes).digest('hex'),
      file_bytes: bytes.byteLength,
      facts_json: JSON.stringify(facts),
      described_at: new Date().toISOString()
    }
    this.db
      .prepare(
        `INSERT OR REPLACE INTO run_facts (run_uuid, role, file_name, file_path, file_sha256, file_bytes, facts_json, described_at)
         VALUES (@run_uuid, @role, @file_name, @file_path, @file_sha256, @file_bytes, @facts_json, @described_at)`
      )
      .run(row)
    return this.fromRow(row)!
  }

  /** Read a file by path and keep its facts for the run. */
  attachPath(runUuid: string, path: string): RunFileFacts {
    let bytes: Uint8Array
    try {
      bytes = new Uint8Array(readFileSync(path))
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code
      throw new RunFactsError(`Cannot read ${path}: ${code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'it is a folder' : (e as Error).message}. Give the path of the model (.tflite) or firmware (.elf) the run used.`)
    }
    return this.attach(runUuid, bytes, basename(path), path)
  }

  /**
   * Describe the files the plans of runs name, for runs that have no facts for that role yet. Returns
   * a note per file that could not be read (each said once per session).
   */
  fillFromPlans(runs: Array<{ uuid: string; id: number; plan: unknown }>): string[] {
    const have = new Set((this.db.prepare('SELECT run_uuid || char(0) || role AS k FROM run_facts').pluck().all() as string[]))
    const notes: string[] = []
    for (const run of runs) {
      for (const f of planFiles(run.plan)) {
        if (have.has(`${run.uuid}\0${f.role}`)) continue
        const key = `${run.uuid}\0${f.path}`
        if (this.tried.has(key)) continue
        this.tried.add(key)
        try {
          if (!statSync(f.path).isFile()) throw new RunFactsError(`${f.path} is not a file`)
          const got = this.attachPath(run.uuid, f.path)
          if (got.role !== f.role) notes.push(`Run ${run.id}: the plan names ${f.path} as its ${f.role}, but it is a ${got.facts.kind} file; kept as the run's ${got.role}.`)
        } catch (e) {
          const why = (e as NodeJS.ErrnoException).code === 'ENOENT' ? 'the file is not there (moved, or recorded on another machine)' : (e as Error).message
          notes.push(`Run ${run.id}: its ${f.role} file ${f.path} could not be described: ${why}. Attach it with joulebench results --attach ${run.id} FILE.`)
        }
      }
    }
    return notes
  }

  private fromRows(rows: Row[]): RunFacts {
    const out: RunFacts = { model: null, firmware: null }
    for (const r of rows) out[r.role] = this.fromRow(r)
    return out
  }

  private fromRow(r: Row): RunFileFacts | null {
    let facts: ModelFileFacts
    try {
      facts = JSON.parse(r.facts_json) as ModelFileFacts
    } catch {
      return null
    }
    return { role: r.role, fileName: r.file_name, filePath: r.file_path, sha256: r.file_sha256, fileBytes: r.file_bytes, describedAt: r.described_at, facts }
  }
}
