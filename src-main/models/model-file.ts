import { readFile } from 'node:fs/promises'
import { basename } from 'node:path'
import { isElf, readElfSizes, type ElfSizes } from './elf-sizes'
import { readTflite } from './tflite-reader'
import { modelFacts, type ModelFacts } from './tflite-facts'
import { velaSummaryFromTable, type VelaSummary } from './vela-summary'
import { parseCsv } from '../formats/table-csv'
import { TFLITE_FILE_IDENTIFIER } from './tflite-schema'

export type ModelFileFacts = (ModelFacts | ElfSizes | VelaSummary) & { file: string; fileName: string }

export class ModelFileError extends Error {
  constructor(
    message: string,
    readonly file: string
  ) {
    super(message)
    this.name = 'ModelFileError'
  }
}

/**
 * The facts of one model or firmware file, recognised by its content rather than its name:
 * a TFLite flatbuffer ("TFL3" at byte 4), an ELF image (7f 45 4c 46), or a Vela summary CSV.
 */
export function describeModelBytes(bytes: Uint8Array, file: string): ModelFileFacts {
  const fileName = basename(file)
  if (bytes.length >= 8 && String.fromCharCode(...bytes.subarray(4, 8)) === TFLITE_FILE_IDENTIFIER) {
    return { ...modelFacts(readTflite(bytes, file)), file, fileName }
  }
  if (isElf(bytes)) return { ...readElfSizes(bytes, file), file, fileName }
  const lower = fileName.toLowerCase()
  if (lower.endsWith('.csv')) {
    const text = new TextDecoder('utf-8').decode(bytes)
    return { ...velaSummaryFromTable(parseCsv(text, file)), file, fileName }
  }
  if (lower.endsWith('.tflite')) return { ...modelFacts(readTflite(bytes, file)), file, fileName }
  if (lower.endsWith('.elf') || lower.endsWith('.axf') || lower.endsWith('.out')) return { ...readElfSizes(bytes, file), file, fileName }
  throw new ModelFileError(
    `${file} is not a file joulebench can describe: expected a TFLite model (.tflite), an ELF firmware image (.elf/.axf) or a Vela summary CSV (*_summary_*.csv).`,
    file
  )
}

export async function describeModelFile(path: string): Promise<ModelFileFacts> {
  let bytes: Uint8Array
  try {
    bytes = new Uint8Array(await readFile(path))
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code
    const why = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'it is a folder' : (e as Error).message
    throw new ModelFileError(`Cannot read ${path}: ${why}. Check the path.`, path)
  }
  return describeModelBytes(bytes, path)
}
