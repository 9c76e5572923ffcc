/**
 * Memory through an ADIv5 MEM-AP (AHB-AP on Cortex-M): CSW sets the access size and auto-increment, TAR
 * the address, DRW moves data. TAR auto-increment is only guaranteed within a 1 KiB block, so every
 * block transfer is split at 1 KiB boundaries and TAR rewritten there. Unaligned heads and tails use
 * byte accesses (data on the byte lane of the address), never read-modify-write.
 */
import type { MemoryAccess } from '../debug-target'
import { AdiAccessError, AP_CSW, AP_DRW, AP_TAR, type AdiOperation, type ArmDebugInterface } from './arm-debug-interface'

const CSW_SIZE_8 = 0
const CSW_SIZE_32 = 2
const CSW_ADDRINC_SINGLE = 1 << 4
/** HPROT privileged+data and MasterType debug: the AHB-AP defaults pyOCD and probe-rs use. */
const CSW_DEFAULTS = 0x23000000

const TAR_WRAP_BYTES = 1024

export class MemAp implements MemoryAccess {
  readonly description: string

  constructor(
    readonly adi: ArmDebugInterface,
    readonly apsel = 0
  ) {
    this.description = `${adi.description} (MEM-AP ${apsel})`
  }

  private csw(size: number): number {
    return (CSW_DEFAULTS | CSW_ADDRINC_SINGLE | size) >>> 0
  }

  private w(address: number, value: number): AdiOperation {
    return { kind: 'write', port: 'ap', apsel: this.apsel, address, value: value >>> 0 }
  }

  private async run(program: AdiOperation[], what: string): Promise<Array<number | Uint32Array | undefined>> {
    try {
      return await this.adi.run(program)
    } catch (e) {
      if (e instanceof AdiAccessError && e.reason === 'fault') {
        throw new AdiAccessError(`${e.message} While ${what}: the address may be unmapped or its bus is off (clock gating, low-power mode).`, 'fault')
      }
      throw e
    }
  }

  async read32(address: number): Promise<number> {
    if (address & 3) throw new RangeError(`read32 needs a 4-byte aligned address, got 0x${address.toString(16)}`)
    const r = await this.run([this.w(AP_CSW, this.csw(CSW_SIZE_32)), this.w(AP_TAR, address), { kind: 'read', port: 'ap', apsel: this.apsel, address: AP_DRW }], `reading 0x${hex(address)}`)
    return (r[2] as number) >>> 0
  }

  async write32(address: number, value: number): Promise<void> {
    if (address & 3) throw new RangeError(`write32 needs a 4-byte aligned address, got 0x${address.toString(16)}`)
    await this.run([this.w(AP_CSW, this.csw(CSW_SIZE_32)), this.w(AP_TAR, address), this.w(AP_DRW, value)], `writing 0x${hex(address)}`)
  }

  /** Word blocks split at 1 KiB TAR boundaries, all in one pipelined program. */
  private blockProgram(address: number, words: number, data?: Uint32Array): AdiOperation[] {
    const program: AdiOperation[] = [this.w(AP_CSW, this.csw(CSW_SIZE_32))]
    let done = 0
    while (done < words) {
      const a = (address + 4 * done) >>> 0
      const room = (TAR_WRAP_BYTES - (a % TAR_WRAP_BYTES)) / 4
      const n = Math.min(room, words - done)
      program.push(this.w(AP_TAR, a))
      program.push(
        data
          ? { kind: 'write-block', apsel: this.apsel, address: AP_DRW, words: data.subarray(done, done + n) }
          : { kind: 'read-block', apsel: this.apsel, address: AP_DRW, count: n }
      )
      done += n
    }
    return program
  }

  async readMemory(address: number, length: number): Promise<Uint8Array> {
    if (length === 0) return new Uint8Array(0)
    const start = (address & ~3) >>> 0
    const end = ((address + length + 3) & ~3) >>> 0
    const words = (end - start) / 4
    const results = await this.run(this.blockProgram(start >>> 0, words), `reading ${length} bytes at 0x${hex(address)}`)
    const out = new Uint8Array(words * 4)
    const view = new DataView(out.buffer)
    let w = 0
    for (const r of results) {
      if (r instanceof Uint32Array) for (const word of r) view.setUint32(4 * w++, word, true)
    }
    return out.subarray(address - start, address - start + length)
  }

  async writeMemory(address: number, data: Uint8Array): Promise<void> {
    if (data.length === 0) return
    const program: AdiOperation[] = []
    let a = address >>> 0
    let i = 0
    const byte = (at: number, value: number) => {
      program.push(this.w(AP_CSW, this.csw(CSW_SIZE_8)), this.w(AP_TAR, at), this.w(AP_DRW, value << (8 * (at & 3))))
    }
    while (i < data.length && a & 3) byte(a++, data[i++])
    const words = Math.floor((data.length - i) / 4)
    if (words > 0) {
      const block = new Uint32Array(words)
      const view = new DataView(data.buffer, data.byteOffset + i, words * 4)
      for (let k = 0; k < words; k++) block[k] = view.getUint32(4 * k, true)
      program.push(...this.blockProgram(a, words, block))
      a += 4 * words
      i += 4 * words
    }
    while (i < data.length) byte(a++, data[i++])
    await this.run(program, `writing ${data.length} bytes at 0x${hex(address)}`)
  }
}

function hex(n: number): string {
  return (n >>> 0).toString(16).padStart(8, '0')
}
