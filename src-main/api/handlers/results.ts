import { basename, extname } from 'node:path'
import { describeModelBytes, describeModelFile } from '../../models/model-file'
import { sampleValues } from '../../results/mapping-suggestion'
import { fitPlotSpec } from '../../results/fit-plot'
import { PublishedTableStore } from '../../results/published-tables'
import { renderComparisonReport } from '../../results/report-html'
import { compareTable, filterMappedTable, fitTable, tableCategories, type TableComparison } from '../../results/table-analysis'
import { rowsTable } from '../../results/table-export'
import { VERSION } from '../../version'
import { RunsResults } from '../../results/runs-results'
import { mergeWorkspace } from '../../workspace-merge/merge'
import type { HandlerMap, JoulebenchCore } from '../core'

type ResultsMethod =
  | 'results.listTables'
  | 'results.importTable'
  | 'results.removeTable'
  | 'results.previewTable'
  | 'results.saveMapping'
  | 'results.openTable'
  | 'results.saveView'
  | 'results.fit'
  | 'results.compare'
  | 'results.describeModel'
  | 'results.report'
  | 'results.runs'
  | 'results.runsFit'
  | 'results.runsCompare'
  | 'results.runsStages'
  | 'results.runReport'
  | 'results.runsReport'
  | 'results.attachRunFile'
  | 'workspace.merge'

/** One store per core (it keeps parsed tables between the view's many requests). */
const stores = new WeakMap<JoulebenchCore, PublishedTableStore>()
function store(core: JoulebenchCore): PublishedTableStore {
  let s = stores.get(core)
  if (!s) stores.set(core, (s = new PublishedTableStore(core.db)))
  return s
}

/** One view of the runs per core (it remembers which plan files it could not read). */
const runsViews = new WeakMap<JoulebenchCore, RunsResults>()
function runs(core: JoulebenchCore): RunsResults {
  let r = runsViews.get(core)
  if (!r) runsViews.set(core, (r = new RunsResults(core.db)))
  return r
}

