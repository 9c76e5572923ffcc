/**
 * A reader for 32-bit little-endian ELF files (Arm firmware, CMSIS-Pack flash algorithms): what a loader
 * and a debugger need — loadable segments, sections and symbols. Not a general ELF library.
 */

export class ElfFormatError extends Error {
  constructor(
    readonly file: string,
    detail: string
  ) {
    super(`${file} is not a usable 32-bit little-endian ELF file: ${detail}. Rebuild it for an Arm Cortex-M target (arm-none-eabi).`)
    this.name = 'ElfFormatError'
  }
}

export interface ElfSegment {
  type: number
  /** Load (physical) address: where the bytes must be written, as GDB's `load` does. */
  physicalAddress: number
  virtualAddress: number
  fileOffset: number
  fileSize: number
  memorySize: number
  flags: number
}

export interface ElfSection {
  name: string
  type: number
  flags: number
  address: number
  fileOffset: number
  size: number
}

export interface ElfSymbol {
  name: string
  /** For Thumb functions the value has bit 0 set, as in the file. */
  value: number
  size: number
  type: 'notype' | 'object' | 'func' | 'section' | 'file' | 'other'
  binding: 'local' | 'global' | 'weak' | 'other'
  sectionIndex: number
}

export interface LoadChunk {
  address: number
  data: Uint8Array
}

export const PT_LOAD = 1
export const SHT_NOBITS = 8
const SHT_SYMTAB = 2
export const EM_ARM = 40

export class ElfFile {
  readonly entry: number
  readonly machine: number
  readonly segments: ElfSegment[]
  readonly sections: ElfSection[]
  private symbolTable: ElfSymbol[] | undefined

  constructor(
    readonly bytes: Uint8Array,
    readonly fileName = 'ELF image'
  ) {
    const fail = (detail: string): never => {
      throw new ElfFormatError(fileName, detail)
    }
    if (bytes.length < 52) fail(`only ${bytes.length} bytes, shorter than an ELF header`)
    if (bytes[0] !== 0x7f || bytes[1] !== 0x45 || bytes[2] !== 0x4c || bytes[3] !== 0x46) fail('no \\x7fELF magic at the start')
    if (bytes[4] !== 1) fail(`class ${bytes[4]} (expected 1, 32-bit)`)
    if (bytes[5] !== 1) fail(`data encoding ${bytes[5]} (expected 1, little-endian)`)
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
    const u16 = (o: number) => view.getUint16(o, true)
    const u32 = (o: number) => view.getUint32(o, true)
    this.machine = u16(18)
    this.entry = u32(24)
    const phoff = u32(28)
    const shoff = u32(32)
    const phentsize = u16(42)
    const phnum = u16(44)
    const shentsize = u16(46)
    const shnum = u16(48)
    const shstrndx = u16(50)

    const inFile = (offset: number, size: number, what: string) => {
      if (offset + size > bytes.length || offset < 0) fail(`${what} at offset ${offset} (+${size}) runs past the end of the file (${bytes.length} bytes)`)
    }

    this.segments = []
    if (phnum > 0) {
      if (phentsize < 32) fail(`program header entries of ${phentsize} bytes (expected 32)`)
      inFile(phoff, phnum * phentsize, 'the program header table')
      for (let i = 0; i < phnum; i++) {
        const o = phoff + i * phentsize
        const segment: ElfSegment = {
          type: u32(o),
          fileOffset: u32(o + 4),
          virtualAddress: u32(o + 8),
          physicalAddress: u32(o + 12),
          fileSize: u32(o + 16),
          memorySize: u32(o + 20),
          flags: u32(o + 24)
        }
        if (segment.type === PT_LOAD) inFile(segment.fileOffset, segment.fileSize, `segment ${i}`)
        this.segments.push(segment)
      }
    }

    this.sections = []
    if (shnum > 0 && shoff > 0) {
      if (shentsize < 40) fail(`section header entries of ${shentsize} bytes (expected 40)`)
      inFile(shoff, shnum * shentsize, 'the section header table')
      const raw = Array.from({ length: shnum }, (_, i) => {
        const o = shoff + i * shentsize
        return {
          nameOffset: u32(o),
          type: u32(o + 4),
          flags: u32(o + 8),
          address: u32(o + 12),
          fileOffset: u32(o + 16),
          size: u32(o + 20),
          link: u32(o + 24)
        }
      })
      const names = shstrndx < shnum ? raw[shstrndx] : undefined
      for (const s of raw) {
        if (s.type !== SHT_NOBITS && s.type !== 0) inFile(s.fileOffset, s.size, `a section of type ${s.type}`)
        this.sections.push({
          name: names ? this.cString(names.fileOffset + s.nameOffset, names.fileOffset + names.size) : '',
          type: s.type,
          flags: s.flags,
          address: s.address,
          fileOffset: s.fileOffset,
          size: s.size
        })
      }
      this.rawSections = raw
    }
  }

