import { describe, expect, it } from 'vitest'
import { decodeMessage, encodeMessage, WireError } from '../../src-main/api/wire'

describe('API wire format', () => {
  it('keeps plain messages as JSON text', () => {
    const m = { id: 3, ok: true, result: { a: [1, 2], b: 'x' } }
    const enc = encodeMessage(m)
    expect(typeof enc).toBe('string')
    expect(decodeMessage(enc)).toEqual(m)
  })

  it('carries typed arrays of every kind bit for bit, at odd lengths', () => {
    const f64 = new Float64Array([Math.PI, -0, Number.MIN_VALUE, NaN])
    const f32 = new Float32Array([1.5e-7, 3])
    const u8 = new Uint8Array([0, 255, 7])
    const i16 = new Int16Array([-32768, 32767, 1, 2, 3])
    const enc = encodeMessage({ id: 1, ok: true, result: { f64, nested: { f32, list: [u8, i16] } } })
    expect(enc).toBeInstanceOf(Uint8Array)
    const dec = decodeMessage(enc) as any
    expect(Array.from(new Uint8Array(dec.result.f64.buffer))).toEqual(Array.from(new Uint8Array(f64.buffer)))
    expect(dec.result.nested.f32).toEqual(f32)
    expect(dec.result.nested.list[0]).toEqual(u8)
    expect(dec.result.nested.list[1]).toEqual(i16)
  })

  it('refuses truncated and forged frames with a WireError', () => {
    const enc = encodeMessage({ x: new Float64Array(10) }) as Uint8Array
    expect(() => decodeMessage(enc.subarray(0, enc.length - 8))).toThrow(WireError)
    expect(() => decodeMessage(new Uint8Array([255, 255, 0, 0, 1]))).toThrow(WireError)
    const forged = new TextEncoder().encode('{"x":{"$typed":"Float64Array","offset":-8,"length":1}}')
    const frame = new Uint8Array(8 + forged.length + 8)
    new DataView(frame.buffer).setUint32(0, forged.length, true)
    frame.set(forged, 4)
    expect(() => decodeMessage(frame)).toThrow(WireError)
  })
})
