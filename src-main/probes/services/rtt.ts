/**
 * SEGGER RTT over plain memory access (pyOCD rtt.py / probe-rs rtt.rs do the same): find the control
 * block (`_SEGGER_RTT` from the ELF, or a RAM scan for "SEGGER RTT"), validate it, then move bytes through
 * its ring buffers. Up channels: copy RdOff..WrOff (wrapping), then advance RdOff. Down channels: copy into
 * the free space, then advance WrOff. One byte of every ring stays unused so that full and empty differ.
 */
import type { MemoryAccess } from '../debug-target'
import type { ElfFile } from '../elf/elf-file'

const ID = 'SEGGER RTT'
const HEADER_BYTES = 24
const DESCRIPTOR_BYTES = 24
const MAX_CHANNELS = 32

export interface RamRange {
  start: number
  size: number
}

export interface RttChannel {
  index: number
  direction: 'up' | 'down'
  name: string | null
  bufferAddress: number
  size: number
  /** 0 skip when full, 1 trim, 2 block (the target waits for the host). */
  mode: number
  descriptorAddress: number
}

export class RttError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'RttError'
  }
}

function u32(bytes: Uint8Array, offset: number): number {
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getUint32(offset, true)
}

export class RttClient {
  private constructor(
    readonly memory: MemoryAccess,
    readonly controlBlockAddress: number,
    readonly up: RttChannel[],
    readonly down: RttChannel[],
    private readonly where: string
  ) {}

  /**
   * Attaches to the control block at a known address (the ELF symbol, preferred), or scans RAM for it.
   * The firmware must have initialised RTT already (run it past its RTT init first).
   */
  static async attach(memory: MemoryAccess & { description?: string }, options: { address?: number; elf?: ElfFile; scan?: RamRange[]; ram?: RamRange[] }): Promise<RttClient> {
    const where = memory.description ?? 'the target'
    let address = options.address
    if (address === undefined && options.elf?.symbol('_SEGGER_RTT')) address = options.elf.address('_SEGGER_RTT')
    if (address === undefined) {
      if (!options.scan?.length) throw new RttError(`No RTT control block address for ${where}: give the firmware's ELF (symbol _SEGGER_RTT) or RAM ranges to scan.`)
      address = await scanForControlBlock(memory, options.scan)
      if (address === undefined) {
        throw new RttError(`No RTT control block ("SEGGER RTT") found in ${options.scan.map((r) => `0x${r.start.toString(16)}+${r.size}`).join(', ')} on ${where}. Is the firmware built with RTT and running past its RTT init?`)
      }
    }
    const ram = options.ram ?? options.scan
    const header = await memory.readMemory(address, HEADER_BYTES)
    const id = new TextDecoder().decode(header.subarray(0, 16)).replace(/\0+$/, '')
    if (id !== ID) throw new RttError(`No RTT control block at 0x${address.toString(16)} on ${where} (found "${printable(header.subarray(0, 16))}"). The firmware may not have initialised RTT yet: let it run, then attach.`)
    const maxUp = u32(header, 16)
    const maxDown = u32(header, 20)
    if (maxUp > MAX_CHANNELS || maxDown > MAX_CHANNELS) throw new RttError(`The RTT control block at 0x${address.toString(16)} on ${where} claims ${maxUp} up and ${maxDown} down channels: it is corrupt or half-initialised.`)
    const descriptors = await memory.readMemory(address + HEADER_BYTES, (maxUp + maxDown) * DESCRIPTOR_BYTES)
    const inRam = (a: number, n: number) => !ram || ram.some((r) => a >= r.start && a + n <= r.start + r.size)
    const channels: RttChannel[] = []
    for (let i = 0; i < maxUp + maxDown; i++) {
      const o = i * DESCRIPTOR_BYTES
      const nameAddress = u32(descriptors, o)
      const bufferAddress = u32(descriptors, o + 4)
      const size = u32(descriptors, o + 8)
      const direction = i < maxUp ? 'up' : 'down'
      const index = i < maxUp ? i : i - maxUp
      if (bufferAddress === 0 || size === 0) continue // an unused channel
      if (size > 1 << 24 || !inRam(bufferAddress, size)) {
        throw new RttError(`RTT ${direction} channel ${index} on ${where} points at 0x${bufferAddress.toString(16)} (+${size} bytes), outside the RAM ranges: the control block is corrupt or not initialised.`)
      }
      channels.push({ index, direction, name: nameAddress ? await readCString(memory, nameAddress, 32) : null, bufferAddress, size, mode: u32(descriptors, o + 20) & 3, descriptorAddress: address + HEADER_BYTES + o })
    }
    return new RttClient(memory, address, channels.filter((c) => c.direction === 'up'), channels.filter((c) => c.direction === 'down'), where)
  }

