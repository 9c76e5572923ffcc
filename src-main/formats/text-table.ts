import { createReadStream } from 'node:fs'
import { FormatError, quoted } from './format-error'

/** One line of a text file, numbered from 1, with the name of the file (or archive entry) it came from. */
export interface Line {
  source: string
  line: number
  text: string
}

/** Lines of a byte stream (UTF-8, BOM dropped, CR LF or LF). */
export async function* linesOf(source: string, chunks: AsyncIterable<Uint8Array>): AsyncGenerator<Line> {
  const decoder = new TextDecoder('utf-8')
  let rest = ''
  let line = 0
  let first = true
  for await (const chunk of chunks) {
    let text = rest + decoder.decode(chunk, { stream: true })
    if (first) {
      if (text.charCodeAt(0) === 0xfeff) text = text.slice(1)
      first = false
    }
    let start = 0
    let nl: number
    while ((nl = text.indexOf('\n', start)) >= 0) {
      const end = nl > start && text.charCodeAt(nl - 1) === 13 ? nl - 1 : nl
      yield { source, line: ++line, text: text.slice(start, end) }
      start = nl + 1
    }
    rest = text.slice(start)
  }
  rest += decoder.decode()
  if (rest.length) yield { source, line: ++line, text: rest.replace(/\r$/, '') }
}

export function fileLines(path: string): AsyncGenerator<Line> {
  return linesOf(path, createReadStream(path, { highWaterMark: 1 << 20 }))
}

export type Quantity = 'time' | 'current' | 'power' | 'voltage'

const UNIT_SCALE: Record<Quantity, Record<string, number>> = {
  time: { s: 1, sec: 1, ms: 1e-3, us: 1e-6, 'µs': 1e-6, 'μs': 1e-6, ns: 1e-9 },
  current: { a: 1, ma: 1e-3, ua: 1e-6, 'µa': 1e-6, 'μa': 1e-6, na: 1e-9 },
  power: { w: 1, mw: 1e-3, uw: 1e-6, 'µw': 1e-6, 'μw': 1e-6, nw: 1e-9 },
  voltage: { v: 1, mv: 1e-3, uv: 1e-6, 'µv': 1e-6, 'μv': 1e-6 }
}

/** Multiplier to SI for a unit of a quantity ('mA' → 1e-3), or null when the unit is not one of it. */
export function unitScale(quantity: Quantity, unit: string): number | null {
  return UNIT_SCALE[quantity][unit.trim().toLowerCase()] ?? null
}

export interface HeaderColumn {
  index: number
  header: string
  quantity: Quantity | null
  /** To SI; null when the header names no unit. */
  scale: number | null
}

/** Reads a column header such as `Main Avg Current (mA)`, `time [s]`, `current_uA` or `P (mW)`. */
export function describeHeader(header: string, index: number): HeaderColumn {
  const h = header.trim().replace(/^"(.*)"$/, '$1')
  const unitMatch = /[([]\s*([^)\]]*?)\s*[)\]]\s*$/.exec(h) ?? /[_\s]([a-zA-Zµμ]{1,3})$/.exec(h)
  const unit = unitMatch?.[1] ?? null
  const name = (unitMatch ? h.slice(0, unitMatch.index) : h).toLowerCase()
  let quantity: Quantity | null = null
  if (/\b(time|timestamp|t)\b/.test(name)) quantity = 'time'
  else if (/current|intensity|\bi\b|\bamps?\b/.test(name)) quantity = 'current'
  else if (/power|\bp\b/.test(name)) quantity = 'power'
  else if (/volt|\bv\b|\bvdd\b/.test(name)) quantity = 'voltage'
  if (quantity === null && unit) {
    for (const q of ['time', 'current', 'power', 'voltage'] as Quantity[]) if (unitScale(q, unit) !== null) quantity = q
  }
  const scale = quantity && unit ? unitScale(quantity, unit) : null
  return { index, header: h, quantity, scale }
}

/** Splits one line; quotes around whole cells are removed (no delimiter inside quotes in these files). */
export function cells(text: string, delimiter: string): string[] {
  const out = text.split(delimiter)
  for (let i = 0; i < out.length; i++) {
    const c = out[i].trim()
    out[i] = c.length >= 2 && c[0] === '"' && c[c.length - 1] === '"' ? c.slice(1, -1) : c
  }
  return out
}

/** The delimiter a line most likely uses: the one of ; , tab that splits it into the most cells. */
export function guessDelimiter(text: string): string {
  let best = ','
  let most = 0
  for (const d of [';', ',', '\t']) {
    const n = text.split(d).length
    if (n > most) ((most = n), (best = d))
  }
  return best
}

const NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/

export function isNumber(cell: string, decimalComma = false): boolean {
  return NUMBER.test(decimalComma ? cell.replace(',', '.') : cell)
}

/** A number cell, or a FormatError naming the line and column. */
export function numberCell(at: Line, cellsOfLine: string[], column: HeaderColumn, decimalComma: boolean): number {
  const raw = cellsOfLine[column.index]
  if (raw === undefined) {
    throw new FormatError(at.source, `line ${at.line}`, `a value in column ${column.index + 1} ("${column.header}")`, `only ${cellsOfLine.length} columns: ${quoted(at.text)}`)
  }
  const text = decimalComma ? raw.replace(',', '.') : raw
  if (!NUMBER.test(text)) {
    throw new FormatError(at.source, `line ${at.line}, column "${column.header}"`, 'a number', raw === '' ? 'an empty cell' : quoted(raw), 'Remove or fix that row.')
  }
  return Number(text)
}

/** Digits after the decimal point in a number as written (null with an exponent, where it says nothing). */
export function decimalsOf(cell: string): number | null {
  if (/[eE]/.test(cell)) return null
  const dot = cell.search(/[.,]/)
  return dot < 0 ? 0 : cell.length - dot - 1
}
