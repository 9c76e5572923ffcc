/**
 * How API messages travel over the loopback WebSocket. JSON cannot carry typed arrays, and views are
 * typed arrays, so a message with typed arrays becomes one binary frame:
 *   u32 LE length of the JSON header | JSON header | each array's bytes, 8-byte aligned
 * where each array in the header is replaced by { "$typed": kind, "offset": o, "length": n }.
 * Messages without typed arrays stay plain JSON text. Pure: runs in Node and in the browser.
 */

const KINDS = {
  Float64Array,
  Float32Array,
  Int32Array,
  Uint32Array,
  Int16Array,
  Uint16Array,
  Int8Array,
  Uint8Array
} as const
type Kind = keyof typeof KINDS
type Typed = InstanceType<(typeof KINDS)[Kind]>

interface TypedRef {
  $typed: Kind
  offset: number
  length: number
}

function kindOf(value: unknown): Kind | null {
  if (!ArrayBuffer.isView(value) || value instanceof DataView) return null
  const name = value.constructor.name as Kind
  return name in KINDS ? name : null
}

export function encodeMessage(message: unknown): string | Uint8Array<ArrayBuffer> {
  const arrays: Typed[] = []
  let offset = 0
  const json = JSON.stringify(message, (_key, value: unknown) => {
    const kind = kindOf(value)
    if (!kind) return value
    const arr = value as Typed
    const ref: TypedRef = { $typed: kind, offset, length: arr.length }
    arrays.push(arr)
    offset += Math.ceil(arr.byteLength / 8) * 8
    return ref
  })
  if (arrays.length === 0) return json
  const header = new TextEncoder().encode(json)
  const base = Math.ceil((4 + header.length) / 8) * 8
  const frame = new Uint8Array(base + offset)
  new DataView(frame.buffer).setUint32(0, header.length, true)
  frame.set(header, 4)
  let at = base
  for (const arr of arrays) {
    frame.set(new Uint8Array(arr.buffer, arr.byteOffset, arr.byteLength), at)
    at += Math.ceil(arr.byteLength / 8) * 8
  }
  return frame
}

export class WireError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'WireError'
  }
}

export function decodeMessage(data: string | Uint8Array): unknown {
  if (typeof data === 'string') return JSON.parse(data)
  if (data.byteLength < 4) throw new WireError(`binary message of ${data.byteLength} bytes is shorter than its header length`)
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength)
  const headerLength = view.getUint32(0, true)
  if (4 + headerLength > data.byteLength) throw new WireError(`binary message header of ${headerLength} bytes overruns the ${data.byteLength}-byte frame`)
  const header = new TextDecoder().decode(data.subarray(4, 4 + headerLength))
  const base = Math.ceil((4 + headerLength) / 8) * 8
  return JSON.parse(header, (_key, value: unknown) => {
    if (value === null || typeof value !== 'object' || !('$typed' in value)) return value
    const ref = value as TypedRef
    const Ctor = KINDS[ref.$typed]
    if (!Ctor || !Number.isInteger(ref.offset) || !Number.isInteger(ref.length) || ref.offset < 0 || ref.length < 0) {
      throw new WireError('binary message has a malformed array reference')
    }
    const byteLength = ref.length * Ctor.BYTES_PER_ELEMENT
    if (base + ref.offset + byteLength > data.byteLength) throw new WireError('binary message array overruns the frame')
    // Copy so the array is aligned and owns its memory.
    const bytes = data.slice(base + ref.offset, base + ref.offset + byteLength)
    return new Ctor(bytes.buffer, 0, ref.length)
  })
}
