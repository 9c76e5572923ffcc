import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import type { JoulebenchCore } from '../../src-main/api/core'
import type { ApiEvent, CalibrationSessionInfo } from '../../src-main/api/contract'
import { CalibrationStore } from '../../src-main/calibration/records'
import { summarise } from '../../src-main/calibration/procedure'
import { createVirtualPpk2 } from '../../src-main/instruments/ppk2/virtual'
import { createVirtualLpm01a, type VirtualLpm01a } from '../../src-main/instruments/lpm01a'
import { VIRTUAL_INSTRUMENTS } from '../../src-main/virtual-bench'
import type { VirtualInstrument } from '../../src-main/virtual-bench/registry'
import type { DutSignal } from '../../src-main/virtual-bench/dut-signal'
import { call, makeCore, recordEvents, refusal } from '../helpers/api'

/**
 * The calibration API through JoulebenchCore.handle. The virtual PPK2 is made to misread by a known
 * gain and offset per range (its emulator's front end, as a unit whose stored calibration drifted); the
 * run must recover them, captures afterwards must read the truth within 0.2 %, and recomputing a
 * recording must switch calibrations and say which it used. The LPM01A is driven as hardware on a
 * pty: the test plays the operator who swaps the loads when asked.
 */
const GAIN = [1.03, 0.96, 1.045, 0.975, 1.06]
const OFFSET_A = [0.15e-6, 1.5e-6, 12e-6, -80e-6, 1.2e-3]

function waitFor<T>(events: ApiEvent[], pick: (e: ApiEvent) => T | undefined | false | null, what: string, from = 0, timeoutMs = 60_000): Promise<{ value: T; at: number }> {
  return new Promise((resolve, reject) => {
    const started = Date.now()
    const poll = () => {
      for (let i = from; i < events.length; i++) {
        const hit = pick(events[i]!)
        if (hit) return resolve({ value: hit, at: i + 1 })
      }
      if (Date.now() - started > timeoutMs) return reject(new Error(`timed out waiting for ${what}`))
      setTimeout(poll, 10)
    }
    poll()
  })
}

const sessionIn = (runId: number, states: string[]) => (e: ApiEvent) =>
  e.event === 'calibration.progress' && e.data.runId === runId && states.includes(e.data.state) && e.data

/** A DUT of constant current on the bench. */
const steady = (a: number): DutSignal => ({ render: (_t, _p, c, d) => (c.fill(a), d.fill(0)) })

async function captureMean(core: JoulebenchCore, events: ApiEvent[], instrumentId: string, durationS: number) {
  const { recordingId } = await call(core, 'capture.start', { instrumentId, durationS, name: `check ${instrumentId}` })
  await waitFor(events, (e) => e.event === 'capture.state' && e.data.recordingId === recordingId && e.data.state !== 'recording' && e.data, 'the capture to end')
  const stats = await call(core, 'recordings.stats', { id: recordingId })
  return { recordingId, mean: stats.currentA.mean! }
}

let core: JoulebenchCore | null = null
afterEach(async () => {
  await core?.close()
  core = null
})

