import { FormatError, quoted } from './format-error'
import type { TableSpec } from './table-import'
import { cells, describeHeader, fileLines, guessDelimiter, isNumber, unitScale, type HeaderColumn, type Line, type Quantity } from './text-table'

/** Units the user gives for columns whose headers name none (generic CSV). */
export interface ColumnUnits {
  time?: string
  current?: string
  power?: string
  voltage?: string
}

type Scaled = HeaderColumn & { scale: number }

export async function firstLines(lines: AsyncIterable<Line>, max = 60): Promise<Line[]> {
  const out: Line[] = []
  for await (const l of lines) {
    out.push(l)
    if (out.length >= max) break
  }
  return out
}

/** All lines after the header line, blank ones skipped. */
async function* after(lines: AsyncIterable<Line>, headerLine: number): AsyncGenerator<Line> {
  for await (const l of lines) if (l.line > headerLine && l.text.trim() !== '') yield l
}

function pick(columns: HeaderColumn[], q: Quantity, prefer?: RegExp): HeaderColumn | undefined {
  const all = columns.filter((c) => c.quantity === q)
  return (prefer && all.find((c) => prefer.test(c.header))) ?? all[0]
}

function scaled(file: string, headerLine: number, c: HeaderColumn | undefined, q: Quantity, given?: string): Scaled | undefined {
  if (!c) return undefined
  if (given !== undefined) {
    const s = unitScale(q, given)
    if (s === null) throw new Error(`--${q}-unit ${given} is not a unit of ${q}; use ${q === 'time' ? 's, ms, us or ns' : q === 'current' ? 'A, mA, uA or nA' : q === 'power' ? 'W, mW, uW or nW' : 'V or mV'}.`)
    return { ...c, scale: s }
  }
  if (c.scale === null) {
    throw new FormatError(file, `line ${headerLine}, column "${c.header}"`, `a unit in the header, such as "${q} (${q === 'time' ? 'ms' : q === 'current' ? 'mA' : q === 'power' ? 'mW' : 'V'})"`, 'none', `Give it with --${q}-unit.`)
  }
  return c as Scaled
}

/** The header line: the first line naming a time column and a current or power column. */
function findHeader(head: Line[], delimiter?: string): { line: Line; delimiter: string; columns: HeaderColumn[] } | null {
  for (const line of head) {
    const d = delimiter ?? guessDelimiter(line.text)
    const columns = cells(line.text, d).map(describeHeader)
    if (columns.some((c) => c.quantity === 'time') && columns.some((c) => c.quantity === 'current' || c.quantity === 'power')) {
      return { line, delimiter: d, columns }
    }
  }
  return null
}

/** Monsoon Power Tool CSV: `Time (ms)`, `Main Avg Current (mA)`, `Main Avg Power (mW)`, `Main Avg Voltage (V)` …; Main is used. */
export function isMonsoonHeader(head: Line[]): boolean {
  const h = findHeader(head, ',')
  return !!h && h.columns.some((c) => /^time \(ms\)$/i.test(c.header)) && h.columns.some((c) => /^main\b/i.test(c.header))
}

export function monsoonSpec(path: string, head: Line[]): TableSpec {
  const h = findHeader(head, ',')
  if (!h) throw new FormatError(path, 'the first lines', 'a Monsoon header with "Time (ms)" and a Main current or power column', quoted(head[0]?.text ?? ''))
  const main = /^main\b/i
  const time = scaled(path, h.line.line, pick(h.columns, 'time'), 'time')!
  return {
    file: path,
    format: 'monsoon',
    rows: () => after(fileLines(path), h.line.line),
    delimiter: ',',
    decimalComma: false,
    time,
    current: scaled(path, h.line.line, pick(h.columns, 'current', main), 'current'),
    power: scaled(path, h.line.line, pick(h.columns, 'power', main), 'power'),
    voltage: scaled(path, h.line.line, pick(h.columns, 'voltage', main), 'voltage')
  }
}

/** A generic table: a time column and current and/or power (and optionally voltage) columns, units from the header or given. */
export function genericCsvSpec(path: string, head: Line[], units: ColumnUnits = {}): TableSpec {
  const h = findHeader(head)
  if (!h) {
    throw new FormatError(
      path,
      `line ${head[0]?.line ?? 1}`,
      'a header naming a time column and a current or power column, such as "time (s),current (mA)"',
      head.length ? quoted(head[0].text) : 'an empty file',
      'Add such a header line, or choose another format with --format.'
    )
  }
  const sample = head.find((l) => l.line > h.line.line && l.text.trim() !== '')
  const decimalComma = h.delimiter === ';' && !!sample && /\d,\d/.test(sample.text)
  const time = scaled(path, h.line.line, pick(h.columns, 'time'), 'time', units.time)!
  return {
    file: path,
    format: 'csv',
    rows: () => after(fileLines(path), h.line.line),
    delimiter: h.delimiter,
    decimalComma,
    time,
    current: scaled(path, h.line.line, pick(h.columns, 'current'), 'current', units.current),
    power: scaled(path, h.line.line, pick(h.columns, 'power'), 'power', units.power),
    voltage: scaled(path, h.line.line, pick(h.columns, 'voltage'), 'voltage', units.voltage)
  }
}

/**
 * STM32CubeMonitor-Power raw data (`*rawfile*.csv` in a .stpm archive, or exported as is): `;`-separated,
 * time in ms and current in µA (seeds.md §2.4), after a header line. Data starts at the first line whose
 * first two cells are numbers.
 */
export function isStpmRawHead(head: Line[]): boolean {
  const data = head.filter((l) => l.text.trim() !== '')
  const firstData = data.find((l) => {
    const c = cells(l.text, ';')
    return c.length >= 2 && isNumber(c[0], true) && isNumber(c[1], true)
  })
  return !!firstData && !findHeader(head, ',')
}

export interface StpmSource {
  name: string
  lines(): AsyncIterable<Line>
}

export async function stpmSpec(file: string, sources: StpmSource[]): Promise<TableSpec> {
  const starts: Array<{ source: StpmSource; headerLine: number; firstTime: number; decimalComma: boolean }> = []
  for (const source of sources) {
    const head = await firstLines(source.lines(), 60)
    const data = head.find((l) => {
      const c = cells(l.text, ';')
      return c.length >= 2 && isNumber(c[0], true) && isNumber(c[1], true)
    })
    if (!data) {
      throw new FormatError(source.name, `line ${head[0]?.line ?? 1}`, 'rows of "time (ms);current (µA)"', head.length ? quoted(head[0].text) : 'an empty file')
    }
    const c = cells(data.text, ';')
    const decimalComma = /\d,\d/.test(c[0]) || /\d,\d/.test(c[1])
    starts.push({ source, headerLine: data.line - 1, firstTime: Number((decimalComma ? c[0].replace(',', '.') : c[0])), decimalComma })
  }
  // Several raw files in one archive are parts of one capture: put them in time order.
  starts.sort((a, b) => a.firstTime - b.firstTime)
  const decimalComma = starts[0].decimalComma
  return {
    file,
    format: 'stpm',
    rows: async function* () {
      for (const s of starts) yield* after(s.source.lines(), s.headerLine)
    },
    delimiter: ';',
    decimalComma,
    time: { index: 0, header: 'time (ms)', quantity: 'time', scale: 1e-3 },
    current: { index: 1, header: 'current (µA)', quantity: 'current', scale: 1e-6 }
  }
}
