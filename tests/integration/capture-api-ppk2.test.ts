import { afterEach, beforeAll, describe, expect, it } from 'vitest'
import type { JoulebenchCore } from '../../src-main/api/core'
import { createVirtualPpk2, type VirtualPpk2 } from '../../src-main/instruments/ppk2/virtual'
import { VIRTUAL_INSTRUMENTS } from '../../src-main/virtual-bench'
import type { DutSignal } from '../../src-main/virtual-bench/dut-signal'
import { call, makeCore, recordEvents, refusal, waitFor } from '../helpers/api'

const PPK2 = 'virtual:ppk2'
const DUT_A = 0.005

/** The DUT on the bench: a steady 5 mA, D0 high throughout, D3 toggling every millisecond of bench time. */
const steadyDut: DutSignal = {
  render(t0S, periodS, currentA, digital) {
    for (let i = 0; i < currentA.length; i++) {
      currentA[i] = DUT_A
      digital[i] = 1 | (Math.floor((t0S + i * periodS) * 1000) % 2 ? 8 : 0)
    }
  }
}

/** Keep each virtual PPK2 the bench starts, so a test can pull its cable. */
const units: VirtualPpk2[] = []

describe('capture API with the virtual PPK2 (driver and emulator over a real pty)', () => {
  let core: JoulebenchCore
  beforeAll(() => {
    const k = VIRTUAL_INSTRUMENTS.findIndex((v) => v.identity.id === PPK2)
    expect(k).toBeGreaterThanOrEqual(0)
    const entry = VIRTUAL_INSTRUMENTS[k]
    VIRTUAL_INSTRUMENTS[k] = {
      ...entry,
      async start({ clock, signal }) {
        const v = await createVirtualPpk2(signal, clock)
        units.push(v)
        return { hostPath: v.hostPath, close: () => v.close() }
      }
    }
  })
  afterEach(async () => {
    await core?.close()
  })

  it('opens the PPK2 panel, checks settings against the Power Profiler limits, and records 1 s exactly', async () => {
    core = makeCore()
    core.bench.plugDut(steadyDut)
    const events = recordEvents(core)
    const panel = await call(core, 'capture.connect', { instrumentId: PPK2 })
    expect(panel.identity.model).toMatch(/Power Profiler Kit II/)
    expect(panel.capabilities).toMatchObject({ modes: ['source', 'ampere'], supplyV: { min: 0.8, max: 5 }, dutPower: true })
    expect(panel.capabilities.userGains?.ranges).toHaveLength(5)
    expect(panel.settings).toMatchObject({ mode: 'source', dutPower: true })
    expect((await refusal(core, 'capture.configure', { instrumentId: PPK2, supplyV: 5.5 })).message).toBe(
      'Nordic Power Profiler Kit II (virtual bench): the supply voltage must be from 0.8 V to 5 V, got 5.5 V.'
    )
    expect((await refusal(core, 'capture.configure', { instrumentId: PPK2, userGains: [1, 1, 1.2, 1, 1] })).message).toMatch(/user gain of range 0.5 – 5 mA must be from 0.9 to 1.1, got 1.2/)
    expect((await call(core, 'capture.configure', { instrumentId: PPK2, supplyV: 1.8 })).settings.supplyV).toBe(1.8)
    const filtered = await call(core, 'capture.configure', { instrumentId: PPK2, spikeFilter: { samples: 5, alpha: 0.2, alphaHighRange: 0.1 } })
    expect(filtered.settings.spikeFilter).toEqual({ samples: 5, alpha: 0.2, alphaHighRange: 0.1 })

    const { recordingId } = await call(core, 'capture.start', { instrumentId: PPK2, durationS: 1, name: 'ppk2 steady' })
    // During the capture the supply is fixed (the recording keeps it); DUT power is not.
    expect((await refusal(core, 'capture.configure', { instrumentId: PPK2, supplyV: 3 })).message).toMatch(/only DUT power can change during a capture, not supplyV/)
    const ended = await waitFor(events, (e) => e.event === 'capture.state' && e.data.state !== 'recording' && e.data, 'the capture to end')
    expect(ended.state).toBe('finished')

    const info = (await call(core, 'recordings.get', { id: recordingId })).recording
    expect(info).toMatchObject({ sampleCount: 100_000, gapSamples: 0, supplyV: 1.8, rawFormat: 'ppk2-word-v1', samplePeriodS: 1e-5 })
    const s = await call(core, 'recordings.stats', { id: recordingId })
    expect(s.count).toBe(100_000)
    expect(Math.abs(s.currentA.mean! / DUT_A - 1)).toBeLessThan(0.005)
    expect(s.energyJ! / (1.8 * s.chargeC!)).toBeCloseTo(1, 9)
    // D0 high in every column; D3 toggles each millisecond, so a 5-ms column saw it both high and low.
    const v = await call(core, 'recordings.view', { id: recordingId, fromS: 0, toS: 1, widthPx: 200 })
    expect(v.tS.length).toBeGreaterThan(100)
    for (let c = 0; c < v.tS.length; c++) {
      expect(v.digitalAll![c] & 1).toBe(1)
      expect([v.digitalAll![c] & 8, v.digitalAny![c] & 8]).toEqual([0, 8])
    }
    // Opened by the panel: still open, and still in source mode at 1.8 V.
    expect((await call(core, 'capture.status', {})).instruments[0].settings).toMatchObject({ mode: 'source', supplyV: 1.8 })
  })

  it('shows a live PPK2 capture beyond what is committed, then ends as interrupted when the cable is pulled', async () => {
    core = makeCore()
    core.bench.plugDut(steadyDut)
    const events = recordEvents(core)
    const { recordingId } = await call(core, 'capture.start', { instrumentId: PPK2, mode: 'ampere', supplyV: 3 })
    await waitFor(events, (e) => e.event === 'capture.progress' && e.data.sampleCount >= 150_000 && e.data, '1.5 s of samples')
    const live = (await call(core, 'recordings.get', { id: recordingId })).recording
    expect(live.live).toBe(true)
    const v = await call(core, 'recordings.view', { id: recordingId, fromS: Math.max(0, live.durationS - 0.5), toS: live.durationS, widthPx: 500 })
    expect(v.live).toBe(true)
    expect(v.tS.length).toBe(500)
    // The newest half second, all from the live tail: no empty columns, every one near the DUT's 5 mA.
    for (let c = 0; c < v.tS.length; c++) expect(Math.abs(v.mean[c] / DUT_A - 1)).toBeLessThan(0.05)

    await units.at(-1)!.unplug()
    const ended = await waitFor(events, (e) => e.event === 'capture.state' && e.data.state !== 'recording' && e.data, 'the capture to end')
    expect(ended.state).toBe('interrupted')
    expect(ended.reason).toMatch(/Power Profiler Kit II.*virtual bench.*lost/)
    const info = (await call(core, 'recordings.get', { id: recordingId })).recording
    expect(info.state).toBe('interrupted')
    expect(info.supplyV).toBe(3)
    expect(info.sampleCount).toBeGreaterThanOrEqual(live.sampleCount)
    const s = await call(core, 'recordings.stats', { id: recordingId })
    expect(s.count + s.gapSamples).toBe(info.sampleCount)
    expect(Math.abs(s.currentA.mean! / DUT_A - 1)).toBeLessThan(0.005)
    await waitFor(events, (e) => e.event === 'capture.connection' && !e.data.connected && e.data, 'the PPK2 to close')
  })
})
