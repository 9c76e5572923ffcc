/**
 * Wiring faults the virtual bench can stage, so the wiring guide's failures can be seen without
 * miswiring real hardware: the supply wire missing, the supply shorted to ground, the trigger line
 * not reaching the analyzer. They are faults of the bench, so they change what every analyzer on it
 * measures, whichever DUT is plugged in.
 */
export const BENCH_FAULTS = ['none', 'no-supply', 'short', 'silent-trigger'] as const
export type BenchFault = (typeof BENCH_FAULTS)[number]

/**
 * What a shorted output draws: the top of the PPK2's published span (1 A, as its emulator's own
 * short), far above the LPM01A's 59 mA trip, so each analyzer shows the short its own way.
 */
export const BENCH_SHORT_A = 1

/** The DUT's signal as the analyzers see it with the fault in place. */
export function applyBenchFault(fault: BenchFault, currentA: Float64Array, digital: Uint8Array): void {
  switch (fault) {
    case 'none':
      return
    case 'no-supply':
      // An unpowered DUT draws nothing and drives no line.
      currentA.fill(0)
      digital.fill(0)
      return
    case 'short':
      currentA.fill(BENCH_SHORT_A)
      return
    case 'silent-trigger':
      digital.fill(0)
  }
}

