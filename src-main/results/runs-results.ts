import { CalibrationStore } from '../calibration/records'
import type { MappedField, MappedRow, MappedTable } from '../formats/table-mapping'
import { RunsStore, type RunDetail } from '../runs/runs-store'
import { RecordingStore } from '../store/recording-store'
import type { Db } from '../store/workspace'
import { VERSION } from '../version'
import { fitPlotSpec } from './fit-plot'
import { renderRunReport, renderRunsComparisonReport, type ReportCalibration, type ReportRecording } from './report-run-html'
import { RunFactsStore } from './run-facts'
import { compareRuns, fitRuns, stageBreakdown, type RunCompareOptions, type RunSamples, type StageBreakdown } from './runs-analysis'
import { analyzerLabel, filterRuns, orderStages, runCategories, runsMappedTable, runsSummaryTable, RUN_GROUP_FIELDS, type RunCategory, type RunFilter, type RunWithFacts } from './runs-table'

export { runsExportTable } from './runs-table'
import type { FitOptions, TableComparison, TableFitResult, ValueLabels } from './table-analysis'
import { renderTraceThumbnailSvg } from './trace-thumbnail'

/**
 * The Results screen's view of the runs in a workspace, over the runs store: which runs a filter
 * keeps, their table, fits, comparisons, stage breakdowns and reports. Model and firmware facts are
 * filled in from the files the plans name, the first time a run is listed.
 */

export interface RunsListing {
  fields: MappedField[]
  rows: MappedRow[]
  /** Runs the filter kept, and the runs in the workspace. */
  rowCount: number
  total: number
  filteredOut: number
  categories: RunCategory[]
  /** Numeric fields at least one kept run has a number for (plot axes). */
  axes: string[]
  /** Text fields with two or more values among the kept runs (what groups can be made of). */
  groupFields: string[]
  stages: string[]
  notes: string[]
}

export interface RunsFitRequest extends Omit<FitOptions, 'filter'> {
  filter?: RunFilter
}

export interface RunsCompareRequest extends RunCompareOptions {
  filter?: RunFilter
}

export interface RunsReportRequest {
  filter?: RunFilter
  /** Runs by number or UUID; all runs the filter keeps when absent. */
  runs?: Array<string | number>
  group?: string[]
  baseline?: string
  pairBy?: string[]
  level?: number
  valueLabels?: ValueLabels
  title?: string
  /** Fits to plot (default: energy and latency against MACs). */
  plots?: Array<{ x: string; y: string; logX?: boolean; logY?: boolean }>
}

export class RunsResults {
  readonly store: RunsStore
  readonly facts: RunFactsStore

  constructor(private readonly db: Db) {
    this.store = new RunsStore(db)
    this.facts = new RunFactsStore(db)
  }

  /** Every run with its facts, files named by plans described first. */
  all(): { runs: RunWithFacts[]; notes: string[] } {
    const plans = (this.db.prepare('SELECT id, uuid, plan_json FROM runs').all() as Array<{ id: number; uuid: string; plan_json: string }>).map((r) => {
      let plan: unknown = null
      try {
        plan = JSON.parse(r.plan_json)
      } catch {
        // A plan that does not parse names no files; the run itself still lists.
      }
      return { id: r.id, uuid: r.uuid, plan }
    })
    const notes = this.facts.fillFromPlans(plans)
    const facts = this.facts.all()
    // Oldest first: run numbers read upward in tables and plots.
    const runs = this.store
      .list()
      .reverse()
      .map((r) => ({ ...r, facts: facts.get(r.uuid) ?? { model: null, firmware: null } }))
    return { runs, notes }
  }

  select(filter?: RunFilter, refs?: Array<string | number>): { runs: RunWithFacts[]; all: RunWithFacts[]; filteredOut: number; notes: string[] } {
    const { runs: all, notes } = this.all()
    let chosen = all
    if (refs?.length) {
      const ids = new Set(refs.map((ref) => this.store.get(ref).id))
      chosen = all.filter((r) => ids.has(r.id))
    }
    const { runs, filteredOut } = filterRuns(chosen, filter)
    return { runs, all, filteredOut: filteredOut + (all.length - chosen.length), notes }
  }

  table(filter?: RunFilter, refs?: Array<string | number>): { table: MappedTable; runs: RunWithFacts[]; filteredOut: number; notes: string[]; all: RunWithFacts[] } {
    const s = this.select(filter, refs)
    if (s.runs.length === 0) {
      throw new Error(s.all.length === 0 ? 'This workspace has no runs yet: run a plan (joulebench run --virtual, or the Runs screen), or merge a workspace that has some.' : `The filters leave none of the ${s.all.length} runs. Widen the filters.`)
    }
    return { ...s, table: runsMappedTable(s.runs, 'runs') }
  }

