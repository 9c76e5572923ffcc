/**
 * What `joulebench calibrate --analyzer ID` calibrates: an opened analyzer, how the references are
 * presented to it (the virtual bench switches its emulated load; on hardware the operator swaps
 * resistors when asked), and the family's extras (PPK2 user gains). One opener per instrument family.
 */
import { openAnalyzer, parseAnalyzerId } from '../instruments/analyzers'
import type { PowerAnalyzer } from '../instruments/power-analyzer'
import { VirtualBench } from '../virtual-bench/bench'
import type { AnalyzerDefinition } from '../wiring/definition-schema'
import type { PresentStep } from './procedure'
import { referenceLoadSignal } from './reference-load-signal'

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

/** Open the analyzer for calibration: a family's own opener if one is registered, else the analyzer registry. */
export async function openCalibrationTarget(request: TargetRequest): Promise<CalibrationTarget> {
  const opener = openers.get(familyOf(request.id))
  return opener ? opener(request) : openThroughRegistry(request)
}

/** Devices that keep per-range user gains (the PPK2 driver): recognised by shape, so no family is imported here. */
interface UserGainDevice {
  setUserGain(range: number, gain: number): Promise<void>
  calibration: { ug: number[] }
}

function hasUserGains(a: PowerAnalyzer): a is PowerAnalyzer & UserGainDevice {
  const d = a as Partial<UserGainDevice>
  return typeof d.setUserGain === 'function' && Array.isArray(d.calibration?.ug)
}

/**
 * Any analyzer the registry can open. On the virtual bench the DUT is replaced by reference loads that
 * the procedure switches itself; on hardware the operator is asked to connect each one.
 */
async function openThroughRegistry(request: TargetRequest): Promise<CalibrationTarget> {
  const { virtual } = parseAnalyzerId(request.id)
  const bench = new VirtualBench()
  const loads = referenceLoadSignal()
  if (virtual) bench.plugDut(loads)
  let opened: Awaited<ReturnType<typeof openAnalyzer>>
  try {
    opened = await openAnalyzer(request.id, { mode: request.mode }, bench)
  } catch (e) {
    await bench.close()
    throw e
  }
  const analyzer = opened.analyzer
  const name = `${analyzer.identity.model} (${analyzer.identity.id})`
  const sources = request.mode === 'source' && (request.definition?.methods.includes('source-meter') ?? true)
  return {
    analyzer,
    definition: request.definition,
    analyzerSources: sources,
    async present(step) {
      if (virtual) loads.present(step.kind === 'open' ? null : step.load)
      else await request.ask(instructionFor(step, name, sources))
    },
    deviceUserGains: () => (hasUserGains(analyzer) ? [...analyzer.calibration.ug] : null),
    writeUserGain: hasUserGains(analyzer) ? (r, g) => analyzer.setUserGain(r, g) : undefined,
    async close() {
      await opened.close()
      await bench.close()
    }
  }
}

/** The operator's instruction for one reference, on hardware. */
export function instructionFor(step: PresentStep, analyzerName: string, analyzerSources = true): string {
  if (step.kind === 'open') return `[${step.index}/${step.total}] Disconnect everything from ${analyzerName}'s output (open circuit), then press Enter.`
  const { load } = step
  const r = load.resistanceOhm
  const ohms = r >= 1e6 ? `${r / 1e6} MΩ` : r >= 1e3 ? `${r / 1e3} kΩ` : `${r} Ω`
  const supply = analyzerSources ? `${load.voltageV} V will be applied` : `set the external supply to ${load.voltageV} V`
  return `[${step.index}/${step.total}] Connect the ${ohms} reference resistor across ${analyzerName}'s output and ground (${supply}, ${+((load.voltageV / r) * 1e3).toPrecision(3)} mA), then press Enter.`
}
