import { TABLE_MIGRATIONS } from '../formats/table-migrations'
import { RESULTS_MIGRATIONS } from '../results/migrations'
import { RECORDING_MIGRATIONS } from './recording-migrations'
import { calibrationMigrations } from '../calibration/migrations'
import { RUNS_MIGRATIONS } from '../runs/runs-migrations'
import { MERGE_MIGRATIONS } from '../workspace-merge/migrations'
/**
 * Every schema change of the workspace file, by area. Each area's list lives beside its code;
 * this file only puts them in order. Never edit a shipped migration: add a new one.
 */
export interface Migration {
  /** Unique and stable: `<area>/<nnn>-<what>`. */
  name: string
  sql: string
}

const workspace: Migration[] = [
  {
    name: 'workspace/001-meta',
    sql: `CREATE TABLE workspace_meta (
      key TEXT PRIMARY KEY,
      value TEXT NOT NULL
    );
    INSERT INTO workspace_meta (key, value) VALUES ('workspace_id', lower(hex(randomblob(16))));
    INSERT INTO workspace_meta (key, value) VALUES ('created_at', strftime('%Y-%m-%dT%H:%M:%fZ','now'));`
  }
]

export const MIGRATIONS: readonly Migration[] = [...workspace, ...TABLE_MIGRATIONS, ...RECORDING_MIGRATIONS, ...RESULTS_MIGRATIONS, ...calibrationMigrations, ...RUNS_MIGRATIONS, ...MERGE_MIGRATIONS]
