import { describe, expect, it } from 'vitest'
import { MAX_LINE_BYTES, Lpm01aStreamDecoder, type Lpm01aStreamEvent } from '../../src-main/instruments/lpm01a/stream-decoder'
import { prng } from '../helpers/prng'

const ascii = (s: string) => Uint8Array.from(s, (c) => c.charCodeAt(0))
const cat = (...parts: Array<Uint8Array | number[] | string>) =>
  Uint8Array.from(parts.flatMap((p) => (typeof p === 'string' ? [...ascii(p)] : [...p])))

/** Sample runs merged, so results do not depend on where chunks were cut. */
function normalise(events: Lpm01aStreamEvent[]) {
  const out: Array<Record<string, unknown>> = []
  for (const e of events) {
    const last = out[out.length - 1]
    if (e.kind === 'samples') {
      if (last?.kind === 'samples') {
        ;(last.values as number[]).push(...e.values)
        ;(last.raw as number[]).push(...e.raw)
      } else out.push({ kind: 'samples', values: [...e.values], raw: [...e.raw] })
    } else if (e.kind === 'anomaly' && last?.kind === 'anomaly' && last.reason === e.reason) {
      ;(last.byteCount as number) += e.byteCount
    } else out.push({ ...e } as Record<string, unknown>)
  }
  return out
}

function decodeIn(chunks: Uint8Array[], arm: 'ascii_dec' | 'bin_hexa' | null) {
  const d = new Lpm01aStreamDecoder()
  if (arm) d.expectAcquisition(arm)
  const events: Lpm01aStreamEvent[] = []
  for (const c of chunks) events.push(...d.push(c))
  return { events: normalise(events), decoder: d }
}

function splitAt(bytes: Uint8Array, cuts: number[]): Uint8Array[] {
  const points = [0, ...cuts.filter((c) => c > 0 && c < bytes.length).sort((a, b) => a - b), bytes.length]
  return points.slice(1).map((end, i) => bytes.subarray(points[i], end))
}

/** Independent reading of a well-formed bin_hexa stream, straight from the published frame table. */
function referenceBinary(bytes: Uint8Array) {
  const samples: number[] = []
  const frames: Array<{ type: number; payload: number[] }> = []
  let i = 0
  while (i < bytes.length) {
    if (bytes[i] === 0xf0) {
      const type = bytes[i + 1]
      const payloadBytes = ({ 0xf3: 5, 0xf4: 0, 0xf5: 0, 0xf6: 0, 0xf7: 2 } as Record<number, number>)[type]
      let j = i + 2
      if (payloadBytes !== undefined) j += payloadBytes
      else while (!(bytes[j] === 0xff && bytes[j + 1] === 0xff)) j++
      frames.push({ type, payload: [...bytes.subarray(i + 2, j)] })
      i = j + 2
      if (type === 0xf4) break
    } else {
      const n = bytes[i] >> 4
      const v = ((bytes[i] & 0x0f) << 8) | bytes[i + 1]
      samples.push(v * Math.pow(16, -n))
      i += 2
    }
  }
  return { samples, frames }
}

const START = 'PowerShield > ack start\r\n'
const COMPLETED = 'PowerShield > Acquisition completed\r\n'

