import { afterEach, describe, expect, it } from 'vitest'
import { createVirtualPpk2, Ppk2Driver, type Ppk2WiringFault, type VirtualPpk2 } from '../../src-main/instruments/ppk2'
import type { DutSignal } from '../../src-main/virtual-bench/dut-signal'
import { wiringGuideFor } from '../../src-main/wiring'

/**
 * The wiring guide over a real pty to the emulated PPK2 powering a NUCLEO-F401RE that runs the
 * convolution study's loop (110 ms at 19 mA with D0 high, then 200 ms asleep at 2.1 mA), with the
 * emulator set to each bench fault in turn.
 */
const study: DutSignal = {
  render(t0S, periodS, currentA, digital) {
    for (let i = 0; i < currentA.length; i++) {
      const active = (t0S + i * periodS) % 0.31 < 0.11
      currentA[i] = active ? 0.019 : 0.0021
      digital[i] = active ? 1 : 0
    }
  }
}

let virtual: VirtualPpk2 | null = null
let driver: Ppk2Driver | null = null
afterEach(async () => {
  await driver?.close().catch(() => {})
  await virtual?.close().catch(() => {})
  driver = null
  virtual = null
})

async function runGuide(fault: Ppk2WiringFault | null) {
  virtual = await createVirtualPpk2(study, undefined, { speed: Infinity, wiringFault: fault })
  driver = await Ppk2Driver.open(await virtual.open(), { virtual: true, mode: 'source', supplyMv: 3300 })
  const guide = wiringGuideFor({ analyzerId: 'ppk2', boardId: 'nucleo-f401re', method: 'source-meter', supplyV: 3.3 }, driver, { windowS: 1 })
  const report = await guide.runAll()
  const result = (id: string) => report.steps.flatMap((s) => s.results).find((r) => r.id === id)!
  return { report, result }
}

describe('wiring guide on the virtual PPK2', () => {
  it('passes every check on a correctly wired bench', async () => {
    const { report } = await runGuide(null)
    expect(report.steps.flatMap((s) => s.results.map((r) => `${r.id}:${r.status}`))).toEqual([
      'supply-in-range:pass',
      'supply-present:pass',
      'current-limit:pass',
      'dut-draws-current:pass',
      'logic-levels:pass',
      'trigger-toggles:pass'
    ])
    expect(report.ok).toBe(true)
  })

  it('no supply: the supply check fails and says the supply does not reach the DUT', async () => {
    const { report, result } = await runGuide('no-supply')
    expect(report.blockedAt).toBe('power')
    expect(result('supply-present').status).toBe('fail')
    expect(result('supply-present').message).toMatch(/No current flows into the DUT: at most .* The supply does not reach it/)
    expect(result('supply-present').hint).toMatch(/w2 \(VOUT \(to the DUT\) → JP6 MCU side \(VDD\)\)/)
    expect(result('trigger-toggles').status).toBe('skipped')
  })

  it('short: the current-limit check fails and says the supply is shorted to ground', async () => {
    const { report, result } = await runGuide('short')
    expect(report.blockedAt).toBe('power')
    expect(result('current-limit').status).toBe('fail')
    expect(result('current-limit').message).toMatch(/The current reached 1(\.\d+)? A, .*limit \(500 mA\): the supply is shorted to ground/)
    expect(result('current-limit').hint).toMatch(/^Switch the supply off now/)
  })

  it('silent trigger line: the toggle check fails, says D0 stayed low while the DUT ran, and what to check', async () => {
    const { report, result } = await runGuide('silent-trigger')
    expect(report.blockedAt).toBe('trigger')
    expect(result('dut-draws-current').status).toBe('pass')
    expect(result('trigger-toggles').status).toBe('fail')
    expect(result('trigger-toggles').message).toMatch(/The trigger line \(logic\.D0\) did not change in [\d.]+ s \(held low\) while the DUT drew [\d.]+ mA/)
    expect(result('trigger-toggles').hint).toMatch(/Check w3 \(D7 \(PA8\) → D0\) lands on arduino\.D7 \(PA8\)/)
  })
})
