import { afterEach, describe, expect, it } from 'vitest'
import { Ppk2Driver, Ppk2Error } from '../../src-main/instruments/ppk2/driver'
import { openPpk2, reopenBySerial } from '../../src-main/instruments/ppk2/open'
import { EMULATED_CALIBRATION } from '../../src-main/instruments/ppk2/emulator-model'
import { constantCurrent, squarePulses, steps } from '../../src-main/instruments/ppk2/signals'
import { createVirtualPpk2, type VirtualPpk2, type VirtualPpk2Options } from '../../src-main/instruments/ppk2/virtual'
import { openPtyPair, type PtyPair } from '../../src-main/transports/pty-pair'
import { openSerial, type SerialTransport } from '../../src-main/transports/serial'
import type { BenchClock, DutSignal } from '../../src-main/virtual-bench/dut-signal'
import { CollectingSink, fastClock, waitFor } from '../helpers/ppk2-sink'

const cleanups: Array<() => Promise<void>> = []
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c().catch(() => {})
})

async function bench(signal: DutSignal, clock?: BenchClock, options: VirtualPpk2Options = {}) {
  const virtual = await createVirtualPpk2(signal, clock, options)
  cleanups.push(() => virtual.close())
  const transport = await virtual.open()
  const driver = await Ppk2Driver.open(transport, { virtual: true, clock })
  cleanups.push(() => driver.close())
  return { virtual, driver }
}

/** Captures until the emulator has produced `samples` slots, then stops. */
async function capture(driver: Ppk2Driver, virtual: VirtualPpk2, samples: number): Promise<CollectingSink> {
  const sink = new CollectingSink()
  await driver.start(sink)
  // Wait on the receiving side: on a loaded machine the host may lag the emulator by a lot.
  await waitFor(() => sink.sampleCount >= samples, 120_000)
  await driver.stop()
  expect(sink.disorder).toEqual([])
  return sink
}

