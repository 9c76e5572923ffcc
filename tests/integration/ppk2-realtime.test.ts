import { afterEach, expect, it } from 'vitest'
import { Ppk2Driver } from '../../src-main/instruments/ppk2/driver'
import { squarePulses } from '../../src-main/instruments/ppk2/signals'
import { createVirtualPpk2, type VirtualPpk2 } from '../../src-main/instruments/ppk2/virtual'
import { CollectingSink } from '../helpers/ppk2-sink'

let virtual: VirtualPpk2 | undefined
let driver: Ppk2Driver | undefined
afterEach(async () => {
  await driver?.close()
  await virtual?.close()
})

// The one honest real-time run: 10 s of wall clock at the device's own 100 kS/s.
it('captures 10 s in real time as 1,000,000 samples (±0.1 %) with no gap and the right mean', async () => {
  // 100 Hz pulses between ranges 1 and 3, D0 high while the current is high.
  virtual = await createVirtualPpk2(squarePulses({ lowA: 150e-6, highA: 12e-3, periodS: 10e-3, duty: 0.4, highDigital: 0x01 }))
  driver = await Ppk2Driver.open(await virtual.open(), { virtual: true })
  const sink = new CollectingSink()
  await driver.start(sink)
  const startedMs = performance.now()
  await new Promise((resolve) => setTimeout(resolve, 10_000))
  // A busy machine may fire the timer late: the capture then simply lasted longer than 10 s.
  const captureS = (performance.now() - startedMs) / 1000
  await driver.stop()
  const truth = virtual.emulator.truth
  const streamedS = truth.streamStoppedS! - truth.streamStartedS!

  expect(sink.disorder).toEqual([])
  expect(sink.gaps).toEqual([])
  expect(driver.stats.discardedBytes).toBe(0)
  // Every sample the unit produced arrived, at 100 kS/s of the unit's own time.
  expect(sink.sampleCount).toBe(truth.samplesProduced)
  expect(Math.abs(sink.sampleCount - streamedS * 100_000)).toBeLessThanOrEqual(0.001 * 1_000_000)
  // And 10 s of capture is a million samples. The host's own timing of the window (a late timer, the
  // moments start and stop reach the unit on a loaded machine) is measured and allowed for, not guessed.
  const hostSlackS = Math.abs(captureS - 10) + Math.abs(captureS - streamedS)
  expect(Math.abs(sink.sampleCount - 1_000_000)).toBeLessThanOrEqual(0.001 * 1_000_000 + hostSlackS * 100_000)

  const read = sink.blocks.reduce((s, b) => s + b.currentA.reduce((a, c) => a + c, 0), 0)
  expect(Math.abs(read - truth.sumCurrentA) / truth.sumCurrentA).toBeLessThan(0.005)
  const d0High = sink.blocks.reduce((n, b) => n + b.digital!.filter((d) => d === 1).length, 0)
  expect(Math.abs(d0High / sink.sampleCount - 0.4)).toBeLessThan(0.005)
  console.log(`real-time capture: ${sink.sampleCount} samples in ${captureS.toFixed(4)} s (host), ${streamedS.toFixed(4)} s (unit)`)
})
