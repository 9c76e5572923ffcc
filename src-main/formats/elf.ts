/**
 * One ELF reader for everything that opens firmware images: the sizes a model card shows, the segments a
 * probe flashes, the symbols a debugger breaks on. The layout is the System V ABI's: a 16-byte
 * identification (magic, class 32/64-bit, byte order), a header whose field positions depend on the class,
 * then tables of program headers (e_phoff) and section headers (e_shoff), section names in section
 * e_shstrndx, symbols in SHT_SYMTAB sections whose names live in the section their sh_link names.
 *
 * The header is read at once; the tables only when asked for, so a caller that needs sections is not
 * refused for a damaged program header table, and the other way round. Every read is bounds-checked and
 * a refusal is an ElfFormatError naming the file and the byte offset where it broke.
 */

export class ElfFormatError extends Error {
  constructor(
    message: string,
    readonly file: string,
    readonly byteOffset: number
  ) {
    super(message)
    this.name = 'ElfFormatError'
  }
}

export interface ElfReadOptions {
  /** How errors name the file. */
  file: string
  /** How an error message opens; `<file>:` unless given. */
  lead?: string
  /** What the user should do about a refused file, ending every error message. */
  hint?: string
}

export interface ElfProgramHeader {
  type: number
  flags: number
  fileOffset: number
  virtualAddress: number
  /** Load (physical) address: where the bytes must be written, as GDB's `load` does. */
  physicalAddress: number
  fileSize: number
  memorySize: number
}

export interface ElfSectionHeader {
  /** The file gives the section no readable name when undefined (no name table, or an offset past it). */
  name: string | undefined
  type: number
  flags: number
  address: number
  fileOffset: number
  size: number
  link: number
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

export const PT_LOAD = 1
export const SHT_SYMTAB = 2
export const SHT_NOBITS = 8
export const SHF_WRITE = 0x1
export const SHF_ALLOC = 0x2
export const SHF_EXECINSTR = 0x4
export const EM_ARM = 40
const SHN_XINDEX = 0xffff

export function isElf(bytes: Uint8Array): boolean {
  return bytes.length >= 4 && bytes[0] === 0x7f && bytes[1] === 0x45 && bytes[2] === 0x4c && bytes[3] === 0x46
}

export class ElfReader {
  readonly elfClass: 32 | 64
  readonly endianness: 'little' | 'big'
  readonly machine: number
  readonly entry: number
  /** e_shoff: 0 when the file has no section headers. */
  readonly sectionTableOffset: number
  private readonly is64: boolean
  private readonly le: boolean
  private readonly view: DataView
  private programHeaderTable: ElfProgramHeader[] | undefined
  private sectionHeaderTable: ElfSectionHeader[] | undefined
  private symbolTable: ElfSymbol[] | undefined

  constructor(
    readonly bytes: Uint8Array,
    private readonly options: ElfReadOptions
  ) {
    if (!isElf(bytes)) {
      const got = Array.from(bytes.subarray(0, 4), (b) => b.toString(16).padStart(2, '0')).join(' ')
      this.fail(`expected the ELF magic 7f 45 4c 46 at byte 0, found ${got || 'nothing (empty file)'}`, 0)
    }
    if (bytes.length < 52) this.fail(`file of ${bytes.length} bytes is too short for an ELF header`, 0)
    const cls = bytes[4]
    const order = bytes[5]
    if (cls !== 1 && cls !== 2) this.fail(`unknown ELF class ${cls} at byte 4 (expected 1 for 32-bit or 2 for 64-bit)`, 4)
    if (order !== 1 && order !== 2) this.fail(`unknown byte order ${order} at byte 5 (expected 1 little or 2 big endian)`, 5)
    this.is64 = cls === 2
    this.le = order === 1
    this.elfClass = this.is64 ? 64 : 32
    this.endianness = this.le ? 'little' : 'big'
    if (this.is64 && bytes.length < 64) this.fail(`file of ${bytes.length} bytes is too short for a 64-bit ELF header`, 0)
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
    this.machine = this.u16(18)
    this.entry = this.word(24)
    this.sectionTableOffset = this.word(this.is64 ? 40 : 32)
  }

