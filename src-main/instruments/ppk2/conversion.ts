import type { Ppk2Calibration } from './metadata'
import { Ppk2ArgumentError, PPK2_RANGE_COUNT } from './protocol'

/**
 * Raw sample words → amperes, as the Power Profiler app computes them (reference/ppk2.md §2.6–2.7):
 * the per-range calibration formula, then the host-side spike filter after range switches.
 *
 * The recording store keeps the words under PPK2_RAW_FORMAT_ID and calls decodePpk2Words again to
 * recompute a recording under a newer calibration; live capture runs the very same function, so a
 * recomputation with the same inputs gives the same float32 values bit for bit.
 */
export const PPK2_RAW_FORMAT_ID = 'ppk2-word-v1'

/** Volts per count of the ×4 ADC value. */
const ADC_VOLTS_PER_COUNT = 1.8 / 163840

export interface Ppk2SpikeFilterSettings {
  /** Weight of the newest sample in the running average used in ranges 0–3 (app: 0–0.5). */
  alpha: number
  /** Weight of the newest sample in the running average used in range 4 (app: 0–0.5). */
  alpha5: number
  /** Samples replaced by the running average after a range switch (app: 1–10). */
  samples: number
}

export const DEFAULT_SPIKE_FILTER: Readonly<Ppk2SpikeFilterSettings> = { alpha: 0.18, alpha5: 0.06, samples: 3 }

/**
 * The filter's settings and memory, carried from one block of words to the next. Plain JSON so a
 * recomputation can resume from a checkpoint; `null` averages mean "no sample seen yet".
 */
export interface Ppk2SpikeFilterState extends Ppk2SpikeFilterSettings {
  rollingAvg: number | null
  rollingAvg4: number | null
  /** Range of the previous sample, -1 before the first. */
  prevRange: number
  afterSpike: number
  consecutiveRangeSample: number
}

export function validateSpikeFilterSettings(settings: Ppk2SpikeFilterSettings): void {
  const { alpha, alpha5, samples } = settings
  if (!(alpha >= 0 && alpha <= 0.5) || !(alpha5 >= 0 && alpha5 <= 0.5)) {
    throw new Ppk2ArgumentError(`PPK2 spike filter weights must be from 0 to 0.5, got alpha ${alpha} and alpha5 ${alpha5}.`)
  }
  if (!Number.isInteger(samples) || samples < 1 || samples > 10) {
    throw new Ppk2ArgumentError(`PPK2 spike filter length must be 1 to 10 samples, got ${samples}.`)
  }
}

/** A fresh filter, as after AverageStart (the app resets it there). */
export function newSpikeFilterState(settings: Ppk2SpikeFilterSettings = DEFAULT_SPIKE_FILTER): Ppk2SpikeFilterState {
  validateSpikeFilterSettings(settings)
  return {
    alpha: settings.alpha,
    alpha5: settings.alpha5,
    samples: settings.samples,
    rollingAvg: null,
    rollingAvg4: null,
    prevRange: -1,
    afterSpike: 0,
    consecutiveRangeSample: 0
  }
}

/** Per-range constants of the formula, computed once per block rather than per sample. */
interface RangeConstants {
  offset: Float64Array
  scale: Float64Array
  gs: Float64Array
  gi: Float64Array
  constant: Float64Array
  ug: Float64Array
}

let cachedFor: { calibration: Ppk2Calibration; supplyMv: number; snapshot: string } | null = null
let cachedConstants: RangeConstants | null = null

function rangeConstants(calibration: Ppk2Calibration, supplyMv: number): RangeConstants {
  // Blocks arrive every few milliseconds with the same calibration object; recompute only when it changed.
  const snapshot = JSON.stringify(calibration)
  if (cachedFor && cachedConstants && cachedFor.calibration === calibration && cachedFor.supplyMv === supplyMv && cachedFor.snapshot === snapshot) {
    return cachedConstants
  }
  const c: RangeConstants = {
    offset: new Float64Array(PPK2_RANGE_COUNT),
    scale: new Float64Array(PPK2_RANGE_COUNT),
    gs: new Float64Array(PPK2_RANGE_COUNT),
    gi: new Float64Array(PPK2_RANGE_COUNT),
    constant: new Float64Array(PPK2_RANGE_COUNT),
    ug: new Float64Array(PPK2_RANGE_COUNT)
  }
  for (let r = 0; r < PPK2_RANGE_COUNT; r++) {
    c.offset[r] = calibration.o[r]
    c.scale[r] = ADC_VOLTS_PER_COUNT / calibration.r[r]
    c.gs[r] = calibration.gs[r]
    c.gi[r] = calibration.gi[r]
    c.constant[r] = calibration.s[r] * (supplyMv / 1000) + calibration.i[r]
    c.ug[r] = calibration.ug[r]
  }
  cachedFor = { calibration, supplyMv, snapshot }
  cachedConstants = c
  return c
}

