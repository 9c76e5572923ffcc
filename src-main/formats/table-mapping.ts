import { z } from 'zod'
import {
  CONV_PARAMETERS,
  CONV_PRIMITIVES,
  convolutionMacs,
  MacCalculatorError,
  parseConvPrimitive,
  type ConvLayerShape,
  type ConvParameterName,
  type ConvPrimitive
} from '../models/mac-calculator'
import { parseNumberCell, TableFormatError, type CsvTable } from './table-csv'
import { FIELD_UNITS, unitFromHeader, type SiUnit } from './table-units'

/**
 * How a published table's columns become our fields. Saved per table shape (its set of column names),
 * so the second file of the same study imports without asking again.
 *
 * Field names: `energy`, `latency`, `power`, `current`, `voltage`, `frequency`, `macs`, `primitive`
 * (the layer type), the layer parameters `hy wy k cx cy g` (output height and width, kernel, input and
 * output channels, groups), or any other name (e.g. `variant`). When `macs` is not a column it is
 * derived per row from the primitive and the layer parameters: a parameter's column when it has one
 * (the swept parameter), otherwise the sweep's base layer.
 */
export const TableMappingSchema = z.object({
  columns: z.record(z.string(), z.string()),
  base: z.partialRecord(z.enum(Object.keys(CONV_PARAMETERS) as [ConvParameterName, ...ConvParameterName[]]), z.number().int().positive()).optional(),
  primitive: z.enum(CONV_PRIMITIVES).optional(),
  exclude: z.record(z.string(), z.array(z.string())).optional(),
  x: z.string().optional(),
  y: z.string().optional(),
  group: z.array(z.string()).optional()
})
export type TableMapping = z.infer<typeof TableMappingSchema>

export interface MappedField {
  name: string
  /** The column it comes from, or null for derived fields. */
  column: string | null
  unit: SiUnit | null
  /** How it was obtained, for a human: "Consumption (J)", "derived: MAC formula", "guessed from unit". */
  origin: string
}

export interface MappedRow {
  /** 1-based line in the source file. */
  line: number
  /** Numbers in SI (null where the cell is empty or not a number, or a derivation lacked an input). */
  values: Record<string, number | null>
  /** Every column's text, and text fields such as primitive. */
  labels: Record<string, string>
}

export interface MappedTable {
  source: string
  fields: MappedField[]
  rows: MappedRow[]
  /** Rows left out by the mapping's exclude rules. */
  excludedRows: number
  /** Problems met while deriving values, one line each (first few only), with a total. */
  notes: string[]
}

export class TableMappingError extends Error {
  constructor(
    message: string,
    readonly source: string
  ) {
    super(message)
    this.name = 'TableMappingError'
  }
}

const TEXT_FIELDS = new Set(['primitive'])

/**
 * A first guess at a mapping from the header alone: energy, latency and power from columns whose
 * heading carries a unit of J, s or W, when exactly one column does.
 */
export function suggestMapping(header: readonly string[]): TableMapping {
  const columns: Record<string, string> = {}
  for (const [field, unit] of Object.entries(FIELD_UNITS)) {
    if (!unit) continue
    const matches = header.filter((h) => unitFromHeader(h)?.unit === unit)
    if (matches.length === 1) columns[field] = matches[0]
  }
  return { columns }
}

/** Resolve a field or column name against the table: a mapped field, a derived field, or a raw column. */
export function resolveName(mapped: MappedTable, name: string): MappedField | null {
  return mapped.fields.find((f) => f.name === name) ?? mapped.fields.find((f) => f.column === name) ?? null
}