describe('LPM01A stream decoder: byte vectors', () => {
  const binaryRun = cat(
    START,
    [0x52, 0xa0], // 672 × 16^-5 A
    [0xf0, 0xf3, 0x00, 0x00, 0x03, 0xe8, 0x05, 0xff, 0xff], // timestamp 1000 ms, 5 %
    [0x00, 0x01], // 1 A
    [0xf0, 0xf2, ...ascii('event 1 ris'), 0xff, 0xff],
    [0xe1, 0x00], // 0x100 × 16^-14
    [0xf0, 0xf7, 0x0c, 0xe4, 0xff, 0xff], // 3300 mV
    [0xf0, 0xf4, 0xff, 0xff],
    COMPLETED
  )
  const binaryExpected = [
    { kind: 'reply', reply: { kind: 'ack', words: ['start'], text: 'ack start' } },
    { kind: 'samples', values: [672 / 16 ** 5], raw: [0x52a0] },
    { kind: 'timestamp', timeMs: 1000, bufferPercent: 5, overflow: false },
    { kind: 'samples', values: [1], raw: [0x0001] },
    { kind: 'event', eventNumber: 1, edge: 'ris' },
    { kind: 'samples', values: [256 / 16 ** 14], raw: [0xe100] },
    { kind: 'voltage', voltageV: 3.3 },
    { kind: 'end' },
    { kind: 'reply', reply: { kind: 'completed' } }
  ]

  it('switches to bin_hexa at the byte after `ack start` and back to text after the end frame', () => {
    const { events, decoder } = decodeIn([binaryRun], 'bin_hexa')
    expect(events).toEqual(binaryExpected)
    expect(decoder.mode).toBe('text')
  })

  it('gives the same events wherever the chunks are cut (every single and double cut)', () => {
    for (let a = 1; a < binaryRun.length; a++) {
      expect(decodeIn(splitAt(binaryRun, [a]), 'bin_hexa').events, `cut at ${a}`).toEqual(binaryExpected)
    }
    const rnd = prng(7)
    for (let k = 0; k < 200; k++) {
      const cuts = [1 + Math.floor(rnd() * (binaryRun.length - 1)), 1 + Math.floor(rnd() * (binaryRun.length - 1))]
      expect(decodeIn(splitAt(binaryRun, cuts), 'bin_hexa').events).toEqual(binaryExpected)
    }
    expect(decodeIn(splitAt(binaryRun, [...binaryRun.keys()]), 'bin_hexa').events).toEqual(binaryExpected)
  })

  it('skips a prompt printed between `ack start` and the binary data, wherever the chunk is cut', () => {
    const run = cat(START, 'PowerShield > ', [0x52, 0xa0], [0xf0, 0xf4, 0xff, 0xff])
    const expected = [
      { kind: 'reply', reply: { kind: 'ack', words: ['start'], text: 'ack start' } },
      { kind: 'samples', values: [672 / 16 ** 5], raw: [0x52a0] },
      { kind: 'end' }
    ]
    for (let a = 1; a < run.length; a++) expect(decodeIn(splitAt(run, [a]), 'bin_hexa').events, `cut at ${a}`).toEqual(expected)
    // data that merely starts like the prompt is data
    const lookalike = cat(START, [0x50, 0x6f], [0xf0, 0xf4, 0xff, 0xff])
    expect(decodeIn([lookalike], 'bin_hexa').events[1]).toEqual({ kind: 'samples', values: [0x06f / 16 ** 5], raw: [0x506f] })
  })

  it('stays in text mode on `ack start` when no acquisition was armed', () => {
    const { events, decoder } = decodeIn([cat(START, 'PowerShield > ack stop\r\n')], null)
    expect(decoder.mode).toBe('text')
    expect(events.map((e) => e.kind)).toEqual(['reply', 'reply'])
  })

  it('reads the overflow flag, the flag frames and the error frames', () => {
    const run = cat(
      START,
      [0xf0, 0xf3, 0x80, 0x00, 0x07, 0xd0, 0x64, 0xff, 0xff], // 2000 ms, 100 %, overflow bit
      [0xf0, 0xf1, ...ascii('Tx buffer overflow'), 0xff, 0xff],
      [0xf0, 0xf1, ...ascii('calibration lost'), 0xff, 0xff],
      [0xf0, 0xf2, ...ascii('hello'), 0xff, 0xff],
      [0xf0, 0xf5, 0xff, 0xff],
      [0xf0, 0xf6, 0xff, 0xff],
      [0xf0, 0xf4, 0xff, 0xff]
    )
    expect(decodeIn([run], 'bin_hexa').events.slice(1)).toEqual([
      { kind: 'timestamp', timeMs: 2000, bufferPercent: 100, overflow: true },
      { kind: 'overflow', message: 'Tx buffer overflow' },
      { kind: 'error', message: 'calibration lost' },
      { kind: 'info', message: 'hello' },
      { kind: 'overcurrent' },
      { kind: 'target-powered-down' },
      { kind: 'end' }
    ])
  })

  it('reads command replies that travel in frames during a bin_hexa acquisition', () => {
    const run = cat(
      START,
      [0xf0, 0xf2, ...ascii('ack pwr off'), 0xff, 0xff],
      [0xf0, 0xf1, ...ascii('error freq 2k'), 0xff, 0xff],
      [0xf0, 0xf1, ...ascii('Error detail: acquisition in progress'), 0xff, 0xff]
    )
    expect(decodeIn([run], 'bin_hexa').events.slice(1)).toEqual([
      { kind: 'reply', reply: { kind: 'ack', words: ['pwr', 'off'], text: 'ack pwr off' } },
      { kind: 'reply', reply: { kind: 'error', words: ['freq', '2k'], text: 'error freq 2k' } },
      { kind: 'reply', reply: { kind: 'error-detail', detail: 'acquisition in progress' } }
    ])
  })

  it('realigns after a stray byte and counts it', () => {
    // one stray 0x12 puts the timestamp frame's F0 in the second byte of a word
    const run = cat(START, [0x52, 0xa0, 0x12], [0xf0, 0xf3, 0, 0, 0, 0, 0, 0xff, 0xff], [0x10, 0x01])
    const { events } = decodeIn([run], 'bin_hexa')
    expect(events.slice(1)).toEqual([
      { kind: 'samples', values: [672 / 16 ** 5], raw: [0x52a0] },
      { kind: 'anomaly', byteCount: 1, reason: 'stray byte before a frame (stream realigned)' },
      { kind: 'timestamp', timeMs: 0, bufferPercent: 0, overflow: false },
      { kind: 'samples', values: [1 / 16], raw: [0x1001] }
    ])
  })

  it('keeps a sample whose low byte is F0 when a frame follows it', () => {
    const run = cat(START, [0x12, 0xf0], [0xf0, 0xf4, 0xff, 0xff])
    expect(decodeIn([run], 'bin_hexa').events.slice(1)).toEqual([
      { kind: 'samples', values: [0x2f0 / 16], raw: [0x12f0] },
      { kind: 'end' }
    ])
  })

  it('reads an ascii_dec acquisition the way the MLCommons runner logs it', () => {
    const run = cat(
      START,
      'TimeStamp: 000s 000ms, buff 00%\r\n',
      '6409-07\r\n',
      'event 1 ris\r\n',
      '1234+01\r\n',
      'TimeStamp: 001s 000ms, buff 12%\r\n',
      'error Tx buffer overflow\r\n',
      'error overcurrent\r\n',
      '0000+00\r\n',
      'end\r\n',
      COMPLETED
    )
    const expected = [
      { kind: 'reply', reply: { kind: 'ack', words: ['start'], text: 'ack start' } },
      { kind: 'timestamp', timeMs: 0, bufferPercent: 0, overflow: false },
      { kind: 'samples', values: [6409 / 1e7], raw: [(6409 << 8) | 0x80 | 7] },
      { kind: 'event', eventNumber: 1, edge: 'ris' },
      { kind: 'samples', values: [12340], raw: [(1234 << 8) | 1] },
      { kind: 'timestamp', timeMs: 1000, bufferPercent: 12, overflow: false },
      { kind: 'overflow', message: 'Tx buffer overflow' },
      { kind: 'overcurrent' },
      { kind: 'samples', values: [0], raw: [0] },
      { kind: 'end' },
      { kind: 'reply', reply: { kind: 'completed' } }
    ]
    expect(decodeIn([run], 'ascii_dec').events).toEqual(expected)
    for (let a = 1; a < run.length; a += 3) expect(decodeIn(splitAt(run, [a]), 'ascii_dec').events).toEqual(expected)
  })

  it('counts malformed and unreadable ascii lines as anomalies, keeping the good samples', () => {
    const run = cat(START, '6409-07\r\n', '64x9-07\r\n', [0x36, 0x80, 0x0d, 0x0a], '12\r\n', '1000-06\r\n')
    const { events } = decodeIn([run], 'ascii_dec')
    expect(events.slice(1)).toEqual([
      { kind: 'samples', values: [6409e-7], raw: [(6409 << 8) | 0x80 | 7] },
      { kind: 'anomaly', byteCount: 9, reason: 'malformed sample "64x9-07"' },
      { kind: 'anomaly', byteCount: 4, reason: 'unreadable line' },
      { kind: 'anomaly', byteCount: 4, reason: 'malformed sample "12"' },
      { kind: 'samples', values: [1e-3], raw: [(1000 << 8) | 0x80 | 6] }
    ])
  })

  it('drops a line that never ends, in bounded memory', () => {
    const d = new Lpm01aStreamDecoder()
    let anomalies = 0
    for (let i = 0; i < 100; i++) {
      for (const e of d.push(ascii('x'.repeat(100)))) if (e.kind === 'anomaly') anomalies++
      expect(d.pendingBytes).toBeLessThanOrEqual(MAX_LINE_BYTES + 100)
    }
    const events = d.push(ascii('\nPowerShield > ack htc\r\n'))
    expect(events.map((e) => e.kind)).toEqual(['anomaly', 'reply'])
    expect(events[0]).toMatchObject({ byteCount: 10001 })
    expect(anomalies).toBe(0)
  })
})

