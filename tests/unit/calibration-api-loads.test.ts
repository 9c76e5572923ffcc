import { describe, expect, it } from 'vitest'
import { nearestE12, suggestedLoads } from '../../src-main/api/calibration/suggested-loads'
import { applyBenchFault, BENCH_SHORT_A } from '../../src-main/virtual-bench/bench-fault'
import { findAnalyzer, loadDefinitions } from '../../src-main/wiring/definitions'
import { dueClass, dueWords, pct, signedPct } from '../../src-renderer/src/components/calibration/cal-format'

const E12 = [1.0, 1.2, 1.5, 1.8, 2.2, 2.7, 3.3, 3.9, 4.7, 5.6, 6.8, 8.2]

describe('suggested reference loads', () => {
  it('rounds to the E12 value nearest on a log scale', () => {
    // Hand-picked: 2.09 MΩ is nearer 2.2 M than 1.8 M; 13.9 Ω nearer 15 than 12; 9.6 kΩ rounds up to the next decade's 10 k.
    expect(nearestE12(2.09e6)).toBe(2.2e6)
    expect(nearestE12(13.9)).toBe(15)
    expect(nearestE12(9.6e3)).toBe(10e3)
    expect(nearestE12(47)).toBe(47)
    // Every result is an E12 value, and no E12 value is nearer (log distance), for a sweep of six decades.
    for (let x = 1.01; x < 1e6; x *= 1.0731) {
      const got = nearestE12(x)
      const decade = 10 ** Math.floor(Math.log10(got) + 1e-9)
      expect(E12.map((m) => +(m * decade).toPrecision(2)).concat([+(10 * decade).toPrecision(2)])).toContain(got)
      for (const m of [...E12, 10]) for (const d of [decade / 10, decade, decade * 10]) expect(Math.abs(Math.log(got / x))).toBeLessThanOrEqual(Math.abs(Math.log((m * d) / x)) + 1e-12)
    }
  })

  it('puts two loads in each PPK2 range, inside its span and under 80 % of the current limit', () => {
    const ppk2 = findAnalyzer(loadDefinitions(), 'ppk2')
    const loads = suggestedLoads(ppk2, 3.3)
    expect(loads.map((l) => l.rangeIndex)).toEqual([0, 0, 1, 1, 2, 2, 3, 3, 4, 4])
    for (const l of loads) {
      const r = ppk2.ranges[l.rangeIndex]!
      expect(l.currentA).toBe(3.3 / l.resistanceOhm)
      expect(l.currentA).toBeGreaterThanOrEqual(r.minA)
      expect(l.currentA).toBeLessThanOrEqual(r.maxA)
      expect(l.currentA).toBeLessThanOrEqual(0.8 * 0.5)
      expect(l.toleranceFraction).toBe(0.001)
    }
  })

  it('keeps the LPM01A under its 59 mA trip and leaves out its static-only range', () => {
    const lpm = findAnalyzer(loadDefinitions(), 'lpm01a')
    const loads = suggestedLoads(lpm, 1.8)
    expect(loads.length).toBe(2)
    expect(loads.every((l) => l.rangeIndex === 0 && l.currentA < 0.8 * 0.059)).toBe(true)
  })
})

describe('bench faults', () => {
  const bench = () => ({ a: Float64Array.from([0.019, 0.0021, 0.019]), d: Uint8Array.from([0x81, 0, 0x81]) })
  it('changes what the analyzers see as the fault says, and nothing without one', () => {
    let b = bench()
    applyBenchFault('none', b.a, b.d)
    expect([...b.a, ...b.d]).toEqual([0.019, 0.0021, 0.019, 0x81, 0, 0x81])
    b = bench()
    applyBenchFault('no-supply', b.a, b.d)
    expect([...b.a, ...b.d]).toEqual([0, 0, 0, 0, 0, 0])
    b = bench()
    applyBenchFault('short', b.a, b.d)
    expect([...b.a, ...b.d]).toEqual([BENCH_SHORT_A, BENCH_SHORT_A, BENCH_SHORT_A, 0x81, 0, 0x81])
    b = bench()
    applyBenchFault('silent-trigger', b.a, b.d)
    expect([...b.a, ...b.d]).toEqual([0.019, 0.0021, 0.019, 0, 0, 0])
  })
})

describe('calibration screen figures', () => {
  it('prints percentages, signs and due dates for reading', () => {
    expect(pct(0.1)).toBe('10 %')
    expect(pct(0.000123, 2)).toBe('0.012 %')
    expect(pct(1.6e-16)).toBe('0 %')
    expect(signedPct(-0.0123)).toBe('−1.23 %')
    expect(signedPct(0.0123)).toBe('+1.23 %')
    expect(signedPct(-3e-17)).toBe('0 %')
    expect([dueWords(20.2), dueWords(-2.6), dueWords(0.3), dueWords(1)]).toEqual(['in 20 days', '3 days ago', 'today', 'in 1 day'])
    expect([dueClass(-0.01), dueClass(0), dueClass(30), dueClass(30.5)]).toEqual(['overdue', 'due-soon', 'due-soon', 'ok'])
  })
})
