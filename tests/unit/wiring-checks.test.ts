import { describe, expect, it } from 'vitest'
import { analyzerBenchReading, WindowAccumulator, type BenchReading, type BenchWindow } from '../../src-main/wiring/bench-reading'
import { findAnalyzer, findBoard, loadDefinitions } from '../../src-main/wiring/definitions'
import { planWiring } from '../../src-main/wiring/plan'
import { WiringGuide } from '../../src-main/wiring/guide'
import { checkLogicLevels, checkSupplyInRange, checkTriggerToggles, si, triggerLine } from '../../src-main/wiring/checks'
import { FakeAnalyzer } from '../helpers/calibration-fake-analyzer'

const catalog = loadDefinitions()
const ppk2 = findAnalyzer(catalog, 'ppk2')
const lpm = findAnalyzer(catalog, 'lpm01a')
const js220 = findAnalyzer(catalog, 'js220')
const f401 = findBoard(catalog, 'nucleo-f401re')

/** The convolution study's loop on a NUCLEO-F401RE: 110 ms at 19 mA with D0 high, then 200 ms asleep at 2.1 mA. */
function studyLoop(tS: number) {
  const active = tS % 0.31 < 0.11
  return { a: active ? 0.019 : 0.0021, d: active ? 1 : 0 }
}

type Fault = 'none' | 'no-supply' | 'short' | 'silent-trigger'

function benchWith(fault: Fault): FakeAnalyzer {
  const a = new FakeAnalyzer('PPK2-FAKE')
  a.bench = {
    currentA: (t) => (fault === 'no-supply' ? 0 : fault === 'short' ? 1.0 : studyLoop(t).a),
    digital: (t) => (fault === 'silent-trigger' || fault === 'no-supply' ? 0 : studyLoop(t).d)
  }
  return a
}

function guideFor(analyzer: FakeAnalyzer, supplyV = 3.3) {
  const plan = planWiring({ analyzer: ppk2, board: f401, method: 'source-meter' })
  return new WiringGuide(plan, ppk2, f401, analyzerBenchReading(analyzer, { supplyV }), { windowS: 1 })
}

describe('bench window', () => {
  it('counts mean, extremes, edges and high time independently of block boundaries, and skips settling samples', () => {
    const acc = new WindowAccumulator(2)
    const cur = [9, 9, 1, 2, 3, 4, 5, 6]
    const dig = [0, 1, 0, 1, 1, 0, 0, 3]
    acc.samples({ startIndex: 0, currentA: Float32Array.from(cur.slice(0, 3)), digital: Uint8Array.from(dig.slice(0, 3)) })
    acc.samples({ startIndex: 3, currentA: Float32Array.from(cur.slice(3)), digital: Uint8Array.from(dig.slice(3)) })
    const w = acc.window(0.5)
    expect(w.sampleCount).toBe(6)
    expect(w.meanA).toBeCloseTo((1 + 2 + 3 + 4 + 5 + 6) / 6, 6)
    expect([w.minA, w.maxA]).toEqual([1, 6])
    expect(w.durationS).toBe(3)
    // line 0 after the skip: 0,1,1,0,0,1 → 3 changes, high 3/6; line 1: 0,0,0,0,0,1 → 1 change
    expect(w.lines![0]).toEqual({ line: 0, edges: 3, highFraction: 0.5 })
    expect(w.lines![1]).toEqual({ line: 1, edges: 1, highFraction: 1 / 6 })
    expect(w.meanV).toBeNull()
  })

  it('does not count an edge across a gap, and reports lost samples', () => {
    const acc = new WindowAccumulator()
    acc.samples({ startIndex: 0, currentA: Float32Array.of(1, 1), digital: Uint8Array.of(0, 0) })
    acc.gap({ startIndex: 2, count: 5, reason: 'lost' })
    acc.samples({ startIndex: 7, currentA: Float32Array.of(1), digital: Uint8Array.of(1) })
    const w = acc.window(1)
    expect(w.lines![0]!.edges).toBe(0)
    expect(w.lostCount).toBe(5)
    expect(w.durationS).toBe(8)
  })
})

