import type { InstrumentIdentity } from './identity'

/** A USB identity we recognise, from the instruments' public USB IDs. */
export interface KnownDevice {
  family: string
  model: string
  kind: InstrumentIdentity['kind']
  /** How the driver talks to it: CDC-ACM instruments appear as serial ports, the others as raw USB. */
  transport: 'serial' | 'usb'
  vendorId: number
  /** Exact product id, or a predicate for families with many ids. */
  productId: number | ((pid: number) => boolean)
}

export const KNOWN_DEVICES: readonly KnownDevice[] = [
  { family: 'ppk2', model: 'Nordic Power Profiler Kit II', kind: 'power-analyzer', transport: 'serial', vendorId: 0x1915, productId: 0xc00a },
  { family: 'lpm01a', model: 'ST X-NUCLEO-LPM01A (PowerShield)', kind: 'power-analyzer', transport: 'serial', vendorId: 0x0483, productId: 0x5740 },
  { family: 'js220', model: 'Joulescope JS220', kind: 'power-analyzer', transport: 'usb', vendorId: 0x16d0, productId: 0x10ba },
  { family: 'js110', model: 'Joulescope JS110', kind: 'power-analyzer', transport: 'usb', vendorId: 0x16d0, productId: 0x0e88 },
  { family: 'monsoon', model: 'Monsoon Power Monitor', kind: 'power-analyzer', transport: 'usb', vendorId: 0x2ab9, productId: 0x0001 },
  {
    family: 'stlink',
    model: 'ST-LINK',
    kind: 'debug-probe',
    transport: 'usb',
    vendorId: 0x0483,
    productId: (pid) => (pid >= 0x3740 && pid <= 0x374f) || (pid >= 0x3752 && pid <= 0x3757)
  },
  { family: 'jlink', model: 'SEGGER J-Link', kind: 'debug-probe', transport: 'usb', vendorId: 0x1366, productId: () => true }
]

/** What we know about a USB device from its ids and strings; null for devices that are not instruments. */
export function recognise(vendorId: number, productId: number, strings: Array<string | null | undefined> = []): KnownDevice | null {
  for (const d of KNOWN_DEVICES) {
    if (d.vendorId !== vendorId) continue
    if (typeof d.productId === 'number' ? d.productId === productId : d.productId(productId)) return d
  }
  // CMSIS-DAP probes have no shared vendor id: the standard requires "CMSIS-DAP" in the product or interface string.
  if (strings.some((s) => s?.includes('CMSIS-DAP'))) {
    return { family: 'cmsis-dap', model: 'CMSIS-DAP probe', kind: 'debug-probe', transport: 'usb', vendorId, productId }
  }
  return null
}
