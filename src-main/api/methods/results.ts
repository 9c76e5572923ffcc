import { z } from 'zod'
import { TableMappingSchema, type MappedField, type MappedRow, type TableMapping } from '../../formats/table-mapping'
import type { ElfSizes } from '../../models/elf-sizes'
import type { ModelFacts } from '../../models/tflite-facts'
import type { VelaSummary } from '../../models/vela-summary'
import { MAX_MODEL_BYTES, MAX_TABLE_CHARS } from '../../results/limits'
import { TableViewSchema, type MappingOrigin, type PublishedTableSummary, type TableView } from '../../results/published-table-schema'
import type { Category, TableComparison, TableFitResult } from '../../results/table-analysis'


const tableId = z.number().int().positive()
const name = z.string().min(1).max(200)
const RowFilterSchema = z.record(z.string().max(200), z.array(z.string().max(500)).max(1000))
const level = z.number().gt(0.5).lt(1)
/** Names for values of a field, shown in group names and sentences ("DSP" 0 → "naive"). */
const ValueLabelsSchema = z.record(z.string().max(200), z.record(z.string().max(500), z.string().min(1).max(100)))

export const resultsParams = {
  'results.listTables': z.object({}).strict(),
  /** A published table sent as text (browser mode has no file paths): the file's name and its contents. */
  'results.importTable': z
    .object({
      name: z.string().min(1).max(255),
      text: z.string().max(MAX_TABLE_CHARS, `Tables up to ${MAX_TABLE_CHARS / 1048576} MiB of text can be imported; import the rows you need (split the file) and try again.`)
    })
    .strict(),
  'results.removeTable': z.object({ id: tableId }).strict(),
  /** The header, the mapping that applies (or the one given, to try it) and the first rows mapped with it. */
  'results.previewTable': z.object({ id: tableId, mapping: TableMappingSchema.optional(), rows: z.number().int().min(1).max(200).optional() }).strict(),
  'results.saveMapping': z.object({ id: tableId, mapping: TableMappingSchema }).strict(),
  /** The mapped rows (filtered), the values filters can choose from, and the view last shown. */
  'results.openTable': z.object({ id: tableId, filter: RowFilterSchema.optional(), limit: z.number().int().min(1).max(5000).optional() }).strict(),
  'results.saveView': z.object({ id: tableId, view: TableViewSchema }).strict(),
  'results.fit': z
    .object({
      id: tableId,
      x: name,
      y: name,
      group: z.array(name).max(8).optional(),
      filter: RowFilterSchema.optional(),
      level: level.optional(),
      bandPoints: z.number().int().min(0).max(500).optional(),
      bandSpacing: z.enum(['linear', 'log']).optional(),
      valueLabels: ValueLabelsSchema.optional()
    })
    .strict(),
  'results.compare': z
    .object({
      id: tableId,
      group: z.array(name).min(1).max(8),
      filter: RowFilterSchema.optional(),
      baseline: z.string().max(500).optional(),
      pairBy: z.array(name).max(8).optional(),
      level: level.optional(),
      valueLabels: ValueLabelsSchema.optional()
    })
    .strict(),
  /** A model or firmware file, as bytes (from a drop or a file picker) or by path on the core's machine. */
  'results.describeModel': z
    .object({
      name: z.string().min(1).max(255),
      bytes: z
        .custom<Uint8Array>((v) => v instanceof Uint8Array, 'bytes must be a Uint8Array (the file contents)')
        .refine((b) => b.byteLength <= MAX_MODEL_BYTES, `Files up to ${MAX_MODEL_BYTES / 1048576} MiB can be sent as bytes; give the file's path instead.`)
        .optional(),
      path: z.string().min(1).max(4096).optional()
    })
    .strict()
    .refine((p) => (p.bytes === undefined) !== (p.path === undefined), 'Give the file either as bytes or as a path, not both and not neither.'),
  /** A self-contained HTML report of a comparison of table groups: plots, fits, ratios, source and mapping. */
  'results.report': z
    .object({
      id: tableId,
      title: z.string().max(300).optional(),
      plots: z
        .array(z.object({ x: name, y: name, logX: z.boolean().optional(), logY: z.boolean().optional() }).strict())
        .min(1)
        .max(6),
      group: z.array(name).max(8).optional(),
      filter: RowFilterSchema.optional(),
      level: level.optional(),
      valueLabels: ValueLabelsSchema.optional(),
      compare: z.object({ baseline: z.string().max(500).optional(), pairBy: z.array(name).max(8).optional() }).strict().optional()
    })
    .strict()
}

export interface TablePreview {
  table: PublishedTableSummary
  header: string[]
  mapping: TableMapping
  mappingOrigin: MappingOrigin | 'given'
  mappingNote: string
  fields: MappedField[]
  rows: MappedRow[]
  excludedRows: number
  /** Problems met while mapping (a MAC derivation without its inputs …). */
  notes: string[]
  /** Up to 12 distinct values per column, for the dialog's hints. */
  samples: Record<string, string[]>
}

export interface OpenedTable {
  table: PublishedTableSummary
  mapping: TableMapping
  mappingOrigin: MappingOrigin
  mappingNote: string
  fields: MappedField[]
  /** Rows after the filter, at most `limit` of them. */
  rows: MappedRow[]
  /** Rows after the filter (may exceed rows.length). */
  rowCount: number
  filteredOut: number
  excludedRows: number
  categories: Category[]
  notes: string[]
  view: TableView | null
}

/** The facts of a model or firmware file (as models/model-file describes them; restated here from its pure parts so the renderer can use the type). */
export type DescribedModel = (ModelFacts | ElfSizes | VelaSummary) & { file: string; fileName: string }

export interface ResultsReport {
  html: string
  fileName: string
}

export interface ResultsResults {
  'results.listTables': { tables: PublishedTableSummary[] }
  'results.importTable': { table: PublishedTableSummary; existing: boolean }
  'results.removeTable': { removed: boolean }
  'results.previewTable': TablePreview
  'results.saveMapping': { shapeKey: string }
  'results.openTable': OpenedTable
  'results.saveView': { saved: true }
  'results.fit': TableFitResult
  'results.compare': TableComparison
  'results.describeModel': DescribedModel
  'results.report': ResultsReport
}
