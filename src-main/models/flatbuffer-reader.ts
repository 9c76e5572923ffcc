/**
 * A small, bounds-checked reader for the FlatBuffers binary format, written from the format's public
 * description: little-endian scalars; a buffer starts with a u32 offset to the root table; a table
 * starts with an i32 that, subtracted from the table's position, gives its vtable; a vtable is u16s
 * (vtable size in bytes, table size in bytes, then one field offset per field id, 0 = absent);
 * reference fields hold a u32 offset relative to the field's own position; vectors and strings are a
 * u32 element count followed by the elements (strings also carry a NUL after the bytes).
 *
 * Every position is checked against the buffer before it is read, so a corrupt or truncated file
 * gives a FlatBufferError naming the byte offset. Offsets to tables, vectors and strings are unsigned
 * and point forward, so following them cannot loop; vector lengths are checked against the bytes
 * that remain, so no loop over a vector can run longer than the buffer is large.
 */

export class FlatBufferError extends Error {
  constructor(
    message: string,
    /** Byte offset in the buffer where the problem was found. */
    readonly byteOffset: number
  ) {
    super(message)
    this.name = 'FlatBufferError'
  }
}

export class FlatBuffer {
  readonly view: DataView

  constructor(readonly bytes: Uint8Array) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  }

  get length(): number {
    return this.bytes.byteLength
  }

  /** Throws unless [pos, pos + size) lies inside the buffer. */
  check(pos: number, size: number, what: string): void {
    if (!Number.isSafeInteger(pos) || pos < 0 || size < 0 || pos + size > this.length) {
      throw new FlatBufferError(
        `${what} at byte ${pos} needs ${size} byte(s), but the buffer is ${this.length} bytes long`,
        Math.max(0, Math.min(Number.isFinite(pos) ? pos : 0, this.length))
      )
    }
  }

  u8(pos: number, what = 'u8'): number {
    this.check(pos, 1, what)
    return this.view.getUint8(pos)
  }
  i8(pos: number, what = 'i8'): number {
    this.check(pos, 1, what)
    return this.view.getInt8(pos)
  }
  u16(pos: number, what = 'u16'): number {
    this.check(pos, 2, what)
    return this.view.getUint16(pos, true)
  }
  i16(pos: number, what = 'i16'): number {
    this.check(pos, 2, what)
    return this.view.getInt16(pos, true)
  }
  u32(pos: number, what = 'u32'): number {
    this.check(pos, 4, what)
    return this.view.getUint32(pos, true)
  }
  i32(pos: number, what = 'i32'): number {
    this.check(pos, 4, what)
    return this.view.getInt32(pos, true)
  }
  /** 64-bit integers as numbers; values beyond 2^53 lose precision (they never occur as sizes here). */
  i64(pos: number, what = 'i64'): number {
    this.check(pos, 8, what)
    return Number(this.view.getBigInt64(pos, true))
  }
  u64(pos: number, what = 'u64'): number {
    this.check(pos, 8, what)
    return Number(this.view.getBigUint64(pos, true))
  }
  f32(pos: number, what = 'f32'): number {
    this.check(pos, 4, what)
    return this.view.getFloat32(pos, true)
  }
  f64(pos: number, what = 'f64'): number {
    this.check(pos, 8, what)
    return this.view.getFloat64(pos, true)
  }

  /** Follows the u32 offset stored at `pos` (relative to `pos`), checking the target lies inside. */
  follow(pos: number, what: string): number {
    const target = pos + this.u32(pos, `offset to ${what}`)
    if (target >= this.length) {
      throw new FlatBufferError(`offset to ${what} at byte ${pos} points to byte ${target}, past the end (${this.length} bytes)`, pos)
    }
    return target
  }

  /** The file identifier (bytes 4..8), or null when the buffer is too short to hold one. */
  identifier(): string | null {
    if (this.length < 8) return null
    return String.fromCharCode(...this.bytes.subarray(4, 8))
  }

  root(what = 'root table'): FbTable {
    if (this.length < 8) {
      throw new FlatBufferError(`buffer of ${this.length} bytes is too short for a root offset and identifier`, 0)
    }
    return new FbTable(this, this.follow(0, what), what)
  }
}

export class FbTable {
  private readonly vtable: number
  private readonly vtableSize: number
  private readonly tableSize: number

  constructor(
    readonly fb: FlatBuffer,
    readonly pos: number,
    readonly what: string
  ) {
    const vt = pos - fb.i32(pos, `vtable offset of ${what}`)
    fb.check(vt, 4, `vtable of ${what} (table at byte ${pos})`)
    this.vtable = vt
    this.vtableSize = fb.u16(vt)
    this.tableSize = fb.u16(vt + 2)
    if (this.vtableSize < 4 || this.vtableSize % 2 !== 0) {
      throw new FlatBufferError(`vtable of ${what} at byte ${vt} declares an impossible size ${this.vtableSize}`, vt)
    }
    fb.check(vt, this.vtableSize, `vtable of ${what}`)
    fb.check(pos, Math.max(4, this.tableSize), `${what} (table of ${this.tableSize} bytes)`)
  }

