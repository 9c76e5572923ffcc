/**
 * An Arm firmware image (or CMSIS-Pack flash algorithm) as a loader and a debugger see it: loadable
 * segments, sections and symbols of a 32-bit little-endian ELF file. The bytes are read by `formats/elf`;
 * this adds what probes ask of them (load chunks, symbol addresses with the Thumb bit cleared).
 */

import { ElfReader, PT_LOAD, SHT_NOBITS, type ElfProgramHeader, type ElfSectionHeader, type ElfSymbol } from '../../formats/elf'

export { ElfFormatError, EM_ARM, PT_LOAD, SHT_NOBITS, type ElfSymbol } from '../../formats/elf'

export type ElfSegment = ElfProgramHeader

export interface ElfSection extends ElfSectionHeader {
  name: string
}

export interface LoadChunk {
  address: number
  data: Uint8Array
}

export class ElfFile {
  readonly entry: number
  readonly machine: number
  readonly segments: ElfSegment[]
  readonly sections: ElfSection[]
  private readonly reader: ElfReader

  constructor(
    readonly bytes: Uint8Array,
    readonly fileName = 'ELF image'
  ) {
    const reader = new ElfReader(bytes, {
      file: fileName,
      lead: `${fileName} is not a usable 32-bit little-endian ELF file:`,
      hint: 'Rebuild it for an Arm Cortex-M target (arm-none-eabi).'
    })
    if (reader.elfClass !== 32) reader.fail(`it is a ${reader.elfClass}-bit file (class ${bytes[4]} at byte 4)`, 4)
    if (reader.endianness !== 'little') reader.fail(`it is a ${reader.endianness}-endian file (data encoding ${bytes[5]} at byte 5)`, 5)
    this.reader = reader
    this.machine = reader.machine
    this.entry = reader.entry
    // Refuse a file whose loadable bytes or section contents lie outside it now, not halfway through a flash.
    this.segments = reader.programHeaders()
    this.segments.forEach((s, i) => s.type === PT_LOAD && reader.segmentBytes(s, i))
    this.sections = reader.sectionHeaders().map((s) => ({ ...s, name: s.name ?? '' }))
    for (const s of this.sections) if (s.type !== 0 && s.type !== SHT_NOBITS) reader.sectionBytes(s)
  }

  get symbols(): ElfSymbol[] {
    return this.reader.symbols()
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
    return this.reader.sectionBytes(section)
  }

  /**
   * What a loader writes: the file bytes of every PT_LOAD segment at its physical address, as GDB's `load`
   * does. The zero-filled tail (memory size beyond file size, i.e. .bss) is left to the startup code.
   */
  loadChunks(): LoadChunk[] {
    return this.segments
      .map((s, i) => ({ s, i }))
      .filter(({ s }) => s.type === PT_LOAD && s.fileSize > 0)
      .map(({ s, i }) => ({ address: s.physicalAddress, data: this.reader.segmentBytes(s, i) }))
  }
}

export function parseElf(bytes: Uint8Array, fileName?: string): ElfFile {
  return new ElfFile(bytes, fileName)
}