describe('calibration API on a virtual PPK2 that misreads', () => {
  const k = VIRTUAL_INSTRUMENTS.findIndex((v) => v.identity.id === 'virtual:ppk2')
  let original: VirtualInstrument
  beforeAll(() => {
    original = VIRTUAL_INSTRUMENTS[k]!
    VIRTUAL_INSTRUMENTS[k] = {
      ...original,
      async start({ clock, signal }) {
        const v = await createVirtualPpk2(signal, clock, { frontEnd: { readingError: { gain: GAIN, offsetA: OFFSET_A } } })
        return { hostPath: v.hostPath, close: () => v.close() }
      }
    }
  })
  afterAll(() => {
    VIRTUAL_INSTRUMENTS[k] = original
  })

  it('recovers the gain and offset of every range, corrects captures to 0.2 %, and recomputes under the calibration asked for', async () => {
    core = makeCore()
    const events = recordEvents(core)
    const defaults = await call(core, 'calibration.defaults', { instrumentId: 'virtual:ppk2' })
    expect(defaults).toMatchObject({ family: 'ppk2', virtual: true, operatorSwapsLoads: false, userGains: { min: 0.9, max: 1.1 } })
    // Two loads per range, each inside the range it is meant for: I = V / R independently.
    expect(defaults.suggestedLoads.map((l) => l.rangeIndex)).toEqual([0, 0, 1, 1, 2, 2, 3, 3, 4, 4])
    for (const l of defaults.suggestedLoads) {
      const r = defaults.ranges[l.rangeIndex]!
      expect(l.currentA).toBeCloseTo(l.voltageV / l.resistanceOhm, 15)
      expect(l.currentA).toBeGreaterThan(r.minA)
      expect(l.currentA).toBeLessThan(r.maxA)
    }

    const loads = defaults.suggestedLoads.map(({ resistanceOhm, voltageV }) => ({ resistanceOhm, voltageV, toleranceFraction: 0.001 }))
    const started = await call(core, 'calibration.run', { instrumentId: 'virtual:ppk2', loads, settleS: 0.02, measureS: 0.3, save: false })
    expect(started.state).toBe('measuring')
    // The instrument is held: a second calibration of it is refused.
    expect((await refusal(core, 'calibration.run', { instrumentId: 'virtual:ppk2', loads })).message).toBe('A calibration is already running on virtual:ppk2; wait for it to finish.')
    const measured = (await waitFor(events, sessionIn(started.runId, ['measured', 'failed']), 'the measurement')).value as CalibrationSessionInfo
    expect(measured.error).toBeNull()
    expect(measured.canWriteUserGains).toBe(true)
    // Progress went through every point: the open output, then each load.
    const steps = events.flatMap((e) => (e.event === 'calibration.progress' && e.data.step ? [`${e.data.step.index}/${e.data.step.total} ${e.data.step.kind}`] : []))
    expect([...new Set(steps)]).toEqual(['1/11 open', ...loads.map((_, i) => `${i + 2}/11 load`)])

    const result = measured.result!
    expect(result.instrument).toMatchObject({ family: 'ppk2', serial: 'VIRTUAL-PPK2' })
    for (const r of result.ranges) {
      const i = r.rangeIndex
      expect(r.fit).toBe('gain-and-offset')
      // Emulator noise averaged over 30 000 samples per point: a few parts in 1e5 of the range top.
      expect(Math.abs(r.gain - GAIN[i]!), `gain R${i} ${r.gain}`).toBeLessThan(5e-4)
      expect(Math.abs(r.offsetA - OFFSET_A[i]!), `offset R${i} ${r.offsetA}`).toBeLessThan(2e-4 * defaults.ranges[i]!.maxA)
      expect(r.uncertainty.coverageFactor).toBe(2)
    }
    // The raw unit judged against its stated accuracy, independently: each load's error is gain − 1 +
    // offset / I. R0's 1.5 µA load reads 3 % + 0.15 µA / 1.5 µA = 13 % high, outside ±10 %; the rest pass.
    const expectedVerdicts = result.ranges.map((r) => {
      const acc = defaults.ranges[r.rangeIndex]!.accuracyFraction!
      const ok = defaults.suggestedLoads
        .filter((l) => l.rangeIndex === r.rangeIndex)
        .every((l) => Math.abs(GAIN[r.rangeIndex]! - 1 + OFFSET_A[r.rangeIndex]! / l.currentA) <= acc)
      return ok ? 'pass' : 'fail'
    })
    expect(expectedVerdicts).toEqual(['fail', 'pass', 'pass', 'pass', 'pass'])
    expect(result.ranges.map((r) => r.verdict)).toEqual(expectedVerdicts)
    expect(result.verdict).toBe('fail')

    const saved = await call(core, 'calibration.save', { runId: started.runId, notes: 'Bench 3 <b>reference set A</b>', dueInDays: 10, writeUserGains: true })
    expect(saved.state).toBe('saved')
    const first = saved.record!
    expect(first).toMatchObject({ family: 'ppk2', serial: 'VIRTUAL-PPK2', inForce: true, writtenToDevice: true, notes: 'Bench 3 <b>reference set A</b>' })
    // User gains are 1 / gain (the device then applies the gain correction itself), all inside 0.9–1.1.
    expect(saved.userGains!.written.map((w) => w.rangeIndex)).toEqual([0, 1, 2, 3, 4])
    for (const w of saved.userGains!.written) expect(w.toGain).toBeCloseTo(1 / GAIN[w.rangeIndex]!, 3)
    expect(events.some((e) => e.event === 'calibrations.changed' && e.data.id === first.id)).toBe(true)

    const list = await call(core, 'calibrations.list', {})
    expect(list.records.map((r) => r.id)).toEqual([first.id])
    const due = await call(core, 'calibrations.due', { withinDays: 30 })
    expect(due.due.map((d) => [d.record.id, d.status])).toEqual([[first.id, 'due-soon']])
    expect(due.due[0]!.daysLeft).toBeGreaterThan(9.9)
    expect(due.due[0]!.daysLeft).toBeLessThanOrEqual(10)
    const cert = await call(core, 'calibrations.certificate', { id: first.id })
    expect(cert.html).toMatch(/^<!doctype html>/i)
    expect(cert.html).toContain(first.id)
    expect(cert.html).toContain('VIRTUAL-PPK2')
    expect(cert.html).toContain('Bench 3 &lt;b&gt;reference set A&lt;/b&gt;')
    expect(cert.html).not.toContain('<b>reference')

    // A capture of a current the calibration never saw (2.2 mA, in R2) reads the truth through the record in force.
    const trueA = 3.3 / 1500
    core.bench.plugDut(steady(trueA))
    const cap = await captureMean(core, events, 'virtual:ppk2', 1)
    expect((await call(core, 'recordings.get', { id: cap.recordingId })).recording.calibrationId).toBe(first.id)
    expect(Math.abs(cap.mean / trueA - 1), `read ${cap.mean} A for ${trueA} A`).toBeLessThan(0.002)

    // Recompute under no calibration: the unit's own reading comes back, and the answer says so.
    const plain = await call(core, 'recordings.recompute', { id: cap.recordingId, calibrationId: null })
    expect(plain.calibration).toBeNull()
    expect(plain.recording.calibrationId).toBeNull()
    expect(plain.previousCalibrationId).toBe(first.id)
    expect(plain.message).toBe(`Recomputed with the instrument's own conversion only (no calibration); it was ${first.id}.`)
    const raw = (await call(core, 'recordings.stats', { id: cap.recordingId })).currentA.mean!
    expect(Math.abs(raw / (GAIN[2]! * trueA + OFFSET_A[2]!) - 1)).toBeLessThan(0.002)

    // A newer calibration of R2 only, saved as it ends; recomputing under it names it.
    const again = await call(core, 'calibration.run', {
      instrumentId: 'virtual:ppk2',
      loads: loads.filter((_, i) => defaults.suggestedLoads[i]!.rangeIndex === 2),
      ranges: [2],
      settleS: 0.02,
      measureS: 0.3,
      notes: 'R2 only'
    })
    const second = ((await waitFor(events, sessionIn(again.runId, ['saved', 'failed']), 'the second calibration')).value as CalibrationSessionInfo).record!
    expect(second.result.ranges.map((r) => r.rangeIndex)).toEqual([2])
    const under = await call(core, 'recordings.recompute', { id: cap.recordingId, calibrationId: second.id })
    expect(under.recording.calibrationId).toBe(second.id)
    expect(under.calibration).toMatchObject({ id: second.id, overdue: false })
    expect(under.message).toMatch(new RegExp(`^Recomputed under ${second.id} \\(calibrated \\d{4}-\\d{2}-\\d{2}\\); it was uncalibrated\\.$`))
    expect(Math.abs((await call(core, 'recordings.stats', { id: cap.recordingId })).currentA.mean! / trueA - 1)).toBeLessThan(0.002)
    expect((await call(core, 'recordings.get', { id: cap.recordingId })).recording.calibrationId).toBe(second.id)
    // The newest record of the unit is due in a year: no reminder any more.
    expect((await call(core, 'calibrations.due', { withinDays: 30 })).due).toEqual([])

    // Taking the newer one out of force: the next capture goes through the first again.
    expect((await call(core, 'calibrations.setInForce', { id: second.id, inForce: false })).inForce).toBe(false)
    const cap2 = await captureMean(core, events, 'virtual:ppk2', 0.5)
    expect((await call(core, 'recordings.get', { id: cap2.recordingId })).recording.calibrationId).toBe(first.id)

    // A record of another unit is refused, naming both.
    const other = new CalibrationStore(core.db).save(
      summarise({ id: 'lpm01a:/dev/ttyACM0', family: 'lpm01a', model: 'ST X-NUCLEO-LPM01A (PowerShield)', serial: 'ABC123', firmware: null }, [], [{ index: 0, label: 'dyn', minA: 0, maxA: 0.05, resolutionA: null, accuracyFraction: 0.02 }], { settleS: 0, measureS: 1, voltageToleranceFraction: 0 }, 3.3)
    )
    expect((await refusal(core, 'recordings.recompute', { id: cap.recordingId, calibrationId: other.id })).message).toBe(
      `Calibration ${other.id} belongs to ST X-NUCLEO-LPM01A (PowerShield) serial ABC123, but recording ${cap.recordingId} (check virtual:ppk2) was captured with Nordic Power Profiler Kit II serial VIRTUAL-PPK2. Choose a calibration of that unit.`
    )
    expect((await refusal(core, 'recordings.recompute', { id: cap.recordingId, calibrationId: 'cal-nope' })).message).toMatch(/^There is no calibration record "cal-nope"/)
  })
})