  private rawSections: Array<{ type: number; fileOffset: number; size: number; link: number }> = []

  private cString(start: number, end: number): string {
    let stop = start
    const limit = Math.min(end, this.bytes.length)
    while (stop < limit && this.bytes[stop] !== 0) stop++
    return new TextDecoder().decode(this.bytes.subarray(start, stop))
  }

  get symbols(): ElfSymbol[] {
    if (this.symbolTable) return this.symbolTable
    const table: ElfSymbol[] = []
    const view = new DataView(this.bytes.buffer, this.bytes.byteOffset, this.bytes.byteLength)
    for (const s of this.rawSections) {
      if (s.type !== SHT_SYMTAB) continue
      const strings = this.rawSections[s.link]
      if (!strings) continue
      for (let o = s.fileOffset; o + 16 <= s.fileOffset + s.size; o += 16) {
        const info = this.bytes[o + 12]
        const typeCode = info & 0xf
        const bindCode = info >> 4
        table.push({
          name: this.cString(strings.fileOffset + view.getUint32(o, true), strings.fileOffset + strings.size),
          value: view.getUint32(o + 4, true),
          size: view.getUint32(o + 8, true),
          type: (['notype', 'object', 'func', 'section', 'file'] as const)[typeCode] ?? 'other',
          binding: (['local', 'global', 'weak'] as const)[bindCode] ?? 'other',
          sectionIndex: view.getUint16(o + 14, true)
        })
      }
    }
    return (this.symbolTable = table)
  }

  /** The symbol of that name (global ones win over locals of the same name). */
  symbol(name: string): ElfSymbol | undefined {
    const all = this.symbols.filter((s) => s.name === name)
    return all.find((s) => s.binding !== 'local') ?? all[0]
  }

  /** Address of a symbol; for functions with the Thumb bit cleared (the address a breakpoint goes on). */
  address(name: string): number {
    const s = this.symbol(name)
    if (!s) throw new Error(`${this.fileName} has no symbol "${name}". Was it built from the expected sources, and not stripped?`)
    return s.type === 'func' ? (s.value & ~1) >>> 0 : s.value
  }

  section(name: string): ElfSection | undefined {
    return this.sections.find((s) => s.name === name)
  }

  sectionData(section: ElfSection): Uint8Array {
    if (section.type === SHT_NOBITS) return new Uint8Array(section.size)
    return this.bytes.subarray(section.fileOffset, section.fileOffset + section.size)
  }

  /**
   * What a loader writes: the file bytes of every PT_LOAD segment at its physical address, as GDB's `load`
   * does. The zero-filled tail (memory size beyond file size, i.e. .bss) is left to the startup code.
   */
  loadChunks(): LoadChunk[] {
    return this.segments
      .filter((s) => s.type === PT_LOAD && s.fileSize > 0)
      .map((s) => ({ address: s.physicalAddress, data: this.bytes.subarray(s.fileOffset, s.fileOffset + s.fileSize) }))
  }
}

export function parseElf(bytes: Uint8Array, fileName?: string): ElfFile {
  return new ElfFile(bytes, fileName)
}
