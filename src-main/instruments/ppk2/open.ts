import { openSerial } from '../../transports/serial'
import type { SerialTransport } from '../../transports/serial'
import { Ppk2Driver, Ppk2Error, type Ppk2DriverOptions } from './driver'
import { listPpk2Ports, type Ppk2PortChoice } from './ports'

/** CDC-ACM ignores the rate; the Power Profiler app opens at 115200. */
const BAUD = 115200

/**
 * Opens a discovered PPK2: its preferred data port first, then its other ports, because which of the
 * two ports (firmware ≥ 1.2.0) carries the data is known only from third-party tools. A port that does
 * not answer GetMetadata is closed and the next one tried. Errors opening a port (permissions: the udev
 * rule; busy: another program) name the port and the fix and are not retried.
 */
export async function openPpk2(choice: Ppk2PortChoice, options: Ppk2DriverOptions = {}, open = openSerial): Promise<Ppk2Driver> {
  const tried: string[] = []
  for (const path of [choice.path, ...choice.otherPaths]) {
    const transport: SerialTransport = await open(path, BAUD)
    try {
      return await Ppk2Driver.open(transport, { serial: choice.serialNumber, ...options, metadataTimeoutS: options.metadataTimeoutS ?? 2 })
    } catch (err) {
      await transport.close().catch(() => {})
      if (!(err instanceof Ppk2Error)) throw err
      tried.push(err.message)
    }
  }
  throw new Ppk2Error(
    `No serial port of the PPK2${choice.serialNumber ? ` ${choice.serialNumber}` : ''} answered like a PPK2 (tried ${[choice.path, ...choice.otherPaths].join(', ')}). ${tried.join(' ')}`
  )
}

/**
 * The `reconnect.open` for a real unit: after a replug the port may come back under another name, so it
 * is found again by its USB serial number.
 */
export function reopenBySerial(serialNumber: string, list: () => Promise<Ppk2PortChoice[]> = listPpk2Ports, open = openSerial): () => Promise<SerialTransport> {
  return async () => {
    const choice = (await list()).find((c) => c.serialNumber === serialNumber)
    if (!choice) throw new Ppk2Error(`The PPK2 ${serialNumber} is not attached.`)
    return open(choice.path, BAUD)
  }
}
