import { afterEach, describe, expect, it } from 'vitest'
import type { JoulebenchCore } from '../../src-main/api/core'
import type { CheckResult, WiringCheckResult } from '../../src-main/api/contract'
import { demoBoardSignal } from '../../src-main/virtual-bench/demo-board'
import { call, makeCore, refusal } from '../helpers/api'

/**
 * The wiring API through JoulebenchCore.handle, against the virtual bench's PPK2 and LPM01A (their
 * emulators behind real ptys, the real drivers) measuring the demo board: every check passes on the
 * bench as wired, and each fault staged on the bench fails the check that must catch it, saying what
 * is wrong and what to try.
 */
const demo = demoBoardSignal().truth
const PERIOD_S = demo.inferenceS + demo.sleepS

/** Bounds of the demo board's mean current over any 1 s window: whole periods plus a part of one, all asleep or all active. */
function meanBounds(windowS: number): [number, number] {
  const periods = Math.floor(windowS / PERIOD_S)
  const whole = periods * (demo.inferenceS * demo.activeA + demo.sleepS * demo.sleepA)
  const rest = windowS - periods * PERIOD_S
  const partActive = Math.min(rest, demo.inferenceS)
  return [(whole + rest * demo.sleepA) / windowS, (whole + partActive * demo.activeA + (rest - partActive) * demo.sleepA) / windowS]
}

const plan = (analyzerId: string) => ({ analyzerId, boardId: 'nucleo-f401re', method: 'source-meter' as const, supplyV: 3.3 })

function results(r: WiringCheckResult): CheckResult[] {
  return r.steps.flatMap((s) => s.results)
}
const byId = (r: WiringCheckResult, id: string) => results(r).find((x) => x.id === id)!

let core: JoulebenchCore | null = null
afterEach(async () => {
  await core?.close()
  core = null
})

describe('wiring API on the virtual PPK2', () => {
  it('plans the source-meter wiring with its diagram, then passes every live check on the demo board', async () => {
    core = makeCore()
    const catalog = await call(core, 'wiring.catalog', {})
    expect(catalog.analyzers.map((a) => a.id)).toEqual(expect.arrayContaining(['ppk2', 'lpm01a']))
    expect(catalog.boards.map((b) => b.id)).toContain('nucleo-f401re')
    expect(catalog.virtualFault).toBe('none')

    const { plan: p, svg } = await call(core, 'wiring.plan', plan('ppk2'))
    expect(p.steps.map((s) => s.id)).toEqual(['prepare', 'ground', 'supply', 'power', 'trigger'])
    expect(svg).toMatch(/^<svg[^>]*xmlns="http:\/\/www.w3.org\/2000\/svg"/)
    // Every wire of the plan is drawn and labelled by its id.
    for (const w of p.wires) expect(svg).toContain(`>${w.id}<`)

    const r = await call(core, 'wiring.check', { instrumentId: 'virtual:ppk2', ...plan('ppk2'), all: true })
    expect(r.report?.ok).toBe(true)
    expect(r.virtualFault).toBe('none')
    expect(r.instrument).toMatchObject({ serial: 'VIRTUAL-PPK2', virtual: true })
    expect(results(r).map((x) => `${x.id}:${x.status}`)).toEqual([
      'supply-in-range:pass',
      'supply-present:pass',
      'current-limit:pass',
      'dut-draws-current:pass',
      'logic-levels:pass',
      'trigger-toggles:pass'
    ])
    // What the checks measured is the demo board, within the PPK2's reading of it (ripple ±3 %, noise).
    const [lo, hi] = meanBounds(1)
    const mean = byId(r, 'dut-draws-current').measured!
    expect(mean.unit).toBe('A')
    expect(mean.value).toBeGreaterThan(lo * 0.97)
    expect(mean.value).toBeLessThan(hi * 1.03)
    const peak = byId(r, 'current-limit').measured!.value
    expect(peak).toBeGreaterThan(demo.activeA * 0.97)
    expect(peak).toBeLessThan(demo.activeA * 1.2) // the range-switch spike after the step up
    // Two edges per period of the loop on D0: in a window of D seconds, 2·floor(D / 0.31 s) or one or
    // two more for the partial period. D is the samples read plus any lost, so a little over 1 s.
    const trig = byId(r, 'trigger-toggles')
    const [, edges, windowS] = /^(\d+) edges on logic\.D0 in ([\d.]+) s/.exec(trig.message)!.map(Number)
    expect(windowS).toBeGreaterThanOrEqual(1)
    expect(edges).toBeGreaterThanOrEqual(2 * Math.floor(windowS! / PERIOD_S))
    expect(edges).toBeLessThanOrEqual(2 * Math.ceil(windowS! / PERIOD_S))
    expect(trig.measured!.value).toBeCloseTo(edges! / windowS!, 1)
  })

  it('fails the check that catches each staged fault, with its message and hint, and passes again once cleared', async () => {
    core = makeCore()
    const check = async (step?: 'power' | 'trigger') =>
      call(core!, 'wiring.check', step ? { instrumentId: 'virtual:ppk2', ...plan('ppk2'), step } : { instrumentId: 'virtual:ppk2', ...plan('ppk2'), all: true })

    expect(await call(core, 'wiring.virtualFault', { fault: 'no-supply' })).toEqual({ fault: 'no-supply' })
    expect((await call(core, 'wiring.catalog', {})).virtualFault).toBe('no-supply')
    let r = await check()
    expect(r.virtualFault).toBe('no-supply')
    expect(r.report!.blockedAt).toBe('power')
    expect(byId(r, 'supply-present').status).toBe('fail')
    expect(byId(r, 'supply-present').message).toMatch(/^No current flows into the DUT: at most .* The supply does not reach it\.$/)
    expect(byId(r, 'supply-present').hint).toMatch(/output is switched on.*w2 \(VOUT \(to the DUT\) → JP6 MCU side \(VDD\)\)/)
    expect(byId(r, 'trigger-toggles').status).toBe('skipped')

    await call(core, 'wiring.virtualFault', { fault: 'short' })
    r = await check('power')
    expect(r.report).toBeNull()
    expect(r.steps.map((s) => s.id)).toEqual(['power'])
    const limit = byId(r, 'current-limit')
    expect(limit.status).toBe('fail')
    // The bench's short draws 1 A; the PPK2's limit in its definition is 500 mA.
    expect(limit.measured!.value).toBeGreaterThan(0.9)
    expect(limit.message).toMatch(/The current reached 1(\.\d+)? A, at .*limit \(500 mA\): the supply is shorted to ground/)
    expect(limit.hint).toMatch(/^Switch the supply off now/)

    await call(core, 'wiring.virtualFault', { fault: 'silent-trigger' })
    r = await check('trigger')
    const trig = byId(r, 'trigger-toggles')
    expect(trig.status).toBe('fail')
    expect(trig.measured).toEqual({ value: 0, unit: 'edges/s' })
    expect(trig.message).toMatch(/The trigger line \(logic\.D0\) did not change in [\d.]+ s \(held low\) while the DUT drew [\d.]+ mA/)
    expect(trig.hint).toMatch(/Check w3 \(D7 \(PA8\) → D0\) lands on arduino\.D7 \(PA8\)/)

    await call(core, 'wiring.virtualFault', { fault: 'none' })
    r = await check('trigger')
    expect(byId(r, 'trigger-toggles').status).toBe('pass')
  })

  it('refuses a check it cannot make, naming the instrument and what to do', async () => {
    core = makeCore()
    expect((await refusal(core, 'wiring.check', { instrumentId: 'virtual:ppk2', ...plan('lpm01a'), all: true })).message).toBe(
      'The wiring plan is for the lpm01a but virtual:ppk2 is a ppk2. Pick that analyzer in the plan, or check with a lpm01a.'
    )
    expect((await refusal(core, 'wiring.check', { instrumentId: 'virtual:ppk2', ...plan('ppk2') })).issues).toEqual([{ path: 'step', message: 'give either step or all: true' }])
    expect((await refusal(core, 'wiring.plan', { analyzerId: 'js220', boardId: 'nucleo-f401re', method: 'source-meter' })).message).toMatch(
      /^Joulescope JS220 cannot be wired as analyzer as source meter .*It supports: analyzer as ampere meter/
    )
    expect((await refusal(core, 'wiring.check', { instrumentId: 'virtual:ppk2', ...plan('ppk2'), step: 'serial' })).message).toMatch(
      /^Wiring check on virtual:ppk2: This wiring plan has no step "serial"\. Its steps: prepare, ground, supply, power, trigger\.$/
    )
    expect((await refusal(core, 'wiring.virtualFault', { fault: 'melted' })).code).toBe('invalid-params')
    // An instrument open on the Capture screen is not opened a second time behind its back.
    await call(core, 'capture.connect', { instrumentId: 'virtual:ppk2' })
    expect((await refusal(core, 'wiring.check', { instrumentId: 'virtual:ppk2', ...plan('ppk2'), all: true })).message).toBe(
      'virtual:ppk2 is open on the Capture screen (its settings panel); disconnect it there before the wiring check.'
    )
    await call(core, 'capture.disconnect', { instrumentId: 'virtual:ppk2' })
    expect((await call(core, 'wiring.check', { instrumentId: 'virtual:ppk2', ...plan('ppk2'), step: 'prepare' })).steps[0]!.status).toBe('pass')
  })
})