describe('calibration API on an LPM01A driven as hardware (the test is the operator)', () => {
  /** The board as the host sees it: it reads 2 % high plus 5 µA, whatever is connected (nothing: the offset only). */
  const READ_GAIN = 1.02
  const READ_OFFSET_A = 5e-6
  let connected: number | null = null
  const bench: DutSignal = { render: (_t, _p, c, d) => (c.fill(connected === null ? READ_OFFSET_A : READ_GAIN * connected + READ_OFFSET_A), d.fill(0)) }
  let board: VirtualLpm01a | null = null
  afterEach(async () => {
    await core?.close()
    core = null
    await board?.close()
    board = null
  })

  it('waits for the operator at each load, recovers the misreading, and corrects a capture to 0.2 %', async () => {
    board = await createVirtualLpm01a(bench, undefined, { boardId: 'JB-TEST-0042' })
    const id = `lpm01a:${board.hostPath}`
    core = makeCore()
    const events = recordEvents(core)
    const defaults = await call(core, 'calibration.defaults', { instrumentId: id })
    expect(defaults).toMatchObject({ family: 'lpm01a', virtual: false, operatorSwapsLoads: true, userGains: null })

    const loads = [
      { resistanceOhm: 1000, voltageV: 3.3, toleranceFraction: 0.001 },
      { resistanceOhm: 150, voltageV: 3.3, toleranceFraction: 0.001 },
      { resistanceOhm: 10_000, voltageV: 1.8, toleranceFraction: 0.001 }
    ]
    expect((await refusal(core, 'calibration.run', { instrumentId: id, loads, writeUserGains: true })).message).toMatch(
      /^Could not calibrate lpm01a:.*: ST X-NUCLEO-LPM01A \(PowerShield\) has no user gains to write; leave that option off/
    )
    const run = await call(core, 'calibration.run', { instrumentId: id, loads, settleS: 0.05, measureS: 0.3, notes: 'operator test' })
    expect(run.instrument).toMatchObject({ serial: 'JB-TEST-0042', virtual: false })
    let from = 0
    const prompts: string[] = []
    for (let n = 0; n < loads.length + 1; n++) {
      const w = await waitFor(events, sessionIn(run.runId, ['waiting', 'failed']), `prompt ${n + 1}`, from)
      from = w.at
      const s = w.value as CalibrationSessionInfo
      expect(s.state, s.error ?? '').toBe('waiting')
      prompts.push(s.prompt!)
      // Only a waiting run can be continued; the next step is the one the prompt names.
      expect(s.step!.index).toBe(n + 1)
      connected = s.step!.kind === 'open' ? null : s.step!.load!.voltageV / s.step!.load!.resistanceOhm
      await call(core, 'calibration.continue', { runId: run.runId })
    }
    expect(prompts[0]).toMatch(/^\[1\/4\] Disconnect everything from ST X-NUCLEO-LPM01A \(PowerShield\) \(lpm01a:.*\)'s output \(open circuit\), then choose Continue\.$/)
    expect(prompts[1]).toMatch(/^\[2\/4\] Connect the 1 kΩ reference resistor across .*'s output and ground \(3\.3 V will be applied, 3\.3 mA\), then choose Continue\.$/)
    expect(prompts[3]).toMatch(/10 kΩ .*\(1\.8 V will be applied, 0\.18 mA\)/)
    const done = (await waitFor(events, sessionIn(run.runId, ['saved', 'failed']), 'the record', from)).value as CalibrationSessionInfo
    expect(done.state, done.error ?? '').toBe('saved')
    expect((await refusal(core, 'calibration.continue', { runId: run.runId })).message).toBe(`Calibration ${run.runId} is not waiting for you (it is saved).`)
    const range = done.record!.result.ranges[0]!
    expect(range.fit).toBe('gain-and-offset')
    expect(Math.abs(range.gain - READ_GAIN)).toBeLessThan(1e-3)
    expect(Math.abs(range.offsetA - READ_OFFSET_A)).toBeLessThan(1e-6)
    expect(done.record).toMatchObject({ family: 'lpm01a', serial: 'JB-TEST-0042', notes: 'operator test' })

    // A capture through the same port: 1.5 mA on the bench, read 2 % high plus 5 µA, corrected back.
    connected = 3.3 / 2200
    const cap = await captureMean(core, events, id, 0.5)
    expect((await call(core, 'recordings.get', { id: cap.recordingId })).recording.calibrationId).toBe(done.record!.id)
    expect(Math.abs(cap.mean / connected - 1), `read ${cap.mean} for ${connected}`).toBeLessThan(0.002)
  })

  it('cancels at a prompt without saving, and releases the instrument; refuses while it captures', async () => {
    board = await createVirtualLpm01a(bench, undefined, { boardId: 'JB-TEST-0043' })
    const id = `lpm01a:${board.hostPath}`
    core = makeCore()
    const events = recordEvents(core)
    const run = await call(core, 'calibration.run', { instrumentId: id, loads: [{ resistanceOhm: 1000, voltageV: 3.3 }] })
    await waitFor(events, sessionIn(run.runId, ['waiting']), 'the first prompt')
    // A capture is refused while the calibration holds the instrument, saying who holds it.
    expect((await refusal(core, 'capture.start', { instrumentId: id, durationS: 1 })).message).toBe(`${id} is in use by a calibration; finish or cancel it before capturing.`)
    const cancelled = await call(core, 'calibration.cancel', { runId: run.runId })
    expect(cancelled.state).toBe('cancelled')
    expect(cancelled.log.at(-1)).toBe('Cancelled: nothing was saved.')
    expect((await call(core, 'calibrations.list', {})).records).toEqual([])
    expect((await call(core, 'calibration.status', {})).sessions.map((s) => [s.runId, s.state])).toEqual([[run.runId, 'cancelled']])

    // Released: the port opens for a capture, and a calibration is refused while it runs.
    const { recordingId } = await call(core, 'capture.start', { instrumentId: id, durationS: 30 })
    expect((await refusal(core, 'calibration.run', { instrumentId: id, loads: [{ resistanceOhm: 1000, voltageV: 3.3 }] })).message).toBe(
      `${id} is capturing into recording ${recordingId}; stop the capture on the Capture screen before the calibration.`
    )
    await call(core, 'capture.stop', { instrumentId: id })
  })
})