describe('LPM01A stream decoder: against an independent reader', () => {
  function randomValidRun(rnd: () => number) {
    const parts: number[] = [...ascii(START)]
    let samples = 0
    for (let k = 0; k < 400; k++) {
      const r = rnd()
      if (r < 0.9) {
        const n = Math.floor(rnd() * 15)
        const v = Math.floor(rnd() * 4096)
        parts.push((n << 4) | (v >> 8), v & 0xff)
        samples++
      } else if (r < 0.95) {
        const ms = Math.floor(rnd() * 0x7fffffff)
        parts.push(0xf0, 0xf3, ms >>> 24, (ms >>> 16) & 0xff, (ms >>> 8) & 0xff, ms & 0xff, Math.floor(rnd() * 101), 0xff, 0xff)
      } else if (r < 0.97) {
        parts.push(0xf0, 0xf2, ...ascii(`event ${k} ris`), 0xff, 0xff)
      } else parts.push(0xf0, 0xf7, Math.floor(rnd() * 256), Math.floor(rnd() * 256), 0xff, 0xff)
    }
    parts.push(0xf0, 0xf4, 0xff, 0xff)
    return { bytes: Uint8Array.from(parts), samples }
  }

  it('agrees sample for sample and frame for frame on random valid streams cut at random places', () => {
    const rnd = prng(11)
    for (let trial = 0; trial < 50; trial++) {
      const { bytes, samples } = randomValidRun(rnd)
      const ref = referenceBinary(bytes.subarray(START.length))
      const cuts = Array.from({ length: 8 }, () => Math.floor(rnd() * bytes.length))
      const { events } = decodeIn(splitAt(bytes, cuts), 'bin_hexa')
      const got = events.flatMap((e) => (e.kind === 'samples' ? (e.values as number[]) : []))
      expect(got.length).toBe(samples)
      expect(got).toEqual(ref.samples)
      expect(events.filter((e) => e.kind === 'anomaly')).toEqual([])
      const frameKinds = events.filter((e) => !['samples', 'reply'].includes(e.kind as string)).map((e) => e.kind)
      const refKinds = ref.frames.map((f) => ({ 0xf2: 'event', 0xf3: 'timestamp', 0xf4: 'end', 0xf7: 'voltage' })[f.type])
      expect(frameKinds).toEqual(refKinds)
    }
  })
})

