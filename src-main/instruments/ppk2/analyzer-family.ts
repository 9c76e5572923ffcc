import { openSerial, type SerialTransport } from '../../transports/serial'
import type { AnalyzerFamily } from '../analyzers'
import { Ppk2Driver } from './driver'
import { reopenBySerial } from './open'
import { listPpk2Ports } from './ports'

const BAUD = 115200

/** The USB serial number of the unit on this port, from the OS's port list (null where it cannot be listed). */
async function serialOfPort(path: string): Promise<string | null> {
  return (await listPpk2Ports().catch(() => [])).find((c) => c.path === path)?.serialNumber ?? null
}

/** Opens the same unit again after a replug: by its USB serial number where known, else by the same path. */
function reopener(path: string, serial: string | null): () => Promise<SerialTransport> {
  return async () => {
    if (serial) {
      const bySerial = await reopenBySerial(serial)().catch(() => null)
      if (bySerial) return bySerial
    }
    return openSerial(path, BAUD)
  }
}

/**
 * How the analyzer registry opens a PPK2 (real or virtual): mode and supply from the user's settings,
 * then the recording format as the unit is set up for the capture.
 */
export const ppk2AnalyzerFamily: AnalyzerFamily = {
  family: 'ppk2',
  // CDC-ACM ignores the baud rate; the Power Profiler app opens at 115200.
  baudRate: BAUD,
  async open(transport, settings, virtual) {
    const supplyMv = settings.supplyV !== undefined ? Math.round(settings.supplyV * 1000) : undefined
    // The unit's serial names its calibration records; a real unit opened by port gets it from the port list.
    const serial = virtual ? null : await serialOfPort(transport.path)
    const reconnect = settings.reconnect ? { open: reopener(transport.path, serial) } : undefined
    const driver = await Ppk2Driver.open(transport, { virtual, mode: settings.mode ?? 'source', supplyMv, reconnect, ...(serial ? { serial } : {}) })
    return { analyzer: driver, recordingFormat: driver.recordingFormat }
  }
}
