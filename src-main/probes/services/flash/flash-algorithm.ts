/**
 * A CMSIS-Pack flash algorithm (.FLM): an Arm ELF whose PrgCode section holds position-independent code,
 * PrgData its static data, and DevDscr the FlashDevice descriptor (FlashOS convention: Vers u16,
 * DevName[128], DevType u16, DevAdr, szDev, szPage, Res, valEmpty u8, toProg, toErase, then
 * (szSector, AddrSector) pairs ending in 0xFFFFFFFF). Entry points are found by symbol.
 */
import { ElfFile, SHT_NOBITS } from '../../elf/elf-file'

export interface FlashSectorRun {
  /** Sector size in bytes for this run. */
  size: number
  /** Offset of the run's first sector from the flash start. */
  offset: number
}

export interface FlashAlgorithm {
  fileName: string
  name: string
  flashStart: number
  flashSize: number
  pageSize: number
  erasedValue: number
  programTimeoutMs: number
  eraseTimeoutMs: number
  sectors: FlashSectorRun[]
  /** PrgCode followed by PrgData as laid out at link time (load it as one blob). */
  blob: Uint8Array
  /** Offsets into the blob. */
  entries: { init: number; uninit: number; eraseSector: number; programPage: number; eraseChip?: number; verify?: number; blankCheck?: number }
  /** Offset of PrgData in the blob: R9, the static base, points there. */
  staticBaseOffset: number
}

export class FlashAlgorithmError extends Error {
  constructor(file: string, detail: string) {
    super(`${file} is not a usable CMSIS-Pack flash algorithm: ${detail}. Use the .FLM from the device's pack.`)
    this.name = 'FlashAlgorithmError'
  }
}

const REQUIRED = ['Init', 'UnInit', 'EraseSector', 'ProgramPage'] as const

export function parseFlashAlgorithm(bytes: Uint8Array, fileName = 'flash algorithm'): FlashAlgorithm {
  const elf = new ElfFile(bytes, fileName)
  const fail = (detail: string): never => {
    throw new FlashAlgorithmError(fileName, detail)
  }
  const code = elf.section('PrgCode') ?? fail('no PrgCode section')
  const data = elf.section('PrgData')
  const descriptor = elf.section('DevDscr') ?? fail('no DevDscr section (FlashDevice descriptor)')
  const start = code.address
  const end = Math.max(code.address + code.size, data ? data.address + data.size : 0)
  if (end - start > 1 << 20) fail(`code and data span ${end - start} bytes, more than any target RAM will hold`)
  const blob = new Uint8Array(end - start)
  blob.set(elf.sectionData(code), 0)
  if (data && data.type !== SHT_NOBITS) blob.set(elf.sectionData(data), data.address - start)

  const entry = (name: string): number | undefined => {
    const s = elf.symbol(name)
    if (!s || s.type !== 'func') return undefined
    const offset = ((s.value & ~1) >>> 0) - start
    if (offset < 0 || offset >= code.size) fail(`entry point ${name} lies outside PrgCode`)
    return offset
  }
  for (const name of REQUIRED) if (entry(name) === undefined) fail(`entry point ${name} is missing`)

  const dev = elf.sectionData(descriptor)
  if (dev.length < 168) fail(`DevDscr holds ${dev.length} bytes, fewer than a FlashDevice with one sector`)
  const v = new DataView(dev.buffer, dev.byteOffset, dev.byteLength)
  const nameBytes = dev.subarray(2, 130)
  const nul = nameBytes.indexOf(0)
  const sectors: FlashSectorRun[] = []
  for (let o = 160; o + 8 <= dev.length; o += 8) {
    const size = v.getUint32(o, true)
    const offset = v.getUint32(o + 4, true)
    if (size === 0xffffffff && offset === 0xffffffff) break
    if (size === 0) fail(`sector entry at byte ${o} has size 0`)
    sectors.push({ size, offset })
  }
  if (sectors.length === 0) fail('the FlashDevice lists no sectors')
  const algo: FlashAlgorithm = {
    fileName,
    name: new TextDecoder().decode(nul >= 0 ? nameBytes.subarray(0, nul) : nameBytes),
    flashStart: v.getUint32(132, true),
    flashSize: v.getUint32(136, true),
    pageSize: v.getUint32(140, true),
    erasedValue: dev[148],
    programTimeoutMs: v.getUint32(152, true),
    eraseTimeoutMs: v.getUint32(156, true),
    sectors,
    blob,
    entries: {
      init: entry('Init')!,
      uninit: entry('UnInit')!,
      eraseSector: entry('EraseSector')!,
      programPage: entry('ProgramPage')!,
      eraseChip: entry('EraseChip'),
      verify: entry('Verify'),
      blankCheck: entry('BlankCheck')
    },
    staticBaseOffset: data ? data.address - start : code.size
  }
  if (algo.pageSize === 0 || algo.flashSize === 0) fail(`page size ${algo.pageSize} / flash size ${algo.flashSize} cannot be right`)
  return algo
}

/** Start addresses and sizes of every sector of the device, in order. */
export function sectorList(algo: FlashAlgorithm): Array<{ address: number; size: number }> {
  const out: Array<{ address: number; size: number }> = []
  for (let i = 0; i < algo.sectors.length; i++) {
    const run = algo.sectors[i]
    const runEnd = i + 1 < algo.sectors.length ? algo.sectors[i + 1].offset : algo.flashSize
    for (let off = run.offset; off < runEnd; off += run.size) out.push({ address: (algo.flashStart + off) >>> 0, size: run.size })
  }
  return out
}
