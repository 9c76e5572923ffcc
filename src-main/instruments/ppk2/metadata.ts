import type { Ppk2PowerMode } from './protocol'

/**
 * The per-range calibration a PPK2 reports in its metadata (reference/ppk2.md §2.4), kept under the
 * device's own letters so a stored recording can be compared with what the unit printed.
 * Plain JSON: the recording store saves it beside the raw words and recomputes currents from it.
 */
export interface Ppk2Calibration {
  /** Shunt resistance of each range, in ohms. */
  r: number[]
  /** Quadratic gain term. */
  gs: number[]
  /** Linear gain term. */
  gi: number[]
  /** ADC offset, in counts of the ×4 ADC value. */
  o: number[]
  /** Offset slope against the supply voltage, in amperes per volt. */
  s: number[]
  /** Constant offset, in amperes. */
  i: number[]
  /** User gain (the app's Advanced → gains, 0.9–1.1). */
  ug: number[]
}

export type Ppk2CalibrationKey = keyof Ppk2Calibration
export const CALIBRATION_KEYS: readonly Ppk2CalibrationKey[] = ['r', 'gs', 'gi', 'o', 's', 'i', 'ug']

/** The values the Power Profiler app starts from and falls back to (serialDevice.ts `modifiers`). */
export function defaultPpk2Calibration(): Ppk2Calibration {
  return {
    r: [1031.64, 101.65, 10.15, 0.94, 0.043],
    gs: [1, 1, 1, 1, 1],
    gi: [1, 1, 1, 1, 1],
    o: [0, 0, 0, 0, 0],
    s: [0, 0, 0, 0, 0],
    i: [0, 0, 0, 0, 0],
    ug: [1, 1, 1, 1, 1]
  }
}

export interface Ppk2Metadata {
  calibration: Ppk2Calibration
  /** `Calibrated:` as printed; real units often say 0 yet read plausibly, so this is shown, never enforced. */
  calibrated: boolean | null
  /** Regulator voltage the unit reports, in millivolts. */
  vddMv: number | null
  /** `HW:` (meaning undocumented). */
  hw: number | null
  mode: Ppk2PowerMode | null
  /** `IA:` (meaning undocumented). */
  ia: number | null
  /** Calibration entries that were missing, `-nan` or zero and so took the app's default, e.g. `gs0`. */
  defaulted: string[]
  /** Keys we do not know, verbatim, so a newer firmware's additions are kept rather than refused. */
  extra: Record<string, string>
}

export class Ppk2MetadataError extends Error {
  constructor(
    message: string,
    readonly received: string
  ) {
    super(message)
    this.name = 'Ppk2MetadataError'
  }
}

const LINE = /^([A-Za-z][A-Za-z0-9_]*)\s*:\s*(.*?)\s*$/
const NUMBER = /^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/
const NOT_A_NUMBER = /^[-+]?nan$/i
const CALIBRATION_ENTRY = /^(r|gs|gi|o|s|i|ug)([0-4])$/

/** Where the reply's `END` line finishes (index just past it), or -1 while it is still incomplete. */
export function metadataReplyEnd(text: string): number {
  const m = /(^|\n)END(\r?\n|$)/.exec(text)
  return m ? m.index + m[0].length : -1
}

/**
 * Parses the GetMetadata reply: `Key: value` lines ending with `END`.
 * Follows the app where it matters for the numbers: keys are case-insensitive, and a calibration value
 * that is missing, `-nan` or zero keeps the default (the app's `meta[key] || default`).
 * Unlike the app, a line that is not `Key: value`, or a calibration value that is not a number, is an
 * error naming the line: a wrong resistance would silently skew every reading.
 */
export function parsePpk2Metadata(text: string): Ppk2Metadata {
  const end = metadataReplyEnd(text)
  if (end < 0) {
    throw new Ppk2MetadataError(
      `PPK2 metadata reply is incomplete: expected lines of "Key: value" ending with END, got ${describe(text)}.`,
      text
    )
  }
  const calibration = defaultPpk2Calibration()
  const seen = new Set<string>()
  const result: Ppk2Metadata = {
    calibration,
    calibrated: null,
    vddMv: null,
    hw: null,
    mode: null,
    ia: null,
    defaulted: [],
    extra: {}
  }
  let known = 0
  const lines = text.slice(0, end).split(/\r?\n/)
  for (const raw of lines) {
    const line = raw.trim()
    if (line === '' || line === 'END') continue
    const m = LINE.exec(line)
    if (!m) {
      throw new Ppk2MetadataError(`PPK2 metadata has a line that is not "Key: value": ${describe(line)}.`, text)
    }
    const key = m[1].toLowerCase()
    const value = m[2]
    const entry = CALIBRATION_ENTRY.exec(key)
    if (entry) {
      known++
      const family = entry[1] as Ppk2CalibrationKey
      const range = Number(entry[2])
      const parsed = numeric(value, line, text)
      seen.add(key)
      if (parsed === null || parsed === 0) {
        if (!result.defaulted.includes(key)) result.defaulted.push(key)
        calibration[family][range] = defaultPpk2Calibration()[family][range]
      } else {
        result.defaulted = result.defaulted.filter((k) => k !== key)
        calibration[family][range] = parsed
      }
      continue
    }
    switch (key) {
      case 'calibrated': {
        known++
        const n = numeric(value, line, text)
        result.calibrated = n === null ? null : n !== 0
        break
      }
      case 'vdd':
        known++
        result.vddMv = numeric(value, line, text)
        break
      case 'hw':
        known++
        result.hw = numeric(value, line, text)
        break
      case 'ia':
        known++
        result.ia = numeric(value, line, text)
        break
      case 'mode': {
        known++
        const n = numeric(value, line, text)
        result.mode = n === 1 ? 'ampere' : n === 2 ? 'source' : null
        break
      }
      default:
        result.extra[m[1]] = value
    }
  }
  if (known === 0) {
    throw new Ppk2MetadataError(
      `PPK2 metadata has none of the expected keys (R0–R4, GS0–GS4, VDD, mode …): got ${describe(text)}.`,
      text
    )
  }
  for (const family of CALIBRATION_KEYS) {
    for (let r = 0; r < 5; r++) {
      const key = `${family}${r}`
      if (!seen.has(key)) result.defaulted.push(key)
    }
  }
  return result
}

function numeric(value: string, line: string, text: string): number | null {
  if (NOT_A_NUMBER.test(value)) return null
  if (!NUMBER.test(value)) {
    throw new Ppk2MetadataError(`PPK2 metadata value is not a number: ${describe(line)}.`, text)
  }
  return Number(value)
}

/** A short, printable rendering of what arrived, for error messages. */
function describe(text: string): string {
  if (text.length === 0) return 'nothing'
  const shown = text.length > 80 ? `${text.slice(0, 80)}…` : text
  return JSON.stringify(shown) + (text.length > 80 ? ` (${text.length} characters)` : '')
}
