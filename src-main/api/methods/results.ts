import { z } from 'zod'
import { TableMappingSchema, type MappedField, type MappedRow, type TableMapping } from '../../formats/table-mapping'
import type { ElfSizes } from '../../models/elf-sizes'
import type { ModelFacts } from '../../models/tflite-facts'
import type { VelaSummary } from '../../models/vela-summary'
import { MAX_MODEL_BYTES, MAX_TABLE_CHARS } from '../../results/limits'
import { TableViewSchema, type MappingOrigin, type PublishedTableSummary, type TableView } from '../../results/published-table-schema'
import type { Category, TableComparison, TableFitResult } from '../../results/table-analysis'
import type { RunsListing } from '../../results/runs-results'
import type { StageBreakdown } from '../../results/runs-analysis'
import type { RunFileFacts } from '../../results/run-facts'
import type { MergeSummary } from '../../workspace-merge/merge'

export type { RunsListing } from '../../results/runs-results'
export type { StageBreakdown, StageBar } from '../../results/runs-analysis'
export type { RunCategory, RunFilter } from '../../results/runs-table'
export type { RunFacts, RunFileFacts } from '../../results/run-facts'
export type { MergeSummary, MergeCounts } from '../../workspace-merge/merge'


const tableId = z.number().int().positive()
const name = z.string().min(1).max(200)
const RowFilterSchema = z.record(z.string().max(200), z.array(z.string().max(500)).max(1000))
const level = z.number().gt(0.5).lt(1)
/** Names for values of a field, shown in group names and sentences ("DSP" 0 → "naive"). */
const ValueLabelsSchema = z.record(z.string().max(200), z.record(z.string().max(500), z.string().min(1).max(100)))
/** Runs by tag or property (device, model, implementation, clockHz, tag, state …) → the values kept. */
const RunFilterSchema = z.record(z.string().max(100), z.array(z.string().max(500)).max(1000))
/** A run by number, or by UUID (or a unique start of it). */
const runRef = z.union([z.number().int().positive(), z.string().trim().min(1).max(64)])
const fileBytes = z
  .custom<Uint8Array>((v) => v instanceof Uint8Array, 'bytes must be a Uint8Array (the file contents)')
  .refine((b) => b.byteLength <= MAX_MODEL_BYTES, `Files up to ${MAX_MODEL_BYTES / 1048576} MiB can be sent as bytes; give the file's path instead.`)

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
    .strict(),

  // Recorded runs: the same fits, comparisons and reports over the workspace's runs.
  /** The runs a filter keeps, as table rows (SI), with the filter values every run offers. */
  'results.runs': z.object({ filter: RunFilterSchema.optional(), limit: z.number().int().min(1).max(5000).optional() }).strict(),
  'results.runsFit': z
    .object({
      x: name,
      y: name,
      group: z.array(name).max(8).optional(),
      filter: RunFilterSchema.optional(),
      level: level.optional(),
      bandPoints: z.number().int().min(0).max(500).optional(),
      bandSpacing: z.enum(['linear', 'log']).optional(),
      valueLabels: ValueLabelsSchema.optional()
    })
    .strict(),
  /** Groups of runs as ratios; unpaired groups take every measured inference of their runs. */
  'results.runsCompare': z
    .object({
      group: z.array(name).min(1).max(8),
      filter: RunFilterSchema.optional(),
      baseline: z.string().max(500).optional(),
      pairBy: z.array(name).max(8).optional(),
      level: level.optional(),
      valueLabels: ValueLabelsSchema.optional()
    })
    .strict(),
  /** Per-run stage durations and energies (init, memory I/O, inference, post-processing) for stacked bars. */
  'results.runsStages': z.object({ filter: RunFilterSchema.optional(), runs: z.array(runRef).max(500).optional() }).strict(),
  /** A self-contained HTML report of one run. */
  'results.runReport': z.object({ id: runRef }).strict(),
  /** A self-contained HTML report comparing runs (those given, or those the filter keeps). */
  'results.runsReport': z
    .object({
      runs: z.array(runRef).max(500).optional(),
      filter: RunFilterSchema.optional(),
      group: z.array(name).max(8).optional(),
      baseline: z.string().max(500).optional(),
      pairBy: z.array(name).max(8).optional(),
      level: level.optional(),
      valueLabels: ValueLabelsSchema.optional(),
      title: z.string().max(300).optional(),
      plots: z
        .array(z.object({ x: name, y: name, logX: z.boolean().optional(), logY: z.boolean().optional() }).strict())
        .max(6)
        .optional()
    })
    .strict(),
  /** Describe a model (.tflite, Vela summary) or firmware (.elf) file and keep its facts with a run. */
  'results.attachRunFile': z
    .object({ id: runRef, name: z.string().min(1).max(255), bytes: fileBytes.optional(), path: z.string().min(1).max(4096).optional() })
    .strict()
    .refine((p) => (p.bytes === undefined) !== (p.path === undefined), 'Give the file either as bytes or as a path, not both and not neither.'),
  /**
   * Merge another workspace file (on the core's machine: a field laptop's .db) into this one: runs,
   * recordings, the calibrations they used and published tables, each matched by UUID or content so
   * nothing comes twice. `dryRun` says what would be added and changes nothing.
   */
  'workspace.merge': z.object({ path: z.string().trim().min(1).max(4096), dryRun: z.boolean().default(false) }).strict()
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
  'results.runs': RunsListing
  'results.runsFit': TableFitResult
  'results.runsCompare': TableComparison
  'results.runsStages': StageBreakdown
  'results.runReport': ResultsReport & { runId: number }
  'results.runsReport': ResultsReport & { runIds: number[] }
  'results.attachRunFile': RunFileFacts & { runId: number }
  'workspace.merge': MergeSummary
}
