/**
 * PPK2 end to end over a real pseudo-terminal: the emulator streams as fast as the pty drains (no
 * pacing) and the driver decodes, converts and filters into SampleBlocks, both in this one process.
 *
 *   npx tsx bench/ppk2-pty-stream.ts [seconds per round, default 3]
 *
 * The figure is the headroom over the real unit's 100 kS/s; it includes the emulator's own work.
 */
import { Ppk2Driver } from '../src-main/instruments/ppk2/driver'
import { squarePulses } from '../src-main/instruments/ppk2/signals'
import { createVirtualPpk2 } from '../src-main/instruments/ppk2/virtual'

const seconds = Number(process.argv[2] ?? 3)
let best = 0
for (let round = 1; round <= 3; round++) {
  const virtual = await createVirtualPpk2(squarePulses({ lowA: 20e-6, highA: 15e-3, periodS: 1e-3, duty: 0.5 }), undefined, { speed: Infinity })
  const driver = await Ppk2Driver.open(await virtual.open(), { virtual: true })
  let samples = 0
  let lost = 0
  await driver.start({ samples: (b) => (samples += b.currentA.length), gap: (g) => (lost += g.count), mark() {}, warning() {} })
  const t0 = performance.now()
  await new Promise((r) => setTimeout(r, seconds * 1000))
  const counted = samples
  const elapsed = (performance.now() - t0) / 1000
  await driver.stop()
  await driver.close()
  await virtual.close()
  const rate = counted / elapsed
  best = Math.max(best, rate)
  console.log(`round ${round}: ${(rate / 1e6).toFixed(2)} M samples/s through the pty (${(rate / 1e5).toFixed(1)}× real time), ${lost} lost`)
}
console.log(`best: ${(best / 1e6).toFixed(2)} M samples/s = ${(best / 1e5).toFixed(1)}× the PPK2's 100 kS/s (emulator and driver sharing one process)`)
