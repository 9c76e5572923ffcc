/**
 * What `joulebench calibrate --analyzer ID` calibrates: an opened analyzer, how the references are
 * presented to it (the virtual bench switches its emulated load; on hardware the operator swaps
 * resistors when asked), and the family's extras (PPK2 user gains). One opener per instrument family.
 */
import type { PowerAnalyzer } from '../instruments/power-analyzer'
import type { AnalyzerDefinition } from '../wiring/definition-schema'
import type { PresentStep } from './procedure'

export interface CalibrationTarget {
  analyzer: PowerAnalyzer
  definition: AnalyzerDefinition | null
  /** Whether the analyzer powers the loads (source meter) and must be set to each load's voltage. */
  analyzerSources: boolean
  present(step: PresentStep): Promise<void>
  /** The device's user gains per range right now (PPK2), or null. */
  deviceUserGains(): number[] | null
  /** Store a user gain on the device (PPK2 SetUserGains); absent for families without one. */
  writeUserGain?(rangeIndex: number, gain: number): Promise<void>
  close(): Promise<void>
}

export interface TargetRequest {
  /** `virtual:ppk2`, `ppk2:/dev/ttyACM0` … */
  id: string
  mode: 'source' | 'ampere'
  /** Ask the operator to do something and wait until they confirm (hardware only). */
  ask(instruction: string): Promise<void>
  definition: AnalyzerDefinition | null
}

export type TargetOpener = (request: TargetRequest) => Promise<CalibrationTarget>

const openers = new Map<string, TargetOpener>()

/** Register how a family is opened for calibration (its driver and, for `virtual:`, its emulator). */
export function registerCalibrationTarget(family: string, opener: TargetOpener): void {
  openers.set(family, opener)
}

export function calibrationFamilies(): string[] {
  return [...openers.keys()].sort()
}

/** The family an instrument id names: `virtual:ppk2` → ppk2, `ppk2:/dev/ttyACM0` → ppk2. */
export function familyOf(id: string): string {
  const [a, b] = id.split(':', 2)
  return a === 'virtual' && b ? b : (a ?? id)
}

export async function openCalibrationTarget(request: TargetRequest): Promise<CalibrationTarget> {
  const family = familyOf(request.id)
  const opener = openers.get(family)
  if (!opener) {
    const known = calibrationFamilies()
    throw new Error(
      `Cannot calibrate "${request.id}": no calibration support for the "${family}" family${known.length ? ` (supported: ${known.join(', ')})` : ''}. Run joulebench devices to see instrument ids.`
    )
  }
  return opener(request)
}

/** The operator's instruction for one reference, on hardware. */
export function instructionFor(step: PresentStep, analyzerName: string): string {
  if (step.kind === 'open') return `[${step.index}/${step.total}] Disconnect everything from ${analyzerName}'s output (open circuit), then press Enter.`
  const { load } = step
  const r = load.resistanceOhm
  const ohms = r >= 1e6 ? `${r / 1e6} MΩ` : r >= 1e3 ? `${r / 1e3} kΩ` : `${r} Ω`
  return `[${step.index}/${step.total}] Connect the ${ohms} reference resistor across ${analyzerName}'s output and ground (${load.voltageV} V will be applied, ${+((load.voltageV / r) * 1e3).toPrecision(3)} mA), then press Enter.`
}
