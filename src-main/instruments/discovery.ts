import { existsSync } from 'node:fs'
import type { InstrumentIdentity } from './identity'
import { recognise } from './known-devices'

/** A serial port as the OS reports it (the shape of serialport's PortInfo). */
export interface SerialPortInfo {
  path: string
  manufacturer?: string
  serialNumber?: string
  vendorId?: string
  productId?: string
  locationId?: string
  pnpId?: string
}

/** A USB device as WebUSB describes it (only the fields discovery needs). */
export interface UsbDeviceInfo {
  vendorId: number
  productId: number
  productName?: string
  manufacturerName?: string
  serialNumber?: string
  interfaceNames?: string[]
  location?: string
}

export interface DiscoverySources {
  listSerialPorts(): Promise<SerialPortInfo[]>
  listUsbDevices(): Promise<UsbDeviceInfo[]>
}

export interface DiscoveryResult {
  instruments: InstrumentIdentity[]
  /** Why a source found nothing or could not be read, and what to do about it. */
  hints: string[]
}

/** The real sources: serialport's port list (needs udevadm on Linux) and the `usb` package (needs a USB bus). */
export const systemSources: DiscoverySources = {
  async listSerialPorts() {
    const { SerialPort } = await import('serialport')
    return SerialPort.list()
  },
  async listUsbDevices() {
    if (process.platform === 'linux' && !existsSync('/sys/bus/usb/devices')) {
      throw Object.assign(new Error('this machine has no USB bus (/sys/bus/usb/devices is missing)'), { code: 'NO_USB_BUS' })
    }
    const { usb } = await import('usb')
    const devices = await usb.getDevices()
    return devices.map((d) => ({
      vendorId: d.vendorId,
      productId: d.productId,
      productName: d.productName ?? undefined,
      manufacturerName: d.manufacturerName ?? undefined,
      serialNumber: d.serialNumber ?? undefined,
      interfaceNames: d.configuration?.interfaces.flatMap((i) => i.alternates.map((a) => a.interfaceName ?? '')) ?? []
    }))
  }
}

/**
 * Find attached instruments: serial ports and USB devices recognised by their public USB ids.
 * A machine without a USB bus or without udevadm finds nothing and says why; it never throws.
 */
export async function discoverInstruments(sources: DiscoverySources = systemSources): Promise<DiscoveryResult> {
  const instruments: InstrumentIdentity[] = []
  const hints: string[] = []
  let serialListed = false

  try {
    for (const port of await sources.listSerialPorts()) {
      const vid = parseInt(port.vendorId ?? '', 16)
      const pid = parseInt(port.productId ?? '', 16)
      const known = Number.isFinite(vid) && Number.isFinite(pid) ? recognise(vid, pid, [port.manufacturer]) : null
      if (!known) continue
      instruments.push({
        id: `${known.family}:${port.path}`,
        kind: known.kind,
        family: known.family,
        model: known.model,
        serial: port.serialNumber ?? null,
        firmware: null,
        location: port.path,
        virtual: false
      })
    }
    serialListed = true
  } catch (e) {
    const err = e as NodeJS.ErrnoException
    hints.push(
      /udevadm|ENOENT/.test(`${err.message} ${err.code}`)
        ? 'Serial ports could not be listed because udevadm is missing. Install it (Debian/Ubuntu: sudo apt-get install udev), or pass a port explicitly, e.g. --analyzer ppk2:/dev/ttyACM0.'
        : `Serial ports could not be listed: ${err.message}`
    )
  }

  try {
    for (const dev of await sources.listUsbDevices()) {
      const known = recognise(dev.vendorId, dev.productId, [dev.productName, ...(dev.interfaceNames ?? [])])
      // CDC-ACM instruments are driven through their serial port and were listed above.
      if (!known || (known.transport === 'serial' && serialListed)) continue
      const hex = (n: number) => n.toString(16).padStart(4, '0')
      instruments.push({
        id: `${known.family}:usb-${hex(dev.vendorId)}-${hex(dev.productId)}${dev.serialNumber ? `-${dev.serialNumber}` : ''}`,
        kind: known.kind,
        family: known.family,
        model: dev.productName ? `${known.model} (${dev.productName})` : known.model,
        serial: dev.serialNumber ?? null,
        firmware: null,
        location: dev.location ?? `usb ${hex(dev.vendorId)}:${hex(dev.productId)}`,
        virtual: false
      })
    }
  } catch (e) {
    const err = e as NodeJS.ErrnoException
    hints.push(
      err.code === 'NO_USB_BUS'
        ? `USB devices could not be listed: ${err.message}. Attach an instrument on a machine with USB, or use the virtual bench.`
        : /permission|EACCES|access/i.test(err.message)
          ? 'USB devices could not be opened: permission denied. Install the udev rules from resources/udev/60-joulebench.rules (sudo cp resources/udev/60-joulebench.rules /etc/udev/rules.d/ && sudo udevadm control --reload && sudo udevadm trigger), then replug.'
          : `USB devices could not be listed: ${err.message}`
    )
  }
  if (instruments.length === 0) hints.push('No instruments found. The virtual bench is always available.')
  return { instruments, hints }
}