describe('PPK2 driver against the emulator over a pseudo-terminal', () => {
  it('reads the unit’s metadata and sets source mode the way the app does', async () => {
    const { virtual, driver } = await bench(constantCurrent(1e-3))
    expect(driver.calibration.r).toEqual(EMULATED_CALIBRATION.r)
    expect(driver.calibration.s).toEqual(EMULATED_CALIBRATION.s)
    expect(driver.metadata.calibrated).toBe(true)
    expect(driver.identity).toMatchObject({ family: 'ppk2', location: virtual.hostPath, virtual: true, id: 'virtual:ppk2' })
    // Stale stream stopped first, then metadata, then mode, regulator, DUT power.
    await waitFor(() => virtual.emulator.truth.commands.length >= 5)
    expect(virtual.emulator.truth.commands).toEqual(['AverageStop', 'GetMetadata', 'SetPowerMode 2', 'RegulatorSet 3300', 'DeviceRunningSet 1'])
    expect(virtual.emulator.mode).toBe('source')
    expect(virtual.emulator.dutPowered).toBe(true)
    expect(driver.supplyV).toBe(3.3)
  })

  it('switches to ampere mode, sets voltages in 800–5000 mV, and turns DUT power off', async () => {
    const { virtual, driver } = await bench(constantCurrent(1e-3))
    await driver.setAmpereMode(1800)
    // Ampere mode: power mode, then regulator, then DUT power on (the app's order).
    await waitFor(() => virtual.emulator.mode === 'ampere' && virtual.emulator.supplyMv === 1800 && virtual.emulator.dutPowered)
    await driver.setSourceMode(5000, false)
    await waitFor(() => virtual.emulator.mode === 'source' && virtual.emulator.supplyMv === 5000 && !virtual.emulator.dutPowered)
    await expect(driver.setSupplyMv(5100)).rejects.toThrow(/800 to 5000 mV, got 5100/)
    await driver.setUserGain(2, 1.05)
    await waitFor(() => Math.abs(virtual.emulator.userGains[2] - 1.05) < 1e-6)
    expect(driver.calibration.ug[2]).toBe(1.05)
  })

  it('reads zero current with DUT power off, and the programmed current with it on', async () => {
    const clock = fastClock(20)
    const { virtual, driver } = await bench(constantCurrent(3e-3), clock)
    await driver.setDutPower(false)
    const off = await capture(driver, virtual, 20_000)
    const offMean = [...off.entries()].reduce((s, [, , c]) => s + c, 0) / off.sampleCount
    expect(Math.abs(offMean)).toBeLessThan(1e-6)
    await driver.setDutPower(true)
    const before = virtual.emulator.truth.samplesProduced
    const on = await capture(driver, virtual, before + 20_000)
    const onMean = [...on.entries()].reduce((s, [, , c]) => s + c, 0) / on.sampleCount
    expect(Math.abs(onMean - 3e-3) / 3e-3).toBeLessThan(0.005)
  })

  it('matches the programmed current within 0.5 % in every range, and across range switches', async () => {
    const clock = fastClock(20)
    const levels = [20e-6, 200e-6, 2e-3, 20e-3, 200e-3, 20e-3, 2e-3, 200e-6]
    const expectedRange = [0, 1, 2, 3, 4, 3, 2, 1]
    const signal = steps(levels.map((currentA) => ({ durationS: 0.2, currentA })))
    const { virtual, driver } = await bench(signal, clock, { recordTruth: true })
    const sink = await capture(driver, virtual, 400_000)
    expect(sink.gaps).toEqual([])
    const truth = virtual.emulator.truth
    expect(sink.sampleCount).toBe(truth.samplesProduced)
    const sum = new Map<number, { n: number; read: number; truth: number; ranges: Set<number> }>()
    let readAll = 0
    let truthAll = 0
    for (const [i, word, current] of sink.entries()) {
      expect(word).toBe(truth.wordAt(i))
      const t = truth.currentAt(i)!
      const s = sum.get(t) ?? { n: 0, read: 0, truth: 0, ranges: new Set<number>() }
      s.n++
      s.read += current
      s.truth += t
      s.ranges.add((word >>> 14) & 7)
      sum.set(t, s)
      readAll += current
      truthAll += t
    }
    levels.forEach((level, k) => {
      const s = sum.get(level)!
      expect(s.ranges.has(expectedRange[k])).toBe(true)
      expect(Math.abs(s.read / s.n - level) / level).toBeLessThan(0.005)
    })
    // Whole trace, switches included.
    expect(Math.abs(readAll - truthAll) / truthAll).toBeLessThan(0.005)
  })

  it('matches the truth within 0.5 % for pulses that switch ranges every few milliseconds', async () => {
    const clock = fastClock(20)
    for (const [lowA, highA] of [
      [100e-6, 10e-3],
      [1e-3, 100e-3],
      [15e-6, 30e-3]
    ]) {
      const { virtual, driver } = await bench(squarePulses({ lowA, highA, periodS: 10e-3, duty: 0.3, highDigital: 0x04 }), clock)
      const sink = await capture(driver, virtual, 300_000)
      const truth = virtual.emulator.truth
      const read = [...sink.entries()].reduce((s, [, , c]) => s + c, 0)
      expect(sink.sampleCount).toBe(truth.samplesProduced)
      expect(Math.abs(read - truth.sumCurrentA) / truth.sumCurrentA).toBeLessThan(0.005)
      // D2 follows the pulses.
      const high = sink.blocks.reduce((n, b) => n + b.digital!.filter((d) => d === 0x04).length, 0)
      expect(Math.abs(high / sink.sampleCount - 0.3)).toBeLessThan(0.01)
      await driver.close()
      await virtual.close()
    }
  })

  it('counts every dropped sample exactly and puts its gap at the right index', async () => {
    const clock = fastClock(20)
    const faults = [
      { kind: 'drop-samples' as const, atIndex: 10_000, count: 1 },
      { kind: 'drop-samples' as const, atIndex: 20_000, count: 17 },
      { kind: 'drop-samples' as const, atIndex: 30_000, count: 63 },
      { kind: 'drop-samples' as const, atIndex: 40_123, count: 40 },
      { kind: 'drop-samples' as const, atIndex: 40_170, count: 5 },
      { kind: 'glitch-counter' as const, atIndex: 55_555 }
    ]
    const { virtual, driver } = await bench(squarePulses({ lowA: 50e-6, highA: 8e-3, periodS: 2e-3, duty: 0.5 }), clock, {
      recordTruth: true,
      faults
    })
    const sink = await capture(driver, virtual, 100_000)
    const truth = virtual.emulator.truth
    expect(sink.gaps.map((g) => [g.startIndex, g.count])).toEqual(truth.droppedSamples.map((d) => [d.index, d.count]))
    expect(driver.stats.lostSamples).toBe(1 + 17 + 63 + 40 + 5)
    expect(driver.stats.counterGlitches).toBe(1)
    const lost = new Set(truth.lostIndices)
    let delivered = 0
    for (const [i, word] of sink.entries()) {
      expect(lost.has(i)).toBe(false)
      expect(word).toBe(truth.wordAt(i))
      delivered++
    }
    expect(delivered + sink.lostCount).toBe(truth.samplesProduced)
  })

  it('survives lost and stray bytes: never a wrong sample, damaged ones reported lost', async () => {
    const clock = fastClock(20)
    const faults = [
      { kind: 'drop-bytes' as const, atIndex: 5_000, byteOffset: 1, count: 1 },
      { kind: 'drop-bytes' as const, atIndex: 15_000, byteOffset: 3, count: 2 },
      { kind: 'drop-bytes' as const, atIndex: 25_000, byteOffset: 0, count: 3 },
      { kind: 'garbage' as const, atIndex: 35_000, bytes: 7 },
      { kind: 'garbage' as const, atIndex: 45_000, bytes: 64 }
    ]
    const { virtual, driver } = await bench(constantCurrent(4e-3), clock, { recordTruth: true, faults })
    const sink = await capture(driver, virtual, 60_000)
    const truth = virtual.emulator.truth
    const damaged = new Set(truth.lostIndices)
    const delivered = new Set<number>()
    for (const [i, word] of sink.entries()) {
      expect(damaged.has(i)).toBe(false)
      expect(word).toBe(truth.wordAt(i))
      delivered.add(i)
    }
    expect(delivered.size + sink.lostCount).toBe(truth.samplesProduced)
    // Each fault costs at most two samples beyond those it damaged.
    expect(sink.lostCount - damaged.size).toBeLessThanOrEqual(2 * faults.length)
    for (let i = 0; i < truth.samplesProduced; i++) {
      if (!delivered.has(i)) expect(faults.some((f) => Math.abs(i - f.atIndex) <= 2)).toBe(true)
    }
  })

  it('ends the recording as interrupted when the cable is pulled, keeping every sample before it', async () => {
    const clock = fastClock(20)
    const { virtual, driver } = await bench(constantCurrent(2e-3, 0x81), clock, {
      recordTruth: true,
      faults: [{ kind: 'unplug', atIndex: 123_456 }]
    })
    const reason = new Promise<string>((resolve) => driver.onDisconnect(resolve))
    const sink = new CollectingSink()
    await driver.start(sink)
    const message = await reason
    expect(driver.state).toBe('interrupted')
    expect(message).toContain(virtual.hostPath)
    expect(message).toMatch(/every sample before it is kept/)
    expect(message).toMatch(/replug/i)
    expect(sink.disorder).toEqual([])
    expect(sink.gaps).toEqual([])
    expect(sink.sampleCount).toBe(123_456)
    for (const [i, word] of sink.entries()) expect(word).toBe(virtual.emulator.truth.wordAt(i))
    await expect(driver.start(new CollectingSink())).rejects.toThrow(Ppk2Error)
  })

  it('with auto-reconnect, resumes into the same recording after replug with a gap for the outage', async () => {
    const virtual = await createVirtualPpk2(constantCurrent(1e-3))
    cleanups.push(() => virtual.close())
    const driver = await Ppk2Driver.open(await virtual.open(), {
      virtual: true,
      reconnect: { open: () => virtual.open(), timeoutS: 20, retryIntervalS: 0.05 }
    })
    cleanups.push(() => driver.close())
    const sink = new CollectingSink()
    await driver.start(sink)
    await waitFor(() => virtual.emulator.truth.samplesProduced >= 30_000)
    virtual.emulator.inject({ kind: 'unplug' })
    await waitFor(() => !virtual.plugged)
    const first = virtual.emulator
    await new Promise((r) => setTimeout(r, 400))
    await virtual.replug()
    await waitFor(() => virtual.emulator !== first && virtual.emulator.truth.samplesProduced >= 30_000)
    await driver.stop()
    expect(sink.disorder).toEqual([])
    expect(driver.state).toBe('idle')
    expect(driver.stats.reconnects).toBe(1)
    // Everything before the unplug, then one gap, then the new stream.
    expect(sink.gaps).toHaveLength(1)
    const gap = sink.gaps[0]
    expect(gap.reason).toMatch(/disconnected/)
    expect(gap.startIndex).toBe(first.truth.samplesProduced)
    // The outage on the device timeline: from the last sample of the first unit to the first of the second.
    const outageS = virtual.emulator.truth.streamStartedS! - (first.truth.streamStartedS! + first.truth.samplesProduced * 10e-6)
    expect(Math.abs(gap.count * 10e-6 - outageS)).toBeLessThan(0.05)
    expect(sink.sampleCount).toBe(first.truth.samplesProduced + virtual.emulator.truth.samplesProduced)
    expect(sink.warnings.some((w) => /back; capture resumed/.test(w))).toBe(true)
    const mean = [...sink.entries()].reduce((s, [, , c]) => s + c, 0) / sink.sampleCount
    expect(Math.abs(mean - 1e-3) / 1e-3).toBeLessThan(0.005)
  })

  it('names the port and the fix when the port does not answer like a PPK2 (the debug shell)', async () => {
    const pair: PtyPair = await openPtyPair('ppk2-shell')
    cleanups.push(() => pair.close())
    const shell: SerialTransport = await openSerial(pair.devicePath)
    cleanups.push(() => shell.close())
    shell.onData(() => void shell.write('\r\nuart:~$ '))
    const host = await openSerial(pair.hostPath)
    cleanups.push(() => host.close())
    const error = await Ppk2Driver.open(host, { metadataTimeoutS: 0.5 }).catch((e: Error) => e)
    expect(error).toBeInstanceOf(Ppk2Error)
    expect((error as Error).message).toContain(pair.hostPath)
    expect((error as Error).message).toMatch(/debug shell.*open the other one/)
  })

  it('opens a discovered unit on whichever of its two ports answers, and finds it again by serial number', async () => {
    const shellPair: PtyPair = await openPtyPair('ppk2-shell')
    cleanups.push(() => shellPair.close())
    const shell = await openSerial(shellPair.devicePath)
    cleanups.push(() => shell.close())
    shell.onData(() => void shell.write('\r\nuart:~$ '))
    const virtual = await createVirtualPpk2(constantCurrent(1e-3))
    cleanups.push(() => virtual.close())
    // Preferred port is the shell here: the driver must move on to the other one.
    const choice = { path: shellPair.hostPath, otherPaths: [virtual.hostPath], serialNumber: 'C0FFEE01', interfaceNumber: 0 }
    const driver = await openPpk2(choice, { metadataTimeoutS: 0.5 })
    cleanups.push(() => driver.close())
    expect(driver.identity).toMatchObject({ location: virtual.hostPath, serial: 'C0FFEE01' })
    await driver.close()
    const reopen = reopenBySerial('C0FFEE01', async () => [{ ...choice, path: virtual.hostPath, otherPaths: [] }])
    const again = await reopen()
    expect(again.path).toBe(virtual.hostPath)
    await again.close()
    await expect(reopenBySerial('NOPE', async () => [choice])()).rejects.toThrow(/PPK2 NOPE is not attached/)
    await expect(openPpk2({ ...choice, otherPaths: [] }, { metadataTimeoutS: 0.3 })).rejects.toThrow(
      new RegExp(`No serial port of the PPK2 C0FFEE01 answered.*${shellPair.hostPath}.*debug shell`)
    )
  })

  it('names the port when the metadata is garbage', async () => {
    const pair: PtyPair = await openPtyPair('ppk2-bad')
    cleanups.push(() => pair.close())
    const device = await openSerial(pair.devicePath)
    cleanups.push(() => device.close())
    device.onData((b) => {
      if (b.includes(0x19)) void device.write('Calibrated: 1\nR0: 10x3.5\nEND\n')
    })
    const host = await openSerial(pair.hostPath)
    cleanups.push(() => host.close())
    await expect(Ppk2Driver.open(host, { metadataTimeoutS: 1 })).rejects.toThrow(
      new RegExp(`${pair.hostPath}.*not a number: "R0: 10x3.5".*Replug`)
    )
  })
})
