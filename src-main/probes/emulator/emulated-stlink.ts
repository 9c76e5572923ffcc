/**
 * An emulated ST-LINK/V2-1 at the USBDevice boundary, written from the public command set
 * (stlink-org commands.h/usb.c): 16-byte commands on EP 1 OUT, replies on EP 1 IN, write data as a
 * second OUT transfer. Memory and debug-register commands act on a CoreBackend through the same
 * SCS model the CMSIS-DAP emulator uses.
 */
import type { CoreBackend } from './core-backend'
import { EmulatedUsbDevice, type EndpointHandler, type InjectedFaults } from './emulated-usb-device'
import { ScsModel } from './scs-model'

export interface EmulatedStlinkOptions {
  serial?: string
  /** Firmware version J-number (probe-rs and we require >= 26 on V2). */
  jtagVersion?: number
  /** No target on the wires: entering SWD fails. */
  absent?: boolean
  faults?: InjectedFaults
  /** Target supply the probe reports, in volts. */
  targetVoltageV?: number
}

const OK = 0x80

export class EmulatedStlink implements EndpointHandler {
  readonly device: EmulatedUsbDevice
  readonly scs: ScsModel
  private replies: Uint8Array[] = []
  private waiters: Array<(r: Uint8Array) => void> = []
  private pendingWrite: { address: number; length: number; size: 1 | 4 } | undefined
  private lastStatus = OK
  private lastFault = 0
  private mode = 1 // mass storage, as a freshly plugged ST-LINK
  readonly log: number[][] = []

  constructor(
    readonly core: CoreBackend,
    readonly options: EmulatedStlinkOptions = {}
  ) {
    this.scs = new ScsModel(core)
    this.device = new EmulatedUsbDevice(
      {
        vendorId: 0x0483,
        productId: 0x374b,
        manufacturerName: 'STMicroelectronics',
        productName: 'STM32 STLink',
        serialNumber: options.serial ?? 'JB-EMU-STLINK',
        interfaces: [
          {
            interfaceClass: 0xff,
            interfaceSubclass: 0xff,
            interfaceProtocol: 0xff,
            interfaceName: 'ST-Link Debug',
            endpoints: [
              { endpointNumber: 1, direction: 'in', type: 'bulk', packetSize: 64 },
              { endpointNumber: 1, direction: 'out', type: 'bulk', packetSize: 64 },
              { endpointNumber: 2, direction: 'in', type: 'bulk', packetSize: 64 }
            ]
          }
        ]
      },
      this,
      options.faults
    )
  }

  private reply(bytes: Uint8Array): void {
    const w = this.waiters.shift()
    if (w) w(bytes)
    else this.replies.push(bytes)
  }

  async in(): Promise<Uint8Array> {
    return this.replies.shift() ?? new Promise<Uint8Array>((r) => this.waiters.push(r))
  }

  private async readBus(address: number, length: number): Promise<Uint8Array | undefined> {
    const word = (address & ~3) >>> 0
    if (this.scs.handles(word) && length <= 4) {
      const v = await this.scs.read(word)
      return Uint8Array.of(v & 0xff, (v >>> 8) & 0xff, (v >>> 16) & 0xff, v >>> 24).subarray(address - word, address - word + length)
    }
    return this.core.readMemory(address, length)
  }

  private async writeBus(address: number, data: Uint8Array): Promise<boolean> {
    if (this.scs.handles((address & ~3) >>> 0) && data.length === 4) {
      await this.scs.write(address, new DataView(data.buffer, data.byteOffset).getUint32(0, true))
      return true
    }
    return this.core.writeMemory(address, data)
  }