describe('wiring guide on a virtual bench', () => {
  it('passes every step when the bench is wired correctly', async () => {
    const report = await guideFor(benchWith('none')).runAll()
    expect(report.blockedAt).toBeNull()
    expect(report.ok).toBe(true)
    const results = report.steps.flatMap((s) => s.results)
    expect(results.map((r) => [r.id, r.status])).toEqual([
      ['supply-in-range', 'pass'],
      ['supply-present', 'pass'],
      ['current-limit', 'pass'],
      ['dut-draws-current', 'pass'],
      ['logic-levels', 'pass'],
      ['trigger-toggles', 'pass']
    ])
    // 1 s of a 310 ms loop whose inference starts every 310 ms: 6 or 7 edges.
    const trig = results.find((r) => r.id === 'trigger-toggles')!
    expect(trig.measured!.value * 1).toBeGreaterThanOrEqual(5)
    const draw = results.find((r) => r.id === 'dut-draws-current')!
    // Time-weighted mean of the loop over a window that is not a whole number of periods: between the two levels.
    expect(draw.measured!.value).toBeGreaterThan(0.0021)
    expect(draw.measured!.value).toBeLessThan(0.019)
  })

  it('no supply: the supply check fails, says the supply does not reach the DUT, and names the wire to check', async () => {
    const report = await guideFor(benchWith('no-supply')).runAll()
    expect(report.blockedAt).toBe('power')
    const power = report.steps.find((s) => s.id === 'power')!
    const present = power.results.find((r) => r.id === 'supply-present')!
    expect(present.status).toBe('fail')
    expect(present.message).toMatch(/No current flows into the DUT.*The supply does not reach it/)
    expect(present.hint).toMatch(/output is switched on; that w2 \(VOUT \(to the DUT\) → JP6 MCU side \(VDD\)\) is in place/)
    expect(report.steps.find((s) => s.id === 'trigger')!.status).toBe('skipped')
  })

  it('short: the current-limit check fails and says the supply is shorted, switch off now', async () => {
    const report = await guideFor(benchWith('short')).runAll()
    const limit = report.steps.find((s) => s.id === 'power')!.results.find((r) => r.id === 'current-limit')!
    expect(limit.status).toBe('fail')
    expect(limit.message).toMatch(/reached 1(\.\d+)? A, at .* limit \(500 mA\): the supply is shorted to ground/)
    expect(limit.hint).toMatch(/^Switch the supply off now/)
    expect(report.blockedAt).toBe('power')
  })

  it('silent trigger line: the toggle check fails, says the line stayed low while the DUT ran, and what to check', async () => {
    const report = await guideFor(benchWith('silent-trigger')).runAll()
    expect(report.blockedAt).toBe('trigger')
    const trig = report.steps.find((s) => s.id === 'trigger')!.results.find((r) => r.id === 'trigger-toggles')!
    expect(trig.status).toBe('fail')
    expect(trig.message).toMatch(/The trigger line \(logic\.D0\) did not change in 1 s \(held low\) while the DUT drew \d/)
    expect(trig.hint).toMatch(/w3 .* lands on arduino\.D7 \(PA8\).*Without w4 .* the inputs read nothing/)
  })

  it('a supply set outside the board’s range fails before anything else is judged', async () => {
    const report = await guideFor(benchWith('none'), 5).runAll()
    const r = report.steps.find((s) => s.id === 'power')!.results.find((x) => x.id === 'supply-in-range')!
    expect(r.status).toBe('fail')
    expect(r.message).toMatch(/set to 5 V, outside the 1\.7–3\.6 V that NUCLEO-F401RE takes at jp6\.MCU/)
  })

  it('a reading that fails becomes a failed step naming the analyzer, not an exception', async () => {
    const analyzer = benchWith('none')
    const guide = guideFor(analyzer)
    // Pull the cable 0.3 s into the bench's time, mid-window.
    const { currentA, digital } = analyzer.bench
    let pulled = false
    analyzer.bench = {
      digital,
      currentA: (t, v) => {
        if (t > 0.3 && !pulled) {
          pulled = true
          queueMicrotask(() => analyzer.pullCable())
        }
        return currentA(t, v)
      }
    }
    const state = await guide.runStep('power')
    expect(state.status).toBe('fail')
    expect(state.results[0]!.message).toMatch(/Could not read Fake ppk2 \(fake:ppk2\): .*went away \(device disconnected\)/)
    await expect(guide.runStep('nope' as never)).rejects.toThrow(/no step "nope"/)
  })
})

