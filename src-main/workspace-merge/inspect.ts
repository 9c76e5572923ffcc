import Database from 'better-sqlite3'
import { closeSync, openSync, readSync, statSync } from 'node:fs'
import { MIGRATIONS } from '../store/migrations'
import { VERSION } from '../version'

/**
 * What a workspace file offered for merging is, checked before anything is written: an SQLite file
 * (by its header), undamaged (SQLite's quick check), a Joulebench workspace (workspace_meta and
 * schema_migrations), and not from a newer Joulebench than this one. The file is only read.
 */

export type MergeRefusal = 'missing' | 'not-sqlite' | 'corrupt' | 'foreign' | 'newer' | 'schema' | 'busy' | 'copy-failed'

export class WorkspaceMergeError extends Error {
  constructor(
    message: string,
    readonly reason: MergeRefusal,
    readonly path: string
  ) {
    super(message)
    this.name = 'WorkspaceMergeError'
  }
}

export interface WorkspaceFileFacts {
  path: string
  workspaceId: string
  createdAt: string | null
  /** Migrations this Joulebench has that the file lacks: it is older and is brought up to date in a copy. */
  missingMigrations: string[]
  /** Recordings still marked recording and runs still marked running (a writer that never closed them). */
  unfinished: { recordings: number; runs: number }
}

const SQLITE_HEADER = 'SQLite format 3\0'
const NOTHING_CHANGED = 'Nothing was changed in this workspace.'

function readHeader(path: string): Buffer {
  const fd = openSync(path, 'r')
  try {
    const b = Buffer.alloc(16)
    const n = readSync(fd, b, 0, 16, 0)
    return b.subarray(0, n)
  } finally {
    closeSync(fd)
  }
}

function shownBytes(b: Buffer): string {
  const text = b.toString('latin1')
  return /^[\x20-\x7e\t\r\n]+$/.test(text) ? JSON.stringify(text) : b.toString('hex').replace(/(..)/g, '$1 ').trim()
}

/** Opens the file read-only after checking what it is; the caller closes it. */
export function openForMerge(path: string): { db: Database.Database; facts: WorkspaceFileFacts } {
  let size: number
  try {
    const st = statSync(path)
    if (st.isDirectory()) throw new WorkspaceMergeError(`${path} is a folder, not a workspace file. Give the .db file of the other workspace. ${NOTHING_CHANGED}`, 'missing', path)
    size = st.size
  } catch (e) {
    if (e instanceof WorkspaceMergeError) throw e
    const code = (e as NodeJS.ErrnoException).code
    throw new WorkspaceMergeError(`Cannot read ${path}: ${code === 'ENOENT' ? 'there is no such file' : (e as Error).message}. Check the path of the other workspace's .db file. ${NOTHING_CHANGED}`, 'missing', path)
  }
  if (size === 0) throw new WorkspaceMergeError(`${path} is empty (0 bytes): expected a Joulebench workspace (an SQLite database). ${NOTHING_CHANGED}`, 'not-sqlite', path)
  const header = readHeader(path)
  if (header.toString('latin1') !== SQLITE_HEADER) {
    throw new WorkspaceMergeError(
      `${path} is not a Joulebench workspace: a workspace is an SQLite database, whose file starts with "SQLite format 3", but this one starts with ${shownBytes(header)}. Choose the other workspace's .db file (not a CSV, a recording export or a backup archive). ${NOTHING_CHANGED}`,
      'not-sqlite',
      path
    )
  }
  let db: Database.Database
  try {
    db = new Database(path, { readonly: true, fileMustExist: true })
  } catch (e) {
    throw new WorkspaceMergeError(`Cannot open ${path}: ${(e as Error).message}. ${NOTHING_CHANGED}`, 'corrupt', path)
  }
  try {
    const facts = check(db, path)
    return { db, facts }
  } catch (e) {
    db.close()
    throw e
  }
}

function check(db: Database.Database, path: string): WorkspaceFileFacts {
  let problems: string[]
  try {
    problems = (db.pragma('quick_check(5)') as Array<{ quick_check: string }>).map((r) => r.quick_check).filter((r) => r !== 'ok')
  } catch (e) {
    const code = (e as { code?: string }).code
    if (code === 'SQLITE_BUSY' || code === 'SQLITE_LOCKED') {
      throw new WorkspaceMergeError(`${path} is locked by another program writing to it. Close Joulebench (or whatever has it open) on that file and merge again. ${NOTHING_CHANGED}`, 'busy', path)
    }
    problems = [(e as Error).message]
  }
  if (problems.length) {
    throw new WorkspaceMergeError(
      `${path} is damaged: SQLite reports "${problems.join('; ')}". Merge a good copy instead (a backup, or the file copied again from the field laptop after Joulebench there was closed). ${NOTHING_CHANGED}`,
      'corrupt',
      path
    )
  }
  const tables = new Set((db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").pluck().all() as string[]))
  if (!tables.has('workspace_meta') || !tables.has('schema_migrations')) {
    const list = [...tables].filter((t) => !t.startsWith('sqlite_'))
    throw new WorkspaceMergeError(
      `${path} is an SQLite database but not a Joulebench workspace: it has no ${!tables.has('workspace_meta') ? 'workspace_meta' : 'schema_migrations'} table (its tables: ${list.length ? list.slice(0, 8).join(', ') + (list.length > 8 ? ', …' : '') : 'none'}). Choose a workspace file made by Joulebench. ${NOTHING_CHANGED}`,
      'foreign',
      path
    )
  }
  const meta = Object.fromEntries((db.prepare('SELECT key, value FROM workspace_meta').all() as Array<{ key: string; value: string }>).map((r) => [r.key, r.value]))
  if (!meta.workspace_id) throw new WorkspaceMergeError(`${path} has a workspace_meta table without a workspace_id: it was not made by Joulebench, or was edited by hand. ${NOTHING_CHANGED}`, 'foreign', path)
  const applied = new Set((db.prepare('SELECT name FROM schema_migrations').pluck().all() as string[]))
  const known = new Set(MIGRATIONS.map((m) => m.name))
  const unknown = [...applied].filter((n) => !known.has(n))
  if (unknown.length) {
    throw new WorkspaceMergeError(
      `${path} was written by a newer Joulebench than this one (${VERSION}): it has schema changes this version does not know (${unknown.slice(0, 5).join(', ')}${unknown.length > 5 ? ', …' : ''}). Update Joulebench on this machine and merge again. ${NOTHING_CHANGED}`,
      'newer',
      path
    )
  }
  const count = (table: string, where: string) => (tables.has(table) ? (db.prepare(`SELECT count(*) FROM ${table} WHERE ${where}`).pluck().get() as number) : 0)
  return {
    path,
    workspaceId: meta.workspace_id,
    createdAt: meta.created_at ?? null,
    missingMigrations: MIGRATIONS.map((m) => m.name).filter((n) => !applied.has(n)),
    unfinished: { recordings: count('recordings', "state = 'recording'"), runs: count('runs', "state = 'running'") }
  }
}