  async out(_endpoint: number, data: Uint8Array): Promise<void> {
    if (this.pendingWrite) {
      const w = this.pendingWrite
      this.pendingWrite = undefined
      const ok = await this.writeBus(w.address, data.subarray(0, w.length))
      this.lastStatus = ok ? OK : 0x11
      this.lastFault = ok ? 0 : w.address
      return
    }
    const c = data
    this.log.push(Array.from(c.subarray(0, 2)))
    const v = new DataView(c.buffer, c.byteOffset, c.byteLength)
    const u32 = (o: number) => v.getUint32(o, true)
    const u16 = (o: number) => v.getUint16(o, true)
    const word = (value: number) => Uint8Array.of(OK, 0, 0, 0, value & 0xff, (value >>> 8) & 0xff, (value >>> 16) & 0xff, value >>> 24)
    switch (c[0]) {
      case 0xf1: {
        // stlink 2, jtag J(version), swim 0 as a big-endian word; then VID, PID.
        const w = (2 << 12) | ((this.options.jtagVersion ?? 37) << 6)
        this.reply(Uint8Array.of(w >> 8, w & 0xff, 0x83, 0x04, 0x4b, 0x37))
        return
      }
      case 0xf5:
        this.reply(Uint8Array.of(this.mode, 0))
        return
      case 0xf3:
        if (c[1] === 0x07) this.mode = 1
        return
      case 0xf7: {
        // a0 = 4096 counts for 1.2 V; a1 chosen so that 2·a1·1.2/a0 is the target voltage.
        const a1 = Math.round(((this.options.targetVoltageV ?? 3.3) * 4096) / 2.4)
        this.reply(Uint8Array.of(0x00, 0x10, 0, 0, a1 & 0xff, a1 >> 8, 0, 0))
        return
      }
      case 0xf2:
        break
      default:
        return
    }
    switch (c[1]) {
      case 0x30: // enter SWD
        if (this.options.absent) {
          this.reply(Uint8Array.of(0x09, 0))
          return
        }
        this.mode = 2
        this.reply(Uint8Array.of(OK, 0))
        return
      case 0x21:
        this.mode = 1
        return
      case 0x43:
        this.reply(Uint8Array.of(OK, 0))
        return
      case 0x61:
        this.reply(Uint8Array.of(OK, 0, 0, 0, 0, 0, 0, 0))
        return
      case 0x3c:
        if (c[2] === 2) await this.core.reset(false)
        this.reply(Uint8Array.of(OK, 0))
        return
      case 0x36: {
        const bytes = await this.readBus(u32(2), 4)
        this.reply(bytes ? word(new DataView(bytes.buffer, bytes.byteOffset).getUint32(0, true)) : Uint8Array.of(0x11, 0, 0, 0, 0, 0, 0, 0))
        return
      }
      case 0x35: {
        const b = new Uint8Array(4)
        new DataView(b.buffer).setUint32(0, u32(6), true)
        this.reply(Uint8Array.of((await this.writeBus(u32(2), b)) ? OK : 0x11, 0))
        return
      }
      case 0x07:
      case 0x0c: {
        const address = u32(2)
        const length = u16(6)
        const size = c[1] === 0x07 ? 4 : 1
        if (size === 4 && (address & 3 || length & 3)) {
          this.lastStatus = 0x12
          this.reply(new Uint8Array(length))
          return
        }
        const bytes = await this.readBus(address, length)
        this.lastStatus = bytes ? OK : 0x11
        this.lastFault = bytes ? 0 : address
        // The V2 quirk: a one-byte read returns two bytes.
        const out = new Uint8Array(Math.max(length, size === 1 && length === 1 ? 2 : length))
        if (bytes) out.set(bytes)
        this.reply(out)
        return
      }
      case 0x08:
      case 0x0d:
        this.pendingWrite = { address: u32(2), length: u16(6), size: c[1] === 0x08 ? 4 : 1 }
        return
      case 0x3e:
      case 0x3b: {
        const r = new Uint8Array(c[1] === 0x3e ? 12 : 2)
        r[0] = this.lastStatus
        if (r.length === 12) new DataView(r.buffer).setUint32(4, this.lastFault, true)
        this.lastStatus = OK
        this.reply(r)
        return
      }
      default:
        this.reply(Uint8Array.of(0x42, 0)) // unknown command
    }
  }
}