describe('LPM01A stream decoder: fuzz', () => {
  function check(events: Lpm01aStreamEvent[], d: Lpm01aStreamDecoder) {
    let bad = 0
    for (const e of events) {
      if (e.kind === 'samples') {
        if (e.values.length !== e.raw.length) bad++
        for (const v of e.values) if (!(Number.isFinite(v) && v >= 0)) bad++
      }
      if (e.kind === 'anomaly' && !(e.byteCount > 0)) bad++
    }
    expect(bad).toBe(0)
    expect(d.pendingBytes).toBeLessThanOrEqual(2 * MAX_LINE_BYTES + 16)
  }

  it('takes random bytes in every mode without throwing, in bounded memory', () => {
    const rnd = prng(3)
    for (const mode of ['text', 'ascii_dec', 'bin_hexa'] as const) {
      for (let trial = 0; trial < 40; trial++) {
        const d = new Lpm01aStreamDecoder()
        if (mode !== 'text') {
          d.expectAcquisition(mode)
          d.push(ascii(START))
        }
        for (let c = 0; c < 20; c++) {
          const chunk = Uint8Array.from({ length: Math.floor(rnd() * 600) }, () => Math.floor(rnd() * 256))
          check(d.push(chunk), d)
        }
      }
    }
  })

  it('survives mutated valid streams: flipped, inserted and deleted bytes', () => {
    const rnd = prng(5)
    const base = cat(
      START,
      ...Array.from({ length: 200 }, (_, i) => (i % 50 === 0 ? [0xf0, 0xf3, 0, 0, 0, i, 1, 0xff, 0xff] : [0x52, i & 0xff])),
      [0xf0, 0xf4, 0xff, 0xff],
      COMPLETED
    )
    const asciiBase = cat(START, ...Array.from({ length: 200 }, (_, i) => (i % 50 === 0 ? 'TimeStamp: 001s 000ms, buff 00%\r\n' : '6409-07\r\n')), 'end\r\n', COMPLETED)
    for (const [format, valid] of [
      ['bin_hexa', base],
      ['ascii_dec', asciiBase]
    ] as const) {
      for (let trial = 0; trial < 300; trial++) {
        const bytes = [...valid]
        const edits = 1 + Math.floor(rnd() * 6)
        for (let k = 0; k < edits; k++) {
          const at = Math.floor(rnd() * bytes.length)
          const op = rnd()
          if (op < 0.4) bytes[at] = Math.floor(rnd() * 256)
          else if (op < 0.7) bytes.splice(at, 0, ...Array.from({ length: 1 + Math.floor(rnd() * 8) }, () => Math.floor(rnd() * 256)))
          else bytes.splice(at, 1 + Math.floor(rnd() * 8))
        }
        const d = new Lpm01aStreamDecoder()
        d.expectAcquisition(format)
        const u = Uint8Array.from(bytes)
        const cuts = Array.from({ length: 5 }, () => Math.floor(rnd() * u.length))
        for (const chunk of splitAt(u, cuts)) check(d.push(chunk), d)
      }
    }
  })
})
