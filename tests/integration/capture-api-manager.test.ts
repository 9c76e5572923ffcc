import { afterEach, beforeAll, describe, expect, it } from 'vitest'
import type { JoulebenchCore } from '../../src-main/api/core'
import { ANALYZER_FAMILIES } from '../../src-main/instruments/analyzers'
import { VIRTUAL_INSTRUMENTS } from '../../src-main/virtual-bench'
import { call, makeCore, recordEvents, refusal, waitFor } from '../helpers/api'
import { METER_PERIOD_S, meterCurrentA, meterDigital, registerTestMeter, testMeterFamily, testMeterVirtual, type TestMeterEmulator } from '../helpers/capture-test-meter'

const METER = 'virtual:test-meter'
const emulators: TestMeterEmulator[] = []

/** Truth over sample slots [a, b) of the test meter's signal. */
function truth(a: number, b: number) {
  let sum = 0
  let min = Infinity
  let max = -Infinity
  let and = 0xff
  let or = 0
  for (let i = a; i < b; i++) {
    const v = meterCurrentA(i)
    sum += v
    min = Math.min(min, v)
    max = Math.max(max, v)
    and &= meterDigital(i)
    or |= meterDigital(i)
  }
  return { count: b - a, mean: sum / (b - a), sum, min, max, and, or }
}

