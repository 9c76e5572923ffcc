/**
 * A CMSIS-DAP probe: identity and limits from DAP_Info, and command exchange with pipelining — up to
 * Packet Count requests in flight, each no larger than Packet Size, replies read in order.
 */
import type { InstrumentIdentity } from '../../instruments/identity'
import { DapProtocolError } from './commands/command'
import { decodeCapabilities, decodeInfoString, decodeInfoU16, decodeInfoU8, DapInfoId, encodeInfo, type DapCapabilities } from './commands/general'
import { openDapTransport, probeLabel, type DapTransport } from './transport'

export interface DapProbeInfo {
  vendor: string | null
  product: string | null
  serial: string | null
  firmwareVersion: string | null
  protocolVersion: string | null
  capabilities: DapCapabilities
  /** Largest command or reply in bytes. */
  packetSize: number
  /** Commands the probe buffers: how many may be in flight. */
  packetCount: number
  transport: DapTransport['kind']
}

export interface PipelineStats {
  commands: number
  /** Transact calls (each a pipelined burst). */
  bursts: number
  maxInFlight: number
}

export class CmsisDapProbe {
  readonly label: string
  readonly stats: PipelineStats = { commands: 0, bursts: 0, maxInFlight: 0 }
  private queue: Promise<unknown> = Promise.resolve()
  private closed = false

  private constructor(
    readonly transport: DapTransport,
    readonly info: DapProbeInfo
  ) {
    this.label = `CMSIS-DAP probe ${probeLabel(transport.device)}`
  }

  static async open(device: USBDevice, options: { transport?: 'auto' | 'v2' | 'v1' } = {}): Promise<CmsisDapProbe> {
    const transport = await openDapTransport(device, options.transport)
    try {
      // Until DAP_Info says otherwise, one packet in flight no larger than the USB packet.
      const bootstrap = new CmsisDapProbe(transport, {
        vendor: null,
        product: null,
        serial: null,
        firmwareVersion: null,
        protocolVersion: null,
        capabilities: decodeCapabilities(Uint8Array.of(0, 1, 0)),
        packetSize: transport.maxPacketBytes,
        packetCount: 1,
        transport: transport.kind
      })
      const [vendor, product, serial, fw, proto, caps, size, count] = await bootstrap.transact([
        encodeInfo(DapInfoId.Vendor),
        encodeInfo(DapInfoId.Product),
        encodeInfo(DapInfoId.SerialNumber),
        encodeInfo(DapInfoId.FirmwareVersion),
        encodeInfo(DapInfoId.ProtocolVersion),
        encodeInfo(DapInfoId.Capabilities),
        encodeInfo(DapInfoId.PacketSize),
        encodeInfo(DapInfoId.PacketCount)
      ])
      const packetSize = decodeInfoU16(size, 'packet size')
      const packetCount = decodeInfoU8(count, 'packet count')
      if (packetSize < 8 || packetCount < 1) throw new DapProtocolError('DAP_Info', `packet size ${packetSize} / count ${packetCount} are not usable`)
      // A HID report cannot grow: a v1 probe claiming more than its report size would be cut off.
      transport.maxPacketBytes = transport.kind === 'v1-hid' ? Math.min(transport.maxPacketBytes, packetSize) : Math.max(transport.maxPacketBytes, packetSize)
      const info: DapProbeInfo = {
        vendor: decodeInfoString(vendor),
        product: decodeInfoString(product),
        serial: decodeInfoString(serial),
        firmwareVersion: decodeInfoString(fw),
        protocolVersion: decodeInfoString(proto),
        capabilities: decodeCapabilities(caps),
        packetSize: transport.kind === 'v1-hid' ? Math.min(packetSize, transport.maxPacketBytes) : packetSize,
        packetCount,
        transport: transport.kind
      }
      return new CmsisDapProbe(transport, info)
    } catch (e) {
      await transport.close()
      throw e
    }
  }

  identity(): InstrumentIdentity {
    const d = this.transport.device
    return {
      id: `cmsis-dap:${this.info.serial ?? d.serialNumber ?? `${d.vendorId.toString(16)}:${d.productId.toString(16)}`}`,
      kind: 'debug-probe',
      family: 'cmsis-dap',
      model: this.info.product ?? d.productName ?? 'CMSIS-DAP probe',
      serial: this.info.serial ?? d.serialNumber,
      firmware: this.info.firmwareVersion,
      location: null,
      virtual: false
    }
  }

  /**
   * Sends the requests in order, keeping up to Packet Count in flight, and returns the replies in order.
   * Bursts from concurrent callers are serialised (replies carry no tag to match them otherwise).
   */
  transact(requests: Uint8Array[]): Promise<Uint8Array[]> {
    const run = async () => {
      if (this.closed) throw new Error(`${this.label} is closed.`)
      for (const r of requests) {
        if (r.length > this.info.packetSize) throw new DapProtocolError(`command 0x${r[0].toString(16)}`, `request of ${r.length} bytes exceeds the probe's packet size ${this.info.packetSize}`)
      }
      this.stats.bursts++
      const replies: Uint8Array[] = []
      let sent = 0
      let inFlight = 0
      const sendNext = async () => {
        await this.transport.write(requests[sent++])
        inFlight++
        this.stats.commands++
        if (inFlight > this.stats.maxInFlight) this.stats.maxInFlight = inFlight
      }
      while (sent < requests.length && inFlight < this.info.packetCount) await sendNext()
      while (replies.length < requests.length) {
        replies.push(await this.transport.read())
        inFlight--
        if (sent < requests.length) await sendNext()
      }
      return replies
    }
    const next = this.queue.then(run, run)
    this.queue = next.catch(() => undefined)
    return next
  }

  async command(request: Uint8Array): Promise<Uint8Array> {
    return (await this.transact([request]))[0]
  }

  async close(): Promise<void> {
    if (this.closed) return
    this.closed = true
    await this.queue
    await this.transport.close()
  }
}
