/**
 * Flash and RAM use of a firmware image, from its ELF section headers (the ELF format as the System V
 * ABI publishes it: a 16-byte identification, then a header whose fields depend on the class — 32 or
 * 64 bit — and byte order; section headers at e_shoff, e_shnum of them, e_shentsize bytes each; names
 * in the string-table section e_shstrndx).
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

const SHT_NOBITS = 8
const SHF_WRITE = 0x1
const SHF_ALLOC = 0x2
const SHF_EXECINSTR = 0x4

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

export function isElf(bytes: Uint8Array): boolean {
  return bytes.length >= 4 && bytes[0] === 0x7f && bytes[1] === 0x45 && bytes[2] === 0x4c && bytes[3] === 0x46
}

export function readElfSizes(bytes: Uint8Array, file = 'firmware.elf'): ElfSizes {
  const fail = (what: string, offset: number): never => {
    throw new ElfFormatError(`${file}: ${what}. Check that this is the linked firmware image (.elf/.axf/.out), not a .bin or .hex.`, file, offset)
  }
  if (!isElf(bytes)) {
    const got = Array.from(bytes.subarray(0, 4), (b) => b.toString(16).padStart(2, '0')).join(' ')
    fail(`expected the ELF magic 7f 45 4c 46 at byte 0, found ${got || 'nothing (empty file)'}`, 0)
  }
  if (bytes.length < 52) fail(`file of ${bytes.length} bytes is too short for an ELF header`, 0)
  const cls = bytes[4]
  const order = bytes[5]
  if (cls !== 1 && cls !== 2) fail(`unknown ELF class ${cls} at byte 4 (expected 1 for 32-bit or 2 for 64-bit)`, 4)
  if (order !== 1 && order !== 2) fail(`unknown byte order ${order} at byte 5 (expected 1 little or 2 big endian)`, 5)
  const is64 = cls === 2
  const le = order === 1
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  const need = (pos: number, size: number, what: string) => {
    if (pos < 0 || pos + size > bytes.length) fail(`${what} at byte ${pos} (${size} bytes) lies past the end of the ${bytes.length}-byte file`, Math.min(pos, bytes.length))
  }
  const u16 = (p: number) => (need(p, 2, 'a 16-bit field'), view.getUint16(p, le))
  const u32 = (p: number) => (need(p, 4, 'a 32-bit field'), view.getUint32(p, le))
  const addr = (p: number) => (is64 ? (need(p, 8, 'a 64-bit field'), Number(view.getBigUint64(p, le))) : u32(p))

  if (is64 && bytes.length < 64) fail(`file of ${bytes.length} bytes is too short for a 64-bit ELF header`, 0)
  const machine = u16(18)
  const entryAddress = addr(24)
  const shoff = addr(is64 ? 40 : 32)
  const shentsize = u16(is64 ? 58 : 46)
  let shnum = u16(is64 ? 60 : 48)
  let shstrndx = u16(is64 ? 62 : 50)
  if (shoff === 0) fail('the file has no section headers (e_shoff is 0), so its sections cannot be sized', is64 ? 40 : 32)
  const minEnt = is64 ? 64 : 40
  if (shentsize < minEnt) fail(`section header entries of ${shentsize} bytes are smaller than the ${minEnt} the format needs`, is64 ? 58 : 46)
  // Large section counts live in the first section header (e_shnum = 0, e_shstrndx = SHN_XINDEX).
  if (shnum === 0) {
    need(shoff, minEnt, 'section header 0')
    shnum = is64 ? Number(view.getBigUint64(shoff + 32, le)) : u32(shoff + 20)
  }
  if (shstrndx === 0xffff) {
    need(shoff, minEnt, 'section header 0')
    shstrndx = u32(shoff + (is64 ? 44 : 24))
  }
  need(shoff, shnum * shentsize, `${shnum} section headers`)

  const header = (i: number) => {
    const p = shoff + i * shentsize
    return is64
      ? { name: u32(p), type: u32(p + 4), flags: Number(view.getBigUint64(p + 8, le)), addr: addr(p + 16), offset: addr(p + 24), size: addr(p + 32) }
      : { name: u32(p), type: u32(p + 4), flags: u32(p + 8), addr: u32(p + 12), offset: u32(p + 16), size: u32(p + 20) }
  }
  let names: { offset: number; size: number } | null = null
  if (shstrndx > 0 && shstrndx < shnum) {
    const h = header(shstrndx)
    need(h.offset, h.size, 'the section name table')
    names = { offset: h.offset, size: h.size }
  }
  const nameOf = (i: number, off: number): string => {
    if (!names || off >= names.size) return `section${i}`
    let end = names.offset + off
    const limit = names.offset + names.size
    while (end < limit && bytes[end] !== 0) end++
    return new TextDecoder().decode(bytes.subarray(names.offset + off, end))
  }

  const sections: ElfSection[] = []
  for (let i = 1; i < shnum; i++) {
    const h = header(i)
    if (!(h.flags & SHF_ALLOC) || h.size === 0) continue
    const kind: SectionKind =
      h.type === SHT_NOBITS ? 'bss' : h.flags & SHF_EXECINSTR ? 'text' : h.flags & SHF_WRITE ? 'data' : 'rodata'
    sections.push({ name: nameOf(i, h.name), kind, address: h.addr, sizeBytes: h.size })
  }
  const sum = (k: SectionKind) => sections.filter((s) => s.kind === k).reduce((t, s) => t + s.sizeBytes, 0)
  const textBytes = sum('text')
  const rodataBytes = sum('rodata')
  const dataBytes = sum('data')
  const bssBytes = sum('bss')
  return {
    kind: 'elf',
    elfClass: is64 ? 64 : 32,
    endianness: le ? 'little' : 'big',
    machine: MACHINES[machine] ?? `machine ${machine}`,
    entryAddress,
    sections,
    textBytes,
    rodataBytes,
    dataBytes,
    bssBytes,
    flashBytes: textBytes + rodataBytes + dataBytes,
    ramBytes: dataBytes + bssBytes
  }
}
