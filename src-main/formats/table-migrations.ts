import type { Migration } from '../store/migrations'

/** Schema of the table-import area: column mappings remembered per table shape. */
export const TABLE_MIGRATIONS: Migration[] = [
  {
    name: 'tables/001-column-mappings',
    sql: `CREATE TABLE table_column_mappings (
      shape_key TEXT PRIMARY KEY,   -- sha256 of the sorted, trimmed column names
      headers_json TEXT NOT NULL,   -- the column names, in file order, as last seen
      mapping_json TEXT NOT NULL,   -- a TableMapping
      source_name TEXT,             -- file name the mapping was last saved from
      updated_at TEXT NOT NULL
    );`
  }
]
