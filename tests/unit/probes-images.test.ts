import { describe, expect, it } from 'vitest'
import { ElfFile, ElfFormatError } from '../../src-main/probes/elf/elf-file'
import { IntelHexError, parseIntelHex } from '../../src-main/probes/image/intel-hex'
import { parseFirmwareImage, ImageFormatError } from '../../src-main/probes/image/firmware-image'
import { parseStopReply, StopReplyError } from '../../src-main/probes/gdb/stop-reply'
import { mutate, prng, randomBytes } from '../helpers/prng'

/**
 * A minimal ELF32 little-endian Arm file written field by field from the ELF specification:
 * one PT_LOAD segment (file bytes at paddr 0x100, vaddr 0x2000 like a .data LMA/VMA split),
 * sections null/.text/.symtab/.strtab/.shstrtab, and symbols `main` (Thumb func) and `buffer` (object).
 */
function tinyElf(): Uint8Array {
  const out = new Uint8Array(1024)
  const v = new DataView(out.buffer)
  const text = Uint8Array.of(0x00, 0xbf, 0x70, 0x47, 1, 2, 3, 4) // nop; bx lr; data
  const strtab = '\0main\0buffer\0'
  const shstrtab = '\0.text\0.symtab\0.strtab\0.shstrtab\0'
  const textOff = 0x100
  const symOff = 0x140
  const strOff = 0x180
  const shstrOff = 0x1a0
  const shOff = 0x200
  out.set([0x7f, 0x45, 0x4c, 0x46, 1, 1, 1])
  v.setUint16(16, 2, true) // ET_EXEC
  v.setUint16(18, 40, true) // EM_ARM
  v.setUint32(20, 1, true)
  v.setUint32(24, 0x2001, true) // entry
  v.setUint32(28, 52, true) // phoff
  v.setUint32(32, shOff, true)
  v.setUint16(40, 52, true)
  v.setUint16(42, 32, true)
  v.setUint16(44, 1, true)
  v.setUint16(46, 40, true)
  v.setUint16(48, 5, true)
  v.setUint16(50, 4, true)
  // PT_LOAD
  v.setUint32(52, 1, true)
  v.setUint32(56, textOff, true)
  v.setUint32(60, 0x2000, true)
  v.setUint32(64, 0x100, true)
  v.setUint32(68, text.length, true)
  v.setUint32(72, text.length + 8, true)
  v.setUint32(76, 5, true)
  out.set(text, textOff)
  // symbols: null, main, buffer
  const sym = (i: number, name: number, value: number, size: number, info: number, shndx: number) => {
    const o = symOff + 16 * i
    v.setUint32(o, name, true)
    v.setUint32(o + 4, value, true)
    v.setUint32(o + 8, size, true)
    out[o + 12] = info
    v.setUint16(o + 14, shndx, true)
  }
  sym(1, 1, 0x2001, 4, (1 << 4) | 2, 1) // global func main (Thumb bit set)
  sym(2, 6, 0x2004, 4, (1 << 4) | 1, 1) // global object buffer
  out.set(Uint8Array.from(strtab, (c) => c.charCodeAt(0)), strOff)
  out.set(Uint8Array.from(shstrtab, (c) => c.charCodeAt(0)), shstrOff)
  const sh = (i: number, name: number, type: number, flags: number, addr: number, off: number, size: number, link: number) => {
    const o = shOff + 40 * i
    v.setUint32(o, name, true)
    v.setUint32(o + 4, type, true)
    v.setUint32(o + 8, flags, true)
    v.setUint32(o + 12, addr, true)
    v.setUint32(o + 16, off, true)
    v.setUint32(o + 20, size, true)
    v.setUint32(o + 24, link, true)
  }
  sh(1, 1, 1, 6, 0x2000, textOff, text.length, 0)
  sh(2, 7, 2, 0, 0, symOff, 48, 3)
  sh(3, 15, 3, 0, 0, strOff, strtab.length, 0)
  sh(4, 23, 3, 0, 0, shstrOff, shstrtab.length, 0)
  return out.subarray(0, shOff + 5 * 40)
}

describe('ELF reader', () => {
  it('reads the header, the load segment at its physical address, sections and symbols', () => {
    const elf = new ElfFile(tinyElf(), 'tiny.elf')
    expect(elf.machine).toBe(40)
    expect(elf.entry).toBe(0x2001)
    expect(elf.loadChunks()).toEqual([{ address: 0x100, data: Uint8Array.of(0x00, 0xbf, 0x70, 0x47, 1, 2, 3, 4) }])
    expect(elf.sections.map((s) => s.name)).toEqual(['', '.text', '.symtab', '.strtab', '.shstrtab'])
    expect(elf.symbol('main')).toMatchObject({ value: 0x2001, size: 4, type: 'func', binding: 'global' })
    expect(elf.address('main')).toBe(0x2000) // Thumb bit cleared for breakpoints
    expect(elf.address('buffer')).toBe(0x2004)
    expect(() => elf.address('missing')).toThrow(/tiny.elf has no symbol "missing"/)
  })

  it('rejects non-ELF and truncated files with a message naming the file', () => {
    expect(() => new ElfFile(new Uint8Array(10), 'x.bin')).toThrow(ElfFormatError)
    expect(() => new ElfFile(tinyElf().subarray(0, 100), 'cut.elf')).toThrow(/cut.elf .*runs past the end/)
    const be = tinyElf().slice()
    be[5] = 2
    expect(() => new ElfFile(be, 'be.elf')).toThrow(/big|little-endian/)
  })

  it('gives a typed error or a result for mutated files, never another exception', () => {
    const rand = prng(11)
    const base = tinyElf()
    for (let i = 0; i < 2000; i++) {
      const bytes = i % 3 === 0 ? randomBytes(rand, Math.floor(rand() * 300)) : mutate(rand, base, 1 + Math.floor(rand() * 6))
      try {
        const elf = new ElfFile(bytes, 'fuzz.elf')
        elf.loadChunks()
        void elf.symbols
      } catch (e) {
        expect(e).toBeInstanceOf(ElfFormatError)
      }
    }
  })
})

