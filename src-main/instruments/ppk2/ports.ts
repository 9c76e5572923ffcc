import { SerialPort } from 'serialport'

/**
 * Finding a PPK2's data port among the serial ports the OS lists.
 *
 * USB VID 0x1915 (Nordic), PID 0xC00A. Since firmware 1.2.0 the PPK2 shows two CDC-ACM ports: the
 * data/command port and a debug shell (app changelog 4.2.0). Third-party tools take the first function,
 * the lower USB interface number, as the data port; this was never checked on hardware here, so every
 * candidate is returned in order of preference and the driver's metadata read is the final check
 * (the shell does not answer GetMetadata).
 */

export const PPK2_USB_VENDOR_ID = 0x1915
export const PPK2_USB_PRODUCT_ID = 0xc00a

/** The fields of serialport's `PortInfo` this needs; all optional except the path. */
export interface SerialPortListing {
  path: string
  vendorId?: string
  productId?: string
  serialNumber?: string
  /** Linux: `usb-Nordic_Semiconductor_PPK2_<serial>-if00`; Windows: `USB\VID_1915&PID_C00A&MI_00\…`. */
  pnpId?: string
  /** macOS / Linux USB location, e.g. `1-2:1.0` or `0x14200000`. */
  locationId?: string
}

export interface Ppk2PortChoice {
  /** The port to open for commands and samples. */
  path: string
  serialNumber: string | null
  /** The unit's other ports (the debug shell), in case the preferred one does not answer. */
  otherPaths: string[]
  /** USB interface number of `path`, when the OS told us. */
  interfaceNumber: number | null
}

/** One choice per physical PPK2, in a stable order (by serial number, then path). Pure. */
export function selectPpk2DataPorts(ports: readonly SerialPortListing[]): Ppk2PortChoice[] {
  const ppk2 = ports.filter((p) => hexId(p.vendorId) === PPK2_USB_VENDOR_ID && hexId(p.productId) === PPK2_USB_PRODUCT_ID)
  const byUnit = new Map<string, SerialPortListing[]>()
  for (const p of ppk2) {
    const key = p.serialNumber ? `serial:${p.serialNumber}` : unitLocation(p) ?? `path:${p.path}`
    const group = byUnit.get(key) ?? []
    group.push(p)
    byUnit.set(key, group)
  }
  const choices: Ppk2PortChoice[] = []
  for (const group of byUnit.values()) {
    const ordered = [...group].sort((a, b) => {
      const ia = interfaceNumber(a)
      const ib = interfaceNumber(b)
      if (ia !== null && ib !== null && ia !== ib) return ia - ib
      return naturalCompare(a.path, b.path)
    })
    choices.push({
      path: ordered[0].path,
      serialNumber: ordered[0].serialNumber ?? null,
      otherPaths: ordered.slice(1).map((p) => p.path),
      interfaceNumber: interfaceNumber(ordered[0])
    })
  }
  return choices.sort((a, b) => (a.serialNumber ?? '').localeCompare(b.serialNumber ?? '') || naturalCompare(a.path, b.path))
}

/** Lists attached PPK2s. Needs udev on Linux; without a USB bus (containers) it returns an empty list. */
export async function listPpk2Ports(): Promise<Ppk2PortChoice[]> {
  let ports: SerialPortListing[]
  try {
    ports = await SerialPort.list()
  } catch {
    return []
  }
  return selectPpk2DataPorts(ports)
}

/** USB interface number from what the OS reports, or null. */
export function interfaceNumber(p: SerialPortListing): number | null {
  const linux = /-if(\d+)(?:-port\d+)?$/i.exec(p.pnpId ?? '')
  if (linux) return Number(linux[1])
  const windows = /MI_(\d+)/i.exec(p.pnpId ?? '')
  if (windows) return Number.parseInt(windows[1], 16)
  const location = /:\d+\.(\d+)$/.exec(p.locationId ?? '')
  if (location) return Number(location[1])
  return null
}

/** The physical unit's USB location without the interface part, to pair ports when no serial is given. */
function unitLocation(p: SerialPortListing): string | null {
  if (!p.locationId) return null
  return `location:${p.locationId.replace(/:\d+\.\d+$/, '')}`
}

function hexId(id: string | undefined): number | null {
  if (!id) return null
  const n = Number.parseInt(id.replace(/^0x/i, ''), 16)
  return Number.isNaN(n) ? null : n
}

/** ttyACM2 before ttyACM10. */
function naturalCompare(a: string, b: string): number {
  return a.localeCompare(b, 'en', { numeric: true })
}
