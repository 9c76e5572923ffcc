import { afterEach, describe, expect, it } from 'vitest'
import { Lpm01aDriver } from '../../src-main/instruments/lpm01a/driver'
import { createVirtualLpm01a, lpm01aVirtualInstrument, type VirtualLpm01a } from '../../src-main/instruments/lpm01a/virtual'
import { demoBoardSignal } from '../../src-main/virtual-bench/demo-board'
import { findVirtualInstrument } from '../../src-main/virtual-bench'
import { decodeRawSample } from '../../src-main/instruments/lpm01a/sample-formats'
import { LPM01A_BAUD } from '../../src-main/instruments/lpm01a/protocol'
import { openSerial } from '../../src-main/transports/serial'
import { realTimeClock, type BenchClock, type DutSignal } from '../../src-main/virtual-bench/dut-signal'
import { RecordingSink, settableSignal, windowSignal } from '../helpers/lpm01a-bench'

const zeroClock = { nowS: () => 0 }

describe('LPM01A driver against the emulated board over a pty', () => {
  let bench: VirtualLpm01a | undefined
  let driver: Lpm01aDriver | undefined
  afterEach(async () => {
    await driver?.close().catch(() => {})
    await bench?.close()
    driver = bench = undefined
  })

  async function connect(signal: DutSignal, options: Parameters<typeof createVirtualLpm01a>[2] = {}, clock: BenchClock = zeroClock) {
    bench = await createVirtualLpm01a(signal, clock, { pace: 'fast', keepTruth: true, ...options })
    driver = await Lpm01aDriver.open(await openSerial(bench.hostPath, LPM01A_BAUD), { virtual: true })
    return { bench, driver }
  }

  it('opens the board: takes control, reads its id and firmware, and releases control on stop', async () => {
    const { bench, driver } = await connect(settableSignal(1e-3), { boardId: '540554545-1430736921-1900587', firmware: '1.0.7' })
    expect(driver.identity).toMatchObject({
      id: 'virtual:lpm01a',
      family: 'lpm01a',
      kind: 'power-analyzer',
      serial: '540554545-1430736921-1900587',
      firmware: '1.0.7',
      virtual: true,
      location: bench.hostPath
    })
    expect(bench.emulator.truth().hostControl).toBe(true)
    await driver.stop()
    expect(bench.emulator.truth().commands.slice(-1)).toEqual(['hrc'])
    expect(bench.emulator.truth().hostControl).toBe(false)
  })

  it('captures exactly 100 000 samples in 1 s at 100 kHz in bin_hexa, each within 0.5 % of the programmed 1 mA', async () => {
    const { bench, driver } = await connect(settableSignal(1e-3))
    driver.configure({ sampleRateHz: 100_000, format: 'bin_hexa', acquisitionTimeS: 1 })
    const sink = new RecordingSink()
    await driver.start(sink)
    const summary = await driver.waitForEnd()
    expect(summary).toMatchObject({ samples: 100_000, slots: 100_000, gaps: 0, endedBy: 'end-of-acquisition', anomalyBytes: 0 })
    expect(sink.sampleCount).toBe(100_000)
    expect(sink.checkContiguous()).toBeNull()
    expect(sink.warnings).toEqual([])
    let worst = 0
    for (const i of sink.currents()) worst = Math.max(worst, Math.abs(i - 1e-3) / 1e-3)
    expect(worst).toBeLessThan(0.005)
    // raw words are the board's words, unchanged
    expect(sink.raws()).toEqual(bench.emulator.truth().acquisitions[0].words)
    await driver.stop()
    const sent = bench.emulator.truth().commands
    expect(sent).toEqual(expect.arrayContaining(['htc', 'format bin_hexa', 'freq 100k', 'acqtime 1', 'eventsrc d7 fal', 'start', 'hrc']))
  })

  it('captures exactly 10 000 samples in 1 s at 10 kHz in ascii_dec', async () => {
    const { driver } = await connect(settableSignal(640.9e-6))
    driver.configure({ sampleRateHz: 10_000, format: 'ascii_dec', acquisitionTimeS: 1 })
    const sink = new RecordingSink()
    await driver.start(sink)
    const summary = await driver.waitForEnd()
    expect(summary).toMatchObject({ samples: 10_000, gaps: 0, endedBy: 'end-of-acquisition' })
    expect(sink.checkContiguous()).toBeNull()
    for (const i of sink.currents()) expect(Math.abs(i - 640.9e-6) / 640.9e-6).toBeLessThan(0.005)
    // ascii raw words decode back to the text value
    expect(decodeRawSample(sink.raws()[0], 'ascii_dec')).toBeCloseTo(6409e-7, 12)
  })

  it('reads currents from 100 nA to 50 mA within 0.5 % in both formats', async () => {
    const signal = settableSignal(0)
    const { driver } = await connect(signal)
    const levels = [100e-9, 237e-9, 1e-6, 4.7e-6, 13e-6, 100e-6, 820e-6, 3.3e-3, 10e-3, 27e-3, 50e-3]
    for (const format of ['bin_hexa', 'ascii_dec'] as const) {
      driver.configure({ format, sampleRateHz: format === 'bin_hexa' ? 100_000 : 10_000, acquisitionTimeS: 0.02 })
      for (const level of levels) {
        signal.currentA = level
        const sink = new RecordingSink()
        await driver.start(sink)
        const summary = await driver.waitForEnd()
        expect(summary.samples).toBe(format === 'bin_hexa' ? 2000 : 200)
        let worst = 0
        for (const i of sink.currents()) worst = Math.max(worst, Math.abs(i - level) / level)
        expect(worst, `${format} at ${level} A`).toBeLessThan(0.005)
      }
    }
  })

  it('records energy output at 1 kHz (MLCommons setup): energy exact, D7 falling edges as marks', async () => {
    // 1.8 V supply; 2 mA baseline, 12 mA inside four inference windows, D7 pulsed low at each start
    const windows: Array<[number, number]> = [
      [0.2005, 0.4005],
      [0.6123, 0.9],
      [1.1, 1.35],
      [1.5507, 1.8]
    ]
    const { driver } = await connect(windowSignal(windows, 2e-3, 12e-3))
    driver.configure({ sampleRateHz: 1000, format: 'ascii_dec', output: 'energy', acquisitionTimeS: 2, supplyV: 1.8 })
    const sink = new RecordingSink()
    await driver.start(sink)
    const summary = await driver.waitForEnd()
    expect(summary.samples).toBe(2000)
    expect(driver.supplyV).toBe(1.8)
    // analytic: E = V × (I_low × 2 s + (I_high − I_low) × Σ window lengths)
    const windowS = windows.reduce((s, [a, b]) => s + (b - a), 0)
    const expectedJ = 1.8 * (2e-3 * 2 + (12e-3 - 2e-3) * windowS)
    let gotJ = 0
    for (const i of sink.currents()) gotJ += i * 1.8 * 1e-3
    expect(Math.abs(gotJ - expectedJ) / expectedJ).toBeLessThan(1e-3)
    // energy between the marks of the first window = V × I_high × its length (± one sample at each edge)
    expect(sink.marks.map((m) => m.index)).toEqual(windows.map(([s]) => Math.floor(s * 1000)))
    expect(sink.marks.every((m) => m.label === 'D7 falling')).toBe(true)
    const currents = sink.currents()
    let firstWindowJ = 0
    for (let i = sink.marks[0].index; i < sink.marks[1].index; i++) firstWindowJ += currents[i] * 1.8e-3
    const analytic = 1.8 * (12e-3 * 0.2 + 2e-3 * (0.6123 - 0.4005))
    expect(Math.abs(firstWindowJ - analytic)).toBeLessThan(2 * 1.8 * 12e-3 * 1e-3)
  })

  it('refuses settings the board refuses, naming the limit, before sending anything', async () => {
    const { driver } = await connect(settableSignal(1e-3))
    expect(() => driver.configure({ format: 'ascii_dec', sampleRateHz: 100_000 })).toThrow(/ascii_dec is limited to 20 kHz/)
    expect(() => driver.configure({ format: 'ascii_dec', sampleRateHz: 10_000, acquisitionTimeS: 'inf' })).toThrow(/limited to 1 s/)
    expect(() => driver.configure({ output: 'energy', sampleRateHz: 50_000 })).toThrow(/energy output is limited to 10 kHz/)
    expect(() => driver.configure({ supplyV: 3.6 })).toThrow(/1\.8–3\.3 V/)
  })

  it('reports the board refusing a command with its error detail', async () => {
    const { driver } = await connect(settableSignal(1e-3))
    // the emulator enforces the ascii_dec limit itself: bypass the driver's own check
    await driver.command({ name: 'format', format: 'ascii_dec' })
    await driver.command({ name: 'freq', hz: 50_000 })
    await expect(driver.command({ name: 'start' })).rejects.toThrow(/refused `start`: ascii_dec is limited to 20 kHz/)
  })

  it('stops an unlimited acquisition on request and keeps every sample that arrived', async () => {
    const { bench, driver } = await connect(settableSignal(2e-3), { pace: 'real-time' }, realTimeClock)
    driver.configure({ sampleRateHz: 10_000, format: 'bin_hexa', acquisitionTimeS: 'inf' })
    const sink = new RecordingSink()
    await driver.start(sink)
    while (sink.sampleCount < 3000) await new Promise((r) => setTimeout(r, 20))
    // a command during a bin_hexa acquisition: its ack comes back in a frame
    await expect(driver.command({ name: 'pwr', state: 'off' })).resolves.toMatchObject({ words: ['pwr', 'off'] })
    const atOff = sink.sampleCount
    while (sink.sampleCount < atOff + 500) await new Promise((r) => setTimeout(r, 20))
    expect(sink.currents()[sink.sampleCount - 1]).toBe(0) // the target is unpowered now
    await driver.stop()
    const truth = bench.emulator.truth().acquisitions[0]
    expect(truth.endedBy).toBe('stop')
    expect(driver.lastCapture).toMatchObject({ endedBy: 'stopped', gaps: 0 })
    expect(sink.sampleCount).toBe(truth.samplesSent)
    expect(sink.checkContiguous()).toBeNull()
  })

  it('is listed on the virtual bench and captures the demo board in real time', async () => {
    expect(findVirtualInstrument('lpm01a')).toBe(lpm01aVirtualInstrument)
    const demo = demoBoardSignal()
    const running = await lpm01aVirtualInstrument.start({ clock: realTimeClock, signal: demo })
    try {
      const d = await Lpm01aDriver.open(await openSerial(running.hostPath, LPM01A_BAUD), { virtual: true })
      expect(d.identity).toMatchObject({ ...lpm01aVirtualInstrument.identity, location: running.hostPath })
      d.configure({ sampleRateHz: 1000, format: 'bin_hexa', acquisitionTimeS: 0.2 })
      const sink = new RecordingSink()
      await d.start(sink)
      expect((await d.waitForEnd()).samples).toBe(200)
      // every sample is the board's sleep or active current (with the demo's ±3 % ripple)
      for (const i of sink.currents()) {
        const near = (a: number, tol: number) => Math.abs(i - a) / a < tol
        expect(near(demo.truth.sleepA, 0.015) || near(demo.truth.activeA, 0.035)).toBe(true)
      }
      await d.close()
    } finally {
      await running.close()
    }
  })
})
