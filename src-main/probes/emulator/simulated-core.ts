/**
 * A core that executes nothing: sparse RAM regions and a register file. Enough to exercise the probe
 * stack's memory, register, halt and reset protocols in unit tests without QEMU. Resuming "runs" until
 * the next halt request; stepping advances PC by one Thumb halfword.
 */
import type { CoreBackend, CoreHaltCause } from './core-backend'

export interface SimulatedRegion {
  start: number
  size: number
}

export class SimulatedCore implements CoreBackend {
  readonly name = 'simulated Cortex-M core'
  private halted = true
  private cause: CoreHaltCause | undefined = 'request'
  private registers = new Uint32Array(21)
  private memory: Array<{ start: number; bytes: Uint8Array }>
  cpuid = 0x410fc241
  resumedWith: number[] = []

  constructor(regions: SimulatedRegion[] = [{ start: 0x00000000, size: 0x40000 }, { start: 0x20000000, size: 0x40000 }]) {
    this.memory = regions.map((r) => ({ start: r.start, bytes: new Uint8Array(r.size) }))
    this.resetRegisters()
  }

  private resetRegisters(): void {
    this.registers.fill(0)
    const vectors = this.region(0, 8)
    if (vectors) {
      const v = new DataView(vectors.bytes.buffer, vectors.offset)
      this.registers[13] = v.getUint32(0, true)
      this.registers[15] = ((v.getUint32(4, true) & ~1) >>> 0)
    }
    this.registers[16] = 0x01000000
  }

  private region(address: number, length: number): { bytes: Uint8Array; offset: number } | undefined {
    for (const m of this.memory) {
      if (address >= m.start && address + length <= m.start + m.bytes.length) return { bytes: m.bytes, offset: address - m.start }
    }
    return undefined
  }

  isHalted(): boolean {
    return this.halted
  }
  haltCause(): CoreHaltCause | undefined {
    return this.cause
  }
  async halt(): Promise<void> {
    this.halted = true
    this.cause = 'request'
  }
  async resume(breakpoints: number[]): Promise<void> {
    this.resumedWith = breakpoints
    this.halted = false
  }
  async step(): Promise<void> {
    this.registers[15] = (this.registers[15] + 2) >>> 0
    this.cause = 'step'
  }
  async reset(haltAfter: boolean): Promise<void> {
    this.resetRegisters()
    this.halted = haltAfter
    this.cause = haltAfter ? 'reset' : undefined
  }
  async readRegister(n: number): Promise<number> {
    return this.registers[n] ?? 0
  }
  async writeRegister(n: number, value: number): Promise<void> {
    if (n < this.registers.length) this.registers[n] = value >>> 0
  }
  async readMemory(address: number, length: number): Promise<Uint8Array | undefined> {
    if (address === 0xe000ed00 && length <= 4) {
      const v = this.cpuid
      return Uint8Array.of(v & 0xff, (v >>> 8) & 0xff, (v >>> 16) & 0xff, v >>> 24).subarray(0, length)
    }
    const r = this.region(address, length)
    return r ? r.bytes.slice(r.offset, r.offset + length) : undefined
  }
  async writeMemory(address: number, data: Uint8Array): Promise<boolean> {
    const r = this.region(address, data.length)
    if (!r) return false
    r.bytes.set(data, r.offset)
    return true
  }
}
