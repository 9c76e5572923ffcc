/**
 * How emulated instruments and an emulated DUT share one bench: the DUT's current and GPIO lines are a
 * function of time on a shared clock, and every virtual analyzer samples that function.
 */

/** Seconds on the bench timeline. Real time by default; a test may run the bench faster than real time. */
export interface BenchClock {
  nowS(): number
}

export const realTimeClock: BenchClock = { nowS: () => performance.now() / 1000 }

export interface DutSignal {
  /**
   * Fill currentA (amperes drawn from the supply) and digital (bit n = line Dn) for the samples at
   * t0S + i × periodS on the bench clock, i = 0 … currentA.length − 1.
   */
  render(t0S: number, periodS: number, currentA: Float64Array, digital: Uint8Array): void
}
