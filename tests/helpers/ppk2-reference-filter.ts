/**
 * A PPK2 conversion for tests, written from reference/ppk2.md (§2.6 formula, §2.7 spike filter) and not
 * from our codec: one sample at a time, with the filter's memory in plain fields. Used as the
 * independent computation that recomputed recordings are checked against.
 */

export interface ReferenceCalibration {
  r: readonly number[]
  gs: readonly number[]
  gi: readonly number[]
  o: readonly number[]
  s: readonly number[]
  i: readonly number[]
  ug: readonly number[]
}

export interface ReferenceFilterSettings {
  alpha: number
  alpha5: number
  samples: number
}

/** §2.6: I = UG·(x·(GS·x + GI) + S·VDD + I), x = (4·ADC − O)·(1.8/163840)/R. NaN for range fields 5–7. */
export function referenceCurrentA(word: number, c: ReferenceCalibration, vddMv: number): number {
  const range = (word >>> 14) & 7
  if (range > 4) return NaN
  const x = (((word & 0x3fff) * 4 - c.o[range]) * (1.8 / 163840)) / c.r[range]
  return c.ug[range] * (x * (c.gs[range] * x + c.gi[range]) + c.s[range] * (vddMv / 1000) + c.i[range])
}

/**
 * §2.7: two exponential averages updated on every sample; for N samples after a range change the output
 * is the average (avg4 in range 4) instead of the value, and during the first two of those samples in
 * range 4 both averages are rolled back. A word with an invalid range gives NaN and changes nothing.
 */
export class ReferenceSpikeFilter {
  private avg: number | null = null
  private avg4: number | null = null
  private lastRange: number | null = null
  private left = 0
  private sinceSwitch = 0

  constructor(private readonly settings: ReferenceFilterSettings | null) {}

  /** What AverageStart does. */
  reset(): void {
    this.avg = null
    this.avg4 = null
    this.lastRange = null
    this.left = 0
    this.sinceSwitch = 0
  }

  next(word: number, c: ReferenceCalibration, vddMv: number): number {
    const value = referenceCurrentA(word, c, vddMv)
    if (Number.isNaN(value) || !this.settings) return value
    const range = (word >>> 14) & 7
    const { alpha, alpha5, samples } = this.settings
    const before = { avg: this.avg, avg4: this.avg4 }
    this.avg = this.avg === null ? value : alpha * value + (1 - alpha) * this.avg
    this.avg4 = this.avg4 === null ? value : alpha5 * value + (1 - alpha5) * this.avg4
    const switched = this.lastRange !== null && this.lastRange !== range
    this.lastRange = range
    if (switched) {
      this.left = samples
      this.sinceSwitch = 0
    } else if (this.left > 0) this.sinceSwitch++
    if (this.left === 0) return value
    this.left--
    if (range === 4) {
      if (this.sinceSwitch < 2) {
        this.avg = before.avg
        this.avg4 = before.avg4
      }
      return this.avg4!
    }
    return this.avg!
  }
}