describe('individual checks', () => {
  const plan = planWiring({ analyzer: ppk2, board: f401, method: 'source-meter' })
  const window = (over: Partial<BenchWindow>): BenchWindow => ({
    durationS: 1,
    sampleCount: 100,
    lostCount: 0,
    meanA: 0.01,
    minA: 0.002,
    maxA: 0.02,
    meanV: null,
    lines: null,
    marks: 0,
    warnings: [],
    ...over
  })

  it('reads the LPM01A’s D7 edges as marks, the PPK2’s D0 and the JS220’s GPI0 as digital lines', () => {
    expect(triggerLine(lpm)).toBeNull()
    expect(triggerLine(ppk2)).toBe(0)
    expect(triggerLine(js220)).toBe(0)
    const lpmPlan = planWiring({ analyzer: lpm, board: f401, method: 'source-meter' })
    const base = { plan: lpmPlan, analyzer: lpm, board: f401, setSupplyV: 3.3, analyzerName: 'LPM01A' }
    expect(checkTriggerToggles({ ...base, window: window({ marks: 4 }) }).status).toBe('pass')
    expect(checkTriggerToggles({ ...base, window: window({ marks: 0 }) }).message).toMatch(/\(no events\)/)
  })

  it('judge logic levels from the set voltage: a 1.8 V DUT is too low for the LPM01A’s 3.3 V input', () => {
    const lpmPlan = planWiring({ analyzer: lpm, board: f401, method: 'source-meter', supplyV: 1.8 })
    const r = checkLogicLevels({ plan: lpmPlan, analyzer: lpm, board: f401, setSupplyV: 1.8, window: null, analyzerName: 'LPM01A' })
    expect(r.status).toBe('fail')
    expect(r.measured).toEqual({ value: 1.8, unit: 'V' })
    expect(r.hint).toMatch(/level-shifter channel/)
    expect(checkLogicLevels({ plan, analyzer: ppk2, board: f401, setSupplyV: 3.3, window: null, analyzerName: 'PPK2' }).status).toBe('pass')
  })

  it('use the measured voltage when the analyzer has one, and warn when an external supply cannot be read', () => {
    const jsPlan = planWiring({ analyzer: js220, board: f401, method: 'ampere-meter' })
    const base = { plan: jsPlan, analyzer: js220, board: f401, setSupplyV: null, analyzerName: 'JS220' }
    expect(checkSupplyInRange({ ...base, window: window({ meanV: 3.31 }) }).status).toBe('pass')
    expect(checkSupplyInRange({ ...base, window: window({ meanV: 4.9 }) }).message).toMatch(/measures 4\.9 V at the DUT, outside the 1\.7–3\.6 V/)
    expect(checkSupplyInRange({ ...base, window: window({}) }).status).toBe('warn')
  })

  it('format values in engineering notation', () => {
    expect(si(0.0033, 'A')).toBe('3.3 mA')
    expect(si(4.2e-7, 'A')).toBe('420 nA')
    expect(si(1, 'V')).toBe('1 V')
    expect(si(0, 'A')).toBe('0 A')
  })
})

void ({} as BenchReading)
