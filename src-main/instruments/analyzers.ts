import { openSerial, type SerialTransport } from '../transports/serial'
import type { VirtualBench } from '../virtual-bench/bench'
import type { InstrumentIdentity } from './identity'
import type { PowerAnalyzer } from './power-analyzer'
import { Lpm01aDriver, LPM01A_BAUD, type Lpm01aCaptureSettings } from './lpm01a'
import { ppk2AnalyzerFamily } from './ppk2/analyzer-family'

/** Settings a user can give any analyzer; each family takes what applies to it and ignores the rest. */
export interface AnalyzerSettings {
  /** Supply voltage to set (source-meter instruments) or in use (for energy), volts. */
  supplyV?: number
  /** PPK2: source meter (it powers the DUT) or ampere meter (external supply). */
  mode?: 'source' | 'ampere'
  sampleRateHz?: number
  /** After an unplug, wait for the same unit to come back and resume into the same recording (with a gap). */
  reconnect?: boolean
  /** Family-specific settings, e.g. the LPM01A's format or acquisition mode. */
  extra?: Record<string, unknown>
}

/** What the recording store needs to keep an analyzer's raw words and recompute them later. */
export interface RecordingFormat {
  rawFormat: string | null
  calibration: { id: string | null; snapshot: unknown } | null
}

export interface OpenedAnalyzer {
  analyzer: PowerAnalyzer
  recordingFormat: RecordingFormat
  close(): Promise<void>
}

/** How to drive one analyzer family over its serial port. Adding an instrument adds one entry here. */
export interface AnalyzerFamily {
  family: string
  baudRate: number
  open(transport: SerialTransport, settings: AnalyzerSettings, virtual: boolean): Promise<{ analyzer: PowerAnalyzer; recordingFormat: RecordingFormat }>
}

const lpm01a: AnalyzerFamily = {
  family: 'lpm01a',
  baudRate: LPM01A_BAUD,
  async open(transport, settings, virtual) {
    const driver = await Lpm01aDriver.open(transport, { virtual })
    const wanted: Partial<Lpm01aCaptureSettings> = { ...(settings.extra as Partial<Lpm01aCaptureSettings> | undefined) }
    if (settings.supplyV !== undefined) wanted.supplyV = settings.supplyV
    if (settings.sampleRateHz !== undefined) wanted.sampleRateHz = settings.sampleRateHz as Lpm01aCaptureSettings['sampleRateHz']
    driver.configure(wanted)
    return { analyzer: driver, recordingFormat: driver.recordingFormat }
  }
}

export const ANALYZER_FAMILIES: AnalyzerFamily[] = [lpm01a, ppk2AnalyzerFamily]

/** `ppk2:/dev/ttyACM0` → family and port; `virtual:ppk2` → the virtual bench's PPK2. */
export function parseAnalyzerId(id: string): { family: string; port: string | null; virtual: boolean } {
  const [head, ...rest] = id.split(':')
  const tail = rest.join(':')
  if (head === 'virtual') return { family: tail, port: null, virtual: true }
  return { family: head, port: tail || null, virtual: false }
}

export class AnalyzerOpenError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'AnalyzerOpenError'
  }
}

/**
 * Open an analyzer by id, real or virtual, ready to stream. Real ones are opened on the serial port given;
 * virtual ones are started on the bench first and then opened the same way, through a pty.
 */
export async function openAnalyzer(id: string, settings: AnalyzerSettings, bench: VirtualBench): Promise<OpenedAnalyzer & { identity: InstrumentIdentity }> {
  const { family, port, virtual } = parseAnalyzerId(id)
  const entry = ANALYZER_FAMILIES.find((f) => f.family === family)
  if (!entry) {
    throw new AnalyzerOpenError(`Joulebench has no driver for "${family}" yet. Analyzers it can drive: ${ANALYZER_FAMILIES.map((f) => f.family).join(', ')}.`)
  }
  if (!virtual && !port) {
    throw new AnalyzerOpenError(`Say which port the ${family} is on, e.g. ${family}:/dev/ttyACM0 (joulebench devices lists them), or use virtual:${family}.`)
  }
  const running = virtual ? await bench.start(family) : null
  let transport: SerialTransport | null = null
  try {
    transport = await openSerial(running ? running.hostPath : port!, entry.baudRate)
    const { analyzer, recordingFormat } = await entry.open(transport, settings, virtual)
    const t = transport
    return {
      analyzer,
      recordingFormat,
      identity: analyzer.identity,
      async close() {
        await analyzer.close().catch(() => {})
        await t.close()
        await running?.close()
      }
    }
  } catch (e) {
    await transport?.close()
    await running?.close()
    throw e
  }
}
