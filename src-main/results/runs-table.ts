import type { MappedField, MappedRow, MappedTable } from '../formats/table-mapping'
import type { SiUnit } from '../formats/table-units'
import type { RunInfo, RunInstrument } from '../runs/runs-store'
import type { Summary } from '../analysis/statistics'
import type { RunFacts } from './run-facts'
import { rowsTable, type ExportTable } from './table-export'
import { formatSi } from '../units/si'

/**
 * Recorded runs as the same mapped-table shape a published table becomes, one row per run, so the
 * fits, comparisons, exports and reports written for published tables work on runs unchanged. Values
 * are SI (s, J, W, Hz; counts for MACs and parameters; bytes in fields named …Bytes). Pure code.
 */

export type RunWithFacts = RunInfo & { facts: RunFacts }

/** Tag key (as in run_tags) or run property → the values kept. Values of one key are alternatives; keys must all match. */
export type RunFilter = Record<string, string[]>

/** The plan tags, in the order the Results screen offers them. */
export const RUN_TAG_KEYS = ['device', 'accelerator', 'model', 'primitive', 'implementation', 'clockHz', 'compilerFlags'] as const
/** What a run can be filtered by besides its tags: `tag` is any free tag. */
export const RUN_FILTER_KEYS = [...RUN_TAG_KEYS, 'tag', 'state', 'mode', 'analyzer'] as const

/** Stages in the order of one inference on a μNPU (seed A): other names follow in order of appearance. */
export const STAGE_ORDER = ['init', 'memory', 'inference', 'post'] as const

export function orderStages(names: Iterable<string>): string[] {
  const seen = [...new Set(names)]
  const known = STAGE_ORDER.filter((s) => seen.includes(s)) as string[]
  return [...known, ...seen.filter((s) => !known.includes(s))]
}

/** The analyzer a run measured with, as people name it ("Nordic Power Profiler Kit II (virtual)"). */
export function analyzerOf(run: Pick<RunInfo, 'instruments'>): RunInstrument | null {
  return run.instruments.find((i) => i.role === 'analyzer') ?? null
}

export function analyzerLabel(run: Pick<RunInfo, 'instruments'>): string {
  const a = analyzerOf(run)
  if (!a) return 'none'
  return `${a.identity.model}${a.identity.serial ? ` ${a.identity.serial}` : ''}${a.identity.virtual ? ' (virtual)' : ''}`
}

/** Values of one key for a run: a key may hold several (free tags). */
export function runValues(run: RunInfo, key: string): string[] {
  switch (key) {
    case 'tag':
      return run.tags.free ?? []
    case 'state':
      return [run.state]
    case 'mode':
      return [run.mode]
    case 'analyzer':
      return [analyzerLabel(run)]
    case 'model':
      return [run.tags.model ?? run.model.name]
    default: {
      const v = (run.tags as Record<string, unknown>)[key]
      return v === undefined || v === null || v === '' ? [] : [String(v)]
    }
  }
}

export class RunFilterError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'RunFilterError'
  }
}

export function filterRuns<T extends RunInfo>(runs: readonly T[], filter: RunFilter | undefined): { runs: T[]; filteredOut: number } {
  const rules = Object.entries(filter ?? {})
  for (const [key] of rules) {
    if (!(RUN_FILTER_KEYS as readonly string[]).includes(key)) {
      throw new RunFilterError(`Runs cannot be filtered by "${key}": filter by ${RUN_FILTER_KEYS.join(', ')} (tag = a free tag of the plan).`)
    }
  }
  const kept = runs.filter((run) => rules.every(([key, values]) => runValues(run, key).some((v) => values.includes(v))))
  return { runs: kept, filteredOut: runs.length - kept.length }
}

export interface RunCategory {
  name: string
  values: Array<{ label: string; rows: number }>
}

