/** Intel HEX (the records objcopy -O ihex and vendor IDEs write) to contiguous memory chunks. */
import type { LoadChunk } from '../elf/elf-file'

export class IntelHexError extends Error {
  constructor(
    readonly file: string,
    readonly line: number,
    detail: string
  ) {
    super(`${file} line ${line}: ${detail}. Expected Intel HEX records like ":10000000…" — re-export the image as Intel HEX, ELF or BIN.`)
    this.name = 'IntelHexError'
  }
}

export interface IntelHexImage {
  chunks: LoadChunk[]
  /** From a type 05 (or 03) record, if present. */
  startAddress: number | undefined
}

export function parseIntelHex(text: string, fileName = 'HEX image'): IntelHexImage {
  const pieces = new Map<number, number>() // address -> byte, merged into chunks below
  let base = 0
  let startAddress: number | undefined
  let sawEnd = false
  const lines = text.split(/\r?\n/)
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i].trim()
    if (line === '') continue
    const fail = (detail: string): never => {
      throw new IntelHexError(fileName, i + 1, detail)
    }
    if (sawEnd) fail('data after the end-of-file record')
    if (line[0] !== ':') fail(`record starts with "${line.slice(0, 8)}" instead of ":"`)
    if (line.length < 11 || line.length % 2 === 0) fail(`record has ${line.length} characters, which no record can have`)
    if (!/^:[0-9a-fA-F]+$/.test(line)) fail('record contains characters that are not hex digits')
    const bytes = new Uint8Array((line.length - 1) / 2)
    for (let j = 0; j < bytes.length; j++) bytes[j] = parseInt(line.substr(1 + 2 * j, 2), 16)
    const count = bytes[0]
    if (bytes.length !== count + 5) fail(`byte count says ${count} data bytes but the record holds ${bytes.length - 5}`)
    let sum = 0
    for (const b of bytes) sum = (sum + b) & 0xff
    if (sum !== 0) fail(`checksum mismatch (record sums to 0x${sum.toString(16)}, expected 0)`)
    const offset = (bytes[1] << 8) | bytes[2]
    const type = bytes[3]
    const data = bytes.subarray(4, 4 + count)
    switch (type) {
      case 0x00:
        for (let j = 0; j < count; j++) pieces.set((base + offset + j) >>> 0, data[j])
        break
      case 0x01:
        sawEnd = true
        break
      case 0x02:
        if (count !== 2) fail('extended segment address record must hold 2 bytes')
        base = ((data[0] << 8) | data[1]) * 16
        break
      case 0x03:
        if (count !== 4) fail('start segment address record must hold 4 bytes')
        startAddress = (((data[0] << 8) | data[1]) * 16 + ((data[2] << 8) | data[3])) >>> 0
        break
      case 0x04:
        if (count !== 2) fail('extended linear address record must hold 2 bytes')
        base = (((data[0] << 8) | data[1]) << 16) >>> 0
        break
      case 0x05:
        if (count !== 4) fail('start linear address record must hold 4 bytes')
        startAddress = ((data[0] << 24) | (data[1] << 16) | (data[2] << 8) | data[3]) >>> 0
        break
      default:
        fail(`unknown record type 0x${type.toString(16).padStart(2, '0')}`)
    }
  }
  return { chunks: chunksFromBytes(pieces), startAddress }
}

function chunksFromBytes(pieces: Map<number, number>): LoadChunk[] {
  const addresses = [...pieces.keys()].sort((a, b) => a - b)
  const chunks: LoadChunk[] = []
  let i = 0
  while (i < addresses.length) {
    let j = i
    while (j + 1 < addresses.length && addresses[j + 1] === addresses[j] + 1) j++
    const data = new Uint8Array(j - i + 1)
    for (let k = i; k <= j; k++) data[k - i] = pieces.get(addresses[k])!
    chunks.push({ address: addresses[i], data })
    i = j + 1
  }
  return chunks
}
