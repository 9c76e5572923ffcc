import { describe, expect, it } from 'vitest'
import { FlatBuffer, FlatBufferError } from '../../src-main/models/flatbuffer-reader'
import { finish, i32, ints, str, table, u8, vec } from '../helpers/models-flatbuffer-writer'
import { catchError } from '../helpers/errors'

/** Little-endian byte helpers for hand-made vectors. */
const le32 = (v: number) => [v & 0xff, (v >>> 8) & 0xff, (v >>> 16) & 0xff, (v >>> 24) & 0xff]
const le16 = (v: number) => [v & 0xff, (v >>> 8) & 0xff]

describe('FlatBuffers reader', () => {
  it('reads a hand-assembled buffer: root offset, vtable, scalar, string and vector fields', () => {
    // 0: root offset → 20; 4..7 identifier "TEST"; 8: vtable (10 bytes: vtable size 10, table size 16,
    // field 0 at +4, field 1 at +8, field 2 at +12); 18: padding; 20: table, soffset 12 → vtable at 8;
    // 24: field 0 = -7; 28: offset 8 → string at 36; 32: offset 12 → vector at 44.
    const b = [
      ...le32(20), ...[0x54, 0x45, 0x53, 0x54],
      ...le16(10), ...le16(16), ...le16(4), ...le16(8), ...le16(12), 0, 0,
      ...le32(12), ...le32(-7 >>> 0), ...le32(8), ...le32(12),
      ...le32(3), 0x61, 0x62, 0x63, 0,
      ...le32(2), ...le32(5), ...le32(-1 >>> 0)
    ]
    expect(b.length).toBe(56)
    const fb = new FlatBuffer(new Uint8Array(b))
    expect(fb.identifier()).toBe('TEST')
    const root = fb.root()
    expect(root.pos).toBe(20)
    expect(root.i32(0)).toBe(-7)
    expect(root.string(1, 's')).toBe('abc')
    expect(root.vector(2, 4, 'v')!.i32s()).toEqual([5, -1])
    // A field id past the vtable's end is absent and gives the default.
    expect(root.i32(7, 42)).toBe(42)
    expect(root.has(7)).toBe(false)
  })

  it('reads what the independent test writer produces, nested tables and vectors of tables included', () => {
    const bytes = finish(table({ 0: u8(9), 2: str('héllo'), 3: vec([table({ 0: i32(1) }), table({ 0: i32(2), 1: ints([7, 8, 9]) })]) }), 'ABCD')
    const root = new FlatBuffer(bytes).root()
    expect(root.u8(0)).toBe(9)
    expect(root.has(1)).toBe(false)
    expect(root.string(2, 's')).toBe('héllo')
    const v = root.vector(3, 4, 'v')!
    expect(v.length).toBe(2)
    expect(v.table(0, 't').i32(0)).toBe(1)
    expect(v.table(1, 't').vector(1, 4, 'x')!.i32s()).toEqual([7, 8, 9])
  })

  it('names the byte offset when a root offset points past the end', () => {
    const fb = new FlatBuffer(new Uint8Array([...le32(1000), 0x54, 0x46, 0x4c, 0x33]))
    const err = catchError(() => fb.root())
    expect(err).toBeInstanceOf(FlatBufferError)
    expect((err as FlatBufferError).byteOffset).toBe(0)
    expect(err.message).toMatch(/points to byte 1000, past the end \(8 bytes\)/)
  })

  it('refuses a vtable that lies outside the buffer, and a vector longer than the bytes that follow', () => {
    // table at 8 whose soffset puts the vtable at 8 - 1000
    const badVtable = new Uint8Array([...le32(8), 0, 0, 0, 0, ...le32(1000)])
    expect(() => new FlatBuffer(badVtable).root()).toThrow(FlatBufferError)
    // A vector claiming 2^30 elements in a 60-byte buffer must fail before any loop over it.
    const bytes = finish(table({ 0: ints([1, 2, 3]) }), 'ABCD')
    const root = new FlatBuffer(bytes).root()
    const vecPos = root.fieldPos(0, 4) + new DataView(bytes.buffer).getUint32(root.fieldPos(0, 4), true)
    new DataView(bytes.buffer).setUint32(vecPos, 1 << 30, true)
    const err = catchError(() => root.vector(0, 4, 'shape'))
    expect(err).toBeInstanceOf(FlatBufferError)
    expect((err as FlatBufferError).byteOffset).toBe(vecPos)
    expect(err.message).toMatch(/shape at byte \d+ declares 1073741824 elements/)
  })

  it('refuses a field offset outside its table and an element index outside a vector', () => {
    const bytes = finish(table({ 0: i32(5), 1: ints([1]) }), 'ABCD')
    const fb = new FlatBuffer(bytes)
    const root = fb.root()
    const vt = root.pos - fb.i32(root.pos)
    new DataView(bytes.buffer).setUint16(vt + 4, 500, true)
    expect(() => root.i32(0)).toThrow(/field 0 of root table .* lies outside its table/)
    expect(() => root.vector(1, 4, 'v')!.i32(1)).toThrow(/index 1 is outside v \(1 elements\)/)
  })
})
