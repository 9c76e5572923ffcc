import { describeUsbFailure } from './usb-errors'

/**
 * Opens a probe's USB device and claims its debug interface, with errors a user can act on (permission,
 * busy, gone). A failed claim closes the device again, so the probe is not left half-open.
 * `detachKernelDriver`: on Linux the kernel's usbhid driver owns HID interfaces; the `usb` package can
 * let go of it for us (CMSIS-DAP v1).
 */
export async function claimProbeInterface(device: USBDevice, label: string, interfaceNumber: number, options: { detachKernelDriver?: boolean } = {}): Promise<void> {
  try {
    if (!device.opened) await device.open()
  } catch (e) {
    throw describeUsbFailure(label, 'open', e)
  }
  try {
    if (!device.configuration) await device.selectConfiguration(device.configurations[0]?.configurationValue ?? 1)
    const detachable = device as USBDevice & { detachKernelDriver?: (n: number) => Promise<void> }
    if (options.detachKernelDriver && typeof detachable.detachKernelDriver === 'function') {
      await detachable.detachKernelDriver(interfaceNumber).catch(() => undefined)
    }
    await device.claimInterface(interfaceNumber)
  } catch (e) {
    await device.close().catch(() => undefined)
    throw describeUsbFailure(label, 'claim the debug interface of', e)
  }
}
