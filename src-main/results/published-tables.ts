import { createHash } from 'node:crypto'
import type { z } from 'zod'
import { parseCsv, TableFormatError, type CsvTable } from '../formats/table-csv'
import { applyTableMapping, TableMappingSchema, type MappedTable, type TableMapping } from '../formats/table-mapping'
import { loadTableMapping, saveTableMapping, tableShapeKey, TableMappingStoreError, type StoredTableMapping } from '../formats/table-mapping-store'
import type { Db } from '../store/workspace'
import { suggestTableMapping } from './mapping-suggestion'
import { MAX_TABLE_CHARS, TableViewSchema, type MappingOrigin, type PublishedTable, type PublishedTableSummary, type TableView } from './published-table-schema'

export { MAX_TABLE_CHARS, TableViewSchema, type MappingOrigin, type PublishedTable, type PublishedTableSummary, type TableView }

/**
 * Published tables (a study's CSV results) imported into the workspace through the Results screen,
 * kept whole with the mapping confirmed for each and the view last shown, so they stay listed and
 * comparable across restarts. The mapping is also remembered per table shape (table-mapping-store),
 * so the study's next file with the same columns opens already mapped.
 */

export class PublishedTableError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'PublishedTableError'
  }
}

interface Row {
  id: number
  name: string
  text: string
  text_sha256: string
  header_json: string
  row_count: number
  shape_key: string
  mapping_json: string | null
  view_json: string | null
  imported_at: string
}

function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex')
}

function parseStored<T>(json: string | null, schema: z.ZodType<T>): T | null {
  if (json === null) return null
  try {
    const r = schema.safeParse(JSON.parse(json))
    return r.success ? r.data : null
  } catch {
    return null
  }
}

export class PublishedTableStore {
  /** Parsed tables by content hash: the Results view asks for the same table many times in a row. */
  private parsed = new Map<string, CsvTable>()

  constructor(private readonly db: Db) {}

  /**
   * Store a table's text under its file name. The same text imported again returns the table already
   * there (`existing: true`), so a double drop does not make twins.
   */
  import(name: string, text: string): { table: PublishedTableSummary; existing: boolean } {
    const fileName = name.trim() || 'table.csv'
    if (text.length > MAX_TABLE_CHARS) {
      throw new PublishedTableError(
        `${fileName} is ${(text.length / 1048576).toFixed(1)} MiB of text; tables up to ${MAX_TABLE_CHARS / 1048576} MiB can be imported. Import the rows you need (split the file, or leave out raw samples) and try again.`
      )
    }
    const csv = this.parse(fileName, text)
    if (csv.rows.length === 0) throw new PublishedTableError(`${fileName} has a header (${csv.header.join(', ')}) but no data rows; expected at least one row of values.`)
    const hash = sha256(text)
    const same = this.db.prepare('SELECT id FROM published_tables WHERE text_sha256 = ? ORDER BY id LIMIT 1').get(hash) as { id: number } | undefined
    if (same) return { table: this.summary(this.get(same.id)), existing: true }
    const info = this.db
      .prepare(
        `INSERT INTO published_tables (name, text, text_sha256, header_json, row_count, shape_key, imported_at)
         VALUES (?, ?, ?, ?, ?, ?, ?)`
      )
      .run(fileName, text, hash, JSON.stringify(csv.header), csv.rows.length, tableShapeKey(csv.header), new Date().toISOString())
    return { table: this.summary(this.get(Number(info.lastInsertRowid))), existing: false }
  }

  list(): PublishedTableSummary[] {
    const rows = this.db.prepare('SELECT * FROM published_tables ORDER BY id').all() as Row[]
    return rows.map((r) => this.summary(this.fromRow(r)))
  }

  get(id: number): PublishedTable {
    const row = this.db.prepare('SELECT * FROM published_tables WHERE id = ?').get(id) as Row | undefined
    if (!row) throw new PublishedTableError(`There is no published table #${id} in this workspace (it may have been removed). Reload the list of tables.`)
    return this.fromRow(row)
  }

  remove(id: number): boolean {
    return this.db.prepare('DELETE FROM published_tables WHERE id = ?').run(id).changes > 0
  }

