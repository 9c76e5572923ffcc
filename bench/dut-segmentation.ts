/**
 * Segmentation and integration speed on a long synthetic recording (100 kS/s, like a PPK2), read in
 * chunks through TraceReader. Prints samples per second for each method (best of 3 runs), plus the
 * load-independent figures: inferences found and the worst boundary error in samples.
 *
 *   npx tsx bench/dut-segmentation.ts [seconds=100]
 */
import { arrayTrace } from '../src-main/analysis/array-trace'
import { segmentByThreshold } from '../src-main/analysis/segment-threshold'
import { segmentByGpio } from '../src-main/analysis/segment-gpio'
import { measureInferences, summarizeInferences } from '../src-main/analysis/metrics'

const seconds = Number(process.argv[2] ?? 100)
const dt = 1e-5
const n = Math.round(seconds / dt)
// The convolution study's loop: 110 ms inference at ~19 mA, 200 ms sleep at ~2 mA, D0 high while inferring.
const period = 0.31
const cur = new Float32Array(n)
const dig = new Uint8Array(n)
let seed = 1
const noise = () => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32 - 0.5) * 0.4e-3
const truthStarts: number[] = []
for (let i = 0; i < n; i++) {
  const t = i * dt
  const phase = t % period
  const active = phase >= 0.05 && phase < 0.16
  cur[i] = (active ? 19e-3 : 2e-3) + noise()
  dig[i] = active ? 1 : 0
  if (active && (i === 0 || !(dig[i - 1] & 1))) truthStarts.push(i)
}
const trace = arrayTrace({ samplePeriodS: dt, currentA: cur, digital: dig, supplyV: 3.3 })

function best(label: string, f: () => unknown): unknown {
  let bestS = Infinity
  let out: unknown
  for (let k = 0; k < 3; k++) {
    const t0 = performance.now()
    out = f()
    bestS = Math.min(bestS, (performance.now() - t0) / 1000)
  }
  console.log(`${label.padEnd(34)} ${(n / bestS / 1e6).toFixed(1).padStart(7)} M samples/s  (${bestS.toFixed(3)} s for ${(n / 1e6).toFixed(1)} M samples)`)
  return out
}

console.log(`Recording: ${seconds} s at 100 kS/s = ${(n / 1e6).toFixed(1)} M samples, ${truthStarts.length} inferences (machine shared with other engineers: timings are best of 3)`)
const th = best('segmentByThreshold (hysteresis)', () => segmentByThreshold(trace, { threshold: 10e-3, hysteresis: 2e-3, minDurationS: 1e-3 })) as ReturnType<typeof segmentByThreshold>
const gp = best('segmentByGpio (pulses)', () => segmentByGpio(trace, { line: 0, mode: 'pulses' })) as ReturnType<typeof segmentByGpio>
const m = best('measureInferences (all windows)', () => measureInferences(trace, th.inferences)) as ReturnType<typeof measureInferences>
const worst = (found: { startIndex: number }[]) => Math.max(...found.map((f, k) => Math.abs(f.startIndex - truthStarts[k])))
console.log(`threshold: ${th.inferences.length} inferences, worst start error ${worst(th.inferences)} sample(s); gpio: ${gp.inferences.length}, worst ${worst(gp.inferences)}`)
const s = summarizeInferences(m, { warmup: 1 })
console.log(`energy per inference: mean ${(s.energyJ.mean! * 1e3).toFixed(4)} mJ, sd ${(s.energyJ.sd! * 1e6).toFixed(3)} µJ, 95 % CI ±${(s.energyJ.ci!.halfWidth * 1e6).toFixed(3)} µJ (n = ${s.count})`)
