/**
 * Turning USB failures into messages a user can act on: permission (udev rules / driver), busy (another
 * debugger holds the probe), gone (unplugged). Shared by the CMSIS-DAP and ST-LINK transports.
 */

export class ProbeAccessError extends Error {
  constructor(
    readonly probe: string,
    readonly reason: 'permission' | 'busy' | 'gone' | 'other',
    message: string
  ) {
    super(message)
    this.name = 'ProbeAccessError'
  }
}

export function describeUsbFailure(probe: string, action: string, error: unknown): ProbeAccessError {
  const text = error instanceof Error ? `${error.name}: ${error.message}` : String(error)
  if (/permission|access denied|EACCES|os error 13|LIBUSB_ERROR_ACCESS|SecurityError/i.test(text)) {
    return new ProbeAccessError(
      probe,
      'permission',
      `Cannot ${action} ${probe}: permission denied. On Linux install Joulebench's udev rules (sudo cp resources/udev/60-joulebench.rules /etc/udev/rules.d/ && sudo udevadm control --reload && sudo udevadm trigger) and replug the probe; on Windows bind it to WinUSB (Zadig) if it is not a CMSIS-DAP v2 probe with WCID descriptors.`
    )
  }
  if (/busy|EBUSY|os error 16|LIBUSB_ERROR_BUSY|Unable to claim|claimed/i.test(text)) {
    return new ProbeAccessError(
      probe,
      'busy',
      `Cannot ${action} ${probe}: the probe is in use by another program. Close OpenOCD, pyOCD, probe-rs, STM32CubeIDE/CubeProgrammer, J-Link tools or a browser tab using WebUSB, then try again.`
    )
  }
  if (/no device|not found|disconnected|ENODEV|os error 19|LIBUSB_ERROR_NO_DEVICE|NotFoundError/i.test(text)) {
    return new ProbeAccessError(probe, 'gone', `Cannot ${action} ${probe}: the probe is no longer attached. Check the USB cable and run \`joulebench probe list\`.`)
  }
  return new ProbeAccessError(probe, 'other', `Cannot ${action} ${probe}: ${text}.`)
}
