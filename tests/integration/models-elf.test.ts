import { execFileSync, spawnSync } from 'node:child_process'
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { beforeAll, describe, expect, it } from 'vitest'
import { ElfFormatError, readElfSizes } from '../../src-main/models/elf-sizes'
import { prng } from '../helpers/prng'
import { catchError } from '../helpers/errors'

/**
 * Real firmware images built here with the Arm GNU toolchain (and one host executable), sized by our
 * reader and by the toolchain's own `size` program as the independent reference.
 */

const FIRMWARE_C = `
const unsigned char lookup[1000] = { 1, 2, 3 };
int counters[64] = { 1 };
unsigned char frame[4096];
void Reset_Handler(void) {
  for (;;) { frame[counters[0] & 4095] = lookup[counters[1] % 1000]; counters[0]++; }
}
__attribute__((section(".isr_vector"), used)) void (*const vectors[2])(void) = { (void (*)(void))0x20010000, Reset_Handler };
`

const LINKER_SCRIPT = `
MEMORY { FLASH (rx) : ORIGIN = 0x08000000, LENGTH = 512K
         RAM (rwx)  : ORIGIN = 0x20000000, LENGTH = 64K }
ENTRY(Reset_Handler)
SECTIONS {
  .isr_vector : { KEEP(*(.isr_vector)) } > FLASH
  .text : { *(.text*) } > FLASH
  .rodata : { *(.rodata*) } > FLASH
  .data : { *(.data*) } > RAM AT> FLASH
  .bss (NOLOAD) : { *(.bss*) *(COMMON) } > RAM
  ._user_heap_stack (NOLOAD) : { . = ALIGN(8); . = . + 0x800; } > RAM
}
`

/** A host C compiler and GNU size are not among the project's declared test packages; use them when present. */
const hostToolchain = spawnSync('gcc', ['--version']).status === 0 && spawnSync('size', ['--version']).status === 0

/**
 * A minimal ELF image by hand, from the format's published layout (System V ABI): identification,
 * header, then a section header table with a name string table. No program, just sections.
 */
function handMadeElf(is64: boolean, littleEndian: boolean, sections: Array<{ name: string; type: number; flags: number; addr: number; size: number }>): Uint8Array {
  const names = ['', ...sections.map((s) => s.name), '.shstrtab']
  const strtab: number[] = []
  const nameOffsets = names.map((n) => {
    const at = strtab.length
    for (const ch of n) strtab.push(ch.charCodeAt(0))
    strtab.push(0)
    return at
  })
  const ehsize = is64 ? 64 : 52
  const shentsize = is64 ? 64 : 40
  const strtabOffset = ehsize
  const shoff = Math.ceil((strtabOffset + strtab.length) / 8) * 8
  const shnum = sections.length + 2
  const buf = new Uint8Array(shoff + shnum * shentsize)
  const v = new DataView(buf.buffer)
  const le = littleEndian
  const word = (p: number, x: number) => (is64 ? v.setBigUint64(p, BigInt(x), le) : v.setUint32(p, x, le))
  buf.set([0x7f, 0x45, 0x4c, 0x46, is64 ? 2 : 1, le ? 1 : 2, 1], 0)
  v.setUint16(16, 2, le) // ET_EXEC
  v.setUint16(18, 243, le) // RISC-V
  v.setUint32(20, 1, le)
  word(24, 0x80000000) // entry
  word(is64 ? 40 : 32, shoff)
  v.setUint16(is64 ? 52 : 40, ehsize, le)
  v.setUint16(is64 ? 58 : 46, shentsize, le)
  v.setUint16(is64 ? 60 : 48, shnum, le)
  v.setUint16(is64 ? 62 : 50, shnum - 1, le)
  buf.set(strtab, strtabOffset)
  const header = (i: number, name: number, type: number, flags: number, addr: number, offset: number, size: number) => {
    const p = shoff + i * shentsize
    v.setUint32(p, name, le)
    v.setUint32(p + 4, type, le)
    if (is64) {
      v.setBigUint64(p + 8, BigInt(flags), le)
      v.setBigUint64(p + 16, BigInt(addr), le)
      v.setBigUint64(p + 24, BigInt(offset), le)
      v.setBigUint64(p + 32, BigInt(size), le)
    } else {
      v.setUint32(p + 8, flags, le)
      v.setUint32(p + 12, addr, le)
      v.setUint32(p + 16, offset, le)
      v.setUint32(p + 20, size, le)
    }
  }
  // Section contents are not needed for sizing; PROGBITS sections point at the string table's bytes.
  sections.forEach((s, k) => header(k + 1, nameOffsets[k + 1], s.type, s.flags, s.addr, strtabOffset, s.size))
  header(shnum - 1, nameOffsets[names.length - 1], 3, 0, 0, strtabOffset, strtab.length)
  return buf
}

