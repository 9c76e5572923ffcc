/**
 * The target side of SWD as an ADIv5 debug port sees it (ADIv5.2 B2–B4, C2): the line state (JTAG after
 * power-on, SWD after the 0xE79E switch sequence, a line reset, then DPIDR must be read first), the DP
 * registers (DPIDR, ABORT, CTRL/STAT with the power-up handshake and sticky errors, SELECT, RDBUFF) and
 * one AHB MEM-AP (CSW, TAR, DRW with auto-increment wrapping inside 1 KiB, BD0–3, CFG, BASE, IDR) in
 * front of the core's bus. Written from the architecture, not from our driver.
 */
import type { CoreBackend } from './core-backend'
import { ScsModel } from './scs-model'

export const ACK_OK = 1
export const ACK_WAIT = 2
export const ACK_FAULT = 4
export const ACK_NONE = 7

export interface SwdTargetOptions {
  /** DPIDR: a Cortex-M4 SW-DP, ADIv5.1 (DPv1), designer Arm. */
  dpidr?: number
  /** AHB-AP IDR of a Cortex-M3/M4. */
  apIdr?: number
  /** Nothing on the wires: every packet goes unanswered. */
  absent?: boolean
  /** The DP answers WAIT this many times before each AP access completes (a slow bus). */
  waitStates?: number
}

type LineState = 'jtag' | 'swd-needs-reset' | 'swd-after-reset' | 'swd'

export class SwdTarget {
  readonly scs: ScsModel
  private line: LineState = 'jtag'
  private history: number[] = []
  private onesRun = 0
  private ctrlStat = 0
  private select = 0
  private rdbuff = 0
  private csw = 0x03000042 // DeviceEn (bit 6) set, word size
  private tar = 0
  private readonly dpidr: number
  private readonly apIdr: number
  private waitsLeft = 0
  /** Number of DAP-level accesses that reached the bus, for tests. */
  busAccesses = 0

  constructor(
    readonly core: CoreBackend,
    private readonly options: SwdTargetOptions = {}
  ) {
    this.scs = new ScsModel(core)
    this.dpidr = options.dpidr ?? 0x2ba01477
    this.apIdr = options.apIdr ?? 0x24770011
  }

  /** Bits clocked out on SWDIO with SWJ_Sequence, in order. */
  sequence(bits: number[]): void {
    for (const b of bits) {
      this.history.push(b)
      if (this.history.length > 66) this.history.shift()
      if (b) {
        this.onesRun++
        if (this.onesRun >= 50 && this.line !== 'jtag') this.line = 'swd-after-reset'
      } else {
        this.onesRun = 0
      }
      if (this.history.length === 66 && this.history.slice(0, 50).every((x) => x === 1)) {
        let v = 0
        for (let i = 0; i < 16; i++) v |= this.history[50 + i] << i
        if (v === 0xe79e) this.line = 'swd-needs-reset'
      }
    }
  }

  private get powered(): boolean {
    return (this.ctrlStat & (1 << 28)) !== 0
  }

  private get sticky(): boolean {
    return (this.ctrlStat & ((1 << 5) | (1 << 1) | (1 << 7))) !== 0
  }

  private fault(): { ack: number; value: number } {
    this.ctrlStat |= 1 << 5 // STICKYERR
    return { ack: ACK_FAULT, value: 0 }
  }

  /** One SWD packet. AP reads return their value directly (the probe resolves the posted read). */
  async transfer(ap: boolean, read: boolean, a32: number, value: number): Promise<{ ack: number; value: number }> {
    if (this.options.absent || this.core.isGone?.() || this.line === 'jtag' || this.line === 'swd-needs-reset') return { ack: ACK_NONE, value: 0 }
    if (this.line === 'swd-after-reset') {
      // After a line reset only a DPIDR read is answered.
      if (ap || !read || a32 !== 0) return { ack: ACK_NONE, value: 0 }
      this.line = 'swd'
    }
    if (!ap) return this.dpAccess(read, a32, value)
    if (this.sticky || !this.powered) return this.fault()
    if (this.options.waitStates) {
      if (this.waitsLeft === 0) this.waitsLeft = this.options.waitStates
      if (--this.waitsLeft > 0) return { ack: ACK_WAIT, value: 0 }
    }
    return this.apAccess(read, (this.select & 0xf0) | a32, value)
  }

