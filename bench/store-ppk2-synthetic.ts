import { registerRawFormat } from '../src-main/store/raw-formats'

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

const R = [1031.64, 101.65, 10.15, 0.94, 0.043]

/** Decoder of the documented formula with default calibration (until the PPK2 driver's own lands). */
export function registerBenchPpk2Format(): void {
  registerRawFormat({
    id: 'ppk2-word-v1',
    decodeCurrent(raw, _calibration, out) {
      for (let k = 0; k < raw.length; k++) {
        const w = raw[k]
        const range = Math.min(4, (w >>> 14) & 7)
        out[k] = ((w & 0x3fff) * 4 * (1.8 / 163840)) / R[range]
      }
    },
    decodeDigital(raw, out) {
      for (let k = 0; k < raw.length; k++) out[k] = raw[k] >>> 24
    }
  })
}
