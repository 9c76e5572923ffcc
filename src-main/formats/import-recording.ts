import { closeSync, openSync, readSync, statSync } from 'node:fs'
import { extname } from 'node:path'
import type { RecordingInfo } from '../store/recording-info'
import type { Db } from '../store/workspace'
import { FormatError } from './format-error'
import { importPpk2 } from './ppk2-file'
import { importTable } from './table-import'
import { firstLines, genericCsvSpec, isMonsoonHeader, isStpmRawHead, monsoonSpec, stpmSpec, type ColumnUnits } from './table-formats'
import { fileLines, linesOf } from './text-table'
import { readZipDirectory, readZipEntry } from './zip'

export type ImportFormat = 'auto' | 'monsoon' | 'stpm' | 'ppk2' | 'csv'
export const IMPORT_FORMATS: ImportFormat[] = ['auto', 'monsoon', 'stpm', 'ppk2', 'csv']

export interface ImportRequest {
  format?: ImportFormat
  /** Supply voltage, volts. */
  supplyV?: number
  name?: string
  units?: ColumnUnits
}

export interface ImportOutcome {
  recording: RecordingInfo
  format: Exclude<ImportFormat, 'auto'>
  notes: string[]
}

function startsWithZip(path: string): boolean {
  const fd = openSync(path, 'r')
  try {
    const b = Buffer.alloc(4)
    return readSync(fd, b, 0, 4, 0) === 4 && b.readUInt32LE(0) === 0x04034b50
  } finally {
    closeSync(fd)
  }
}

/** Which format a file is in, from its name, its first bytes and its first lines. */
export async function detectFormat(path: string): Promise<Exclude<ImportFormat, 'auto'>> {
  const ext = extname(path).toLowerCase()
  if (ext === '.ppk2') return 'ppk2'
  if (ext === '.stpm') return 'stpm'
  if (startsWithZip(path)) {
    const names = readZipDirectory(path).map((e) => e.name)
    if (names.some((n) => /(^|\/)session\.raw$/.test(n))) return 'ppk2'
    if (names.some((n) => /rawfile.*\.csv$/i.test(n))) return 'stpm'
    throw new FormatError(path, 'the archive', 'a .ppk2 (session.raw) or .stpm (*rawfile*.csv) archive', `entries ${names.join(', ') || 'none'}`)
  }
  const head = await firstLines(fileLines(path))
  if (isMonsoonHeader(head)) return 'monsoon'
  if (isStpmRawHead(head)) return 'stpm'
  return 'csv'
}

/** Imports a recording file into the workspace. Every malformed file gives a FormatError naming where it broke. */
export async function importRecording(db: Db, path: string, request: ImportRequest = {}): Promise<ImportOutcome> {
  try {
    if (!statSync(path).isFile()) throw new Error('not a file')
  } catch (e) {
    throw new Error(`Cannot read ${path}: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (e as Error).message}. Check the path.`)
  }
  const format = !request.format || request.format === 'auto' ? await detectFormat(path) : request.format
  const options = { supplyV: request.supplyV, name: request.name, startedAt: statSync(path).mtime }
  if (format === 'ppk2') {
    const r = await importPpk2(db, path, options)
    return { recording: r.recording, format, notes: r.notes }
  }
  if (format === 'stpm') {
    if (startsWithZip(path)) {
      const entries = readZipDirectory(path).filter((e) => /rawfile.*\.csv$/i.test(e.name))
      if (!entries.length) throw new FormatError(path, 'the archive', 'one or more *rawfile*.csv entries', 'none')
      const spec = await stpmSpec(
        path,
        entries.map((e) => ({ name: `${path}:${e.name}`, lines: () => linesOf(`${path}:${e.name}`, readZipEntry(path, e)) }))
      )
      const r = await importTable(db, spec, options)
      return { recording: r.recording, format, notes: [...r.notes, `${entries.length} raw file(s) from the archive.`] }
    }
    const r = await importTable(db, await stpmSpec(path, [{ name: path, lines: () => fileLines(path) }]), options)
    return { recording: r.recording, format, notes: r.notes }
  }
  const head = await firstLines(fileLines(path))
  const spec = format === 'monsoon' ? monsoonSpec(path, head) : genericCsvSpec(path, head, request.units)
  const r = await importTable(db, spec, options)
  return { recording: r.recording, format, notes: r.notes }
}
