import { describe, expect, it } from 'vitest'
import { encodePacket, frameRaw, hexToBytes, bytesToHex, RspDecoder, runLengthEncode, type RspEvent } from '../../src-main/probes/gdb/rsp-codec'
import { mutate, prng, randomBytes } from '../helpers/prng'

const ascii = (s: string) => Uint8Array.from(s, (c) => c.charCodeAt(0))
const text = (b: Uint8Array) => String.fromCharCode(...b)

/** Independent reference: the checksum is the byte sum modulo 256 of everything between $ and #. */
function refChecksum(body: number[]): string {
  return (body.reduce((a, b) => a + b, 0) % 256).toString(16).padStart(2, '0')
}

function packets(events: RspEvent[]): string[] {
  return events.filter((e) => e.type === 'packet').map((e) => text((e as { payload: Uint8Array }).payload))
}

describe('RSP packet encoding', () => {
  it('frames a plain payload with the two-digit byte-sum checksum', () => {
    // "O" 0x4f + "K" 0x4b = 0x9a
    expect(text(encodePacket('OK'))).toBe('$OK#9a')
    expect(text(encodePacket(''))).toBe('$#00')
    expect(text(encodePacket('qSupported'))).toBe(`$qSupported#${refChecksum([...ascii('qSupported')])}`)
  })

  it('escapes $ # } and * as 0x7d followed by the byte xor 0x20', () => {
    const frame = encodePacket(Uint8Array.of(0x24, 0x23, 0x7d, 0x2a, 0x41))
    const body = [0x7d, 0x04, 0x7d, 0x03, 0x7d, 0x5d, 0x7d, 0x0a, 0x41]
    expect(Array.from(frame)).toEqual([0x24, ...body, 0x23, ...ascii(refChecksum(body))])
  })
})

describe('RSP decoding', () => {
  it('decodes acks, packets and notifications, whatever the chunking', () => {
    const stream = ascii('+$OK#9a-%Stop:T05#' + refChecksum([...ascii('Stop:T05')]) + '$T05thread:01;#' + refChecksum([...ascii('T05thread:01;')]))
    for (const chunk of [stream.length, 1, 3, 7]) {
      const d = new RspDecoder()
      const events: RspEvent[] = []
      for (let i = 0; i < stream.length; i += chunk) events.push(...d.push(stream.subarray(i, i + chunk)))
      expect(events.map((e) => e.type)).toEqual(['ack', 'packet', 'nack', 'notification', 'packet'])
      expect(packets(events)).toEqual(['OK', 'T05thread:01;'])
    }
  })

  it('expands run-length encoding as in the GDB manual ("0* " is four zeros)', () => {
    const body = [...ascii('0* ')]
    const events = new RspDecoder().push(ascii(`$0* #${refChecksum(body)}`))
    expect(packets(events)).toEqual(['0000'])
    // A run of a byte that arrived escaped repeats the unescaped byte.
    const escaped = [0x7d, 0x5d, 0x2a, 0x20]
    const events2 = new RspDecoder().push(Uint8Array.from([0x24, ...escaped, 0x23, ...ascii(refChecksum(escaped))]))
    expect(packets(events2)).toEqual(['}}}}'])
  })

  it('reports a bad checksum as corrupt and recovers on the next frame', () => {
    const d = new RspDecoder()
    const events = d.push(ascii('$OK#00$OK#9a'))
    expect(events.map((e) => e.type)).toEqual(['corrupt', 'packet'])
    expect(d.push(ascii('$OK#zz')).map((e) => e.type)).toEqual(['corrupt'])
  })

  it('counts bytes outside frames as garbage and treats 0x03 as an interrupt', () => {
    const events = new RspDecoder().push(Uint8Array.of(0x41, 0x42, 0x03, ...ascii('$#00')))
    expect(events).toEqual([{ type: 'garbage', count: 2 }, { type: 'interrupt' }, { type: 'packet', payload: new Uint8Array(0) }])
  })

  it('drops a frame that outgrows the size limit instead of buffering it', () => {
    const d = new RspDecoder(16)
    const body = 'A'.repeat(40)
    const events = d.push(ascii(`$${body}#${refChecksum([...ascii(body)])}$OK#9a`))
    expect(events.map((e) => e.type)).toEqual(['corrupt', 'packet'])
  })

  it('round-trips random binary payloads through encode and decode', () => {
    const rand = prng(1)
    const d = new RspDecoder()
    for (let i = 0; i < 300; i++) {
      const payload = randomBytes(rand, Math.floor(rand() * 300))
      const events = d.push(encodePacket(payload))
      expect(events).toHaveLength(1)
      expect(events[0]).toEqual({ type: 'packet', payload })
    }
  })

  it('round-trips run-length encoded hex replies', () => {
    const rand = prng(2)
    for (let i = 0; i < 200; i++) {
      let s = ''
      while (s.length < 200) s += '0123456789abcdef'[Math.floor(rand() * 16)].repeat(1 + Math.floor(rand() * 40))
      const events = new RspDecoder().push(frameRaw(runLengthEncode(s)))
      expect(packets(events)).toEqual([s])
    }
  })

  it('never throws or hangs on random and mutated input, and only yields known events', () => {
    const rand = prng(3)
    const valid = [encodePacket('m20000000,4'), frameRaw(runLengthEncode('0'.repeat(50))), ascii('+-'), encodePacket(Uint8Array.of(0x24, 0x7d, 0x23))]
    const kinds = new Set(['ack', 'nack', 'interrupt', 'packet', 'notification', 'corrupt', 'garbage'])
    for (let i = 0; i < 3000; i++) {
      const d = new RspDecoder(4096)
      const input = i % 2 ? randomBytes(rand, Math.floor(rand() * 200)) : mutate(rand, valid[i % valid.length], 1 + Math.floor(rand() * 4))
      const events = d.push(input)
      for (const e of events) expect(kinds.has(e.type)).toBe(true)
      // After any damage, a clean frame still decodes (at worst the damage eats this one as corrupt).
      const after = d.push(encodePacket('OK'))
      const recovered = packets(after).includes('OK') || packets(d.push(encodePacket('OK'))).includes('OK')
      expect(recovered).toBe(true)
    }
  })
})

describe('hex helpers', () => {
  it('round-trips and rejects non-hex', () => {
    expect(bytesToHex(Uint8Array.of(0, 0x7f, 0xff))).toBe('007fff')
    expect(Array.from(hexToBytes('007fFF')!)).toEqual([0, 0x7f, 0xff])
    expect(hexToBytes('0g')).toBeUndefined()
    expect(hexToBytes('abc')).toBeUndefined()
  })
})
