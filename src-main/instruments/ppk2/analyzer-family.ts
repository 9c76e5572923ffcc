import { openSerial, type SerialTransport } from '../../transports/serial'
import type { AnalyzerFamily } from '../analyzers'
import { Ppk2Driver } from './driver'
import { reopenBySerial } from './open'
import { listPpk2Ports } from './ports'

const BAUD = 115200

/** Opens the same unit again after a replug: by its USB serial number where discovery knows it, else by path. */
async function reopener(path: string): Promise<() => Promise<SerialTransport>> {
  const serial = (await listPpk2Ports().catch(() => [])).find((c) => c.path === path)?.serialNumber
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
    const reconnect = settings.reconnect ? { open: await reopener(transport.path) } : undefined
    const driver = await Ppk2Driver.open(transport, { virtual, mode: settings.mode ?? 'source', supplyMv, reconnect })
    return { analyzer: driver, recordingFormat: driver.recordingFormat }
  }
}