  fail(detail: string, byteOffset: number): never {
    const { file, lead = `${file}:`, hint } = this.options
    throw new ElfFormatError(`${lead} ${detail}.${hint ? ` ${hint}` : ''}`, file, byteOffset)
  }

  /**
   * Tables and header fields "lie" past the end; contents (a segment's or section's bytes) "run" past it.
   * Both name the byte where the piece starts and its length.
   */
  private need(pos: number, size: number, what: string, verb: 'lies' | 'runs' = 'lies'): void {
    if (pos < 0 || pos + size > this.bytes.length) {
      this.fail(`${what} at byte ${pos} (${size} bytes) ${verb} past the end of the ${this.bytes.length}-byte file`, Math.min(pos, this.bytes.length))
    }
  }

  private u16(p: number): number {
    this.need(p, 2, 'a 16-bit field')
    return this.view.getUint16(p, this.le)
  }

  private u32(p: number): number {
    this.need(p, 4, 'a 32-bit field')
    return this.view.getUint32(p, this.le)
  }

  /** An address, offset or size: 4 bytes in a 32-bit file, 8 in a 64-bit one. */
  private word(p: number): number {
    if (!this.is64) return this.u32(p)
    this.need(p, 8, 'a 64-bit field')
    return Number(this.view.getBigUint64(p, this.le))
  }

  programHeaders(): ElfProgramHeader[] {
    if (this.programHeaderTable) return this.programHeaderTable
    const is64 = this.is64
    const phoff = this.word(is64 ? 32 : 28)
    const phentsize = this.u16(is64 ? 54 : 42)
    const phnum = this.u16(is64 ? 56 : 44)
    const table: ElfProgramHeader[] = []
    if (phnum > 0) {
      const minEnt = is64 ? 56 : 32
      if (phentsize < minEnt) this.fail(`program header entries of ${phentsize} bytes are smaller than the ${minEnt} the format needs`, is64 ? 54 : 42)
      this.need(phoff, phnum * phentsize, `the table of ${phnum} program headers`)
      for (let i = 0; i < phnum; i++) {
        const p = phoff + i * phentsize
        table.push(
          is64
            ? { type: this.u32(p), flags: this.u32(p + 4), fileOffset: this.word(p + 8), virtualAddress: this.word(p + 16), physicalAddress: this.word(p + 24), fileSize: this.word(p + 32), memorySize: this.word(p + 40) }
            : { type: this.u32(p), fileOffset: this.u32(p + 4), virtualAddress: this.u32(p + 8), physicalAddress: this.u32(p + 12), fileSize: this.u32(p + 16), memorySize: this.u32(p + 20), flags: this.u32(p + 24) }
        )
      }
    }
    return (this.programHeaderTable = table)
  }

  /** The file bytes of a segment (without its zero-filled tail), checked to lie inside the file. */
  segmentBytes(segment: ElfProgramHeader, index: number): Uint8Array {
    this.need(segment.fileOffset, segment.fileSize, `segment ${index}`, 'runs')
    return this.bytes.subarray(segment.fileOffset, segment.fileOffset + segment.fileSize)
  }