/** Every filter key with the values the runs hold and how many runs hold each (the filter chips). */
export function runCategories(runs: readonly RunInfo[]): RunCategory[] {
  const out: RunCategory[] = []
  for (const key of RUN_FILTER_KEYS) {
    const counts = new Map<string, number>()
    for (const run of runs) for (const v of new Set(runValues(run, key))) counts.set(v, (counts.get(v) ?? 0) + 1)
    if (counts.size === 0) continue
    const values = [...counts].map(([label, rows]) => ({ label, rows })).sort((a, b) => a.label.localeCompare(b.label, 'en', { numeric: true }))
    out.push({ name: key, values })
  }
  return out
}

/** The text fields of a run row: what groups, filters and labels read. */
const TEXT_FIELDS: Array<[string, string]> = [
  ['run', 'run number'],
  ['uuid', 'run UUID'],
  ['name', 'run name'],
  ['state', 'run state'],
  ['mode', 'plan mode'],
  ['device', 'tag device'],
  ['accelerator', 'tag accelerator'],
  ['model', 'tag model, else the plan model name'],
  ['primitive', 'tag primitive'],
  ['implementation', 'tag implementation'],
  ['compilerFlags', 'tag compilerFlags'],
  ['tags', 'free tags of the plan'],
  ['analyzer', 'the analyzer the run measured with'],
  ['calibration', 'calibration record in force on the analyzer'],
  ['recording', 'recording UUID'],
  ['modelFile', 'model file described for the run'],
  ['firmwareFile', 'firmware image described for the run'],
  ['startedAt', 'start (UTC)'],
  ['softwareVersion', 'Joulebench version that ran it']
]

/** Numeric fields every run row has: name, unit, where it comes from. */
const NUMBER_FIELDS: Array<[string, SiUnit | null, string]> = [
  ['macs', null, 'plan model MACs'],
  ['params', null, 'plan model parameters, else the model file'],
  ['clockHz', 'Hz', 'tag clockHz'],
  ['n', null, 'measured inferences (or windows) in the statistics'],
  ['latency', 's', 'mean latency per inference'],
  ['latencyLow', 's', 'latency per inference, CI low'],
  ['latencyHigh', 's', 'latency per inference, CI high'],
  ['energy', 'J', 'mean energy per inference (net of idle when the plan subtracts it)'],
  ['energyLow', 'J', 'energy per inference, CI low'],
  ['energyHigh', 'J', 'energy per inference, CI high'],
  ['power', 'W', 'mean average power during inference'],
  ['powerLow', 'W', 'average power, CI low'],
  ['powerHigh', 'W', 'average power, CI high'],
  ['netEnergy', 'J', 'mean energy per inference above the idle baseline'],
  ['peakPower', 'W', 'mean peak power of an inference'],
  ['idlePower', 'W', 'idle baseline power'],
  ['dutLatency', 's', "latency per inference from the DUT's own timestamps"],
  ['weightBytes', null, 'model file: bytes of parameters'],
  ['peakActivationBytes', null, 'model file: peak activation memory (estimate)'],
  ['modelFileBytes', null, 'model file size'],
  ['flashBytes', null, 'firmware: text + rodata + data'],
  ['ramBytes', null, 'firmware: data + bss']
]

function facts(run: RunWithFacts) {
  const m = run.facts.model?.facts
  const fw = run.facts.firmware?.facts
  const tflite = m && m.kind === 'tflite' ? m : null
  return {
    params: run.model.params ?? tflite?.params ?? null,
    weightBytes: tflite?.paramBytes ?? null,
    peakActivationBytes: tflite?.peakActivationBytes ?? null,
    modelFileBytes: run.facts.model ? run.facts.model.fileBytes : null,
    flashBytes: fw && fw.kind === 'elf' ? fw.flashBytes : null,
    ramBytes: fw && fw.kind === 'elf' ? fw.ramBytes : null
  }
}

