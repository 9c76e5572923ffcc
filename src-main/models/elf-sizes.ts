/**
 * Flash and RAM use of a firmware image, from its ELF section headers (32 or 64 bit, either byte order;
 * the reading itself is `formats/elf`).
 *
 * Only sections that occupy memory at run time (SHF_ALLOC) count, sorted into four kinds:
 *   text    executable                                   → flash
 *   rodata  read-only, not executable                    → flash
 *   data    writable, with contents (initialised data)   → flash (initial values) and RAM
 *   bss     writable, no file contents (SHT_NOBITS)      → RAM
 * so flash = text + rodata + data and RAM = data + bss. This is how the GNU `size` tool's Berkeley
 * format counts too, except that it folds rodata into text. Stack and heap only appear when the
 * linker script reserves them as sections (often `._user_heap_stack`, counted as bss).
 */

import { readElf, SHF_ALLOC, SHF_EXECINSTR, SHF_WRITE, SHT_NOBITS } from '../formats/elf'

export { ElfFormatError, isElf } from '../formats/elf'

export type SectionKind = 'text' | 'rodata' | 'data' | 'bss'

export interface ElfSection {
  name: string
  kind: SectionKind
  /** Run-time (virtual) address. */
  address: number
  sizeBytes: number
}

export interface ElfSizes {
  kind: 'elf'
  elfClass: 32 | 64
  endianness: 'little' | 'big'
  machine: string
  entryAddress: number
  /** Allocated sections in header order; non-allocated ones (debug info, symbols) are left out. */
  sections: ElfSection[]
  textBytes: number
  rodataBytes: number
  dataBytes: number
  bssBytes: number
  flashBytes: number
  ramBytes: number
}

const MACHINES: Record<number, string> = {
  3: 'x86',
  8: 'MIPS',
  20: 'PowerPC',
  40: 'ARM',
  62: 'x86-64',
  94: 'Xtensa',
  183: 'AArch64',
  243: 'RISC-V'
}

export function readElfSizes(bytes: Uint8Array, file = 'firmware.elf'): ElfSizes {
  const elf = readElf(bytes, { file, hint: 'Check that this is the linked firmware image (.elf/.axf/.out), not a .bin or .hex.' })
  if (elf.sectionTableOffset === 0) elf.fail('the file has no section headers (e_shoff is 0), so its sections cannot be sized', elf.elfClass === 64 ? 40 : 32)
  const sections: ElfSection[] = []
  elf.sectionHeaders().forEach((h, i) => {
    if (i === 0 || !(h.flags & SHF_ALLOC) || h.size === 0) return
    const kind: SectionKind =
      h.type === SHT_NOBITS ? 'bss' : h.flags & SHF_EXECINSTR ? 'text' : h.flags & SHF_WRITE ? 'data' : 'rodata'
    sections.push({ name: h.name ?? `section${i}`, kind, address: h.address, sizeBytes: h.size })
  })
  const sum = (k: SectionKind) => sections.filter((s) => s.kind === k).reduce((t, s) => t + s.sizeBytes, 0)
  const textBytes = sum('text')
  const rodataBytes = sum('rodata')
  const dataBytes = sum('data')
  const bssBytes = sum('bss')
  return {
    kind: 'elf',
    elfClass: elf.elfClass,
    endianness: elf.endianness,
    machine: MACHINES[elf.machine] ?? `machine ${elf.machine}`,
    entryAddress: elf.entry,
    sections,
    textBytes,
    rodataBytes,
    dataBytes,
    bssBytes,
    flashBytes: textBytes + rodataBytes + dataBytes,
    ramBytes: dataBytes + bssBytes
  }
}