describe('capture API with a virtual analyzer over a real pty', () => {
  let core: JoulebenchCore
  beforeAll(() => {
    ANALYZER_FAMILIES.push(testMeterFamily)
    registerTestMeter()
    VIRTUAL_INSTRUMENTS.push(testMeterVirtual(emulators))
  })
  afterEach(async () => {
    await core?.close()
  })

  it('captures for a set duration: exactly that many samples, progress, then finished', async () => {
    core = makeCore()
    const events = recordEvents(core)
    const listed = await call(core, 'instruments.list', {})
    expect(listed.instruments.map((i) => i.id)).toContain(METER)
    const started = await call(core, 'capture.start', { instrumentId: METER, durationS: 0.8, name: 'timed' })
    expect(started).toMatchObject({ instrumentId: METER, state: 'recording', targetDurationS: 0.8, name: 'timed' })
    const ended = await waitFor(events, (e) => e.event === 'capture.state' && e.data.state !== 'recording' && e.data, 'the capture to end')
    expect(ended).toMatchObject({ instrumentId: METER, recordingId: started.recordingId, state: 'finished', reason: null })
    const progress = events.filter((e) => e.event === 'capture.progress').map((e) => e.data as { sampleCount: number; recent: { meanA: number | null } | null })
    expect(progress.length).toBeGreaterThan(0)
    expect(progress.at(-1)!.sampleCount).toBe(8000)

    const info = (await call(core, 'recordings.get', { id: started.recordingId })).recording
    expect(info).toMatchObject({ state: 'finished', sampleCount: 8000, gapSamples: 0, live: false })
    expect(info.instrument?.model).toBe('Test Meter')
    const s = await call(core, 'recordings.stats', { id: info.id })
    const t = truth(0, 8000)
    expect(s.count).toBe(8000)
    expect(s.currentA.mean!).toBeCloseTo(t.mean, 12)
    expect(s.currentA.min).toBe(t.min)
    expect(s.chargeC!).toBeCloseTo(t.sum * METER_PERIOD_S, 12)
    // Opened for the capture only, so closed again after it.
    await waitFor(events, (e) => e.event === 'capture.connection' && !e.data.connected, 'the instrument to close')
    expect((await call(core, 'capture.status', {})).instruments).toEqual([])
  })

  it('shows the recording live, beyond what is committed, and keeps one capture per instrument', async () => {
    core = makeCore()
    const events = recordEvents(core)
    const { recordingId } = await call(core, 'capture.start', { instrumentId: METER })
    expect((await refusal(core, 'capture.start', { instrumentId: METER })).message).toMatch(/Test Meter \(virtual bench\) is already capturing into recording \d+; stop that capture first/)
    await waitFor(events, (e) => e.event === 'capture.progress' && e.data.sampleCount >= 6000, '6,000 samples')
    const details = await call(core, 'recordings.get', { id: recordingId })
    expect(details.recording.live).toBe(true)
    const liveCount = details.recording.sampleCount
    const v = await call(core, 'recordings.view', { id: recordingId, fromS: 0, toS: liveCount * METER_PERIOD_S, widthPx: 300 })
    expect(v.live).toBe(true)
    expect(v.durationS).toBeGreaterThanOrEqual(liveCount * METER_PERIOD_S)
    // Every column agrees with the meter's signal over the samples it covers; none is empty.
    const n = v.tS.length
    expect(n).toBeGreaterThan(100)
    for (let c = 0; c < n; c++) {
      const a = Math.round(v.tS[c] / METER_PERIOD_S)
      const b = c + 1 < n ? Math.round(v.tS[c + 1] / METER_PERIOD_S) : liveCount
      const t = truth(a, b)
      expect([c, v.min[c], v.max[c], v.digitalAll![c], v.digitalAny![c]]).toEqual([c, t.min, t.max, t.and, t.or])
      expect(v.mean[c]).toBeCloseTo(t.mean, 7)
    }
    const status = await call(core, 'capture.status', {})
    expect(status.captures).toHaveLength(1)
    expect(status.captures[0].recent?.meanA).toBeGreaterThan(0)

    const info = await call(core, 'capture.stop', { instrumentId: METER })
    expect(info.state).toBe('finished')
    expect(info.gapSamples).toBe(0)
    const s = await call(core, 'recordings.stats', { id: recordingId })
    expect(s.count).toBe(info.sampleCount)
    expect(s.currentA.mean!).toBeCloseTo(truth(0, info.sampleCount).mean, 12)
    expect((await refusal(core, 'capture.stop', { instrumentId: METER })).message).toMatch(/No capture is running on virtual:test-meter/)
  })

  it('ends as interrupted when the cable is pulled, naming the device, with every sample before kept', async () => {
    core = makeCore()
    const events = recordEvents(core)
    const { recordingId } = await call(core, 'capture.start', { instrumentId: METER })
    await waitFor(events, (e) => e.event === 'capture.progress' && e.data.sampleCount >= 3000, '3,000 samples')
    await emulators.at(-1)!.unplug()
    const ended = await waitFor(events, (e) => e.event === 'capture.state' && e.data.state !== 'recording' && e.data, 'the capture to end')
    expect(ended.state).toBe('interrupted')
    expect(ended.reason).toMatch(/Test Meter.*virtual bench.*lost: device disconnected/)
    const info = (await call(core, 'recordings.get', { id: recordingId })).recording
    expect(info.state).toBe('interrupted')
    expect(info.sampleCount).toBeGreaterThanOrEqual(3000)
    const s = await call(core, 'recordings.stats', { id: recordingId })
    expect(s.count).toBe(info.sampleCount)
    expect(s.currentA.mean!).toBeCloseTo(truth(0, info.sampleCount).mean, 12)
    await waitFor(events, (e) => e.event === 'capture.connection' && !e.data.connected, 'the instrument to close')
  })

  it('opens an instrument for its panel, checks settings against its limits, and records the supply used', async () => {
    core = makeCore()
    const panel = await call(core, 'capture.connect', { instrumentId: METER })
    expect(panel.capabilities.supplyV).toEqual({ min: 1, max: 5 })
    expect((await refusal(core, 'capture.configure', { instrumentId: METER, supplyV: 7 })).message).toBe(
      'Test Meter (virtual bench): the supply voltage must be from 1 V to 5 V, got 7 V.'
    )
    expect((await refusal(core, 'capture.configure', { instrumentId: METER, mode: 'ampere' })).message).toMatch(/has no ampere-meter mode/)
    expect((await refusal(core, 'capture.configure', { instrumentId: METER, supplyV: -1 })).code).toBe('invalid-params')
    expect((await call(core, 'capture.configure', { instrumentId: METER, supplyV: 4.2 })).settings.supplyV).toBe(4.2)
    const events = recordEvents(core)
    const started = await call(core, 'capture.start', { instrumentId: METER, durationS: 0.3 })
    expect((await refusal(core, 'capture.disconnect', { instrumentId: METER })).message).toMatch(/stop the capture before disconnecting/)
    await waitFor(events, (e) => e.event === 'capture.state' && e.data.state === 'finished', 'the capture to finish')
    expect((await call(core, 'recordings.get', { id: started.recordingId })).recording.supplyV).toBe(4.2)
    // Opened by the panel: still open after the capture.
    expect((await call(core, 'capture.status', {})).instruments.map((i) => i.instrumentId)).toEqual([METER])
    await call(core, 'capture.disconnect', { instrumentId: METER })
    expect((await call(core, 'capture.status', {})).instruments).toEqual([])
  })

  it('names what is missing: an instrument not attached, a family without a driver, a bad duration', async () => {
    core = makeCore()
    expect((await refusal(core, 'capture.start', { instrumentId: 'test-meter:/dev/ttyJB404' })).message).toMatch(
      /Could not open test-meter:\/dev\/ttyJB404: Cannot open \/dev\/ttyJB404: no such port/
    )
    VIRTUAL_INSTRUMENTS.push({ ...testMeterVirtual([]), identity: { ...testMeterVirtual([]).identity, id: 'virtual:mystery', family: 'mystery', model: 'Mystery Meter' } })
    expect((await refusal(core, 'capture.start', { instrumentId: 'virtual:mystery' })).message).toMatch(/Could not open Mystery Meter \(virtual bench\): .*no driver for "mystery"/)
    expect((await refusal(core, 'capture.start', { instrumentId: METER, durationS: 0 })).issues?.[0]?.path).toBe('durationS')
  })

  it('closes a running capture as finished when the core shuts down', async () => {
    core = makeCore()
    const events = recordEvents(core)
    const { recordingId } = await call(core, 'capture.start', { instrumentId: METER })
    await waitFor(events, (e) => e.event === 'capture.progress' && e.data.sampleCount > 1000, '1,000 samples')
    const dbPath = core.options.dbPath
    await core.close()
    core = makeCore(dbPath)
    const info = (await call(core, 'recordings.get', { id: recordingId })).recording
    expect(info.state).toBe('finished')
    expect(info.sampleCount).toBeGreaterThan(1000)
  })
})