describe('wiring API on the virtual LPM01A', () => {
  it('passes on the demo board (D7 events), fails a short by the board’s overcurrent trip', async () => {
    core = makeCore()
    let r = await call(core, 'wiring.check', { instrumentId: 'virtual:lpm01a', ...plan('lpm01a'), all: true })
    expect(results(r).map((x) => `${x.id}:${x.status}`)).toEqual([
      'supply-in-range:pass',
      'supply-present:pass',
      'current-limit:pass',
      'dut-draws-current:pass',
      // The LPM01A's D7 input level is marked unverified in its definition, so this only warns.
      'logic-levels:warn',
      'trigger-toggles:pass'
    ])
    expect(r.report!.ok).toBe(true)
    const [lo, hi] = meanBounds(1)
    const mean = byId(r, 'dut-draws-current').measured!.value
    expect(mean).toBeGreaterThan(lo * 0.97)
    expect(mean).toBeLessThan(hi * 1.03)

    await call(core, 'wiring.virtualFault', { fault: 'short' })
    r = await call(core, 'wiring.check', { instrumentId: 'virtual:lpm01a', ...plan('lpm01a'), step: 'power' })
    const limit = byId(r, 'current-limit')
    expect(limit.status).toBe('fail')
    expect(limit.message).toMatch(/cut the supply for overcurrent .*shorted to ground/)

    await call(core, 'wiring.virtualFault', { fault: 'no-supply' })
    r = await call(core, 'wiring.check', { instrumentId: 'virtual:lpm01a', ...plan('lpm01a'), step: 'power' })
    expect(byId(r, 'supply-present').message).toMatch(/^No current flows into the DUT/)

    await call(core, 'wiring.virtualFault', { fault: 'silent-trigger' })
    r = await call(core, 'wiring.check', { instrumentId: 'virtual:lpm01a', ...plan('lpm01a'), step: 'trigger' })
    expect(byId(r, 'trigger-toggles').message).toMatch(/The trigger line \(arduino\.D7\) did not change in [\d.]+ s \(no events\)/)
  })
})
