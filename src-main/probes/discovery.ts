/**
 * Which USB devices are debug probes, from what a USBDevice shows: ST-LINK by VID 0x0483 and its PID
 * table (stlink-org usb.h), CMSIS-DAP by the standard's rule ("CMSIS-DAP" in the product string, or in
 * the interface string of a composite device), J-Link by VID 0x1366 (driven through its GDB server).
 */
import { findV1Interface, findV2Interface } from './cmsis-dap/transport'

export type ProbeFamily = 'cmsis-dap' | 'stlink' | 'jlink'

export interface ProbeCandidate {
  family: ProbeFamily
  /** `cmsis-dap:<serial>`, `stlink:<serial>`, or with the USB ids when there is no serial. */
  id: string
  model: string
  serial: string | null
  device: USBDevice
  /** For CMSIS-DAP: which transports it offers. For ST-LINK: the generation. */
  detail: string
}

export const STLINK_VID = 0x0483
export const STLINK_PIDS: Record<number, 'v1' | 'v2' | 'v2-1' | 'v3' | 'v3-loader'> = {
  0x3744: 'v1',
  0x3748: 'v2',
  0x374a: 'v2-1',
  0x374b: 'v2-1',
  0x3752: 'v2-1',
  0x374d: 'v3-loader',
  0x374e: 'v3',
  0x374f: 'v3',
  0x3753: 'v3',
  0x3754: 'v3',
  0x3757: 'v3'
}
export const JLINK_VID = 0x1366

function hex4(n: number): string {
  return n.toString(16).padStart(4, '0')
}

export function probeId(family: ProbeFamily, device: USBDevice): string {
  return `${family}:${device.serialNumber ?? `usb-${hex4(device.vendorId)}-${hex4(device.productId)}`}`
}

export function classifyProbe(device: USBDevice): ProbeCandidate | undefined {
  const serial = device.serialNumber ?? null
  if (device.vendorId === STLINK_VID && STLINK_PIDS[device.productId]) {
    const generation = STLINK_PIDS[device.productId]
    return { family: 'stlink', id: probeId('stlink', device), model: `ST-LINK/${generation.toUpperCase()}`, serial, device, detail: generation }
  }
  if (device.vendorId === JLINK_VID) {
    return { family: 'jlink', id: probeId('jlink', device), model: device.productName ?? 'SEGGER J-Link', serial, device, detail: "use SEGGER's GDB server: --probe gdb:jlink@localhost:2331" }
  }
  const v2 = findV2Interface(device) !== undefined
  const v1 = findV1Interface(device) !== undefined
  if (v2 || v1) {
    return { family: 'cmsis-dap', id: probeId('cmsis-dap', device), model: device.productName ?? 'CMSIS-DAP probe', serial, device, detail: [v2 ? 'v2 (bulk)' : '', v1 ? 'v1 (HID)' : ''].filter(Boolean).join(', ') }
  }
  return undefined
}

/** The probes among the devices a WebUSB object (the `usb` package, navigator.usb, a test) lists. */
export async function findProbes(usb: { getDevices(): Promise<USBDevice[]> }): Promise<ProbeCandidate[]> {
  return (await usb.getDevices()).map(classifyProbe).filter((p): p is ProbeCandidate => p !== undefined)
}

/** Matches `family:serial`, a bare serial, or `family:usb-vvvv-pppp[-serial]` (the ids `joulebench devices` prints). */
export function matchesProbeId(candidate: ProbeCandidate, id: string): boolean {
  if (id === candidate.id || id === candidate.serial) return true
  const [family, rest] = id.includes(':') ? [id.slice(0, id.indexOf(':')), id.slice(id.indexOf(':') + 1)] : [undefined, id]
  if (family && family !== candidate.family) return false
  const d = candidate.device
  const usbForm = `usb-${hex4(d.vendorId)}-${hex4(d.productId)}`
  return rest === usbForm || rest === `${usbForm}-${candidate.serial ?? ''}` || rest === candidate.serial
}