export function applyTableMapping(table: CsvTable, mapping: TableMapping): MappedTable {
  const source = table.source
  const colIndex = (column: string, what: string): number => {
    const i = table.header.indexOf(column)
    if (i < 0) {
      throw new TableMappingError(
        `${source}: ${what} names the column "${column}", which the table does not have (columns: ${table.header.join(', ')}). Check the spelling, quotes and spaces.`,
        source
      )
    }
    return i
  }
  for (const [column] of Object.entries(mapping.exclude ?? {})) colIndex(column, `the exclude rule`)

  const fields: MappedField[] = []
  const numeric = new Map<string, { index: number; toSi: number }>()
  const text = new Map<string, number>()
  for (const [name, column] of Object.entries(mapping.columns)) {
    const index = colIndex(column, `the mapping ${name}=${column}`)
    if (TEXT_FIELDS.has(name)) {
      text.set(name, index)
      fields.push({ name, column, unit: null, origin: column })
      continue
    }
    const headerUnit = unitFromHeader(column)
    const expected = FIELD_UNITS[name]
    if (expected && headerUnit && headerUnit.unit !== expected) {
      throw new TableMappingError(
        `${source}: ${name} is measured in ${expected}, but the column "${column}" is in ${headerUnit.written}. Map ${name} to a column in ${expected} (or a prefixed ${expected}).`,
        source
      )
    }
    numeric.set(name, { index, toSi: headerUnit?.toSi ?? 1 })
    fields.push({ name, column, unit: headerUnit?.unit ?? expected ?? null, origin: column })
  }
  // Unmapped columns stay reachable by their own name (a group by "DSP", an x of "Filters").
  const mappedColumns = new Set(Object.values(mapping.columns))
  table.header.forEach((column, index) => {
    if (mappedColumns.has(column)) return
    const u = unitFromHeader(column)
    numeric.set(column, { index, toSi: u?.toSi ?? 1 })
    fields.push({ name: column, column, unit: u?.unit ?? null, origin: column })
  })

  const deriveMacs = !('macs' in mapping.columns)
  const primitiveFixed = mapping.primitive ?? null
  const hasPrimitive = primitiveFixed !== null || text.has('primitive')
  const paramSources = Object.keys(CONV_PARAMETERS).map((p) => p as ConvParameterName)
  const canDeriveMacs = deriveMacs && hasPrimitive && paramSources.every((p) => p === 'g' || numeric.has(p) || mapping.base?.[p] !== undefined)
  if (canDeriveMacs) fields.push({ name: 'macs', column: null, unit: null, origin: 'derived: MAC formula of the primitive and layer parameters' })
  const derivePower = !numeric.has('power') && numeric.has('energy') && numeric.has('latency')
  if (derivePower) fields.push({ name: 'power', column: null, unit: 'W', origin: 'derived: energy / latency' })
  const deriveEnergy = !numeric.has('energy') && numeric.has('power') && numeric.has('latency')
  if (deriveEnergy) fields.push({ name: 'energy', column: null, unit: 'J', origin: 'derived: power × latency' })

  const problems: string[] = []
  let problemCount = 0
  const note = (s: string) => {
    problemCount++
    if (problems.length < 5) problems.push(s)
  }
  const rows: MappedRow[] = []
  let excludedRows = 0
  table.rows.forEach((cells, r) => {
    const line = table.rowLines[r]
    for (const [column, values] of Object.entries(mapping.exclude ?? {})) {
      const cell = cells[table.header.indexOf(column)].trim()
      if (values.some((v) => sameLabel(v, cell))) {
        excludedRows++
        return
      }
    }
    const labels: Record<string, string> = {}
    table.header.forEach((h, i) => (labels[h] = normalizeLabel(cells[i])))
    for (const [name, index] of text) labels[name] = cells[index].trim()
    const values: Record<string, number | null> = {}
    for (const [name, { index, toSi }] of numeric) {
      const v = parseNumberCell(cells[index])
      values[name] = v === null ? null : v * toSi
    }
    if (canDeriveMacs) values.macs = rowMacs(values, labels, mapping, primitiveFixed, line, note)
    if (derivePower) values.power = values.energy != null && values.latency ? values.energy / values.latency : null
    if (deriveEnergy) values.energy = values.power != null && values.latency != null ? values.power * values.latency : null
    rows.push({ line, values, labels })
  })
  const notes = [...problems]
  if (problemCount > problems.length) notes.push(`… and ${problemCount - problems.length} more`)
  return { source, fields, rows, excludedRows, notes }
}