const mean = (s: Summary | null | undefined) => s?.mean ?? null
const low = (s: Summary | null | undefined) => s?.ci?.low ?? null
const high = (s: Summary | null | undefined) => s?.ci?.high ?? null

/** One run's numbers by field name (SI), stage figures included as stage.NAME.latency / stage.NAME.energy. */
export function runNumbers(run: RunWithFacts): Record<string, number | null> {
  const s = run.summary
  const f = facts(run)
  const clock = run.tags.clockHz
  const out: Record<string, number | null> = {
    macs: run.model.macs,
    params: f.params,
    clockHz: typeof clock === 'number' && Number.isFinite(clock) ? clock : null,
    n: s ? s.n : null,
    latency: mean(s?.latencyPerInferenceS),
    latencyLow: low(s?.latencyPerInferenceS),
    latencyHigh: high(s?.latencyPerInferenceS),
    energy: mean(s?.energyPerInferenceJ),
    energyLow: low(s?.energyPerInferenceJ),
    energyHigh: high(s?.energyPerInferenceJ),
    power: mean(s?.averagePowerW),
    powerLow: low(s?.averagePowerW),
    powerHigh: high(s?.averagePowerW),
    netEnergy: mean(s?.netEnergyJ),
    peakPower: mean(s?.peakPowerW),
    idlePower: s?.baseline?.powerW ?? null,
    dutLatency: mean(s?.dutLatencyPerInferenceS),
    weightBytes: f.weightBytes,
    peakActivationBytes: f.peakActivationBytes,
    modelFileBytes: f.modelFileBytes,
    flashBytes: f.flashBytes,
    ramBytes: f.ramBytes
  }
  for (const st of s?.stages ?? []) {
    out[`stage.${st.stage}.latency`] = st.latencyS.mean
    out[`stage.${st.stage}.energy`] = (s!.energySubtractsIdle ? st.netEnergyJ?.mean : null) ?? st.energyJ.mean
  }
  return out
}

export function runLabels(run: RunWithFacts): Record<string, string> {
  const analyzer = analyzerOf(run)
  const one = (key: string) => runValues(run, key)[0] ?? ''
  return {
    run: String(run.id),
    uuid: run.uuid,
    name: run.name,
    state: run.state,
    mode: run.mode,
    device: one('device'),
    accelerator: one('accelerator'),
    model: one('model'),
    primitive: one('primitive'),
    implementation: one('implementation'),
    clockHz: one('clockHz'),
    compilerFlags: one('compilerFlags'),
    tags: (run.tags.free ?? []).join(', '),
    analyzer: analyzerLabel(run),
    calibration: analyzer?.calibration?.id ?? '',
    recording: run.recordingUuid ?? '',
    modelFile: run.facts.model?.fileName ?? '',
    firmwareFile: run.facts.firmware?.fileName ?? '',
    startedAt: run.startedAt,
    softwareVersion: run.softwareVersion
  }
}

/** Runs as a mapped table: one row per run (row.line is the run's number), fields as listed above plus every stage seen. */
export function runsMappedTable(runs: readonly RunWithFacts[], source = 'runs'): MappedTable {
  const fields: MappedField[] = []
  for (const [name, origin] of TEXT_FIELDS) fields.push({ name, column: name, unit: null, origin })
  for (const [name, unit, origin] of NUMBER_FIELDS) fields.push({ name, column: name, unit, origin })
  const stages = orderStages(runs.flatMap((r) => (r.summary?.stages ?? []).map((s) => s.stage)))
  for (const st of stages) {
    fields.push({ name: `stage.${st}.latency`, column: `stage.${st}.latency`, unit: 's', origin: `stage ${st}: mean duration` })
    fields.push({ name: `stage.${st}.energy`, column: `stage.${st}.energy`, unit: 'J', origin: `stage ${st}: mean energy` })
  }
  const rows: MappedRow[] = runs.map((run) => {
    const numbers = runNumbers(run)
    const values: Record<string, number | null> = {}
    for (const f of fields) if (f.unit !== null || NUMBER_FIELDS.some(([n]) => n === f.name)) values[f.name] = numbers[f.name] ?? null
    return { line: run.id, values, labels: runLabels(run) }
  })
  return { source, fields, rows, excludedRows: 0, notes: [] }
}

