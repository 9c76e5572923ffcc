import '../../src-main/setup'
import { DEFAULT_SPIKE_FILTER } from '../../src-main/instruments/ppk2/conversion'
import { defaultPpk2Calibration } from '../../src-main/instruments/ppk2/metadata'
import { ppk2RecordingFormat } from '../../src-main/instruments/ppk2/raw-format'

/**
 * Synthetic PPK2 traffic for the store benchmarks: an MCU idling at ~3 µA (range 0) that wakes every
 * 200 ms for a 20 ms inference at ~8 mA (range 3) with ~40 µA-range steps in between, ADC noise of a
 * few LSB, the counter running, and a GPIO line high during inference. Word layout from ppk2.md §2.6.
 */
export function ppk2Words(startIndex: number, n: number, seed = 1, noiseBits = 3): Uint32Array {
  const out = new Uint32Array(n)
  let s = (seed * 2654435761 + startIndex * 40503) >>> 0
  for (let k = 0; k < n; k++) {
    const i = startIndex + k
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0
    const mask = (1 << noiseBits) - 1
    const noise = ((s >>> 20) & mask) - (mask >> 1)
    const phase = i % 20_000
    let range: number
    let adc: number
    let logic = 0
    if (phase < 2_000) {
      range = 3
      adc = 4200 + ((phase >> 6) & 63) + noise
      logic = 1
    } else if (phase < 2_300) {
      range = 2
      adc = 3000 + noise
    } else {
      range = 0
      adc = 800 + noise
    }
    out[k] = ((adc & 0x3fff) | (range << 14) | ((i & 63) << 18) | (logic << 24)) >>> 0
  }
  return out
}

/** The real PPK2 raw-word format (src-main/instruments/ppk2) with the app's default calibration, at 3.3 V. */
export const PPK2_BENCH_FORMAT = ppk2RecordingFormat({ calibration: defaultPpk2Calibration(), supplyMv: 3300, spikeFilter: DEFAULT_SPIKE_FILTER })