  listing(filter?: RunFilter, limit = 5000): RunsListing {
    const s = this.select(filter)
    const table = runsMappedTable(s.runs, 'runs')
    const axes = table.fields.filter((f) => table.rows.some((r) => typeof r.values[f.name] === 'number')).map((f) => f.name)
    const groupFields = (RUN_GROUP_FIELDS as readonly string[]).filter((name) => new Set(table.rows.map((r) => r.labels[name] ?? '')).size >= 2)
    return {
      fields: table.fields,
      rows: table.rows.slice(0, limit),
      rowCount: table.rows.length,
      total: s.all.length,
      filteredOut: s.filteredOut,
      categories: runCategories(s.all),
      axes,
      groupFields,
      stages: orderStages(s.runs.flatMap((r) => (r.summary?.stages ?? []).map((x) => x.stage))),
      notes: s.notes
    }
  }

  fit(request: RunsFitRequest): TableFitResult {
    const { filter, ...options } = request
    const { table, filteredOut } = this.table(filter)
    const fit = fitRuns(table, options)
    return { ...fit, filteredOut }
  }

  /** Per-inference figures of each run (per window where the run counts windows), for comparisons. */
  samples(runs: readonly RunWithFacts[]): Map<number, RunSamples> {
    const out = new Map<number, RunSamples>()
    for (const run of runs) {
      const s = run.summary
      if (!s) continue
      const r: RunSamples = { latencyS: [], energyJ: [], powerW: [] }
      const push = (list: number[], v: number | null) => {
        if (v !== null && Number.isFinite(v)) list.push(v)
      }
      if (s.basis === 'inferences') {
        for (const seg of this.store.segments(run.id, ['inference'])) {
          if (seg.role !== 'measured') continue
          push(r.latencyS, seg.durationS)
          push(r.energyJ, s.energySubtractsIdle ? seg.netEnergyJ : seg.energyJ)
          push(r.powerW, seg.averagePowerW)
        }
      } else {
        for (const seg of this.store.segments(run.id, ['window'])) {
          push(r.latencyS, seg.latencyPerInferenceS)
          push(r.energyJ, seg.energyPerInferenceJ)
          push(r.powerW, seg.averagePowerW)
        }
      }
      if (r.latencyS.length || r.energyJ.length || r.powerW.length) out.set(run.id, r)
    }
    return out
  }

  compare(request: RunsCompareRequest): TableComparison {
    const { table, runs, filteredOut } = this.table(request.filter)
    return { ...compareRuns(table, this.samples(runs), request), filteredOut }
  }

  stages(filter?: RunFilter, refs?: Array<string | number>): StageBreakdown {
    return stageBreakdown(this.select(filter, refs).runs)
  }

  private calibrations(ids: Array<string | null | undefined>): ReportCalibration[] {
    const store = new CalibrationStore(this.db)
    return [...new Set(ids.filter((i): i is string => typeof i === 'string'))].map((id) => {
      try {
        const c = store.get(id)
        return { id, found: true, family: c.family, serial: c.serial, model: c.model, performedAt: c.performedAt, dueAt: c.dueAt, verdict: c.verdict, inForce: c.inForce }
      } catch {
        return { id, found: false }
      }
    })
  }

  private trace(run: RunDetail): { recording: ReportRecording | null; svg: string | null; note: string | null } {
    if (run.recordingId === null) return { recording: null, svg: null, note: null }
    const store = new RecordingStore(this.db)
    let info
    try {
      info = store.get(run.recordingId)
    } catch {
      return { recording: null, svg: null, note: null }
    }
    const recording: ReportRecording = {
      id: info.id,
      uuid: info.uuid,
      name: info.name,
      startedAt: info.startedAt,
      state: info.state,
      samplePeriodS: info.samplePeriodS,
      sampleCount: info.sampleCount,
      gapSamples: info.gapSamples,
      supplyV: info.supplyV,
      calibrationId: info.calibrationId
    }
    try {
      const durationS = store.durationS(info)
      if (!(durationS > 0)) return { recording, svg: null, note: 'The recording holds no samples to draw.' }
      const view = store.view(info.id, 0, durationS, 900, 'current')
      const spans = run.segments.filter((s) => s.startS !== null && s.endS !== null).map((s) => ({ startS: s.startS!, endS: s.endS!, kind: s.kind, role: s.role }))
      return { recording, svg: renderTraceThumbnailSvg(view, spans, { idPrefix: `trace-${run.id}` }), note: null }
    } catch (e) {
      return { recording, svg: null, note: `The trace could not be drawn: ${(e as Error).message}` }
    }
  }

