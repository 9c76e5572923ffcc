/**
 * CMSIS-DAP packets over a WebUSB USBDevice (the `usb` package in Node, navigator.usb in a renderer, or
 * an emulator in tests). v2: vendor-class interface (0xFF), bulk OUT then bulk IN endpoints. v1: a HID
 * interface whose reports are moved over its interrupt endpoints (or SET_REPORT when there is no OUT
 * endpoint); reports are fixed-size, so requests are zero-padded.
 */
import { claimProbeInterface } from '../usb-claim'
import { describeUsbFailure } from '../usb-errors'

export interface DapTransport {
  readonly kind: 'v2-bulk' | 'v1-hid'
  readonly device: USBDevice
  /** Largest packet one transfer carries (endpoint packet size, or the HID report size). */
  maxPacketBytes: number
  write(packet: Uint8Array): Promise<void>
  read(): Promise<Uint8Array>
  close(): Promise<void>
}

export function probeLabel(device: USBDevice): string {
  const name = device.productName ?? `USB device ${hex4(device.vendorId)}:${hex4(device.productId)}`
  return `${name}${device.serialNumber ? ` (serial ${device.serialNumber})` : ''}`
}

function hex4(n: number): string {
  return n.toString(16).padStart(4, '0')
}

function interfaces(device: USBDevice): USBInterface[] {
  return device.configuration?.interfaces ?? device.configurations[0]?.interfaces ?? []
}

/** The vendor-class interface of a CMSIS-DAP v2 probe, by the "CMSIS-DAP" string rule. */
export function findV2Interface(device: USBDevice): USBInterface | undefined {
  const productSays = /CMSIS-DAP/i.test(device.productName ?? '')
  return interfaces(device).find((i) => {
    const alt = i.alternate ?? i.alternates[0]
    if (!alt || alt.interfaceClass !== 0xff) return false
    const bulk = alt.endpoints.filter((e) => e.type === 'bulk')
    if (!bulk.some((e) => e.direction === 'out') || !bulk.some((e) => e.direction === 'in')) return false
    return /CMSIS-DAP/i.test(alt.interfaceName ?? '') || (productSays && (alt.interfaceName ?? '') === '')
  })
}

export function findV1Interface(device: USBDevice): USBInterface | undefined {
  if (!/CMSIS-DAP/i.test(device.productName ?? '') && !interfaces(device).some((i) => /CMSIS-DAP/i.test((i.alternate ?? i.alternates[0])?.interfaceName ?? ''))) return undefined
  return interfaces(device).find((i) => {
    const alt = i.alternate ?? i.alternates[0]
    return alt?.interfaceClass === 0x03 && alt.endpoints.some((e) => e.type === 'interrupt' && e.direction === 'in')
  })
}

function toBytes(result: USBInTransferResult, label: string): Uint8Array {
  if (result.status !== 'ok' || !result.data) throw new Error(`${label} answered a USB read with status "${result.status}". Unplug and replug the probe.`)
  return new Uint8Array(result.data.buffer, result.data.byteOffset, result.data.byteLength)
}

/**
 * The parts both kinds share: reads from the IN endpoint, errors naming the probe, release on close.
 * `send` moves one packet out, given the packet size in force (the probe may raise it after DAP_Info).
 */
function claimedTransport(
  kind: DapTransport['kind'],
  device: USBDevice,
  iface: USBInterface,
  inEndpoint: USBEndpoint,
  maxPacketBytes: number,
  send: (packet: Uint8Array, maxPacketBytes: number) => Promise<USBOutTransferResult>
): DapTransport {
  const label = probeLabel(device)
  const transport: DapTransport = {
    kind,
    device,
    maxPacketBytes,
    async write(packet) {
      try {
        const r = await send(packet, transport.maxPacketBytes)
        if (r.status !== 'ok') throw new Error(`status ${r.status}`)
      } catch (e) {
        throw describeUsbFailure(label, 'send a command to', e)
      }
    },
    async read() {
      let result: USBInTransferResult
      try {
        result = await device.transferIn(inEndpoint.endpointNumber, transport.maxPacketBytes)
      } catch (e) {
        throw describeUsbFailure(label, 'read a reply from', e)
      }
      return toBytes(result, label)
    },
    async close() {
      await device.releaseInterface(iface.interfaceNumber).catch(() => undefined)
      await device.close().catch(() => undefined)
    }
  }
  return transport
}

export async function openV2Transport(device: USBDevice): Promise<DapTransport> {
  const iface = findV2Interface(device)
  if (!iface) throw new Error(`${probeLabel(device)} has no CMSIS-DAP v2 (vendor class, bulk) interface.`)
  await claimProbeInterface(device, probeLabel(device), iface.interfaceNumber)
  const alt = iface.alternate ?? iface.alternates[0]
  const out = alt.endpoints.find((e) => e.type === 'bulk' && e.direction === 'out')!
  const inn = alt.endpoints.find((e) => e.type === 'bulk' && e.direction === 'in')!
  return claimedTransport('v2-bulk', device, iface, inn, Math.max(out.packetSize, 64), (packet) =>
    device.transferOut(out.endpointNumber, packet as Uint8Array<ArrayBuffer>)
  )
}

export async function openV1Transport(device: USBDevice): Promise<DapTransport> {
  const iface = findV1Interface(device)
  if (!iface) throw new Error(`${probeLabel(device)} has no CMSIS-DAP v1 (HID) interface.`)
  await claimProbeInterface(device, probeLabel(device), iface.interfaceNumber, { detachKernelDriver: iface.alternate?.interfaceClass === 0x03 })
  const alt = iface.alternate ?? iface.alternates[0]
  const inn = alt.endpoints.find((e) => e.type === 'interrupt' && e.direction === 'in')!
  const out = alt.endpoints.find((e) => e.type === 'interrupt' && e.direction === 'out')
  return claimedTransport('v1-hid', device, iface, inn, inn.packetSize, (packet, reportBytes) => {
    // HID reports have a fixed size: pad the request with zeros.
    const report = new Uint8Array(reportBytes)
    report.set(packet.subarray(0, report.length))
    return out
      ? device.transferOut(out.endpointNumber, report)
      : device.controlTransferOut({ requestType: 'class', recipient: 'interface', request: 0x09, value: 0x0200, index: iface.interfaceNumber }, report)
  })
}

/** v2 when the probe offers it (bulk, faster), else v1 HID. */
export async function openDapTransport(device: USBDevice, prefer: 'auto' | 'v2' | 'v1' = 'auto'): Promise<DapTransport> {
  if (prefer !== 'v1' && findV2Interface(device)) return openV2Transport(device)
  if (prefer !== 'v2' && findV1Interface(device)) return openV1Transport(device)
  throw new Error(`${probeLabel(device)} is not a CMSIS-DAP probe: no interface or product string says "CMSIS-DAP". Run \`joulebench probe list\` to see the probes found.`)
}
