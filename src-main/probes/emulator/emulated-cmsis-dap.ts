/**
 * An emulated CMSIS-DAP probe at the USBDevice boundary: v2 (vendor interface, bulk endpoints 1 OUT and
 * 2 IN, "CMSIS-DAP" in the interface name) or v1 (HID interface, 64-byte reports over interrupt
 * endpoints). Like a real probe it buffers at most Packet Count commands: a host that sends more
 * without reading replies is held up on transferOut. Commands run in order against the SWD target.
 */
import { DapFirmware } from './dap-firmware'
import { EmulatedUsbDevice, type EndpointHandler, type InjectedFaults } from './emulated-usb-device'
import type { SwdTarget } from './swd-target'

export interface EmulatedDapOptions {
  version?: 'v2' | 'v1'
  packetCount?: number
  /** v2 default 512 (high-speed bulk); v1 is 64 (full-speed HID report). */
  packetSize?: number
  serial?: string
  faults?: InjectedFaults
}

export interface EmulatedDapStats {
  commands: number
  /** Most commands buffered in the probe at once (sent by the host, reply not yet read). */
  maxBuffered: number
  /** How often the host was held up because the probe's buffers were full. */
  stalls: number
}

export class EmulatedCmsisDap implements EndpointHandler {
  readonly device: EmulatedUsbDevice
  readonly firmware: DapFirmware
  readonly stats: EmulatedDapStats = { commands: 0, maxBuffered: 0, stalls: 0 }
  private readonly packetCount: number
  private readonly packetSize: number
  private readonly version: 'v2' | 'v1'
  private buffered = 0
  private replies: Uint8Array[] = []
  private replyWaiters: Array<(r: Uint8Array) => void> = []
  private spaceWaiters: Array<() => void> = []
  private processing: Promise<void> = Promise.resolve()

  constructor(target: SwdTarget, options: EmulatedDapOptions = {}) {
    this.version = options.version ?? 'v2'
    this.packetCount = options.packetCount ?? 4
    this.packetSize = options.packetSize ?? (this.version === 'v2' ? 512 : 64)
    const serial = options.serial ?? 'JB-EMU-0001'
    this.firmware = new DapFirmware(target, {
      vendor: 'Joulebench',
      product: `Joulebench emulated CMSIS-DAP ${this.version}`,
      serial,
      firmwareVersion: '1.0.0',
      packetSize: this.packetSize,
      packetCount: this.packetCount
    })
    const iface =
      this.version === 'v2'
        ? {
            interfaceClass: 0xff,
            interfaceSubclass: 0,
            interfaceProtocol: 0,
            interfaceName: 'CMSIS-DAP v2',
            endpoints: [
              { endpointNumber: 1, direction: 'out' as const, type: 'bulk' as const, packetSize: this.packetSize },
              { endpointNumber: 2, direction: 'in' as const, type: 'bulk' as const, packetSize: this.packetSize }
            ]
          }
        : {
            interfaceClass: 0x03,
            interfaceSubclass: 0,
            interfaceProtocol: 0,
            interfaceName: 'CMSIS-DAP v1',
            endpoints: [
              { endpointNumber: 1, direction: 'in' as const, type: 'interrupt' as const, packetSize: this.packetSize },
              { endpointNumber: 1, direction: 'out' as const, type: 'interrupt' as const, packetSize: this.packetSize }
            ]
          }
    this.device = new EmulatedUsbDevice(
      {
        // pid.codes test VID/PID: not any vendor's real probe.
        vendorId: 0x1209,
        productId: 0x0001,
        manufacturerName: 'Joulebench',
        productName: `Joulebench CMSIS-DAP emulator`,
        serialNumber: serial,
        interfaces: [iface]
      },
      this,
      options.faults
    )
  }

  async out(_endpoint: number, data: Uint8Array): Promise<void> {
    while (this.buffered >= this.packetCount) {
      this.stats.stalls++
      await new Promise<void>((r) => this.spaceWaiters.push(r))
    }
    if (data.length > this.packetSize) throw new Error(`babble: ${data.length}-byte packet on a ${this.packetSize}-byte endpoint`)
    this.buffered++
    this.stats.commands++
    this.stats.maxBuffered = Math.max(this.stats.maxBuffered, this.buffered)
    // Commands execute strictly in arrival order.
    this.processing = this.processing.then(async () => {
      let reply: Uint8Array | undefined
      try {
        reply = await this.firmware.process(data)
      } catch {
        reply = Uint8Array.of(0xff)
      }
      if (reply === undefined) {
        this.release()
        return
      }
      if (this.version === 'v1') {
        const report = new Uint8Array(this.packetSize)
        report.set(reply.subarray(0, this.packetSize))
        reply = report
      }
      const waiter = this.replyWaiters.shift()
      if (waiter) waiter(reply)
      else this.replies.push(reply)
    })
  }

  async in(_endpoint: number, _length: number): Promise<Uint8Array> {
    const ready = this.replies.shift()
    const reply = ready ?? (await new Promise<Uint8Array>((r) => this.replyWaiters.push(r)))
    this.release()
    return reply
  }

  private release(): void {
    this.buffered--
    this.spaceWaiters.shift()?.()
  }
}