/**
 * Current in amperes for one ADC reading, before the spike filter.
 * `adcField` is the 14-bit field of the word; the formula works on it ×4.
 */
export function ppk2AdcToCurrentA(range: number, adcField: number, calibration: Ppk2Calibration, supplyMv: number): number {
  if (!(range >= 0 && range < PPK2_RANGE_COUNT)) return Number.NaN
  const x = (adcField * 4 - calibration.o[range]) * (ADC_VOLTS_PER_COUNT / calibration.r[range])
  return (
    calibration.ug[range] *
    (x * (calibration.gs[range] * x + calibration.gi[range]) + calibration.s[range] * (supplyMv / 1000) + calibration.i[range])
  )
}

/**
 * Converts sample words to amperes into `out` (same length or longer), running the spike filter with
 * `filter` (updated in place, so consecutive blocks continue one stream). Pass `null` for unfiltered values.
 * `supplyMv` is the regulator voltage in use, which enters through the S term. A word with an invalid
 * range (5–7) gives NaN and leaves the filter untouched.
 */
export function decodePpk2Words(
  raw: Uint32Array,
  calibration: Ppk2Calibration,
  supplyMv: number,
  out: Float32Array,
  filter: Ppk2SpikeFilterState | null = null
): void {
  if (out.length < raw.length) {
    throw new RangeError(`decodePpk2Words: output holds ${out.length} values but there are ${raw.length} words.`)
  }
  const { offset, scale, gs, gi, constant, ug } = rangeConstants(calibration, supplyMv)
  const n = raw.length
  if (filter === null) {
    for (let k = 0; k < n; k++) {
      const w = raw[k]
      const r = (w >>> 14) & 7
      if (r > 4) {
        out[k] = Number.NaN
        continue
      }
      const x = ((w & 0x3fff) * 4 - offset[r]) * scale[r]
      out[k] = ug[r] * (x * (gs[r] * x + gi[r]) + constant[r])
    }
    return
  }
  const alpha = filter.alpha
  const alpha5 = filter.alpha5
  const spikeSamples = filter.samples
  let avg = filter.rollingAvg ?? Number.NaN
  let avg4 = filter.rollingAvg4 ?? Number.NaN
  let prevRange = filter.prevRange
  let afterSpike = filter.afterSpike
  let consecutive = filter.consecutiveRangeSample
  for (let k = 0; k < n; k++) {
    const w = raw[k]
    const r = (w >>> 14) & 7
    if (r > 4) {
      out[k] = Number.NaN
      continue
    }
    const x = ((w & 0x3fff) * 4 - offset[r]) * scale[r]
    let value = ug[r] * (x * (gs[r] * x + gi[r]) + constant[r])
    const prevAvg = avg
    const prevAvg4 = avg4
    avg = avg !== avg ? value : alpha * value + (1 - alpha) * avg
    avg4 = avg4 !== avg4 ? value : alpha5 * value + (1 - alpha5) * avg4
    if (prevRange < 0) prevRange = r
    if (prevRange !== r || afterSpike > 0) {
      if (prevRange !== r) {
        consecutive = 0
        afterSpike = spikeSamples
      } else {
        consecutive++
      }
      if (r === 4) {
        // The app holds both averages for the first two samples in the top range: the shunt settles slowest there.
        if (consecutive < 2) {
          avg = prevAvg
          avg4 = prevAvg4
        }
        value = avg4
      } else {
        value = avg
      }
      afterSpike--
    }
    prevRange = r
    out[k] = value
  }
  filter.rollingAvg = avg !== avg ? null : avg
  filter.rollingAvg4 = avg4 !== avg4 ? null : avg4
  filter.prevRange = prevRange
  filter.afterSpike = afterSpike
  filter.consecutiveRangeSample = consecutive
}

/** D0–D7 of each word (bit n = Dn) into `out`. */
export function extractPpk2Logic(raw: Uint32Array, out: Uint8Array): void {
  const n = raw.length
  for (let k = 0; k < n; k++) out[k] = raw[k] >>> 24
}
