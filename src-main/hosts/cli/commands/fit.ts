import { readFile } from 'node:fs/promises'
import { basename } from 'node:path'
import { ratioOfSlopes, type Ratio } from '../../../analysis/compare'
import { fitMappedTable, type TableFit } from '../../../analysis/regression-table'
import { parseCsv } from '../../../formats/table-csv'
import { applyTableMapping, mappingFromOptions, suggestMapping, type MappedField, type TableMapping } from '../../../formats/table-mapping'
import { loadTableMapping, saveTableMapping } from '../../../formats/table-mapping-store'
import { numberOption, UserError, type CliCommand, type CliContext } from '../command'
import { table } from './model'
import { fitOverRuns } from './fit-runs'

const SI_PREFIXES: Array<[number, string]> = [
  [1e-15, 'f'],
  [1e-12, 'p'],
  [1e-9, 'n'],
  [1e-6, 'µ'],
  [1e-3, 'm'],
  [1, ''],
  [1e3, 'k'],
  [1e6, 'M'],
  [1e9, 'G']
]

/** 2.093e-8 J → "20.93 nJ": the prefix that puts the number between 1 and 1000. */
export function withSiPrefix(value: number, unit: string, digits = 4): string {
  if (!Number.isFinite(value) || value === 0) return `${value} ${unit}`
  const a = Math.abs(value)
  let chosen = SI_PREFIXES[0]
  for (const p of SI_PREFIXES) if (a >= p[0]) chosen = p
  return `${(value / chosen[0]).toPrecision(digits)} ${chosen[1]}${unit}`
}

function unitOf(f: MappedField): string {
  if (f.unit) return f.unit
  return f.name === 'macs' ? 'MAC' : ''
}

function slopeUnit(fit: TableFit): string {
  const y = unitOf(fit.y) || '1'
  const x = unitOf(fit.x)
  return x ? `${y}/${x}` : y
}

/** Every other group's slope over the first group's, with its interval: how the groups compare per unit of x. */
function slopeRatios(fit: TableFit): Array<{ key: string; baseline: string } & Ratio> {
  const fitted = fit.groups.filter((g) => g.fit)
  if (fitted.length < 2) return []
  const base = fitted[0]
  return fitted.slice(1).map((g) => ({ key: g.key, baseline: base.key, ...ratioOfSlopes(g.fit!, base.fit!, g.fit!.level) }))
}

export function jsonDocument(fit: TableFit, mapping: TableMapping | null, saved: string | null, withBand: boolean) {
  return {
    source: fit.source,
    x: fit.x,
    y: fit.y,
    group: fit.group,
    slopeUnit: slopeUnit(fit),
    interceptUnit: unitOf(fit.y) || null,
    rowsUsed: fit.rowsUsed,
    rowsSkipped: fit.rowsSkipped,
    excludedRows: fit.excludedRows,
    notes: fit.notes,
    mapping,
    mappingSavedAs: saved,
    slopeRatios: slopeRatios(fit),
    groups: fit.groups.map((g) => ({
      key: g.key,
      labels: g.labels,
      n: g.points.length,
      problem: g.problem,
      ...(g.fit
        ? {
            slope: g.fit.slope,
            intercept: g.fit.intercept,
            r2: g.fit.r2,
            slopeStdErr: g.fit.slopeStdErr,
            interceptStdErr: g.fit.interceptStdErr,
            residualStdErr: g.fit.residualStdErr,
            level: g.fit.level,
            slopeInterval: g.fit.slopeInterval,
            interceptInterval: g.fit.interceptInterval,
            xMin: g.fit.xMin,
            xMax: g.fit.xMax
          }
        : {}),
      ...(withBand ? { points: g.points, band: g.band } : {})
    }))
  }
}

