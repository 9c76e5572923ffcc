/**
 * LPM01A captures through the real capture pipeline into a real SQLite workspace: raw words kept and
 * decoded by the registered format, gaps and D7 marks stored, energy integrals exact.
 */
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { CaptureSession } from '../../src-main/capture/capture-session'
import { Lpm01aDriver } from '../../src-main/instruments/lpm01a/driver'
import type { ScheduledFault } from '../../src-main/instruments/lpm01a/emulator'
import { LPM01A_BAUD } from '../../src-main/instruments/lpm01a/protocol'
import { createVirtualLpm01a, type VirtualLpm01a } from '../../src-main/instruments/lpm01a/virtual'
import { RecordingStore } from '../../src-main/store/recording-store'
import { openWorkspace } from '../../src-main/store/workspace'
import { openSerial } from '../../src-main/transports/serial'
import type { DutSignal } from '../../src-main/virtual-bench/dut-signal'
import { windowSignal } from '../helpers/lpm01a-bench'

const zeroClock = { nowS: () => 0 }
const workspace = () => openWorkspace(join(mkdtempSync(join(tmpdir(), 'jb-lpm01a-')), 'w.db'))

describe('LPM01A into the recording store', () => {
  let bench: VirtualLpm01a | undefined
  let driver: Lpm01aDriver | undefined
  afterEach(async () => {
    await driver?.close().catch(() => {})
    await bench?.close()
    driver = bench = undefined
  })

  async function record(signal: DutSignal, settings: Parameters<Lpm01aDriver['configure']>[0], faults: ScheduledFault[] = []) {
    bench = await createVirtualLpm01a(signal, zeroClock, { pace: 'fast', faults })
    driver = await Lpm01aDriver.open(await openSerial(bench.hostPath, LPM01A_BAUD), { virtual: true })
    driver.configure(settings)
    const db = workspace()
    const session = await CaptureSession.start(db, driver, { name: 'lpm01a', ...driver.recordingFormat })
    await driver.waitForEnd()
    const info = await session.stop()
    return { store: new RecordingStore(db), info }
  }

  it('keeps an energy-mode run (MLCommons setup) with exact energy and the D7 marks', async () => {
    const windows: Array<[number, number]> = [
      [0.3005, 0.7005],
      [1.2, 1.9]
    ]
    const { store, info } = await record(windowSignal(windows, 1e-3, 9e-3), {
      sampleRateHz: 1000,
      format: 'ascii_dec',
      output: 'energy',
      acquisitionTimeS: 2,
      supplyV: 2.5
    })
    expect(info.state).toBe('finished')
    expect(info.sampleCount).toBe(2000)
    expect(info.rawFormat).toBe('lpm01a-ascii-v1')
    expect(info.supplyV).toBe(2.5)
    const stats = store.stats(info.id)
    const expectedJ = 2.5 * (1e-3 * 2 + (9e-3 - 1e-3) * 1.1)
    expect(Math.abs(stats.energyJ! - expectedJ) / expectedJ).toBeLessThan(1e-3)
    expect(store.marks(info.id)).toEqual([
      { index: 300, label: 'D7 falling' },
      { index: 1200, label: 'D7 falling' }
    ])
    // the store's own decoding of the raw words gives the current the driver delivered
    const read = store.reader(info.id).read(0, 2000).currentA
    expect(read[500]).toBeCloseTo(9e-3, 5)
    expect(read[100]).toBeCloseTo(1e-3, 5)
  })

  it('keeps a 100 kHz bin_hexa run with an overflow as an exact gap', async () => {
    const flat: DutSignal = {
      render(_t, _p, c, d) {
        c.fill(2.5e-3)
        d.fill(0x80)
      }
    }
    const { store, info } = await record(flat, { sampleRateHz: 100_000, format: 'bin_hexa', acquisitionTimeS: 0.5 }, [
      { atSample: 20_000, fault: { kind: 'overflow', lostSamples: 3_000 } }
    ])
    expect(info.rawFormat).toBe('lpm01a-hexa-v1')
    expect(info.sampleCount).toBe(50_000)
    expect(store.gaps(info.id)).toEqual([{ startIndex: 20_000, count: 3_000, reason: expect.stringMatching(/overflow/) }])
    const stats = store.stats(info.id)
    expect(stats.count).toBe(47_000)
    // 2.5 mA travels as 0x5A3D = 2621 × 16^-5 A = 2.4996 mA
    expect(Math.abs(stats.currentA.mean! - 2.5e-3) / 2.5e-3).toBeLessThan(0.002)
    expect(store.warnings(info.id).map((w) => w.message).join('\n')).toMatch(/3000 samples were lost/)
  })
})
