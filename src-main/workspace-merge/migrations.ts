import type { Migration } from '../store/migrations'

/**
 * A record of every merge into this workspace: which file, which workspace it was, when, and the
 * summary of what came in, so a run's origin can be traced back to the field laptop it was made on.
 */
export const MERGE_MIGRATIONS: Migration[] = [
  {
    name: 'merge/001-history',
    sql: `CREATE TABLE workspace_merges (
      id INTEGER PRIMARY KEY,
      source_workspace_id TEXT NOT NULL,
      source_path TEXT NOT NULL,
      merged_at TEXT NOT NULL,
      summary_json TEXT NOT NULL
    );`
  }
]