function rowMacs(
  values: Record<string, number | null>,
  labels: Record<string, string>,
  mapping: TableMapping,
  fixed: ConvPrimitive | null,
  line: number,
  note: (s: string) => void
): number | null {
  let primitive = fixed
  if (!primitive) {
    const written = labels.primitive ?? ''
    primitive = parseConvPrimitive(written)
    if (!primitive) {
      note(`line ${line}: layer type "${written}" is not one of standard, grouped, depthwise-separable, shift, add (or Conv, GroupConv, DepthwiseConv, ShiftConv, AddConv)`)
      return null
    }
  }
  const shape: Partial<ConvLayerShape> = {}
  for (const [short, key] of Object.entries(CONV_PARAMETERS) as Array<[ConvParameterName, keyof ConvLayerShape]>) {
    const v = short in values ? values[short] : (mapping.base?.[short] ?? null)
    if (v === null || v === undefined) {
      // Groups only matter to grouped convolution; there, a missing G must not silently become 1.
      if (short === 'g' && primitive !== 'grouped') continue
      note(`line ${line}: no value for ${short}${short === 'g' ? ' (the number of groups of this grouped convolution; map g= or give it in the base layer)' : ''}`)
      return null
    }
    shape[key] = v
  }
  try {
    return convolutionMacs(primitive, shape as ConvLayerShape)
  } catch (e) {
    if (e instanceof MacCalculatorError) {
      note(`line ${line}: ${e.message}`)
      return null
    }
    throw e
  }
}

/** "2.0" and "2" name the same group; other labels are kept as written (trimmed). */
export function normalizeLabel(cell: string): string {
  const n = parseNumberCell(cell)
  return n === null ? cell.trim() : String(n)
}

function sameLabel(a: string, b: string): boolean {
  return normalizeLabel(a) === normalizeLabel(b)
}

/** Reads a mapping from the compact command-line form `field=Column,field=Column`. */
export function parseMappingPairs(text: string, what = '--map'): Record<string, string> {
  const out: Record<string, string> = {}
  for (const part of splitPairs(text)) {
    const eq = part.indexOf('=')
    if (eq <= 0) throw new TableFormatError(`${what} expects name=value pairs separated by commas, got "${part}".`, what, null)
    out[part.slice(0, eq).trim()] = part.slice(eq + 1).trim()
  }
  return out
}

/** Splits on commas outside double quotes, so a column named "a, b" can be written "\"a, b\"". */
function splitPairs(text: string): string[] {
  const parts: string[] = []
  let cur = ''
  let quoted = false
  for (const ch of text) {
    if (ch === '"') quoted = !quoted
    else if (ch === ',' && !quoted) {
      if (cur.trim()) parts.push(cur)
      cur = ''
    } else cur += ch
  }
  if (cur.trim()) parts.push(cur)
  return parts
}

/** Builds a mapping from the command line's --map, --base, --primitive and --exclude texts. */
export function mappingFromOptions(options: { map?: string; base?: string; primitive?: string; exclude?: string }): TableMapping {
  const columns = options.map ? parseMappingPairs(options.map) : {}
  const mapping: TableMapping = { columns: {} }
  for (const [k, v] of Object.entries(columns)) {
    if (k === 'x' || k === 'y') mapping[k] = v
    else if (k === 'group') mapping.group = v.split(/[;+]/).map((s) => s.trim()).filter(Boolean)
    else mapping.columns[k] = v
  }
  if (options.base) {
    const base: NonNullable<TableMapping['base']> = {}
    for (const [k, v] of Object.entries(parseMappingPairs(options.base, '--base'))) {
      if (!(k in CONV_PARAMETERS)) {
        throw new TableFormatError(`--base knows the layer parameters ${Object.keys(CONV_PARAMETERS).join(', ')}; "${k}" is not one of them.`, '--base', null)
      }
      const n = Number(v)
      if (!Number.isInteger(n) || n <= 0) throw new TableFormatError(`--base ${k} must be a positive whole number, got "${v}".`, '--base', null)
      base[k as ConvParameterName] = n
    }
    mapping.base = base
  }
  if (options.primitive) {
    const p = parseConvPrimitive(options.primitive)
    if (!p) throw new TableFormatError(`--primitive must be one of ${CONV_PRIMITIVES.join(', ')}, got "${options.primitive}".`, '--primitive', null)
    mapping.primitive = p
  }
  if (options.exclude) {
    const exclude: Record<string, string[]> = {}
    for (const [k, v] of Object.entries(parseMappingPairs(options.exclude, '--exclude'))) {
      exclude[k] = [...(exclude[k] ?? []), ...v.split(/[;|]/).map((s) => s.trim()).filter(Boolean)]
    }
    mapping.exclude = exclude
  }
  return mapping
}
