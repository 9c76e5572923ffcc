/**
 * The RTT client against control blocks laid out by hand from the SEGGER RTT layout (ID[16],
 * MaxNumUpBuffers, MaxNumDownBuffers, then 24-byte descriptors: name, buffer, size, WrOff, RdOff, flags).
 */
import { describe, expect, it } from 'vitest'
import { RttClient, RttError, scanForControlBlock } from '../../src-main/probes/services/rtt'
import type { MemoryAccess } from '../../src-main/probes/debug-target'

class Ram implements MemoryAccess {
  bytes = new Uint8Array(0x4000)
  reads = 0
  constructor(readonly base = 0x20000000) {}
  async readMemory(a: number, n: number) {
    this.reads++
    if (a < this.base || a + n > this.base + this.bytes.length) throw new Error(`fault at 0x${a.toString(16)}`)
    return this.bytes.slice(a - this.base, a - this.base + n)
  }
  async writeMemory(a: number, d: Uint8Array) {
    this.bytes.set(d, a - this.base)
  }
  async read32(a: number) {
    return new DataView(this.bytes.buffer).getUint32(a - this.base, true)
  }
  async write32(a: number, v: number) {
    new DataView(this.bytes.buffer).setUint32(a - this.base, v >>> 0, true)
  }
  put32(a: number, v: number) {
    new DataView(this.bytes.buffer).setUint32(a - this.base, v >>> 0, true)
  }
  putText(a: number, s: string) {
    this.bytes.set(new TextEncoder().encode(s + '\0'), a - this.base)
  }
}

const CB = 0x20000100
const UP_BUF = 0x20001000
const DOWN_BUF = 0x20002000

function layout(ram: Ram, options: { upSize?: number; downSize?: number; id?: string } = {}) {
  ram.putText(CB, options.id ?? 'SEGGER RTT')
  ram.put32(CB + 16, 1)
  ram.put32(CB + 20, 1)
  ram.putText(0x20000800, 'Terminal')
  // up[0]
  ram.put32(CB + 24, 0x20000800)
  ram.put32(CB + 28, UP_BUF)
  ram.put32(CB + 32, options.upSize ?? 16)
  // down[0]
  ram.put32(CB + 48, 0x20000800)
  ram.put32(CB + 52, DOWN_BUF)
  ram.put32(CB + 56, options.downSize ?? 8)
}

/** What a target does when it writes `text` into up channel 0 (skip mode), from the layout rules. */
function targetWrites(ram: Ram, text: string, size = 16) {
  let wr = new DataView(ram.bytes.buffer).getUint32(CB + 24 + 12 - ram.base, true)
  for (const c of text) {
    ram.bytes[UP_BUF - ram.base + wr] = c.charCodeAt(0)
    wr = (wr + 1) % size
  }
  ram.put32(CB + 24 + 12, wr)
}

const ram = { start: 0x20000000, size: 0x4000 }

describe('RTT client', () => {
  it('reads an up channel across the ring wrap and advances RdOff', async () => {
    const m = new Ram()
    layout(m)
    const rtt = await RttClient.attach(m, { address: CB, ram: [ram] })
    expect(rtt.up).toMatchObject([{ index: 0, name: 'Terminal', bufferAddress: UP_BUF, size: 16 }])
    targetWrites(m, 'abcdefghij')
    expect(new TextDecoder().decode(await rtt.read(0))).toBe('abcdefghij')
    targetWrites(m, 'KLMNOPQRS') // wraps: 10 + 9 > 16
    expect(new TextDecoder().decode(await rtt.read(0))).toBe('KLMNOPQRS')
    expect(await m.read32(CB + 24 + 16)).toBe((10 + 9) % 16)
    expect((await rtt.read(0)).length).toBe(0)
  })

  it('writes a down channel up to its free space (one byte kept empty) and wraps', async () => {
    const m = new Ram()
    layout(m, { downSize: 8 })
    const rtt = await RttClient.attach(m, { address: CB, ram: [ram] })
    expect(await rtt.write(0, new TextEncoder().encode('0123456789'))).toBe(7)
    expect(await m.read32(CB + 48 + 12)).toBe(7)
    // The target reads 5 bytes: RdOff 5; 5 more bytes fit and wrap around.
    m.put32(CB + 48 + 16, 5)
    expect(await rtt.write(0, new TextEncoder().encode('ABCDEFG'))).toBe(5)
    // 'A' lands in the last byte, 'BCDE' wrap to the start over the consumed '0123'.
    expect(new TextDecoder().decode(m.bytes.subarray(DOWN_BUF - m.base, DOWN_BUF - m.base + 8))).toBe('BCDE456A')
    expect(await m.read32(CB + 48 + 12)).toBe((7 + 5) % 8)
  })

  it('finds the block by scanning RAM, only at a 4-byte boundary', async () => {
    const m = new Ram()
    m.putText(0x20000011, 'SEGGER RTT') // a stray unaligned copy
    layout(m)
    expect(await scanForControlBlock(m, [ram])).toBe(CB)
    const byScan = await RttClient.attach(m, { scan: [ram] })
    expect(byScan.controlBlockAddress).toBe(CB)
  })

  it('refuses half-initialised and corrupt blocks with a clear message', async () => {
    const m = new Ram()
    layout(m, { id: 'SEGGER R' })
    await expect(RttClient.attach(m, { address: CB, ram: [ram] })).rejects.toThrow(/No RTT control block at 0x20000100 .*not have initialised RTT yet/)
    layout(m)
    m.put32(CB + 28, 0x30000000)
    await expect(RttClient.attach(m, { address: CB, ram: [ram] })).rejects.toThrow(/outside the RAM ranges/)
    layout(m)
    m.put32(CB + 16, 1000)
    await expect(RttClient.attach(m, { address: CB, ram: [ram] })).rejects.toThrow(/claims 1000 up/)
    layout(m)
    const rtt = await RttClient.attach(m, { address: CB, ram: [ram] })
    m.put32(CB + 24 + 12, 99)
    await expect(rtt.read(0)).rejects.toThrow(RttError)
    await expect(rtt.read(0)).rejects.toThrow(/offsets \(write 99, read 0\) beyond its 16-byte buffer/)
    await expect(rtt.read(3)).rejects.toThrow(/no RTT up channel 3/)
    await expect(RttClient.attach(m, { scan: [{ start: 0x20002000, size: 0x1000 }] })).rejects.toThrow(/No RTT control block \("SEGGER RTT"\) found/)
  })
})
