import type { InstrumentIdentity } from '../instruments/identity'
import type { PowerAnalyzer } from '../instruments/power-analyzer'
import type { SerialTransport } from '../transports/serial'
import type { AnalyzerControls } from './analyzer-controls'

/** A power analyzer opened on a transport, with what the capture pipeline needs to store its samples. */
export interface OpenedAnalyzer {
  analyzer: PowerAnalyzer
  /** The instrument panel's handle on the device, when it has settings to change. */
  controls: AnalyzerControls | null
  /** Raw word format of the blocks' `raw` words (e.g. 'ppk2-word-v1'), or null when the driver sends currents only. */
  rawFormat: string | null
  /** The calibration the driver converts with, saved with each recording so it can be recomputed later. */
  calibration: { id: string | null; snapshot: unknown } | null
}

/**
 * How the core opens an analyzer family over a serial port. Each family registers one (libsigrok's
 * "open" of the driver contract); the capture manager looks it up by the instrument's family.
 */
export interface AnalyzerDriver {
  family: string
  /** Serial baud rate to open the port at (CDC-ACM devices ignore it). */
  baudRate?: number
  open(transport: SerialTransport, identity: InstrumentIdentity): Promise<OpenedAnalyzer>
}

const drivers = new Map<string, AnalyzerDriver>()

/** Registering a family again replaces its driver (a test's own, or a newer build). */
export function registerAnalyzerDriver(driver: AnalyzerDriver): void {
  drivers.set(driver.family, driver)
}

export function analyzerDriver(family: string): AnalyzerDriver | undefined {
  return drivers.get(family)
}

export function analyzerFamilies(): string[] {
  return [...drivers.keys()]
}
