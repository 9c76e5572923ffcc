import { parseConvPrimitive, type ConvParameterName } from '../models/mac-calculator'
import { parseNumberCell, type CsvTable } from '../formats/table-csv'
import { suggestMapping, type TableMapping } from '../formats/table-mapping'

/**
 * The mapping the column-mapping dialog opens with when no mapping was saved for a table's shape:
 * quantities from the units in the headings (energy "(J)", latency "(s)", power "(W)" …), the layer
 * type from a column whose every value names a convolution primitive, layer parameters from headings
 * that say what they are ("Filters", "Kernel size", "Groups" …), and default axes — MACs when they can
 * be derived, else the swept parameter — against energy (else latency), one group per value of the
 * remaining low-cardinality columns. The base layer is never guessed: only the user knows it.
 */

const PARAMETER_HEADINGS: Array<[RegExp, ConvParameterName]> = [
  [/^(filters|output channels|out channels|c_?y|c_?out|n_?filters)$/, 'cy'],
  [/^(input channels|in channels|c_?x|c_?in)$/, 'cx'],
  [/^(kernel|kernel size|k)$/, 'k'],
  [/^(groups|g|number of groups)$/, 'g'],
  [/^(output height|h_?y|h_?out)$/, 'hy'],
  [/^(output width|w_?y|w_?out)$/, 'wy']
]

/** A heading without its unit, lower case: "Kernel size" → "kernel size", "Latency (s)" → "latency". */
export function bareHeading(heading: string): string {
  return heading
    .replace(/\s*[([][^()[\]]*[)\]]\s*$/, '')
    .trim()
    .toLowerCase()
}

/** Distinct values of a column as written (trimmed), up to `limit`; null when there are more. */
export function distinctValues(table: CsvTable, column: string, limit: number): string[] | null {
  const i = table.header.indexOf(column)
  if (i < 0) return []
  const seen = new Set<string>()
  for (const row of table.rows) {
    const v = row[i].trim()
    if (v === '') continue
    seen.add(v)
    if (seen.size > limit) return null
  }
  return [...seen]
}

/** The first `count` distinct values of a column as written (trimmed), for hints. */
export function sampleValues(table: CsvTable, column: string, count: number): string[] {
  const i = table.header.indexOf(column)
  const seen = new Set<string>()
  if (i < 0) return []
  for (const row of table.rows) {
    const v = row[i].trim()
    if (v !== '') seen.add(v)
    if (seen.size >= count) break
  }
  return [...seen]
}

export function suggestTableMapping(table: CsvTable): TableMapping {
  const mapping: TableMapping = { columns: { ...suggestMapping(table.header).columns } }
  const taken = new Set(Object.values(mapping.columns))

  for (const column of table.header) {
    if (taken.has(column)) continue
    const values = distinctValues(table, column, 50)
    if (values && values.length > 0 && values.every((v) => parseNumberCell(v) === null && parseConvPrimitive(v) !== null)) {
      if (!('primitive' in mapping.columns)) {
        mapping.columns.primitive = column
        taken.add(column)
      }
    }
  }
  for (const column of table.header) {
    if (taken.has(column)) continue
    const bare = bareHeading(column)
    const match = PARAMETER_HEADINGS.find(([re]) => re.test(bare))
    if (match && !(match[1] in mapping.columns)) {
      mapping.columns[match[1]] = column
      taken.add(column)
    }
  }

  const params = Object.keys(mapping.columns).filter((k) => PARAMETER_HEADINGS.some(([, p]) => p === k))
  if ('primitive' in mapping.columns) mapping.x = 'macs'
  else if (params.length === 1) mapping.x = params[0]
  else if ('frequency' in mapping.columns) mapping.x = 'frequency'
  if ('energy' in mapping.columns) mapping.y = 'energy'
  else if ('latency' in mapping.columns) mapping.y = 'latency'
  else if ('power' in mapping.columns) mapping.y = 'power'

  // Columns of a few repeated values that no field claims are how a study tells its variants apart (DSP 0/1/2).
  const group = table.header.filter((column) => {
    if (taken.has(column)) return false
    const values = distinctValues(table, column, 8)
    return values !== null && values.length >= 2 && values.length < table.rows.length
  })
  if (group.length > 0 && group.length <= 2) mapping.group = group
  return mapping
}
