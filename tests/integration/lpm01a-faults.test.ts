import { afterEach, describe, expect, it } from 'vitest'
import { Lpm01aDriver } from '../../src-main/instruments/lpm01a/driver'
import type { ScheduledFault } from '../../src-main/instruments/lpm01a/emulator'
import { LPM01A_BAUD } from '../../src-main/instruments/lpm01a/protocol'
import { createVirtualLpm01a, type VirtualLpm01a } from '../../src-main/instruments/lpm01a/virtual'
import { openPtyPair, type PtyPair } from '../../src-main/transports/pty-pair'
import { openSerial, type SerialTransport } from '../../src-main/transports/serial'
import type { DutSignal } from '../../src-main/virtual-bench/dut-signal'
import { RecordingSink, settableSignal } from '../helpers/lpm01a-bench'

const zeroClock = { nowS: () => 0 }

/** 1 mA rising linearly by 1 mA per second: a sample's value tells the time it was measured at. */
const ramp: DutSignal = {
  render(t0S, periodS, currentA, digital) {
    for (let i = 0; i < currentA.length; i++) currentA[i] = 1e-3 * (1 + t0S + i * periodS)
    digital.fill(0x80)
  }
}

describe('LPM01A faults: every one ends in a clear message and keeps what arrived', () => {
  let bench: VirtualLpm01a | undefined
  let driver: Lpm01aDriver | undefined
  let pair: PtyPair | undefined
  const ports: SerialTransport[] = []
  afterEach(async () => {
    await driver?.close().catch(() => {})
    await bench?.close()
    for (const p of ports.splice(0)) await p.close()
    await pair?.close()
    driver = bench = pair = undefined
  })

  async function capture(format: 'bin_hexa' | 'ascii_dec', faults: ScheduledFault[], signal: DutSignal = ramp) {
    bench = await createVirtualLpm01a(signal, zeroClock, { pace: 'fast', keepTruth: true, faults })
    driver = await Lpm01aDriver.open(await openSerial(bench.hostPath, LPM01A_BAUD), { virtual: true })
    const fs = format === 'bin_hexa' ? 100_000 : 10_000
    driver.configure({ format, sampleRateHz: fs, acquisitionTimeS: 1 })
    const sink = new RecordingSink()
    let disconnect: string | null = null
    driver.onDisconnect((m) => (disconnect = m))
    await driver.start(sink)
    const summary = await driver.waitForEnd()
    return { sink, summary, fs, truth: bench.emulator.truth().acquisitions[0], disconnect: () => disconnect }
  }

  for (const format of ['bin_hexa', 'ascii_dec'] as const) {
    it(`${format}: an overcurrent ends the capture with a warning, keeps every sample before it, and marks the rest as a gap`, async () => {
      const at = format === 'bin_hexa' ? 30_000 : 3_000
      const { sink, summary, truth, fs } = await capture(format, [{ atSample: at, fault: { kind: 'overcurrent' } }])
      expect(truth.endedBy).toBe('overcurrent')
      expect(summary.endedBy).toBe('overcurrent')
      expect(sink.sampleCount).toBe(at)
      expect(sink.raws()).toEqual(truth.words)
      expect(sink.warnings).toEqual([expect.stringMatching(new RegExp(`overcurrent at sample ${at}.*cut its power.*kept`))])
      expect(sink.gaps).toEqual([{ startIndex: at, count: fs - at, reason: expect.stringMatching(/overcurrent/) }])
      expect(sink.checkContiguous()).toBeNull()
    })

    it(`${format}: a buffer overflow becomes an exact gap, and later samples keep their true times`, async () => {
      const at = format === 'bin_hexa' ? 12_345 : 1_234
      const lost = format === 'bin_hexa' ? 5_000 : 500
      const { sink, summary, truth, fs } = await capture(format, [{ atSample: at, fault: { kind: 'overflow', lostSamples: lost } }])
      expect(truth.losses).toEqual([{ atSample: at, count: lost }])
      expect(sink.gaps).toEqual([{ startIndex: at, count: lost, reason: expect.stringMatching(/overflow/) }])
      expect(summary).toMatchObject({ samples: fs - lost, slots: fs, lostSamples: lost, endedBy: 'end-of-acquisition' })
      expect(sink.warnings.join('\n')).toMatch(new RegExp(`${lost} samples were lost before 1\\.000 s`))
      expect(sink.checkContiguous()).toBeNull()
      // the ramp tells each sample's time: slot k must read 1 mA × (1 + k / fs), gap or not
      for (const b of sink.blocks) {
        for (let i = 0; i < b.currentA.length; i += 97) {
          const k = b.startIndex + i
          expect(Math.abs(b.currentA[i] - 1e-3 * (1 + k / fs)) / (1e-3 * (1 + k / fs)), `slot ${k}`).toBeLessThan(0.005)
        }
      }
    })

    it(`${format}: garbage in the stream is counted and reported, and the samples around it are kept`, async () => {
      const at = format === 'bin_hexa' ? 20_000 : 2_000
      const { sink, truth } = await capture(format, [{ atSample: at, fault: { kind: 'garbage', byteCount: 101, seed: 42 } }], settableSignal(1e-3))
      expect(sink.warnings.length).toBeGreaterThan(0)
      expect(sink.warnings.join('\n')).toMatch(/could not be decoded|more samples arrived|samples were lost/)
      const raws = sink.raws()
      // everything before the garbage arrived intact
      expect(raws.subarray(0, at)).toEqual(truth.words.subarray(0, at))
      expect(sink.checkContiguous()).toBeNull()
      // and the stream recovered: the last samples are the board's last samples
      expect(raws.subarray(raws.length - 100)).toEqual(truth.words.subarray(truth.words.length - 100))
    })

    it(`${format}: a pulled cable ends the capture with a message; every sample received is kept`, async () => {
      const at = format === 'bin_hexa' ? 50_000 : 5_000
      const { sink, summary, truth, disconnect } = await capture(format, [{ atSample: at, fault: { kind: 'unplug' } }])
      expect(truth.endedBy).toBe('unplug')
      expect(summary.endedBy).toBe('disconnected')
      expect(disconnect()).toMatch(/LPM01A at .*host disconnected .* after \d+ samples; everything received up to then is kept.*Reconnect/)
      expect(sink.warnings.join('\n')).toMatch(/disconnected/)
      const raws = sink.raws()
      expect(raws.length).toBeGreaterThan(0)
      expect(raws.length).toBeLessThanOrEqual(truth.samplesSent)
      expect(raws).toEqual(truth.words.subarray(0, raws.length))
      expect(sink.gaps).toEqual([{ startIndex: raws.length, count: 100_000 / (format === 'bin_hexa' ? 1 : 10) - raws.length, reason: expect.stringMatching(/disconnected/) }])
      await expect(driver!.command({ name: 'status' })).rejects.toThrow(/disconnected.*reconnect/)
    })
  }

  it('trips on a real overcurrent from the DUT (above 59 mA for 1 ms) and keeps the samples before it', async () => {
    const signal: DutSignal = {
      render(t0S, periodS, currentA, digital) {
        for (let i = 0; i < currentA.length; i++) currentA[i] = Math.round((t0S + i * periodS) * 1e6) >= 300_000 ? 65e-3 : 40e-3
        digital.fill(0x80)
      }
    }
    const { sink, summary, truth } = await capture('bin_hexa', [], signal)
    expect(summary.endedBy).toBe('overcurrent')
    // 65 mA from 0.3 s; the trip needs 1 ms above 59 mA: samples 30 000 … 30 099 are over, the 100th trips
    expect(sink.sampleCount).toBe(30_099)
    expect(sink.raws()).toEqual(truth.words)
    expect(sink.warnings[0]).toMatch(/overcurrent/)
  })

  it('carries 150 mA in static mode, whose range ends at 200 mA, without tripping', async () => {
    bench = await createVirtualLpm01a(settableSignal(150e-3), zeroClock, { pace: 'fast' })
    driver = await Lpm01aDriver.open(await openSerial(bench.hostPath, LPM01A_BAUD), { virtual: true })
    driver.configure({ acquisitionMode: 'stat', format: 'bin_hexa', sampleRateHz: 1000, acquisitionTimeS: 0.5 })
    expect(driver.ranges).toEqual([expect.objectContaining({ minA: 1e-9, maxA: 0.2 })])
    const sink = new RecordingSink()
    await driver.start(sink)
    expect(await driver.waitForEnd()).toMatchObject({ samples: 500, overcurrent: false, endedBy: 'end-of-acquisition' })
    for (const i of sink.currents()) expect(Math.abs(i - 0.15) / 0.15).toBeLessThan(0.005)
  })

  it('connects to a board a previous session left streaming, by quieting it first', async () => {
    bench = await createVirtualLpm01a(settableSignal(5e-3), undefined, { initialState: 'streaming' })
    await new Promise((r) => setTimeout(r, 100)) // let stale samples pile up in the port
    driver = await Lpm01aDriver.open(await openSerial(bench.hostPath, LPM01A_BAUD), { virtual: true })
    expect(driver.identity.serial).toBe('VIRTUAL-LPM01A')
    expect(bench.emulator.truth().commands.slice(0, 2)).toEqual(['stop', 'htc'])
    driver.configure({ format: 'ascii_dec', sampleRateHz: 1000, acquisitionTimeS: 0.1 })
    const sink = new RecordingSink()
    await driver.start(sink)
    expect((await driver.waitForEnd()).samples).toBe(100)
  })

  it('says what it sent, what it expected and what to check when nothing answers', async () => {
    pair = await openPtyPair()
    const silent = await openSerial(pair.devicePath)
    ports.push(silent)
    const host = await openSerial(pair.hostPath, LPM01A_BAUD)
    ports.push(host)
    await expect(Lpm01aDriver.open(host, { replyTimeoutS: 0.3 })).rejects.toThrow(
      /LPM01A at .*host did not answer `htc`: expected `ack htc` within 0\.3 s, received nothing\. Check that the board is plugged in/
    )
  })

  it('names what a wrong device sent back', async () => {
    pair = await openPtyPair()
    const chatty = await openSerial(pair.devicePath)
    ports.push(chatty)
    chatty.onData(() => void chatty.write('OK\r\nREADY\r\n'))
    const host = await openSerial(pair.hostPath, LPM01A_BAUD)
    ports.push(host)
    await expect(Lpm01aDriver.open(host, { replyTimeoutS: 0.3 })).rejects.toThrow(/did not answer `htc`.*received "OK", "READY"/)
  })
})
