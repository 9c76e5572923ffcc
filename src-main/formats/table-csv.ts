/**
 * Delimited text tables as published studies and tools export them: RFC 4180 quoting (a quoted field
 * may hold the delimiter, line breaks and doubled quotes), CRLF or LF line ends, an optional UTF-8
 * byte-order mark, and a delimiter of comma, semicolon (STM32CubeMonitor-Power, European locales) or
 * tab, detected from the header line when not given.
 */

export interface CsvTable {
  /** Where the table came from, for messages. */
  source: string
  delimiter: string
  header: string[]
  /** Data rows, each as long as the header. */
  rows: string[][]
  /** 1-based line number of each row's start, for messages. */
  rowLines: number[]
}

export class TableFormatError extends Error {
  constructor(
    message: string,
    readonly source: string,
    readonly line: number | null
  ) {
    super(message)
    this.name = 'TableFormatError'
  }
}

const CANDIDATE_DELIMITERS = [',', ';', '\t'] as const

export function detectDelimiter(firstLine: string): string {
  let best: string = ','
  let bestCount = 0
  for (const d of CANDIDATE_DELIMITERS) {
    // Count outside quotes only, so a quoted "a, b" heading does not vote for the comma.
    let count = 0
    let quoted = false
    for (const ch of firstLine) {
      if (ch === '"') quoted = !quoted
      else if (ch === d && !quoted) count++
    }
    if (count > bestCount) {
      best = d
      bestCount = count
    }
  }
  return best
}

export function parseCsv(text: string, source = 'table', delimiter?: string): CsvTable {
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1)
  const firstLineEnd = text.search(/\r?\n/)
  const d = delimiter ?? detectDelimiter(firstLineEnd < 0 ? text : text.slice(0, firstLineEnd))

  const records: string[][] = []
  const lines: number[] = []
  let field = ''
  let record: string[] = []
  let quoted = false
  let line = 1
  let recordLine = 1
  let quoteLine = 1
  let fieldStarted = false
  const endRecord = () => {
    record.push(field)
    // A line with nothing on it is not a record.
    if (!(record.length === 1 && record[0] === '' && !fieldStarted)) {
      records.push(record)
      lines.push(recordLine)
    }
    record = []
    field = ''
    fieldStarted = false
  }
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]
    if (quoted) {
      if (ch === '"') {
        if (text[i + 1] === '"') {
          field += '"'
          i++
        } else quoted = false
      } else {
        if (ch === '\n') line++
        field += ch
      }
      continue
    }
    if (ch === '"' && field === '') {
      quoted = true
      fieldStarted = true
      quoteLine = line
    } else if (ch === d) {
      record.push(field)
      field = ''
      fieldStarted = true
    } else if (ch === '\n' || ch === '\r') {
      if (ch === '\r' && text[i + 1] === '\n') i++
      endRecord()
      line++
      recordLine = line
    } else {
      field += ch
      fieldStarted = true
    }
  }
  if (quoted) {
    throw new TableFormatError(
      `${source}: a quoted field opened on line ${quoteLine} is never closed (expected a closing ", reached the end of the file). Check for a stray quote on that line.`,
      source,
      quoteLine
    )
  }
  if (field !== '' || record.length > 0 || fieldStarted) endRecord()

  if (records.length === 0) {
    throw new TableFormatError(`${source}: the file is empty; expected a header line with column names.`, source, 1)
  }
  const header = records[0].map((h) => h.trim())
  const seen = new Set<string>()
  header.forEach((h, i) => {
    if (h === '') throw new TableFormatError(`${source}: column ${i + 1} of the header on line ${lines[0]} has no name. Give every column a name.`, source, lines[0])
    if (seen.has(h)) throw new TableFormatError(`${source}: the header names the column "${h}" twice (line ${lines[0]}). Rename one of them.`, source, lines[0])
    seen.add(h)
  })
  const rows = records.slice(1)
  const rowLines = lines.slice(1)
  rows.forEach((r, k) => {
    if (r.length !== header.length) {
      throw new TableFormatError(
        `${source}: line ${rowLines[k]} has ${r.length} field(s), but the header has ${header.length} (delimiter "${d === '\t' ? '\\t' : d}"). Fix or remove that line.`,
        source,
        rowLines[k]
      )
    }
  })
  return { source, delimiter: d, header, rows, rowLines }
}

/** A number from a table cell: plain decimal or exponent notation, surrounding spaces ignored. */
export function parseNumberCell(cell: string): number | null {
  const t = cell.trim()
  if (t === '' || !/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(t)) return null
  return Number(t)
}