  /** A self-contained HTML report of one run. */
  runReport(ref: string | number): { html: string; fileName: string; runId: number } {
    const run = this.store.detail(ref)
    const facts = this.facts.get(run.uuid)
    const t = this.trace(run)
    const calIds = [...run.instruments.map((i) => i.calibration?.id), t.recording?.calibrationId]
    const stages = run.summary?.stages.length ? stageBreakdown([{ ...run, facts }], () => `#${run.id}`) : null
    const html = renderRunReport({
      generatedAt: new Date().toISOString(),
      softwareVersion: VERSION,
      run,
      facts,
      recording: t.recording,
      calibrations: this.calibrations(calIds),
      traceSvg: t.svg,
      stages,
      notes: t.note ? [t.note] : []
    })
    return { html, fileName: `run-${run.id}-report.html`, runId: run.id }
  }

  /** A self-contained HTML report comparing runs: ratios, fits, stage bars, the runs and what measured them. */
  comparisonReport(request: RunsReportRequest): { html: string; fileName: string; runIds: number[] } {
    const { table, runs, notes: loadNotes } = this.table(request.filter, request.runs)
    const group = request.group ?? []
    const notes = [...loadNotes]
    let comparison: TableComparison | null = null
    if (group.length) {
      try {
        comparison = compareRuns(table, this.samples(runs), { group, baseline: request.baseline, pairBy: request.pairBy, level: request.level, valueLabels: request.valueLabels })
      } catch (e) {
        notes.push(`No comparison: ${(e as Error).message}`)
      }
    }
    const plots: Array<{ spec: ReturnType<typeof fitPlotSpec>; fit: TableFitResult }> = []
    for (const p of request.plots ?? [
      { x: 'macs', y: 'energy' },
      { x: 'macs', y: 'latency' }
    ]) {
      try {
        const fit = fitRuns(table, { x: p.x, y: p.y, group, level: request.level, valueLabels: request.valueLabels })
        if (!fit.groups.some((g) => g.fit)) {
          notes.push(`No plot of ${p.y} against ${p.x}: no group has two runs with different ${p.x} to fit a line through.`)
          continue
        }
        plots.push({ fit, spec: fitPlotSpec(fit, { logX: p.logX, logY: p.logY, theme: 'light' }) })
      } catch (e) {
        notes.push(`No plot of ${p.y} against ${p.x}: ${(e as Error).message}`)
      }
    }
    const stages = stageBreakdown(runs)
    const byInstrument = new Map<string, { analyzer: string; calibration: string; runs: number[] }>()
    for (const r of runs) {
      const a = r.instruments.find((i) => i.role === 'analyzer')
      const calibration = a?.calibration ? (a.calibration.id ?? 'none in force (factory)') : '—'
      const key = `${analyzerLabel(r)}\0${calibration}`
      const e = byInstrument.get(key) ?? { analyzer: analyzerLabel(r), calibration, runs: [] }
      e.runs.push(r.id)
      byInstrument.set(key, e)
    }
    const filter = Object.entries(request.filter ?? {})
    const selection = [
      `${runs.length} run${runs.length === 1 ? '' : 's'}${request.runs?.length ? ` chosen by number (${request.runs.join(', ')})` : ''}`,
      filter.length ? `kept by ${filter.map(([k, v]) => `${k} ∈ {${v.join(', ')}}`).join('; ')}` : '',
      group.length ? `grouped by ${group.join(', ')}` : ''
    ]
      .filter(Boolean)
      .join(', ')
    const html = renderRunsComparisonReport({
      title: request.title ?? (group.length ? `Runs compared by ${group.join(', ')}` : `Runs (${runs.length})`),
      generatedAt: new Date().toISOString(),
      softwareVersion: VERSION,
      selection: `${selection}.`,
      comparison,
      plots,
      stages: stages.bars.length ? stages : null,
      runs: runsSummaryTable(table),
      instruments: [...byInstrument.values()],
      notes
    })
    return { html, fileName: `runs-${group.length ? `by-${group.join('-')}` : 'report'}.html`.replace(/[^A-Za-z0-9._-]+/g, '-'), runIds: runs.map((r) => r.id) }
  }
}
