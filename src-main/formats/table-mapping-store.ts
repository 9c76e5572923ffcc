import { createHash } from 'node:crypto'
import type { Db } from '../store/workspace'
import { TableMappingSchema, type TableMapping } from './table-mapping'

/**
 * Column mappings remembered per table shape: two files with the same set of column names (in any
 * order) share one mapping, so every CSV a study published in one layout imports the same way.
 */
export function tableShapeKey(header: readonly string[]): string {
  const names = [...new Set(header.map((h) => h.trim()))].sort()
  return createHash('sha256').update(names.join('\n')).digest('hex')
}

export class TableMappingStoreError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'TableMappingStoreError'
  }
}

export function saveTableMapping(db: Db, header: readonly string[], mapping: TableMapping, sourceName: string | null = null): string {
  const key = tableShapeKey(header)
  const checked = TableMappingSchema.parse(mapping)
  db.prepare(
    `INSERT INTO table_column_mappings (shape_key, headers_json, mapping_json, source_name, updated_at)
     VALUES (?, ?, ?, ?, ?)
     ON CONFLICT(shape_key) DO UPDATE SET headers_json = excluded.headers_json, mapping_json = excluded.mapping_json,
       source_name = excluded.source_name, updated_at = excluded.updated_at`
  ).run(key, JSON.stringify(header), JSON.stringify(checked), sourceName, new Date().toISOString())
  return key
}

export interface StoredTableMapping {
  shapeKey: string
  mapping: TableMapping
  sourceName: string | null
  updatedAt: string
}

export function loadTableMapping(db: Db, header: readonly string[]): StoredTableMapping | null {
  const key = tableShapeKey(header)
  const row = db
    .prepare('SELECT mapping_json, source_name, updated_at FROM table_column_mappings WHERE shape_key = ?')
    .get(key) as { mapping_json: string; source_name: string | null; updated_at: string } | undefined
  if (!row) return null
  let parsed: unknown
  try {
    parsed = JSON.parse(row.mapping_json)
  } catch {
    parsed = undefined
  }
  const result = TableMappingSchema.safeParse(parsed)
  if (!result.success) {
    throw new TableMappingStoreError(
      `The saved column mapping for this table shape (key ${key.slice(0, 12)}…, saved from ${row.source_name ?? 'an unknown file'}) is damaged: ${result.error.issues[0]?.message ?? 'not valid JSON'}. Give the mapping again with --map to replace it.`
    )
  }
  return { shapeKey: key, mapping: result.data, sourceName: row.source_name, updatedAt: row.updated_at }
}

export function listTableMappings(db: Db): Array<StoredTableMapping & { headers: string[] }> {
  const rows = db
    .prepare('SELECT shape_key, headers_json, mapping_json, source_name, updated_at FROM table_column_mappings ORDER BY updated_at DESC')
    .all() as Array<{ shape_key: string; headers_json: string; mapping_json: string; source_name: string | null; updated_at: string }>
  const out: Array<StoredTableMapping & { headers: string[] }> = []
  for (const r of rows) {
    try {
      const mapping = TableMappingSchema.parse(JSON.parse(r.mapping_json))
      out.push({ shapeKey: r.shape_key, mapping, sourceName: r.source_name, updatedAt: r.updated_at, headers: JSON.parse(r.headers_json) })
    } catch {
      // A damaged row is skipped in the list; loading it by shape says what is wrong.
    }
  }
  return out
}
