/**
 * The emulated PPK2's analog front end, written from reference/ppk2.md and deliberately not from our
 * codec: it picks a range with hysteresis, inverts the published conversion with the unit's own
 * calibration, adds ADC noise and the spikes a real unit shows after a range switch, and packs sample
 * words. Pure and deterministic for a seed, so benchmarks and tests can make realistic bytes without I/O.
 */

import { seededUniform } from '../../virtual-bench/seeded-random'

const VOLTS_PER_COUNT = 1.8 / 163840

export interface EmulatedCalibration {
  r: number[]
  gs: number[]
  gi: number[]
  o: number[]
  s: number[]
  i: number[]
}

/**
 * A plausible unit: every term away from the app's defaults, at the precision the metadata prints
 * (four decimals for R/GS/GI/O, nine for S/I), so what the unit says is exactly what it uses.
 */
export const EMULATED_CALIBRATION: Readonly<EmulatedCalibration> = {
  r: [1009.4312, 101.0467, 10.2411, 0.9583, 0.0487],
  gs: [2.3541, 107.3319, 16.8724, 2.3105, 0.0695],
  gi: [1.0011, 0.9714, 0.9633, 0.9548, 0.9601],
  o: [104.3121, 77.8804, 61.4432, 49.9087, 88.1265],
  s: [0.000000046, 0.000000573, 0.00000512, 0.0000605, 0.0028842],
  i: [-0.000000102, -0.000001388, 0.000034117, -0.000366, -0.0091024]
}

/**
 * Range boundaries from the published table (R0 to 50 µA, R1 to 500 µA, R2 to 5 mA, R3 to 50 mA,
 * R4 to 1 A), with ±10 % hysteresis so a current sitting on a boundary does not chatter.
 * Every range has ample ADC headroom above its upper switch point, as on the real unit.
 */
export const RANGE_UP_A = [55e-6, 550e-6, 5.5e-3, 55e-3]
export const RANGE_DOWN_A = [0, 45e-6, 450e-6, 4.5e-3, 45e-3]

export interface FrontEndOptions {
  calibration?: EmulatedCalibration
  /** Gaussian ADC noise, in counts of the 14-bit field (dithers the quantisation like a real unit). */
  noiseCounts?: number
  /** Size of the switching transient relative to the (signed) current step, per sample after the switch. */
  spikeShape?: readonly number[]
  seed?: number
  /**
   * A unit that misreads, as one whose stored calibration has drifted: in range r it reports
   * gain[r] × true + offsetA[r] (before ADC noise). For calibration tests; default none.
   */
  readingError?: { gain: readonly number[]; offsetA: readonly number[] }
}

/**
 * Transient after a switch as a fraction of the current step, per sample: large for one sample, then
 * settling — positive after a switch up, negative after a switch down (clipped at the ADC's zero).
 */
export const DEFAULT_SPIKE_SHAPE = [0.8, 0.3]

export class EmulatedFrontEnd {
  readonly calibration: EmulatedCalibration
  private range = 0
  private sinceSwitch = Number.POSITIVE_INFINITY
  private stepA = 0
  private lastA = 0
  private counter = 0
  private readonly noise: number
  private readonly spike: readonly number[]
  private rand: () => number
  private spareGauss: number | null = null
  private readonly readingError: FrontEndOptions['readingError'] | null

  constructor(options: FrontEndOptions = {}) {
    this.calibration = options.calibration ?? EMULATED_CALIBRATION
    this.readingError = options.readingError ?? null
    this.noise = options.noiseCounts ?? 0.6
    this.spike = options.spikeShape ?? DEFAULT_SPIKE_SHAPE
    this.rand = seededUniform(options.seed ?? 1)
  }

  /** The 6-bit counter of the next word; it runs on across streams, as nothing says it restarts. */
  get nextCounter(): number {
    return this.counter
  }

  /**
   * The front end ranges all the time, streaming or not: before a stream starts it has long settled on
   * the DUT's current, so the first samples show no switching transient.
   */
  settle(currentA: number, powered = true): void {
    const truth = powered ? Math.max(0, currentA) : 0
    this.range = selectRange(this.range, truth)
    this.lastA = truth
    this.sinceSwitch = Number.POSITIVE_INFINITY
  }

