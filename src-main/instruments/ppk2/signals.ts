import type { DutSignal } from '../../virtual-bench/dut-signal'

/**
 * Simple programmable DUT signals for the virtual PPK2 and its tests: constant, square pulses, ramps,
 * scripted steps, and a D0–D7 script laid over any of them. Times are bench seconds; `originS` says
 * where a signal's own time zero sits on the bench clock (pulses and steps are periodic from there).
 */

export function constantCurrent(currentA: number, digital = 0): DutSignal {
  return {
    render(_t0S, _periodS, currentOut, digitalOut) {
      currentOut.fill(currentA)
      digitalOut.fill(digital)
    }
  }
}

export interface SquarePulses {
  lowA: number
  highA: number
  periodS: number
  /** Fraction of each period spent high, starting at the period's beginning. */
  duty: number
  originS?: number
  /** D0–D7 while high and while low, e.g. an inference-active pin. */
  highDigital?: number
  lowDigital?: number
}

export function squarePulses(p: SquarePulses): DutSignal {
  const origin = p.originS ?? 0
  const highFor = p.duty * p.periodS
  return {
    render(t0S, periodS, currentOut, digitalOut) {
      for (let k = 0; k < currentOut.length; k++) {
        let phase = positiveMod(t0S + k * periodS - origin, p.periodS)
        // A sample exactly on an edge belongs to the next level, whatever float rounding says.
        if (p.periodS - phase < EDGE_S) phase = 0
        const high = phase < highFor - EDGE_S
        currentOut[k] = high ? p.highA : p.lowA
        digitalOut[k] = high ? (p.highDigital ?? 0) : (p.lowDigital ?? 0)
      }
    }
  }
}

export interface Ramp {
  fromA: number
  toA: number
  /** The ramp repeats every periodS (a sawtooth). */
  periodS: number
  originS?: number
}

export function ramp(p: Ramp): DutSignal {
  const origin = p.originS ?? 0
  return {
    render(t0S, periodS, currentOut, digitalOut) {
      for (let k = 0; k < currentOut.length; k++) {
        const f = positiveMod(t0S + k * periodS - origin, p.periodS) / p.periodS
        currentOut[k] = p.fromA + (p.toA - p.fromA) * f
      }
      digitalOut.fill(0)
    }
  }
}

export interface Step {
  durationS: number
  currentA: number
  digital?: number
}

/** One step after another from originS; repeats from the first when `repeat`, else holds the last. */
export function steps(list: readonly Step[], options: { originS?: number; repeat?: boolean } = {}): DutSignal {
  if (list.length === 0) throw new RangeError('steps() needs at least one step.')
  const origin = options.originS ?? 0
  const ends: number[] = []
  let total = 0
  for (const s of list) {
    if (!(s.durationS > 0)) throw new RangeError(`Every step needs a positive duration, got ${s.durationS} s.`)
    total += s.durationS
    ends.push(total)
  }
  const repeat = options.repeat ?? true
  return {
    render(t0S, periodS, currentOut, digitalOut) {
      for (let k = 0; k < currentOut.length; k++) {
        let t = t0S + k * periodS - origin
        if (repeat) t = positiveMod(t, total)
        let i = 0
        while (i < ends.length - 1 && t >= ends[i]) i++
        if (t < 0) i = 0
        currentOut[k] = list[i].currentA
        digitalOut[k] = list[i].digital ?? 0
      }
    }
  }
}

export interface DigitalEvent {
  /** Bench seconds after the script's origin. */
  atS: number
  /** D0–D7 from this moment on, bit n = Dn. */
  lines: number
}

/** Replaces the digital lines of `signal` by a script of level changes (lines are 0 before the first). */
export function withDigitalScript(signal: DutSignal, events: readonly DigitalEvent[], originS = 0): DutSignal {
  const sorted = [...events].sort((a, b) => a.atS - b.atS)
  return {
    render(t0S, periodS, currentOut, digitalOut) {
      signal.render(t0S, periodS, currentOut, digitalOut)
      let i = 0
      let lines = 0
      for (let k = 0; k < digitalOut.length; k++) {
        const t = t0S + k * periodS - originS
        while (i < sorted.length && sorted[i].atS <= t) lines = sorted[i++].lines
        digitalOut[k] = lines
      }
    }
  }
}

/** Far below a sample period, far above the rounding of bench times (about 1e-11 s after a day of uptime). */
const EDGE_S = 1e-9

function positiveMod(a: number, m: number): number {
  const r = a % m
  return r < 0 ? r + m : r
}
