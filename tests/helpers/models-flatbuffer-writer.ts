/**
 * A test-only FlatBuffers writer, written from the format description independently of the reader
 * under test: it lays objects out front to back (parent, then its vtable-referenced children), so
 * every reference offset points forward as the format requires. Tests use it to hand-make .tflite
 * byte vectors with exactly the fields a case needs.
 */

export type Scalar =
  | { t: 'u8'; v: number }
  | { t: 'i8'; v: number }
  | { t: 'i16'; v: number }
  | { t: 'i32'; v: number }
  | { t: 'u32'; v: number }
  | { t: 'u64'; v: number }
  | { t: 'f32'; v: number }

export interface TableNode {
  kind: 'table'
  fields: Record<number, Scalar | Node>
}
export interface StringNode {
  kind: 'string'
  value: string
}
export interface ScalarVectorNode {
  kind: 'scalars'
  type: 'u8' | 'i32' | 'f32' | 'i64'
  values: ArrayLike<number>
}
export interface NodeVectorNode {
  kind: 'nodes'
  items: Array<TableNode | StringNode>
}
export type Node = TableNode | StringNode | ScalarVectorNode | NodeVectorNode

export const u8 = (v: number): Scalar => ({ t: 'u8', v })
export const i8 = (v: number): Scalar => ({ t: 'i8', v })
export const i32 = (v: number): Scalar => ({ t: 'i32', v })
export const u32 = (v: number): Scalar => ({ t: 'u32', v })
export const u64 = (v: number): Scalar => ({ t: 'u64', v })
export const f32 = (v: number): Scalar => ({ t: 'f32', v })
export const table = (fields: Record<number, Scalar | Node>): TableNode => ({ kind: 'table', fields })
export const str = (value: string): StringNode => ({ kind: 'string', value })
export const ints = (values: ArrayLike<number>): ScalarVectorNode => ({ kind: 'scalars', type: 'i32', values })
export const bytes = (values: ArrayLike<number>): ScalarVectorNode => ({ kind: 'scalars', type: 'u8', values })
export const floats = (values: ArrayLike<number>): ScalarVectorNode => ({ kind: 'scalars', type: 'f32', values })
export const longs = (values: ArrayLike<number>): ScalarVectorNode => ({ kind: 'scalars', type: 'i64', values })
export const vec = (items: Array<TableNode | StringNode>): NodeVectorNode => ({ kind: 'nodes', items })

const SIZE: Record<Scalar['t'], number> = { u8: 1, i8: 1, i16: 2, i32: 4, u32: 4, u64: 8, f32: 4 }

class Out {
  buf = new Uint8Array(256)
  view = new DataView(this.buf.buffer)
  len = 0
  ensure(n: number) {
    if (this.len + n <= this.buf.length) return
    const bigger = new Uint8Array(Math.max(this.buf.length * 2, this.len + n))
    bigger.set(this.buf)
    this.buf = bigger
    this.view = new DataView(bigger.buffer)
  }
  pad(align: number) {
    while (this.len % align !== 0) this.put(1, () => this.view.setUint8(this.len, 0))
  }
  put(size: number, write: () => void): number {
    this.ensure(size)
    const at = this.len
    write()
    this.len += size
    return at
  }
  scalar(s: Scalar, at?: number) {
    const p = at ?? this.len
    if (at === undefined) this.ensure(SIZE[s.t])
    const v = this.view
    switch (s.t) {
      case 'u8': v.setUint8(p, s.v); break
      case 'i8': v.setInt8(p, s.v); break
      case 'i16': v.setInt16(p, s.v, true); break
      case 'i32': v.setInt32(p, s.v, true); break
      case 'u32': v.setUint32(p, s.v, true); break
      case 'u64': v.setBigUint64(p, BigInt(s.v), true); break
      case 'f32': v.setFloat32(p, s.v, true); break
    }
    if (at === undefined) this.len += SIZE[s.t]
  }
}

function isScalar(x: Scalar | Node): x is Scalar {
  return 't' in x
}

function writeNode(out: Out, node: Node): number {
  switch (node.kind) {
    case 'string': {
      out.pad(4)
      const b = new TextEncoder().encode(node.value)
      const at = out.len
      out.scalar(u32(b.length))
      out.ensure(b.length + 1)
      out.buf.set(b, out.len)
      out.len += b.length
      out.scalar(u8(0))
      return at
    }
    case 'scalars': {
      const size = node.type === 'u8' ? 1 : node.type === 'i64' ? 8 : 4
      // Elements are aligned to their size; the length word sits right before them.
      while ((out.len + 4) % Math.max(4, size) !== 0) out.scalar(u8(0))
      const at = out.len
      out.scalar(u32(node.values.length))
      for (let i = 0; i < node.values.length; i++) {
        const v = node.values[i]
        if (node.type === 'u8') out.scalar(u8(v))
        else if (node.type === 'i32') out.scalar(i32(v))
        else if (node.type === 'f32') out.scalar(f32(v))
        else out.put(8, () => out.view.setBigInt64(out.len, BigInt(v), true))
      }
      return at
    }
    case 'nodes': {
      out.pad(4)
      const at = out.len
      out.scalar(u32(node.items.length))
      const slots = node.items.map(() => out.put(4, () => out.view.setUint32(out.len, 0, true)))
      node.items.forEach((item, i) => {
        const child = writeNode(out, item)
        out.scalar(u32(child - slots[i]), slots[i])
      })
      return at
    }
    case 'table':
      return writeTable(out, node)
  }
}

function writeTable(out: Out, node: TableNode): number {
  const ids = Object.keys(node.fields).map(Number)
  const maxId = ids.length ? Math.max(...ids) : -1
  // Inline layout: the soffset, then each field at its own alignment (references take 4 bytes).
  let size = 4
  const offsets = new Map<number, number>()
  for (const id of ids.sort((a, b) => a - b)) {
    const f = node.fields[id]
    const s = isScalar(f) ? SIZE[f.t] : 4
    size = Math.ceil(size / s) * s
    offsets.set(id, size)
    size += s
  }
  size = Math.ceil(size / 8) * 8
  out.pad(2)
  const vt = out.len
  const vtSize = 4 + 2 * (maxId + 1)
  out.put(2, () => out.view.setUint16(out.len, vtSize, true))
  out.put(2, () => out.view.setUint16(out.len, size, true))
  for (let id = 0; id <= maxId; id++) out.put(2, () => out.view.setUint16(out.len, offsets.get(id) ?? 0, true))
  out.pad(8)
  const tablePos = out.len
  out.ensure(size)
  out.buf.fill(0, tablePos, tablePos + size)
  out.len += size
  out.scalar(i32(tablePos - vt), tablePos)
  const refs: Array<[number, Node]> = []
  for (const [id, rel] of offsets) {
    const f = node.fields[id]
    if (isScalar(f)) out.scalar(f, tablePos + rel)
    else refs.push([tablePos + rel, f])
  }
  for (const [slot, child] of refs) {
    const at = writeNode(out, child)
    out.scalar(u32(at - slot), slot)
  }
  return tablePos
}

/** A finished buffer: root offset at byte 0, the 4-character file identifier at bytes 4–7. */
export function finish(root: TableNode, identifier: string): Uint8Array {
  const out = new Out()
  out.scalar(u32(0))
  for (const ch of identifier) out.scalar(u8(ch.charCodeAt(0)))
  const at = writeNode(out, root)
  out.scalar(u32(at), 0)
  return out.buf.slice(0, out.len)
}