  /** The current would read as `currentA` in range r: the ADC field before noise (may fall outside 0–16383). */
  adcFieldFor(range: number, currentA: number, supplyMv: number): number {
    const c = this.calibration
    // Solve GS·x² + GI·x + (S·V + I − current) = 0 for x in its numerically stable form.
    const k = c.s[range] * (supplyMv / 1000) + c.i[range] - currentA
    const disc = Math.max(0, c.gi[range] * c.gi[range] - 4 * c.gs[range] * k)
    const x = (-2 * k) / (c.gi[range] + Math.sqrt(disc))
    return (x * c.r[range]) / VOLTS_PER_COUNT / 4 + c.o[range] / 4
  }

  /**
   * Encodes one sample per entry: true current (A) and D0–D7 → sample words, advancing the counter.
   * `powered` false models the DUT supply being off: no current flows.
   */
  encode(currentA: Float64Array, digital: Uint8Array, supplyMv: number, powered: boolean, out: Uint32Array): void {
    for (let k = 0; k < currentA.length; k++) {
      const truth = powered ? Math.max(0, currentA[k]) : 0
      const before = this.range
      this.range = selectRange(before, truth)
      if (this.range !== before) {
        this.sinceSwitch = 0
        // Signed: a switch up (smaller shunt) lets the DUT's decoupling charge up through the meter, a
        // switch down (larger shunt, more burden voltage) lets it discharge into the DUT instead.
        this.stepA = truth - this.lastA
      }
      let reading = truth
      if (this.sinceSwitch < this.spike.length) reading += this.spike[this.sinceSwitch] * this.stepA
      if (this.readingError) reading = this.readingError.gain[this.range] * reading + this.readingError.offsetA[this.range]
      this.sinceSwitch++
      this.lastA = truth
      let field = this.adcFieldFor(this.range, reading, supplyMv)
      if (this.noise > 0) field += this.noise * this.gauss()
      const adc = Math.min(16383, Math.max(0, Math.round(field)))
      out[k] = (adc | (this.range << 14) | (this.counter << 18) | (digital[k] << 24)) >>> 0
      this.counter = (this.counter + 1) & 63
    }
  }

  /** The counter advances for samples the device produced but the host never got. */
  skipCounter(samples: number): void {
    this.counter = (this.counter + samples) & 63
  }

  private gauss(): number {
    if (this.spareGauss !== null) {
      const g = this.spareGauss
      this.spareGauss = null
      return g
    }
    let u = 0
    while (u === 0) u = this.rand()
    const v = this.rand()
    const m = Math.sqrt(-2 * Math.log(u))
    this.spareGauss = m * Math.sin(2 * Math.PI * v)
    return m * Math.cos(2 * Math.PI * v)
  }
}

/** Range with hysteresis: up as soon as the current passes the range's switch point, down below the lower one. */
export function selectRange(current: number, currentA: number): number {
  let r = current
  while (r < 4 && currentA > RANGE_UP_A[r]) r++
  while (r > 0 && currentA < RANGE_DOWN_A[r]) r--
  return r
}

export interface EmulatedMetadata {
  calibration: EmulatedCalibration
  ug: number[]
  vddMv: number
  mode: 1 | 2
  calibrated: 0 | 1
  hw: number
  ia: number
}

/** The GetMetadata reply, key order and number formats as a real unit prints them (ppk2-rs src/types.rs). */
export function formatMetadata(m: EmulatedMetadata): string {
  const lines = [`Calibrated: ${m.calibrated}`]
  const fam = (key: string, values: number[], digits: number) => values.forEach((v, r) => lines.push(`${key}${r}: ${v.toFixed(digits)}`))
  fam('R', m.calibration.r, 4)
  fam('GS', m.calibration.gs, 4)
  fam('GI', m.calibration.gi, 4)
  fam('O', m.calibration.o, 4)
  lines.push(`VDD: ${m.vddMv}`, `HW: ${m.hw}`, `mode: ${m.mode}`)
  fam('S', m.calibration.s, 9)
  fam('I', m.calibration.i, 9)
  fam('UG', m.ug, 2)
  lines.push(`IA: ${m.ia}`, 'END', '')
  return lines.join('\n')
}