  private dpAccess(read: boolean, a32: number, value: number): { ack: number; value: number } {
    if (read) {
      switch (a32) {
        case 0x0:
          return { ack: ACK_OK, value: this.dpidr }
        case 0x4: {
          // The power-up acknowledges follow the requests (bits 28 → 29, 30 → 31).
          const acks = ((this.ctrlStat & (1 << 28)) << 1) | ((this.ctrlStat & (1 << 30)) << 1)
          return { ack: ACK_OK, value: ((this.ctrlStat & 0x5fffffff) | acks) >>> 0 }
        }
        case 0x8:
          return { ack: ACK_OK, value: this.rdbuff } // RESEND
        default:
          return { ack: ACK_OK, value: this.rdbuff } // RDBUFF
      }
    }
    switch (a32) {
      case 0x0: // ABORT
        if (value & (1 << 2)) this.ctrlStat &= ~(1 << 5)
        if (value & (1 << 1)) this.ctrlStat &= ~(1 << 4)
        if (value & (1 << 3)) this.ctrlStat &= ~(1 << 7)
        if (value & (1 << 4)) this.ctrlStat &= ~(1 << 1)
        return { ack: ACK_OK, value: 0 }
      case 0x4:
        if (this.sticky) return { ack: ACK_FAULT, value: 0 }
        // Write-one-to-clear sticky bits are cleared through ABORT in SWD; keep request and control bits.
        this.ctrlStat = (this.ctrlStat & ((1 << 5) | (1 << 1) | (1 << 7) | (1 << 4))) | (value & 0x5f000f01)
        return { ack: ACK_OK, value: 0 }
      case 0x8:
        if (this.sticky) return { ack: ACK_FAULT, value: 0 }
        this.select = value >>> 0
        return { ack: ACK_OK, value: 0 }
      default:
        return { ack: ACK_OK, value: 0 } // TARGETSEL is DPv2; ignored here
    }
  }

  private get apsel(): number {
    return this.select >>> 24
  }

  private async apAccess(read: boolean, address: number, value: number): Promise<{ ack: number; value: number }> {
    if (this.apsel !== 0) return { ack: ACK_OK, value: 0 } // absent APs read as zero (IDR 0 ends a scan)
    switch (address) {
      case 0x00:
        if (read) return { ack: ACK_OK, value: this.csw }
        this.csw = ((value & ~0x40) | 0x40) >>> 0
        return { ack: ACK_OK, value: 0 }
      case 0x04:
        if (read) return { ack: ACK_OK, value: this.tar }
        this.tar = value >>> 0
        return { ack: ACK_OK, value: 0 }
      case 0x0c:
        return this.drw(read, value)
      case 0x10:
      case 0x14:
      case 0x18:
      case 0x1c:
        return this.busWord(read, ((this.tar & ~0xf) | (address & 0xc)) >>> 0, value)
      case 0xf4:
        return { ack: ACK_OK, value: 0 } // CFG: little-endian, 32-bit addresses
      case 0xf8:
        return { ack: ACK_OK, value: 0xe00ff003 } // BASE: the ROM table, present
      case 0xfc:
        return { ack: ACK_OK, value: this.apIdr }
      default:
        return { ack: ACK_OK, value: 0 }
    }
  }

  private get size(): 1 | 2 | 4 {
    const s = this.csw & 7
    return s === 0 ? 1 : s === 1 ? 2 : 4
  }

  private advanceTar(): void {
    if (((this.csw >>> 4) & 3) === 0) return
    // Auto-increment only carries within the 1 KiB block: the upper TAR bits stay put.
    this.tar = ((this.tar & ~0x3ff) | ((this.tar + this.size) & 0x3ff)) >>> 0
  }

  private async drw(read: boolean, value: number): Promise<{ ack: number; value: number }> {
    const size = this.size
    const address = this.tar
    const lane = (address & 3) * 8
    if (size !== 1 && address & (size - 1)) return this.fault() // unaligned halfword/word access
    let result: { ack: number; value: number }
    if (size === 4) {
      result = await this.busWord(read, address, value)
    } else if (read) {
      const bytes = await this.readBus(address, size)
      if (!bytes) return this.fault()
      const v = size === 1 ? bytes[0] : bytes[0] | (bytes[1] << 8)
      result = { ack: ACK_OK, value: (v << lane) >>> 0 }
    } else {
      const v = (value >>> lane) & (size === 1 ? 0xff : 0xffff)
      const ok = await this.writeBus(address, size === 1 ? Uint8Array.of(v) : Uint8Array.of(v & 0xff, v >>> 8))
      if (!ok) return this.fault()
      result = { ack: ACK_OK, value: 0 }
    }
    if (result.ack === ACK_OK) this.advanceTar()
    return result
  }