export function humanText(fit: TableFit, fileName: string, mappingNote: string, rowNoun = 'rows'): string {
  const yUnit = unitOf(fit.y)
  const xUnit = unitOf(fit.x)
  const lines = [
    `Least-squares fit of ${fit.y.name} (${fit.y.origin}) against ${fit.x.name} (${fit.x.origin})${fit.group.length ? `, per ${fit.group.join(', ')}` : ''}`,
    `${fileName}: ${fit.rowsUsed} ${rowNoun} used${fit.excludedRows ? `, ${fit.excludedRows} excluded` : ''}${fit.rowsSkipped ? `, ${fit.rowsSkipped} without numbers skipped` : ''}; ${mappingNote}`,
    ''
  ]
  const level = Math.round((fit.groups.find((g) => g.fit)?.fit?.level ?? 0.95) * 100)
  const su = slopeUnit(fit)
  const rows = fit.groups.map((g) => {
    const f = g.fit
    if (!f) return [g.key, String(g.points.length), '-', '-', '-', '-', '-', g.problem ?? '']
    const human = (v: number) => (yUnit ? withSiPrefix(v, `${yUnit}${xUnit ? '/' + xUnit : ''}`) : v.toPrecision(4))
    const ci = f.slopeInterval ? `[${human(f.slopeInterval[0])}, ${human(f.slopeInterval[1])}]` : '-'
    return [
      g.key,
      String(f.n),
      f.slope.toExponential(4),
      human(f.slope),
      ci,
      f.intercept.toExponential(3),
      f.r2 === null ? '-' : f.r2.toFixed(3),
      ''
    ]
  })
  lines.push(
    ...table(['group', 'n', `slope (${su})`, 'slope', `${level} % CI of slope`, `intercept (${yUnit || '1'})`, 'R²', ''], rows, [false, true, true, true, false, true, true, false])
  )
  const ratios = slopeRatios(fit)
  if (ratios.length) {
    const show = (r: Ratio) => `${r.ratio.toPrecision(3)}×${r.lower !== null && r.upper !== null ? ` [${r.lower.toPrecision(3)}, ${r.upper.toPrecision(3)}]` : ''}`
    lines.push('', `Slope relative to ${ratios[0].baseline}: ${ratios.map((r) => `${r.key} ${show(r)}`).join(', ')}`)
  }
  for (const n of fit.notes) lines.push(`note: ${n}`)
  return lines.join('\n')
}

const splitList = (text: string) => text.split(',').map((s) => s.trim()).filter(Boolean)

async function readTable(path: string) {
  let text: string
  try {
    text = await readFile(path, 'utf8')
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code
    throw new UserError(`Cannot read ${path}: ${code === 'ENOENT' ? 'no such file' : (e as Error).message}. Check the path given to --from-csv.`)
  }
  return parseCsv(text, path)
}

/** The mapping given on the command line (to be saved once it has worked), else the saved one, else a guess. */
function chooseMapping(ctx: CliContext, values: Record<string, unknown>, header: string[]): { mapping: TableMapping; save: boolean; note: string } {
  const given = ['map', 'base', 'primitive', 'exclude'].some((k) => typeof values[k] === 'string')
  const suggestion = suggestMapping(header)
  if (given) {
    const mine = mappingFromOptions({
      map: values.map as string | undefined,
      base: values.base as string | undefined,
      primitive: values.primitive as string | undefined,
      exclude: values.exclude as string | undefined
    })
    const mapping: TableMapping = { ...mine, columns: { ...suggestion.columns, ...mine.columns } }
    // The axes chosen with this mapping become its defaults, so the next file of this shape needs no options.
    if (typeof values.x === 'string') mapping.x = values.x
    if (typeof values.y === 'string') mapping.y = values.y
    if (typeof values.group === 'string') mapping.group = splitList(values.group)
    // Drop a guessed field whose column the user mapped to something else.
    for (const [field, column] of Object.entries(suggestion.columns)) {
      if (!(field in mine.columns) && Object.values(mine.columns).includes(column)) delete mapping.columns[field]
    }
    return { mapping, save: true, note: `mapping saved for this table shape in ${ctx.dbPath}` }
  }
  const stored = loadTableMapping(ctx.workspace(), header)
  if (stored) return { mapping: stored.mapping, save: false, note: `mapping saved ${stored.updatedAt} from ${stored.sourceName ?? 'another file'} with the same columns` }
  return { mapping: suggestion, save: false, note: 'no saved mapping for these columns; energy, latency and power guessed from the units in the headings' }
}

