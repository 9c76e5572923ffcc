/**
 * The pure parts behind the probes API: RTT text batching (rate, cap, drop accounting, UTF-8 across
 * reads), progress throttling, and reading a GDB memory map. Expected values are worked out here.
 */
import { describe, expect, it } from 'vitest'
import { TextBatcher } from '../../src-main/api/probes/text-batcher'
import { ProgressThrottle } from '../../src-main/api/probes/flash-upload'
import { parseGdbMemoryMap } from '../../src-main/api/probes/target-info'
import type { ProbeProgress } from '../../src-main/api/methods/probes'
import { prng, randomBytes } from '../helpers/prng'

const ascii = (s: string) => new TextEncoder().encode(s)

describe('TextBatcher', () => {
  it('sends at most one batch per interval and holds the rest for the next', () => {
    const b = new TextBatcher({ intervalS: 0.1, maxBytes: 1024 })
    expect(b.take(0)).toBeNull()
    b.push(ascii('m-init-done\r\n'))
    expect(b.take(0)).toEqual({ text: 'm-init-done\r\n', bytes: 13, droppedBytes: 0 })
    b.push(ascii('m-ready'))
    expect(b.take(0.05)).toBeNull() // too soon
    b.push(ascii('\r\n'))
    expect(b.take(0.1)).toEqual({ text: 'm-ready\r\n', bytes: 9, droppedBytes: 0 })
    b.push(ascii('x'))
    expect(b.take(0.11, true)).toEqual({ text: 'x', bytes: 1, droppedBytes: 0 })
  })

  it('keeps the newest bytes of a flood and counts exactly what it dropped', () => {
    const b = new TextBatcher({ intervalS: 0.1, maxBytes: 10 })
    b.push(ascii('0123456'))
    b.push(ascii('789abcdef'))
    expect(b.pendingBytes).toBe(10)
    expect(b.take(1)).toEqual({ text: '6789abcdef', bytes: 10, droppedBytes: 6 })
    expect(b.take(2)).toBeNull()
  })

  it('joins a UTF-8 character split across two reads', () => {
    const b = new TextBatcher({ intervalS: 0, maxBytes: 100 })
    const micro = ascii('1 µs') // µ is 0xC2 0xB5
    b.push(micro.subarray(0, 3))
    const first = b.take(0)!
    b.push(micro.subarray(3))
    const second = b.take(1)!
    expect(first.text + second.text).toBe('1 µs')
    expect(first.bytes + second.bytes).toBe(micro.length)
  })

  it('accounts for every byte of random traffic: sent + dropped = written, and no batch exceeds the cap', () => {
    const rand = prng(4242)
    for (let round = 0; round < 20; round++) {
      const maxBytes = 16 + Math.floor(rand() * 500)
      const b = new TextBatcher({ intervalS: 0.1, maxBytes })
      let written = 0
      let sent = 0
      let dropped = 0
      let batches = 0
      let t = 0
      for (let i = 0; i < 300; i++) {
        const data = randomBytes(rand, Math.floor(rand() * 200))
        b.push(data)
        written += data.length
        t += rand() * 0.05
        const batch = b.take(t)
        if (batch) {
          expect(batch.bytes).toBeLessThanOrEqual(maxBytes)
          sent += batch.bytes
          dropped += batch.droppedBytes
          batches++
        }
      }
      const last = b.take(t, true)
      if (last) {
        sent += last.bytes
        dropped += last.droppedBytes
        batches++
      }
      expect(sent + dropped).toBe(written)
      // One batch per 0.1 s of the clock, plus the forced last one.
      expect(batches).toBeLessThanOrEqual(Math.floor(t / 0.1) + 2)
    }
  })
})

describe('ProgressThrottle', () => {
  const event = (phase: ProbeProgress['phase'], done: number, total: number): ProbeProgress => ({ sessionId: 's', operation: 'flash', phase, done, total, fraction: done / total })

  it('passes phase changes and the last step, and at most one event per 50 ms otherwise', () => {
    const sent: ProbeProgress[] = []
    const t = new ProgressThrottle((p) => sent.push(p))
    t.report(event('erase', 1, 10), 0)
    t.report(event('program', 2, 10), 0.001) // new phase
    t.report(event('program', 3, 10), 0.002) // too soon
    t.report(event('program', 4, 10), 0.06)
    t.report(event('program', 10, 10), 0.061) // the end
    expect(sent.map((p) => [p.phase, p.done])).toEqual([
      ['erase', 1],
      ['program', 2],
      ['program', 4],
      ['program', 10]
    ])
  })
})

describe('GDB memory map', () => {
  it('reads ram, flash and rom regions and skips what it cannot use', () => {
    const xml = `<?xml version="1.0"?>
<!DOCTYPE memory-map PUBLIC "+//IDN gnu.org//DTD GDB Memory Map V1.0//EN" "http://sourceware.org/gdb/gdb-memory-map.dtd">
<memory-map>
  <memory type="flash" start="0x08000000" length="0x100000">
    <property name="blocksize">0x4000</property>
  </memory>
  <memory type="ram" start="0x20000000" length="0x20000"/>
  <memory type="rom" start="0x1fff0000" length="30720"/>
  <memory type="weird" start="0x0" length="0x10"/>
  <memory type="ram" start="0x30000000" length="0"/>
</memory-map>`
    expect(parseGdbMemoryMap(xml).map((r) => [r.kind, r.start, r.sizeBytes])).toEqual([
      ['flash', 0x08000000, 1024 * 1024],
      ['ram', 0x20000000, 128 * 1024],
      ['rom', 0x1fff0000, 30720]
    ])
  })
})