  /** All section headers in file order, index 0 (the null section) included; empty when e_shoff is 0. */
  sectionHeaders(): ElfSectionHeader[] {
    if (this.sectionHeaderTable) return this.sectionHeaderTable
    const is64 = this.is64
    const shoff = this.sectionTableOffset
    if (shoff === 0) return (this.sectionHeaderTable = [])
    const shentsize = this.u16(is64 ? 58 : 46)
    let shnum = this.u16(is64 ? 60 : 48)
    let shstrndx = this.u16(is64 ? 62 : 50)
    const minEnt = is64 ? 64 : 40
    if (shentsize < minEnt) this.fail(`section header entries of ${shentsize} bytes are smaller than the ${minEnt} the format needs`, is64 ? 58 : 46)
    // Large section counts live in the first section header (e_shnum = 0, e_shstrndx = SHN_XINDEX).
    if (shnum === 0) {
      this.need(shoff, minEnt, 'section header 0')
      shnum = this.word(shoff + (is64 ? 32 : 20))
    }
    if (shstrndx === SHN_XINDEX) {
      this.need(shoff, minEnt, 'section header 0')
      shstrndx = this.u32(shoff + (is64 ? 40 : 24))
    }
    this.need(shoff, shnum * shentsize, `the table of ${shnum} section headers`)

    const raw = Array.from({ length: shnum }, (_, i) => {
      const p = shoff + i * shentsize
      return is64
        ? { nameOffset: this.u32(p), type: this.u32(p + 4), flags: this.word(p + 8), address: this.word(p + 16), fileOffset: this.word(p + 24), size: this.word(p + 32), link: this.u32(p + 40) }
        : { nameOffset: this.u32(p), type: this.u32(p + 4), flags: this.u32(p + 8), address: this.u32(p + 12), fileOffset: this.u32(p + 16), size: this.u32(p + 20), link: this.u32(p + 24) }
    })
    let names: { start: number; size: number } | undefined
    if (shstrndx > 0 && shstrndx < shnum) {
      const h = raw[shstrndx]
      this.need(h.fileOffset, h.size, 'the section name table')
      names = { start: h.fileOffset, size: h.size }
    }
    return (this.sectionHeaderTable = raw.map(({ nameOffset, ...h }) => ({
      ...h,
      name: names && nameOffset < names.size ? this.cString(names.start + nameOffset, names.start + names.size) : undefined
    })))
  }

  /** A section's bytes, checked to lie inside the file; zeros for a section without file contents (SHT_NOBITS). */
  sectionBytes(section: ElfSectionHeader): Uint8Array {
    if (section.type === SHT_NOBITS) return new Uint8Array(section.size)
    this.need(section.fileOffset, section.size, `${section.name ? `section ${section.name}` : 'a section'} of type ${section.type}`, 'runs')
    return this.bytes.subarray(section.fileOffset, section.fileOffset + section.size)
  }

  /** The symbols of every SHT_SYMTAB section, in file order. */
  symbols(): ElfSymbol[] {
    if (this.symbolTable) return this.symbolTable
    const sections = this.sectionHeaders()
    const entSize = this.is64 ? 24 : 16
    const table: ElfSymbol[] = []
    for (const s of sections) {
      if (s.type !== SHT_SYMTAB) continue
      const strings = sections[s.link]
      if (!strings) continue
      const entries = this.sectionBytes(s)
      const names = this.sectionBytes(strings)
      const view = new DataView(entries.buffer, entries.byteOffset, entries.byteLength)
      for (let o = 0; o + entSize <= entries.length; o += entSize) {
        const info = entries[o + (this.is64 ? 4 : 12)]
        const nameOffset = view.getUint32(o, this.le)
        table.push({
          name: nameOffset < names.length ? cString(names, nameOffset) : '',
          value: this.is64 ? Number(view.getBigUint64(o + 8, this.le)) : view.getUint32(o + 4, this.le),
          size: this.is64 ? Number(view.getBigUint64(o + 16, this.le)) : view.getUint32(o + 8, this.le),
          type: (['notype', 'object', 'func', 'section', 'file'] as const)[info & 0xf] ?? 'other',
          binding: (['local', 'global', 'weak'] as const)[info >> 4] ?? 'other',
          sectionIndex: view.getUint16(o + (this.is64 ? 6 : 14), this.le)
        })
      }
    }
    return (this.symbolTable = table)
  }

  private cString(start: number, end: number): string {
    return cString(this.bytes.subarray(start, Math.min(end, this.bytes.length)), 0)
  }
}

function cString(bytes: Uint8Array, start: number): string {
  let stop = start
  while (stop < bytes.length && bytes[stop] !== 0) stop++
  return new TextDecoder().decode(bytes.subarray(start, stop))
}

export function readElf(bytes: Uint8Array, options: ElfReadOptions): ElfReader {
  return new ElfReader(bytes, options)
}
