/**
 * Test-side helpers for the PPK2, written from reference/ppk2.md and not from our codec:
 * a hand-written sample-word packer and the published conversion formula.
 */

/** Bits 0–13 ADC, 14–16 range, 18–23 counter, 24–31 logic, little-endian on the wire. */
export function word(adc: number, range: number, counter: number, logic = 0): number {
  return (adc + range * 2 ** 14 + (counter % 64) * 2 ** 18 + logic * 2 ** 24) >>> 0
}

export function wordBytes(words: number[]): Uint8Array {
  const out = new Uint8Array(words.length * 4)
  words.forEach((w, k) => {
    out[4 * k] = w & 0xff
    out[4 * k + 1] = (w >>> 8) & 0xff
    out[4 * k + 2] = (w >>> 16) & 0xff
    out[4 * k + 3] = (w >>> 24) & 0xff
  })
  return out
}

export interface TestCalibration {
  r: number[]
  gs: number[]
  gi: number[]
  o: number[]
  s: number[]
  i: number[]
  ug: number[]
}

/** §2.6: x = (4·ADC − O)·(1.8/163840)/R;  I = UG·(x·(GS·x + GI) + S·VDD + I). */
export function referenceCurrentA(range: number, adcField: number, cal: TestCalibration, vddMv: number): number {
  const x = ((adcField * 4 - cal.o[range]) * 1.8) / 163840 / cal.r[range]
  return cal.ug[range] * (x * (cal.gs[range] * x + cal.gi[range]) + cal.s[range] * (vddMv / 1000) + cal.i[range])
}

/** A calibration with every term away from its default, shaped like a real unit's printout. */
export const UNIT_CALIBRATION: TestCalibration = {
  r: [1012.5, 100.9, 10.21, 0.951, 0.0472],
  gs: [0.85, 98.2, 14.6, 2.05, 0.061],
  gi: [1.002, 0.973, 0.965, 0.958, 0.961],
  o: [101.7, 80.2, 60.9, 48.3, 90.4],
  s: [4.1e-8, 5.2e-7, 4.8e-6, 5.9e-5, 2.7e-3],
  i: [-9.8e-8, -1.3e-6, 3.2e-5, -3.5e-4, -8.7e-3],
  ug: [1, 1, 1, 1, 1]
}
