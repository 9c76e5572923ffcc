import type { DutSignal } from './dut-signal'

/**
 * What a virtual analyzer sees when no virtual DUT is driving it: a NUCLEO-F401RE running the convolution
 * study's firmware loop (seeds.md §2.4) — one inference, then sleep until a 200 ms timer — with D0 high
 * during each inference. Figures are the study's own: SIMD standard convolution 0.110 s at about 62.7 mW
 * from 3.3 V. The sleep floor is ours (a plausible WFI current for that board).
 * Its trigger pin is wired to each virtual analyzer's trigger input, as the wiring guide asks: the
 * PPK2's D0 and the LPM01A's D7 (bits 0 and 7).
 */
export interface DemoBoardOptions {
  supplyV?: number
  inferenceS?: number
  sleepS?: number
  activeA?: number
  sleepA?: number
  /** Relative ripple of the active current (clock-related switching), deterministic in time. */
  ripple?: number
}

/** A deterministic pseudo-noise in [-1, 1] of a sample's time, so any window renders identically every time. */
function noise(tS: number): number {
  let x = Math.floor(tS * 1e6) | 0
  x = Math.imul(x ^ (x >>> 16), 0x45d9f3b)
  x = Math.imul(x ^ (x >>> 16), 0x45d9f3b)
  x ^= x >>> 16
  return ((x >>> 0) / 0xffffffff) * 2 - 1
}

export function demoBoardSignal(options: DemoBoardOptions = {}): DutSignal & { periodS: number; truth: Required<DemoBoardOptions> } {
  const o: Required<DemoBoardOptions> = {
    supplyV: 3.3,
    inferenceS: 0.11,
    sleepS: 0.2,
    activeA: 0.0627 / 3.3,
    sleepA: 0.0021,
    ripple: 0.03,
    ...options
  }
  const periodS = o.inferenceS + o.sleepS
  return {
    periodS,
    truth: o,
    render(t0S, dtS, currentA, digital) {
      for (let i = 0; i < currentA.length; i++) {
        const t = t0S + i * dtS
        const phase = ((t % periodS) + periodS) % periodS
        const active = phase < o.inferenceS
        currentA[i] = active ? o.activeA * (1 + o.ripple * noise(t)) : o.sleepA * (1 + 0.01 * noise(t))
        digital[i] = active ? 0b1000_0001 : 0
      }
    }
  }
}