/** The fields runs can be plotted by (numbers), and grouped by (text with repeated values). */
export const RUN_AXIS_FIELDS = NUMBER_FIELDS.map(([name]) => name)
export const RUN_GROUP_FIELDS = ['device', 'accelerator', 'model', 'primitive', 'implementation', 'clockHz', 'compilerFlags', 'analyzer', 'mode', 'state', 'name'] as const

/**
 * Names for the values of the group fields: the values themselves, so a group reads "SIMD" rather
 * than "implementation=SIMD" (tags are already words). Names the user gave win.
 */
export function defaultRunValueLabels(table: MappedTable, given?: Record<string, Record<string, string>>): Record<string, Record<string, string>> {
  const out: Record<string, Record<string, string>> = {}
  for (const key of RUN_GROUP_FIELDS) {
    const names: Record<string, string> = {}
    for (const row of table.rows) {
      const v = row.labels[key]
      if (v) names[v] = key === 'clockHz' && Number.isFinite(Number(v)) ? `${Number(v) / 1e6} MHz` : v
    }
    out[key] = { ...names, ...(given?.[key] ?? {}) }
  }
  for (const [k, v] of Object.entries(given ?? {})) if (!(k in out)) out[k] = v
  return out
}

/** The columns of a runs export: the run, its tags, model facts and headline figures (SI, units in headings). */
export function runsExportTable(table: Pick<MappedTable, 'fields' | 'rows'>): ExportTable {
  const t = rowsTable(table.fields, table.rows)
  // The row's "line" is the run number, which the run field already holds.
  return { columns: t.columns.filter((c) => c.key !== '#line'), records: t.records }
}

/** A run's figure as people read it: "619.0 µJ ± 38 nJ" (mean ± CI half-width), or the mean alone. */
function meanWithCi(row: MappedRow, name: string, unit: string): string {
  const m = row.values[name]
  if (m === null || m === undefined) return '—'
  const lo = row.values[`${name}Low`]
  const hi = row.values[`${name}High`]
  return lo !== null && lo !== undefined && hi !== null && hi !== undefined ? `${formatSi(m, unit, 4)} ± ${formatSi((hi - lo) / 2, unit, 3)}` : formatSi(m, unit, 4)
}

/** The runs as a report lists them: a page wide, figures formatted (the exports keep every field in SI). */
export function runsSummaryTable(table: Pick<MappedTable, 'rows'>): ExportTable {
  const columns = [
    { key: 'run', label: '#' },
    { key: 'name', label: 'name' },
    { key: 'device', label: 'device' },
    { key: 'model', label: 'model' },
    { key: 'implementation', label: 'implementation' },
    { key: 'macs', label: 'MACs' },
    { key: 'n', label: 'n' },
    { key: 'energy', label: 'energy / inference (95 % CI)' },
    { key: 'latency', label: 'latency / inference (95 % CI)' },
    { key: 'power', label: 'power' },
    { key: 'analyzer', label: 'analyzer' }
  ]
  const records = table.rows.map((row) => ({
    run: row.line,
    name: row.labels.name,
    device: row.labels.device,
    model: row.labels.model,
    implementation: row.labels.implementation,
    macs: row.values.macs != null ? row.values.macs.toLocaleString('en-US') : '—',
    n: row.values.n ?? null,
    energy: meanWithCi(row, 'energy', 'J'),
    latency: meanWithCi(row, 'latency', 's'),
    power: formatSi(row.values.power, 'W', 4),
    analyzer: row.labels.analyzer
  }))
  return { columns, records }
}
