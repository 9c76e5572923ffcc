/**
 * LPM01A end to end over a real pseudo-terminal: emulated board → socat pty pair → serialport → driver
 * → sink. Two figures:
 *   real time: a 100 kHz bin_hexa capture paced by the wall clock — samples kept, lost, CPU per second;
 *   fast: the emulator sends as fast as the pty takes it — how much headroom the link and driver have.
 * Run: npx tsx bench/lpm01a-capture.ts
 */
import type { SampleSink } from '../src-main/capture/sample-block'
import { Lpm01aDriver } from '../src-main/instruments/lpm01a/driver'
import { LPM01A_BAUD } from '../src-main/instruments/lpm01a/protocol'
import { createVirtualLpm01a } from '../src-main/instruments/lpm01a/virtual'
import { openSerial } from '../src-main/transports/serial'
import { realTimeClock, type DutSignal } from '../src-main/virtual-bench/dut-signal'

const signal: DutSignal = {
  render(t0, dt, cur, dig) {
    for (let i = 0; i < cur.length; i++) cur[i] = 1e-3 * (1 + 0.5 * Math.sin((t0 + i * dt) * 50))
    dig.fill(0x80)
  }
}

async function capture(pace: 'real-time' | 'fast', seconds: number) {
  const bench = await createVirtualLpm01a(signal, pace === 'fast' ? { nowS: () => 0 } : realTimeClock, { pace })
  const driver = await Lpm01aDriver.open(await openSerial(bench.hostPath, LPM01A_BAUD), { virtual: true })
  driver.configure({ sampleRateHz: 100_000, format: 'bin_hexa', acquisitionTimeS: seconds })
  let samples = 0
  let blocks = 0
  const sink: SampleSink = {
    samples(b) {
      samples += b.currentA.length
      blocks++
    },
    gap() {},
    mark() {},
    warning(w) {
      console.log(`  warning: ${w}`)
    }
  }
  const cpu0 = process.cpuUsage()
  const t0 = performance.now()
  await driver.start(sink)
  const summary = await driver.waitForEnd()
  const wallS = (performance.now() - t0) / 1000
  const cpu = process.cpuUsage(cpu0)
  await driver.close()
  await bench.close()
  return { samples, blocks, lost: summary.lostSamples, wallS, cpuS: (cpu.user + cpu.system) / 1e6 }
}

const rt = await capture('real-time', 5)
console.log(
  `real time, 100 kHz bin_hexa, 5 s: ${rt.samples} samples kept, ${rt.lost} lost, ${rt.blocks} blocks ` +
    `(${(rt.samples / rt.blocks).toFixed(0)} samples/block), process CPU ${((rt.cpuS / rt.wallS) * 100).toFixed(1)} % of one core (emulator + driver in one process)`
)
let best = 0
for (let rep = 0; rep < 3; rep++) {
  const f = await capture('fast', 10)
  if (f.samples !== 1_000_000) throw new Error(`fast capture kept ${f.samples} of 1000000 samples`)
  best = Math.max(best, f.samples / f.wallS)
}
console.log(`fast, 1 000 000 samples through the pty: ${(best / 1e6).toFixed(2)} Msamples/s = ${(best / 100_000).toFixed(1)}× the board's 100 kHz (best of 3)`)
process.exit(0)
