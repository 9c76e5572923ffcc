import type { Migration } from '../store/migrations'

/**
 * Schema of the results area: published tables imported through the Results screen (the file's text
 * kept whole, so a table stays usable after the original file is moved or deleted, and any later
 * mapping can be applied to it again), and the model and firmware facts of runs.
 */
export const RESULTS_MIGRATIONS: Migration[] = [
  {
    name: 'results/001-published-tables',
    sql: `CREATE TABLE published_tables (
      id INTEGER PRIMARY KEY,
      name TEXT NOT NULL,            -- the file name the user imported
      text TEXT NOT NULL,            -- the file's text, unchanged
      text_sha256 TEXT NOT NULL,
      header_json TEXT NOT NULL,     -- column names in file order
      row_count INTEGER NOT NULL,
      shape_key TEXT NOT NULL,       -- as table_column_mappings.shape_key
      mapping_json TEXT,             -- the mapping confirmed for this table; null until confirmed
      view_json TEXT,                -- the Results view last shown: axes, groups, filters, scales
      imported_at TEXT NOT NULL
    );
    CREATE INDEX published_tables_sha ON published_tables (text_sha256);`
  },
  {
    // Facts of the model file and firmware image a run used, keyed by the run's UUID (not its local id)
    // so they travel with the run when workspaces are merged.
    name: 'results/002-run-facts',
    sql: `CREATE TABLE run_facts (
      run_uuid TEXT NOT NULL,
      role TEXT NOT NULL CHECK (role IN ('model', 'firmware')),
      file_name TEXT NOT NULL,
      file_path TEXT,                -- where it was read from, when read from a path
      file_sha256 TEXT NOT NULL,
      file_bytes INTEGER NOT NULL,
      facts_json TEXT NOT NULL,      -- models/model-file facts (tflite, elf or vela-summary)
      described_at TEXT NOT NULL,
      PRIMARY KEY (run_uuid, role)
    ) WITHOUT ROWID;`
  }
]
