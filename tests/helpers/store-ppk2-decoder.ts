import { registerRawFormat, type RawFormat } from '../../src-main/store/raw-formats'

/**
 * A PPK2 word decoder written in the test from the documented formula (ppk2.md §2.6), standing in for
 * the PPK2 driver's own until both meet in main. Calibration snapshot: per-range arrays and the VDD in mV.
 */
export interface TestPpk2Calibration {
  r: number[]
  o: number[]
  gs: number[]
  gi: number[]
  s: number[]
  i: number[]
  ug: number[]
  vddMv: number
}

export const DEFAULT_TEST_CALIBRATION: TestPpk2Calibration = {
  r: [1031.64, 101.65, 10.15, 0.94, 0.043],
  o: [0, 0, 0, 0, 0],
  gs: [1, 1, 1, 1, 1],
  gi: [1, 1, 1, 1, 1],
  s: [0, 0, 0, 0, 0],
  i: [0, 0, 0, 0, 0],
  ug: [1, 1, 1, 1, 1],
  vddMv: 3300
}

export function ppk2CurrentA(word: number, c: TestPpk2Calibration): number {
  const adc = (word & 0x3fff) * 4
  const range = Math.min(4, (word >>> 14) & 7)
  const x = ((adc - c.o[range]) * (1.8 / 163840)) / c.r[range]
  return c.ug[range] * (x * (c.gs[range] * x + c.gi[range]) + c.s[range] * (c.vddMv / 1000) + c.i[range])
}

export const TEST_PPK2_FORMAT: RawFormat = {
  id: 'ppk2-word-v1',
  decodeCurrent(raw, calibration, out) {
    const c = (calibration as TestPpk2Calibration | null) ?? DEFAULT_TEST_CALIBRATION
    for (let k = 0; k < raw.length; k++) out[k] = ppk2CurrentA(raw[k], c)
  },
  decodeDigital(raw, out) {
    for (let k = 0; k < raw.length; k++) out[k] = raw[k] >>> 24
  }
}

export function registerTestPpk2Format(): void {
  registerRawFormat(TEST_PPK2_FORMAT)
}

/** A PPK2 word as the device would send it (ppk2.md §2.6). */
export function ppk2Word(adcField: number, range: number, counter: number, logic: number): number {
  return ((adcField & 0x3fff) | ((range & 7) << 14) | ((counter & 63) << 18) | ((logic & 0xff) << 24)) >>> 0
}