export const resultsHandlers: Pick<HandlerMap, ResultsMethod> = {
  'results.listTables': (core) => ({ tables: store(core).list() }),

  'results.importTable': (core, p) => store(core).import(p.name, p.text),

  'results.removeTable': (core, p) => ({ removed: store(core).remove(p.id) }),

  'results.previewTable': (core, p) => {
    const s = store(core)
    const table = s.get(p.id)
    const applies = s.mappingFor(table)
    const mapping = p.mapping ?? applies.mapping
    const mapped = s.mapped(table, mapping)
    const csv = s.csv(table)
    const samples: Record<string, string[]> = {}
    for (const column of csv.header) samples[column] = sampleValues(csv, column, 12)
    return {
      table: s.summary(table),
      header: csv.header,
      mapping,
      mappingOrigin: p.mapping ? 'given' : applies.origin,
      mappingNote: p.mapping ? 'the mapping being edited' : applies.note,
      fields: mapped.fields,
      rows: mapped.rows.slice(0, p.rows ?? 12),
      excludedRows: mapped.excludedRows,
      notes: mapped.notes,
      samples
    }
  },

  'results.saveMapping': (core, p) => {
    const s = store(core)
    return { shapeKey: s.saveMapping(s.get(p.id), p.mapping) }
  },

  'results.openTable': (core, p) => {
    const s = store(core)
    const table = s.get(p.id)
    const applies = s.mappingFor(table)
    const mapped = s.mapped(table, applies.mapping)
    const { table: filtered, filteredOut } = filterMappedTable(mapped, p.filter)
    return {
      table: s.summary(table),
      mapping: applies.mapping,
      mappingOrigin: applies.origin,
      mappingNote: applies.note,
      fields: mapped.fields,
      rows: filtered.rows.slice(0, p.limit ?? 1000),
      rowCount: filtered.rows.length,
      filteredOut,
      excludedRows: mapped.excludedRows,
      categories: tableCategories(mapped),
      notes: mapped.notes,
      view: table.view
    }
  },

  'results.saveView': (core, p) => {
    const s = store(core)
    s.saveView(s.get(p.id), p.view)
    return { saved: true as const }
  },

  'results.fit': (core, p) => {
    const s = store(core)
    const table = s.get(p.id)
    return fitTable(s.mapped(table), { x: p.x, y: p.y, group: p.group, filter: p.filter, level: p.level, bandPoints: p.bandPoints, bandSpacing: p.bandSpacing, valueLabels: p.valueLabels })
  },

  'results.compare': (core, p) => {
    const s = store(core)
    return compareTable(s.mapped(s.get(p.id)), { group: p.group, filter: p.filter, baseline: p.baseline, pairBy: p.pairBy, level: p.level, valueLabels: p.valueLabels })
  },

  'results.describeModel': async (_core, p) => {
    if (p.path !== undefined) return describeModelFile(p.path)
    return describeModelBytes(p.bytes!, p.name)
  },

  'results.report': (core, p) => {
    const s = store(core)
    const table = s.get(p.id)
    const { mapping } = s.mappingFor(table)
    const mapped = s.mapped(table, mapping)
    const group = p.group ?? []
    const plots = p.plots.map((plot) => {
      const fit = fitTable(mapped, { x: plot.x, y: plot.y, group, filter: p.filter, level: p.level, valueLabels: p.valueLabels })
      return { fit, spec: fitPlotSpec(fit, { logX: plot.logX, logY: plot.logY, theme: 'light' }) }
    })
    const notes: string[] = []
    let comparison: TableComparison | null = null
    if (p.compare && group.length > 0) {
      try {
        comparison = compareTable(mapped, { group, filter: p.filter, baseline: p.compare.baseline, pairBy: p.compare.pairBy, level: p.level, valueLabels: p.valueLabels })
      } catch (e) {
        notes.push(`No comparison: ${(e as Error).message}`)
      }
    }
    notes.push(...mapped.notes.map((n) => `While mapping: ${n}`))
    const { table: filtered } = filterMappedTable(mapped, p.filter)
    const stem = basename(table.name, extname(table.name)) || 'table'
    const html = renderComparisonReport({
      title: p.title ?? `${stem}: ${plots.map((x) => x.spec.title).join('; ')}`,
      generatedAt: new Date().toISOString(),
      softwareVersion: VERSION,
      source: { name: table.name, importedAt: table.importedAt, sha256: table.sha256, rowCount: table.rowCount, columns: table.columns },
      mapping,
      filter: p.filter ?? {},
      plots,
      comparison,
      rows: rowsTable(filtered.fields, filtered.rows),
      notes
    })
    return { html, fileName: `${stem}-report.html` }
  },

  'results.runs': (core, p) => runs(core).listing(p.filter, p.limit),

  'results.runsFit': (core, p) =>
    runs(core).fit({ x: p.x, y: p.y, group: p.group, filter: p.filter, level: p.level, bandPoints: p.bandPoints, bandSpacing: p.bandSpacing, valueLabels: p.valueLabels }),

  'results.runsCompare': (core, p) => runs(core).compare({ group: p.group, filter: p.filter, baseline: p.baseline, pairBy: p.pairBy, level: p.level, valueLabels: p.valueLabels }),

  'results.runsStages': (core, p) => runs(core).stages(p.filter, p.runs),

  'results.runReport': (core, p) => runs(core).runReport(p.id),

  'results.runsReport': (core, p) => runs(core).comparisonReport(p),

  'results.attachRunFile': (core, p) => {
    const r = runs(core)
    const run = r.store.get(p.id)
    const facts = p.path !== undefined ? r.facts.attachPath(run.uuid, p.path) : r.facts.attach(run.uuid, p.bytes!, p.name)
    return { ...facts, runId: run.id }
  },

  'workspace.merge': async (core, p) => {
    // A merge holds the workspace for as long as it copies: not while samples are being written to it.
    if (!p.dryRun) {
      const live = core.captures.status().captures.length
      if (core.runs.current) throw new Error(`Run ${core.runs.current.id} is in progress: merge ${p.path} once it has finished (or cancel it).`)
      if (live) throw new Error(`${live} capture${live > 1 ? 's are' : ' is'} recording: stop ${live > 1 ? 'them' : 'it'} before merging ${p.path}.`)
    }
    return mergeWorkspace(core.db, p.path, { dryRun: p.dryRun })
  }
}
