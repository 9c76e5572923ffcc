import { z } from 'zod'
import type { TableMapping } from '../formats/table-mapping'

/**
 * What the API says about published tables, apart from the store that keeps them (pure code, so the
 * renderer can share the types and limits without pulling in Node modules).
 */

export { MAX_TABLE_CHARS } from './limits'

export const TableViewSchema = z.object({
  x: z.string().max(200).optional(),
  y: z.string().max(200).optional(),
  group: z.array(z.string().max(200)).max(8).optional(),
  /** Field or column → the labels kept; a name absent here is not filtered. */
  filter: z.record(z.string().max(200), z.array(z.string().max(500)).max(1000)).optional(),
  logX: z.boolean().optional(),
  logY: z.boolean().optional(),
  baseline: z.string().max(500).optional(),
  pairBy: z.array(z.string().max(200)).max(8).optional(),
  /** Names for values of a field ("DSP" 0 → "naive"), used in group names and sentences. */
  valueLabels: z.record(z.string().max(200), z.record(z.string().max(500), z.string().max(100))).optional()
})
export type TableView = z.infer<typeof TableViewSchema>

export type MappingOrigin = 'table' | 'shape' | 'suggested'

export interface PublishedTableSummary {
  id: number
  name: string
  columns: string[]
  rowCount: number
  sizeChars: number
  sha256: string
  importedAt: string
  /** Whether a mapping was confirmed for this table (else the saved mapping of its shape or a suggestion applies). */
  mapped: boolean
}

export interface PublishedTable extends PublishedTableSummary {
  text: string
  shapeKey: string
  mapping: TableMapping | null
  /** A mapping was stored for the table but no longer reads as one (set aside, not used). */
  mappingDamaged: boolean
  view: TableView | null
}