  /** Absolute position of field `id`, or 0 when the field is absent (it then has its default). */
  fieldPos(id: number, size: number): number {
    const slot = 4 + 2 * id
    if (slot + 2 > this.vtableSize) return 0
    const rel = this.fb.u16(this.vtable + slot)
    if (rel === 0) return 0
    if (rel + size > this.tableSize) {
      throw new FlatBufferError(
        `field ${id} of ${this.what} at byte ${this.pos} lies outside its table (offset ${rel}, table ${this.tableSize} bytes)`,
        this.vtable + slot
      )
    }
    return this.pos + rel
  }

  has(id: number): boolean {
    return this.fieldPos(id, 0) !== 0
  }

  u8(id: number, fallback = 0): number {
    const p = this.fieldPos(id, 1)
    return p ? this.fb.u8(p) : fallback
  }
  i8(id: number, fallback = 0): number {
    const p = this.fieldPos(id, 1)
    return p ? this.fb.i8(p) : fallback
  }
  bool(id: number, fallback = false): boolean {
    const p = this.fieldPos(id, 1)
    return p ? this.fb.u8(p) !== 0 : fallback
  }
  u16(id: number, fallback = 0): number {
    const p = this.fieldPos(id, 2)
    return p ? this.fb.u16(p) : fallback
  }
  i32(id: number, fallback = 0): number {
    const p = this.fieldPos(id, 4)
    return p ? this.fb.i32(p) : fallback
  }
  u32(id: number, fallback = 0): number {
    const p = this.fieldPos(id, 4)
    return p ? this.fb.u32(p) : fallback
  }
  u64(id: number, fallback = 0): number {
    const p = this.fieldPos(id, 8)
    return p ? this.fb.u64(p) : fallback
  }
  f32(id: number, fallback = 0): number {
    const p = this.fieldPos(id, 4)
    return p ? this.fb.f32(p) : fallback
  }

  table(id: number, what: string): FbTable | null {
    const p = this.fieldPos(id, 4)
    return p ? new FbTable(this.fb, this.fb.follow(p, what), what) : null
  }

  string(id: number, what: string): string | null {
    const p = this.fieldPos(id, 4)
    return p ? readString(this.fb, this.fb.follow(p, what), what) : null
  }

  vector(id: number, elementSize: number, what: string): FbVector | null {
    const p = this.fieldPos(id, 4)
    return p ? new FbVector(this.fb, this.fb.follow(p, what), elementSize, what) : null
  }
}

export class FbVector {
  readonly length: number
  /** Position of element 0. */
  readonly start: number

  constructor(
    readonly fb: FlatBuffer,
    pos: number,
    readonly elementSize: number,
    readonly what: string
  ) {
    this.length = fb.u32(pos, `length of ${what}`)
    this.start = pos + 4
    const remaining = fb.length - this.start
    if (this.length * elementSize > remaining) {
      throw new FlatBufferError(
        `${what} at byte ${pos} declares ${this.length} elements of ${elementSize} bytes, but only ${Math.max(0, remaining)} bytes follow`,
        pos
      )
    }
  }

  private at(i: number): number {
    if (!Number.isInteger(i) || i < 0 || i >= this.length) {
      throw new FlatBufferError(`index ${i} is outside ${this.what} (${this.length} elements)`, this.start)
    }
    return this.start + i * this.elementSize
  }

  u8(i: number): number {
    return this.fb.u8(this.at(i))
  }
  i32(i: number): number {
    return this.fb.i32(this.at(i))
  }
  u32(i: number): number {
    return this.fb.u32(this.at(i))
  }
  i64(i: number): number {
    return this.fb.i64(this.at(i))
  }
  f32(i: number): number {
    return this.fb.f32(this.at(i))
  }
  table(i: number, what: string): FbTable {
    return new FbTable(this.fb, this.fb.follow(this.at(i), what), what)
  }
  string(i: number, what: string): string {
    return readString(this.fb, this.fb.follow(this.at(i), what), what)
  }

  /** The elements' bytes, without copying. */
  bytes(): Uint8Array {
    return this.fb.bytes.subarray(this.start, this.start + this.length * this.elementSize)
  }

  i32s(): number[] {
    const out = new Array<number>(this.length)
    for (let i = 0; i < this.length; i++) out[i] = this.fb.view.getInt32(this.start + 4 * i, true)
    return out
  }
  f32s(): number[] {
    const out = new Array<number>(this.length)
    for (let i = 0; i < this.length; i++) out[i] = this.fb.view.getFloat32(this.start + 4 * i, true)
    return out
  }
  i64s(): number[] {
    const out = new Array<number>(this.length)
    for (let i = 0; i < this.length; i++) out[i] = Number(this.fb.view.getBigInt64(this.start + 8 * i, true))
    return out
  }
}

const utf8 = new TextDecoder('utf-8', { fatal: false })

function readString(fb: FlatBuffer, pos: number, what: string): string {
  const v = new FbVector(fb, pos, 1, what)
  return utf8.decode(v.bytes())
}
