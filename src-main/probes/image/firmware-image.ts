/** A firmware image from an ELF, Intel HEX or raw binary file, as address-tagged chunks to write. */
import { readFileSync } from 'node:fs'
import { basename } from 'node:path'
import { isElf } from '../../formats/elf'
import { ElfFile, type LoadChunk } from '../elf/elf-file'
import { parseIntelHex } from './intel-hex'

export type ImageFormat = 'elf' | 'hex' | 'bin'

export interface FirmwareImage {
  format: ImageFormat
  fileName: string
  chunks: LoadChunk[]
  /** Entry point (ELF) or start address (HEX), if the file names one. */
  entry: number | undefined
  /** The parsed ELF, for symbols (RTT control block, kernel entry points). */
  elf: ElfFile | undefined
  sizeBytes: number
}

export class ImageFormatError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'ImageFormatError'
  }
}

export function detectFormat(bytes: Uint8Array, fileName: string): ImageFormat {
  if (isElf(bytes)) return 'elf'
  if (/\.(hex|ihex|ihx)$/i.test(fileName) || (bytes[0] === 0x3a && /^:[0-9A-Fa-f]{10}/.test(new TextDecoder().decode(bytes.subarray(0, 16))))) return 'hex'
  return 'bin'
}

/**
 * Parse an image. A BIN file carries no address, so `binBaseAddress` must be given for it
 * (the flash start of the target, typically).
 */
export function parseFirmwareImage(bytes: Uint8Array, fileName: string, options: { binBaseAddress?: number; format?: ImageFormat } = {}): FirmwareImage {
  const format = options.format ?? detectFormat(bytes, fileName)
  const name = basename(fileName)
  let chunks: LoadChunk[]
  let entry: number | undefined
  let elf: ElfFile | undefined
  if (format === 'elf') {
    elf = new ElfFile(bytes, name)
    chunks = elf.loadChunks()
    entry = elf.entry
  } else if (format === 'hex') {
    const hex = parseIntelHex(new TextDecoder().decode(bytes), name)
    chunks = hex.chunks
    entry = hex.startAddress
  } else {
    if (options.binBaseAddress === undefined) {
      throw new ImageFormatError(`${name} is a raw binary, which carries no load address. Give one (e.g. --base 0x08000000) or use the ELF or HEX file.`)
    }
    chunks = [{ address: options.binBaseAddress >>> 0, data: bytes }]
  }
  if (chunks.length === 0) throw new ImageFormatError(`${name} contains no bytes to load (no loadable segments or data records).`)
  return { format, fileName: name, chunks, entry, elf, sizeBytes: chunks.reduce((n, c) => n + c.data.length, 0) }
}

export function readFirmwareImage(path: string, options: { binBaseAddress?: number; format?: ImageFormat } = {}): FirmwareImage {
  let bytes: Uint8Array
  try {
    bytes = readFileSync(path)
  } catch (e) {
    throw new ImageFormatError(`Cannot read firmware image ${path}: ${(e as Error).message}. Check the path.`)
  }
  return parseFirmwareImage(bytes, path, options)
}