  private async busWord(read: boolean, address: number, value: number): Promise<{ ack: number; value: number }> {
    if (read) {
      const bytes = await this.readBus(address, 4)
      if (!bytes) return this.fault()
      const v = (bytes[0] | (bytes[1] << 8) | (bytes[2] << 16) | (bytes[3] << 24)) >>> 0
      this.rdbuff = v
      return { ack: ACK_OK, value: v }
    }
    const ok = await this.writeBus(address, Uint8Array.of(value & 0xff, (value >>> 8) & 0xff, (value >>> 16) & 0xff, value >>> 24))
    return ok ? { ack: ACK_OK, value: 0 } : this.fault()
  }

  private async readBus(address: number, length: number): Promise<Uint8Array | undefined> {
    this.busAccesses++
    const word = ((address & ~3) >>> 0)
    if (this.scs.handles(word)) {
      const v = await this.scs.read(word)
      const all = Uint8Array.of(v & 0xff, (v >>> 8) & 0xff, (v >>> 16) & 0xff, v >>> 24)
      return all.subarray(address - word, address - word + length)
    }
    return this.core.readMemory(address, length)
  }

  private async writeBus(address: number, data: Uint8Array): Promise<boolean> {
    this.busAccesses++
    const word = ((address & ~3) >>> 0)
    if (this.scs.handles(word)) {
      if (data.length !== 4) return true // the debug registers take word writes only
      await this.scs.write(word, (data[0] | (data[1] << 8) | (data[2] << 16) | (data[3] << 24)) >>> 0)
      return true
    }
    return this.core.writeMemory(address, data)
  }

  /**
   * A run of DRW reads or writes with word size and auto-increment (DAP_TransferBlock), moved through
   * the backend in as few bus operations as the 1 KiB wrap allows. Returns how many words went through,
   * or undefined when the state calls for word-by-word packets (other sizes, WAIT states, errors pending).
   */
  async drwBlock(read: boolean, words: number, data?: Uint32Array): Promise<{ ack: number; done: number; values: Uint32Array } | undefined> {
    const values = new Uint32Array(read ? words : 0)
    const fast = !this.core.isGone?.() && this.line === 'swd' && this.powered && !this.sticky && this.apsel === 0 && (this.select & 0xf0) === 0 && this.size === 4 && ((this.csw >>> 4) & 3) === 1 && !this.options.waitStates && !(this.tar & 3)
    if (!fast) return undefined
    let done = 0
    while (done < words) {
      const inBlock = (0x400 - (this.tar & 0x3ff)) / 4
      const n = Math.min(inBlock, words - done)
      const address = this.tar
      if (this.scs.handles((address & ~3) >>> 0) || this.scs.handles((address + 4 * n - 4) & ~3)) {
        // Debug registers: one word at a time through the model.
        for (let i = 0; i < n; i++) {
          const r = await this.drw(read, data ? data[done] : 0)
          if (r.ack !== ACK_OK) return { ack: r.ack, done, values: values.subarray(0, done) }
          if (read) values[done] = r.value
          done++
        }
        continue
      }
      this.busAccesses++
      if (read) {
        const bytes = await this.core.readMemory(address, 4 * n)
        if (!bytes) return { ack: this.fault().ack, done, values: values.subarray(0, done) }
        const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
        for (let i = 0; i < n; i++) values[done + i] = view.getUint32(4 * i, true)
        this.rdbuff = values[done + n - 1]
      } else {
        const bytes = new Uint8Array(4 * n)
        const view = new DataView(bytes.buffer)
        for (let i = 0; i < n; i++) view.setUint32(4 * i, data![done + i], true)
        if (!(await this.core.writeMemory(address, bytes))) return { ack: this.fault().ack, done, values: values.subarray(0, done) }
      }
      this.tar = ((this.tar & ~0x3ff) | ((this.tar + 4 * n) & 0x3ff)) >>> 0
      done += n
    }
    return { ack: ACK_OK, done, values }
  }
}
