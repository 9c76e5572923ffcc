import type { BenchClock } from '../../src-main/virtual-bench/dut-signal'
import { arrayTrace } from '../../src-main/analysis/array-trace'
import type { TraceReader } from '../../src-main/analysis/trace-reader'
import type { DutSignal } from '../../src-main/virtual-bench/dut-signal'

/** A bench clock running `speed` times faster than real time, starting at `startS`. */
export function fastClock(speed: number, startS = 0): BenchClock {
  const t0 = performance.now()
  return { nowS: () => startS + ((performance.now() - t0) / 1000) * speed }
}

/** Poll until the condition holds; fails with the message after `tries` polls (no timing assertion). */
export async function waitFor(what: string, cond: () => boolean, tries = 500, everyMs = 10): Promise<void> {
  for (let k = 0; k < tries; k++) {
    if (cond()) return
    await new Promise((r) => setTimeout(r, everyMs))
  }
  throw new Error(`gave up waiting for ${what}`)
}

/** Sample a DUT signal the way a virtual analyzer would: sample i at t0 + i·dt, in blocks. */
export function sampleSignal(signal: DutSignal, t0S: number, dtS: number, count: number, supplyV: number): TraceReader {
  const cur = new Float64Array(count)
  const dig = new Uint8Array(count)
  const block = 4096
  for (let at = 0; at < count; at += block) {
    const n = Math.min(block, count - at)
    signal.render(t0S + at * dtS, dtS, cur.subarray(at, at + n), dig.subarray(at, at + n))
  }
  return arrayTrace({ samplePeriodS: dtS, currentA: cur, digital: dig, supplyV })
}