  csv(table: PublishedTable): CsvTable {
    return this.parse(table.name, table.text, table.sha256)
  }

  /** The mapping to show: the table's own, else the one saved for its shape, else a suggestion. */
  mappingFor(table: PublishedTable): { mapping: TableMapping; origin: MappingOrigin; note: string } {
    if (table.mapping) return { mapping: table.mapping, origin: 'table', note: 'the mapping confirmed for this table' }
    const csv = this.csv(table)
    // A damaged saved mapping is set aside with a word, never a reason the table cannot be opened.
    const problems: string[] = []
    if (table.mappingDamaged) problems.push('the mapping saved for this table is damaged and was set aside')
    let stored: StoredTableMapping | null = null
    try {
      stored = loadTableMapping(this.db, csv.header)
    } catch (e) {
      if (!(e instanceof TableMappingStoreError)) throw e
      problems.push('the mapping saved for tables with these columns is damaged and was set aside')
    }
    const prefix = problems.length ? `${problems.join('; ')}; showing ` : ''
    if (stored) {
      return { mapping: stored.mapping, origin: 'shape', note: `${prefix}the mapping saved ${stored.updatedAt.slice(0, 10)} from ${stored.sourceName ?? 'another file'} with the same columns` }
    }
    return { mapping: suggestTableMapping(csv), origin: 'suggested', note: `${prefix}a suggestion from the column headings; check it and save it` }
  }

  /** The table with a mapping applied: the one given (a preview), else the one that applies. */
  mapped(table: PublishedTable, mapping?: TableMapping): MappedTable {
    return applyTableMapping(this.csv(table), mapping ?? this.mappingFor(table).mapping)
  }

  /** Confirm a mapping: checked against the table first, then kept for the table and for its shape. */
  saveMapping(table: PublishedTable, mapping: TableMapping): string {
    const checked = TableMappingSchema.parse(mapping)
    applyTableMapping(this.csv(table), checked)
    this.db.prepare('UPDATE published_tables SET mapping_json = ? WHERE id = ?').run(JSON.stringify(checked), table.id)
    return saveTableMapping(this.db, table.columns, checked, table.name)
  }

  saveView(table: PublishedTable, view: TableView): void {
    this.db.prepare('UPDATE published_tables SET view_json = ? WHERE id = ?').run(JSON.stringify(TableViewSchema.parse(view)), table.id)
  }

  private parse(name: string, text: string, hash?: string): CsvTable {
    const key = hash ?? sha256(text)
    const cached = this.parsed.get(key)
    if (cached) return { ...cached, source: name }
    let csv: CsvTable
    try {
      csv = parseCsv(text, name)
    } catch (e) {
      if (e instanceof TableFormatError) throw new PublishedTableError(e.message)
      throw e
    }
    if (this.parsed.size >= 8) this.parsed.delete(this.parsed.keys().next().value!)
    this.parsed.set(key, csv)
    return csv
  }

  private fromRow(r: Row): PublishedTable {
    let columns: string[] = []
    try {
      columns = JSON.parse(r.header_json) as string[]
    } catch {
      // The text is the record; the header is a cache of it.
      columns = this.parse(r.name, r.text, r.text_sha256).header
    }
    const mapping = parseStored(r.mapping_json, TableMappingSchema)
    return {
      id: r.id,
      name: r.name,
      columns,
      rowCount: r.row_count,
      sizeChars: r.text.length,
      sha256: r.text_sha256,
      importedAt: r.imported_at,
      mapped: mapping !== null,
      text: r.text,
      shapeKey: r.shape_key,
      mapping,
      mappingDamaged: r.mapping_json !== null && mapping === null,
      view: parseStored(r.view_json, TableViewSchema)
    }
  }

  /** A table without its text and stored state: what lists and replies carry. */
  summary(t: PublishedTable): PublishedTableSummary {
    return { id: t.id, name: t.name, columns: t.columns, rowCount: t.rowCount, sizeChars: t.sizeChars, sha256: t.sha256, importedAt: t.importedAt, mapped: t.mapped }
  }
}
