import Database from 'better-sqlite3'
import { mkdirSync } from 'node:fs'
import { homedir } from 'node:os'
import { dirname, join } from 'node:path'
import { MIGRATIONS, type Migration } from './migrations'

export type Db = Database.Database

/** Where the workspace lives when the user gives no --db: the user's data folder (XDG on Linux). */
export function defaultWorkspacePath(env: NodeJS.ProcessEnv = process.env): string {
  if (env.JOULEBENCH_DB) return env.JOULEBENCH_DB
  const base =
    process.platform === 'win32'
      ? (env.APPDATA ?? join(homedir(), 'AppData', 'Roaming'))
      : process.platform === 'darwin'
        ? join(homedir(), 'Library', 'Application Support')
        : (env.XDG_DATA_HOME ?? join(homedir(), '.local', 'share'))
  return join(base, 'joulebench', 'workspace.db')
}

export class WorkspaceError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'WorkspaceError'
  }
}

/**
 * Open (or create) a workspace file: WAL mode, foreign keys on, every pending migration applied.
 * Only the core opens the database; hosts and the renderer go through the API.
 */
export function openWorkspace(path: string, migrations: readonly Migration[] = MIGRATIONS): Db {
  if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true })
  let db: Db
  try {
    db = new Database(path)
    db.pragma('journal_mode = WAL')
  } catch (e) {
    throw new WorkspaceError(`Cannot open workspace ${path}: ${(e as Error).message}. Check the path, or choose another file with --db PATH.`)
  }
  db.pragma('foreign_keys = ON')
  db.pragma('synchronous = NORMAL')
  db.pragma('busy_timeout = 5000')
  try {
    migrate(db, migrations)
  } catch (e) {
    db.close()
    throw new WorkspaceError(`Workspace ${path} could not be brought up to date: ${(e as Error).message}`)
  }
  return db
}

/**
 * Apply migrations by name, once each, in the order given. Named rather than numbered so that each
 * area of the core (recordings, runs, calibrations …) owns its own list without renumbering others.
 * A shipped migration is never edited; a change is a new migration.
 */
export function migrate(db: Db, migrations: readonly Migration[]): string[] {
  db.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
    name TEXT PRIMARY KEY,
    applied_at TEXT NOT NULL
  )`)
  const done = new Set(
    (db.prepare('SELECT name FROM schema_migrations').all() as Array<{ name: string }>).map((r) => r.name)
  )
  const applied: string[] = []
  const record = db.prepare('INSERT INTO schema_migrations (name, applied_at) VALUES (?, ?)')
  db.transaction(() => {
    for (const m of migrations) {
      if (done.has(m.name)) continue
      db.exec(m.sql)
      record.run(m.name, new Date().toISOString())
      applied.push(m.name)
    }
  })()
  return applied
}