export const fitCommand: CliCommand = {
  name: 'fit',
  summary: 'Least-squares fit (slope, intercept, R², 95 % intervals) of one measure against another, per group',
  usage: '--x FIELD --y FIELD [--group FIELD[,FIELD]] --from-csv FILE [--map field=Column,…] [--base hy=…,wy=…,k=…,cx=…,cy=…,g=…] [--primitive P] [--exclude Column=value[;value]] [--level 0.95] [--band] [--json]',
  help: [
    'Fits y = intercept + slope·x by ordinary least squares for each group, with standard errors, Student t',
    'confidence intervals and R². Slopes are printed in SI (J/MAC, s/MAC) and, in text, with a prefix (nJ/MAC).',
    '',
    'FIELDs are our names — energy, latency, power, macs — or column names of the table. --map binds fields to',
    'columns: energy=Consumption (J), primitive=Layer type (Conv, GroupConv, DepthwiseConv, ShiftConv, AddConv),',
    'and the layer parameters hy, wy (output height, width), k (kernel), cx, cy (input, output channels), g (groups).',
    'MACs are derived per row from the primitive and the layer parameters: a parameter\'s column when mapped',
    '(the swept one), otherwise --base (the sweep\'s base layer). Units in headings ("(mJ)", "(ms)") are converted.',
    'A mapping given once is saved in the workspace for tables with the same columns and reused when --map is left out.',
    '',
    'Example (the convolution-primitive study, energy per MAC of each implementation):',
    '  joulebench fit --from-csv Filters_Latency_And_Energy.csv --x macs --y energy --group DSP \\',
    '    --map "primitive=Layer type,cy=Filters" --base hy=32,wy=32,cx=16,cy=16,k=3,g=2 --exclude "Layer type=AddConv"',
    '',
    'Without --from-csv, the fit is over the runs recorded in the workspace, one point per run (its mean per',
    'inference): x = macs, params, weightBytes, flashBytes …; y = energy, latency, power …; --group a tag',
    '(device, implementation, model …); --filter KEY=VALUE keeps runs as in joulebench results:',
    '  joulebench fit --x macs --y energy --group implementation --filter device=NUCLEO-F401RE'
  ].join('\n'),
  options: {
    x: { type: 'string' },
    y: { type: 'string' },
    group: { type: 'string' },
    'from-csv': { type: 'string' },
    map: { type: 'string' },
    base: { type: 'string' },
    primitive: { type: 'string' },
    exclude: { type: 'string' },
    level: { type: 'string' },
    band: { type: 'boolean', default: false },
    filter: { type: 'string', multiple: true }
  },
  async run(ctx, values, positionals) {
    if (positionals.length > 0) throw new UserError(`fit takes no positional arguments, got "${positionals[0]}". Give the table with --from-csv FILE.`)
    const path = values['from-csv'] as string | undefined
    const level = numberOption(values, 'level', 0.95)!
    if (!(level > 0 && level < 1)) throw new UserError(`--level must lie between 0 and 1 (e.g. 0.95), got ${level}.`)
    if (!path) return fitOverRuns(ctx, values, level)
    if (values.filter !== undefined) throw new UserError('--filter keeps runs: it applies to fits over runs (without --from-csv). For a table, exclude rows with --exclude Column=value.', 2)
    const csv = await readTable(path)
    const fileName = basename(path)
    const { mapping, save, note } = chooseMapping(ctx, values, csv.header)
    const x = (values.x as string | undefined) ?? mapping.x
    const y = (values.y as string | undefined) ?? mapping.y
    if (!x || !y) throw new UserError(`fit needs --x and --y (fields such as macs, energy, latency, power, or column names of ${fileName}: ${csv.header.join(', ')}).`)
    const group = typeof values.group === 'string' ? splitList(values.group) : (mapping.group ?? [])
    const mapped = applyTableMapping(csv, mapping)
    const fit = fitMappedTable(mapped, { x, y, group, level, bandPoints: values.band ? 50 : 0 })
    // Saved only after it has produced a fit, so a mistyped mapping is not remembered.
    const saved = save ? saveTableMapping(ctx.workspace(), csv.header, mapping, fileName) : null
    ctx.report(jsonDocument(fit, mapping, saved, values.band === true), () => humanText(fit, fileName, note))
  }
}