describe('Intel HEX', () => {
  it('reads data, extended linear addresses and the start address', () => {
    const hex = [
      ':020000040800F2', // upper 16 bits 0x0800
      ':0400000001020304F2',
      ':0400040005060708DE', // contiguous: one chunk of 8
      ':04001000AABBCCDDDE', // gap
      ':0400000508000101ED',
      ':00000001FF'
    ].join('\n')
    const image = parseIntelHex(hex, 'a.hex')
    expect(image.chunks).toEqual([
      { address: 0x08000000, data: Uint8Array.of(1, 2, 3, 4, 5, 6, 7, 8) },
      { address: 0x08000010, data: Uint8Array.of(0xaa, 0xbb, 0xcc, 0xdd) }
    ])
    expect(image.startAddress).toBe(0x08000101)
  })

  it('names the file and line of a bad record', () => {
    expect(() => parseIntelHex(':0400000001020304F3\n', 'b.hex')).toThrow(/b.hex line 1: checksum mismatch/)
    expect(() => parseIntelHex(':00000001FF\n:0400000001020304F2', 'c.hex')).toThrow(/line 2: data after the end-of-file/)
    expect(() => parseIntelHex('hello', 'd.hex')).toThrow(IntelHexError)
    expect(() => parseIntelHex(':0300000001020304F2', 'e.hex')).toThrow(/byte count/)
  })

  it('gives IntelHexError or a result for mutated text, never another exception', () => {
    const rand = prng(12)
    const base = Uint8Array.from(':020000040800F2\n:0400000001020304F2\n:00000001FF\n', (c) => c.charCodeAt(0))
    for (let i = 0; i < 2000; i++) {
      const bytes = mutate(rand, base, 1 + Math.floor(rand() * 4))
      try {
        parseIntelHex(String.fromCharCode(...bytes), 'fuzz.hex')
      } catch (e) {
        expect(e).toBeInstanceOf(IntelHexError)
      }
    }
  })
})

describe('firmware images', () => {
  it('detects the format and demands a base address for raw binaries', () => {
    expect(parseFirmwareImage(tinyElf(), 'x.elf').format).toBe('elf')
    expect(parseFirmwareImage(Uint8Array.from(':0400000001020304F2\n', (c) => c.charCodeAt(0)), 'x.hex').format).toBe('hex')
    expect(() => parseFirmwareImage(Uint8Array.of(1, 2, 3), 'app.bin')).toThrow(ImageFormatError)
    expect(parseFirmwareImage(Uint8Array.of(1, 2, 3), 'app.bin', { binBaseAddress: 0x200000 }).chunks).toEqual([{ address: 0x200000, data: Uint8Array.of(1, 2, 3) }])
  })
})

describe('GDB stop replies', () => {
  it('parses T, S, W, X, O and F replies', () => {
    const t = parseStopReply('T05thread:p01.01;0f:00120000;swbreak:;')
    expect(t).toMatchObject({ kind: 'stopped', signal: 5, reason: 'swbreak', thread: 'p01.01' })
    expect(t.kind === 'stopped' && Array.from(t.registers.get(15)!)).toEqual([0x00, 0x12, 0, 0])
    expect(parseStopReply('S02')).toMatchObject({ kind: 'stopped', signal: 2 })
    expect(parseStopReply('W2a')).toEqual({ kind: 'exited', exitCode: 42 })
    expect(parseStopReply('W00;process:1')).toEqual({ kind: 'exited', exitCode: 0 })
    expect(parseStopReply('X09')).toEqual({ kind: 'terminated', signal: 9 })
    expect(parseStopReply('O68690a')).toEqual({ kind: 'output', text: 'hi\n' })
    expect(parseStopReply('Fwrite,00000002,000001e8,00000022')).toEqual({ kind: 'file-io', call: 'write', args: [{ value: 2 }, { value: 0x1e8 }, { value: 0x22 }] })
    expect(parseStopReply('Fopen,20000010/0c,0,1a4')).toEqual({ kind: 'file-io', call: 'open', args: [{ pointer: 0x20000010, length: 12 }, { value: 0 }, { value: 0x1a4 }] })
  })

  it('rejects malformed replies with a typed error quoting the reply', () => {
    for (const bad of ['', 'Q', 'Tzz', 'T050f:xyz;', 'Wqq', 'O6', 'F', 'Fwrite,zz']) {
      expect(() => parseStopReply(bad), bad).toThrow(StopReplyError)
    }
    const rand = prng(13)
    const alphabet = 'TSWXOF0123456789abcdefxyz:;,/ '
    for (let i = 0; i < 3000; i++) {
      let s = ''
      for (let j = Math.floor(rand() * 30); j > 0; j--) s += alphabet[Math.floor(rand() * alphabet.length)]
      try {
        parseStopReply(s)
      } catch (e) {
        expect(e).toBeInstanceOf(StopReplyError)
      }
    }
  })
})
