import type { AnalyzerFamily } from '../analyzers'
import { Ppk2Driver } from './driver'

/**
 * How the analyzer registry opens a PPK2 (real or virtual): mode and supply from the user's settings,
 * then the recording format as the unit is set up for the capture.
 */
export const ppk2AnalyzerFamily: AnalyzerFamily = {
  family: 'ppk2',
  // CDC-ACM ignores the baud rate; the Power Profiler app opens at 115200.
  baudRate: 115200,
  async open(transport, settings, virtual) {
    const supplyMv = settings.supplyV !== undefined ? Math.round(settings.supplyV * 1000) : undefined
    const driver = await Ppk2Driver.open(transport, { virtual, mode: settings.mode ?? 'source', supplyMv })
    return { analyzer: driver, recordingFormat: driver.recordingFormat }
  }
}