  private channel(list: RttChannel[], index: number, direction: string): RttChannel {
    const c = list.find((x) => x.index === index)
    if (!c) throw new RttError(`${this.where} has no RTT ${direction} channel ${index} (it has ${list.map((x) => x.index).join(', ') || 'none'}).`)
    return c
  }

  private async offsets(c: RttChannel): Promise<{ wr: number; rd: number }> {
    const b = await this.memory.readMemory(c.descriptorAddress + 12, 8)
    const wr = u32(b, 0)
    const rd = u32(b, 4)
    if (wr >= c.size || rd >= c.size) throw new RttError(`RTT ${c.direction} channel ${c.index} on ${this.where} has offsets (write ${wr}, read ${rd}) beyond its ${c.size}-byte buffer: the control block was overwritten.`)
    return { wr, rd }
  }

  /** Reads what the target has written to an up channel since the last read. */
  async read(index = 0): Promise<Uint8Array> {
    const c = this.channel(this.up, index, 'up')
    const { wr, rd } = await this.offsets(c)
    if (wr === rd) return new Uint8Array(0)
    let data: Uint8Array
    if (wr > rd) {
      data = await this.memory.readMemory(c.bufferAddress + rd, wr - rd)
    } else {
      const tail = await this.memory.readMemory(c.bufferAddress + rd, c.size - rd)
      const head = wr > 0 ? await this.memory.readMemory(c.bufferAddress, wr) : new Uint8Array(0)
      data = new Uint8Array(tail.length + head.length)
      data.set(tail)
      data.set(head, tail.length)
    }
    await this.memory.write32(c.descriptorAddress + 16, wr)
    return data
  }

  /** Writes as much of `data` as fits into a down channel; returns the number of bytes written. */
  async write(index: number, data: Uint8Array): Promise<number> {
    const c = this.channel(this.down, index, 'down')
    const { wr, rd } = await this.offsets(c)
    const free = rd > wr ? rd - wr - 1 : c.size - (wr - rd) - 1
    const n = Math.min(free, data.length)
    if (n === 0) return 0
    const first = Math.min(n, c.size - wr)
    await this.memory.writeMemory(c.bufferAddress + wr, data.subarray(0, first))
    if (n > first) await this.memory.writeMemory(c.bufferAddress, data.subarray(first, n))
    await this.memory.write32(c.descriptorAddress + 12, (wr + n) % c.size)
    return n
  }
}

async function readCString(memory: MemoryAccess, address: number, max: number): Promise<string | null> {
  try {
    const b = await memory.readMemory(address, max)
    const end = b.indexOf(0)
    return new TextDecoder().decode(b.subarray(0, end >= 0 ? end : max))
  } catch {
    return null
  }
}

function printable(b: Uint8Array): string {
  return Array.from(b, (x) => (x >= 0x20 && x < 0x7f ? String.fromCharCode(x) : '.')).join('')
}

/** Scans RAM ranges in 4 KiB steps (overlapping by the ID length) for "SEGGER RTT\0". */
export async function scanForControlBlock(memory: MemoryAccess, ranges: RamRange[]): Promise<number | undefined> {
  const needle = new TextEncoder().encode(ID + '\0')
  const step = 4096
  for (const r of ranges) {
    for (let offset = 0; offset < r.size; offset += step) {
      const n = Math.min(step + needle.length, r.size - offset)
      const chunk = await memory.readMemory(r.start + offset, n)
      outer: for (let i = 0; i + needle.length <= chunk.length; i++) {
        for (let j = 0; j < needle.length; j++) if (chunk[i + j] !== needle[j]) continue outer
        // The ID is 16 bytes, zero-padded: the block starts at a 4-byte boundary.
        if (((r.start + offset + i) & 3) === 0) return r.start + offset + i
      }
    }
  }
  return undefined
}