let dir: string
let firmware: Uint8Array
let firmwarePath: string

function gnuSize(tool: string, file: string) {
  const berkeley = execFileSync(tool, ['-B', '-d', file], { encoding: 'utf8' }).trim().split('\n')[1].trim().split(/\s+/).map(Number)
  const sysv = new Map<string, number>()
  for (const line of execFileSync(tool, ['-A', '-d', file], { encoding: 'utf8' }).split('\n')) {
    const m = /^(\S+)\s+(\d+)\s+(\d+)\s*$/.exec(line)
    if (m) sysv.set(m[1], Number(m[2]))
  }
  return { text: berkeley[0], data: berkeley[1], bss: berkeley[2], sections: sysv }
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'jb-models-elf-'))
  writeFileSync(join(dir, 'main.c'), FIRMWARE_C)
  writeFileSync(join(dir, 'link.ld'), LINKER_SCRIPT)
  firmwarePath = join(dir, 'fw.elf')
  execFileSync('arm-none-eabi-gcc', ['-mcpu=cortex-m4', '-mthumb', '-Os', '-nostdlib', '-T', join(dir, 'link.ld'), join(dir, 'main.c'), '-o', firmwarePath])
  firmware = new Uint8Array(readFileSync(firmwarePath))
})

describe('ELF firmware sizes', () => {
  it('matches arm-none-eabi-size on a Cortex-M4 image, section by section and in Berkeley totals', () => {
    const ours = readElfSizes(firmware, firmwarePath)
    const ref = gnuSize('arm-none-eabi-size', firmwarePath)
    expect(ours).toMatchObject({ kind: 'elf', elfClass: 32, endianness: 'little', machine: 'ARM' })
    for (const s of ours.sections) expect(s.sizeBytes).toBe(ref.sections.get(s.name))
    // Berkeley format folds read-only data into text.
    expect(ours.textBytes + ours.rodataBytes).toBe(ref.text)
    expect(ours.dataBytes).toBe(ref.data)
    expect(ours.bssBytes).toBe(ref.bss)
    expect(ours.flashBytes).toBe(ref.text + ref.data)
    expect(ours.ramBytes).toBe(ref.data + ref.bss)
  })

  it('sorts the sections by what the C source put in them', () => {
    const s = readElfSizes(firmware, firmwarePath)
    const byName = Object.fromEntries(s.sections.map((x) => [x.name, x]))
    expect(byName['.rodata']).toMatchObject({ kind: 'rodata', sizeBytes: 1000 })
    expect(byName['.data']).toMatchObject({ kind: 'data', sizeBytes: 256, address: 0x20000000 })
    expect(byName['.bss']).toMatchObject({ kind: 'bss', sizeBytes: 4096 })
    expect(byName['._user_heap_stack']).toMatchObject({ kind: 'bss', sizeBytes: 0x800 })
    expect(byName['.text'].kind).toBe('text')
    expect(byName['.isr_vector']).toMatchObject({ kind: 'rodata', sizeBytes: 8, address: 0x08000000 })
    // Debug and attribute sections occupy no target memory.
    expect(s.sections.some((x) => x.name === '.ARM.attributes' || x.name === '.comment')).toBe(false)
    expect(s.entryAddress & ~1).toBe(byName['.text'].address)
  })

  it('reads hand-made 32- and 64-bit images in both byte orders', () => {
    const PROGBITS = 1
    const NOBITS = 8
    const [W, A, X] = [1, 2, 4]
    const sections = [
      { name: '.text', type: PROGBITS, flags: A | X, addr: 0x80000000, size: 5000 },
      { name: '.srodata', type: PROGBITS, flags: A, addr: 0x80001388, size: 300 },
      { name: '.sdata', type: PROGBITS, flags: A | W, addr: 0x80100000, size: 120 },
      { name: '.sbss', type: NOBITS, flags: A | W, addr: 0x80100078, size: 7000 },
      { name: '.debug_info', type: PROGBITS, flags: 0, addr: 0, size: 99999 }
    ]
    for (const is64 of [false, true]) {
      for (const little of [true, false]) {
        const s = readElfSizes(handMadeElf(is64, little, sections), 'hand.elf')
        expect(s).toMatchObject({ elfClass: is64 ? 64 : 32, endianness: little ? 'little' : 'big', machine: 'RISC-V', entryAddress: 0x80000000 })
        expect(s.sections.map((x) => [x.name, x.kind, x.sizeBytes])).toEqual([
          ['.text', 'text', 5000],
          ['.srodata', 'rodata', 300],
          ['.sdata', 'data', 120],
          ['.sbss', 'bss', 7000]
        ])
        expect(s.flashBytes).toBe(5000 + 300 + 120)
        expect(s.ramBytes).toBe(120 + 7000)
      }
    }
  })

  it.skipIf(!hostToolchain)('reads a 64-bit host executable the same way the host size program does', () => {
    writeFileSync(join(dir, 'host.c'), 'char big[10000]; const char msg[300] = "x"; int main(int argc, char **argv) { big[argc] = argv[0][0]; return big[msg[argc]]; }\n')
    const exe = join(dir, 'host')
    execFileSync('gcc', ['-O1', join(dir, 'host.c'), '-o', exe])
    const ours = readElfSizes(new Uint8Array(readFileSync(exe)), exe)
    const ref = gnuSize('size', exe)
    expect(ours.elfClass).toBe(64)
    expect(ours.textBytes + ours.rodataBytes).toBe(ref.text)
    expect(ours.dataBytes).toBe(ref.data)
    expect(ours.bssBytes).toBe(ref.bss)
    expect(ours.bssBytes).toBeGreaterThanOrEqual(10000)
  })

  it('says what is wrong with a file that is not an ELF image or is cut short', () => {
    expect(() => readElfSizes(new Uint8Array([0x3a, 0x31, 0x30, 0x30, 0x30]), 'fw.hex')).toThrow(/fw\.hex: expected the ELF magic 7f 45 4c 46 at byte 0, found 3a 31 30 30.*not a \.bin or \.hex/)
    expect(() => readElfSizes(new Uint8Array(0), 'empty.elf')).toThrow(/found nothing \(empty file\)/)
    const err = catchError(() => readElfSizes(firmware.subarray(0, firmware.length - 100), 'cut.elf'))
    expect(err).toBeInstanceOf(ElfFormatError)
    expect(err.message).toMatch(/cut\.elf: .*section headers at byte \d+ .*lies past the end/)
  })

  it('gives sizes or an ElfFormatError for every mutated copy, never another error', () => {
    const rand = prng(7)
    let refused = 0
    for (let round = 0; round < 500; round++) {
      const bytes = firmware.slice()
      if (round % 3 === 0) {
        // The headers are where the structure lives: hit the ELF header and the section header table.
        const shoff = new DataView(bytes.buffer).getUint32(32, true)
        for (let k = 0; k < 4; k++) {
          const p = rand() < 0.5 ? Math.floor(rand() * 52) : shoff + Math.floor(rand() * (bytes.length - shoff))
          bytes[p] = Math.floor(rand() * 256)
        }
      } else if (round % 3 === 1) {
        for (let k = 0; k < 16; k++) bytes[Math.floor(rand() * bytes.length)] ^= 0xff
      }
      const input = round % 3 === 2 ? bytes.subarray(0, Math.floor(rand() * bytes.length)) : bytes
      try {
        const s = readElfSizes(input, 'fuzz.elf')
        expect(s.flashBytes).toBe(s.textBytes + s.rodataBytes + s.dataBytes)
      } catch (e) {
        if (!(e instanceof ElfFormatError)) throw new Error(`round ${round}: ${(e as Error).name}: ${(e as Error).message}`)
        refused++
      }
    }
    expect(refused).toBeGreaterThan(50)
  })
})
