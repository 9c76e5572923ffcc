import { describe, expect, it } from 'vitest'
import { compareGroups, describeComparison, ratioOfMeans, ratioOfSlopes, summarize } from '../../src-main/analysis/compare'
import { fitLine } from '../../src-main/analysis/regression'

describe('comparing groups as ratios', () => {
  it('writes the sentence users write: faster, at a multiple of the power', () => {
    // Two platforms with constant per-inference figures: B takes 10/19.3 of A's time at 3.13× its power.
    const c = compareGroups(
      [
        { name: 'MAX78000', latencyS: [0.0193, 0.0193], powerW: [0.01, 0.01] },
        { name: 'HX-WE2', latencyS: [0.01, 0.01], powerW: [0.0313, 0.0313] }
      ],
      'MAX78000'
    )
    const b = c.comparisons[0]
    expect(b.speedup!.ratio).toBeCloseTo(1.93, 10)
    expect(b.power!.ratio).toBeCloseTo(3.13, 10)
    expect(b.sentence).toBe('HX-WE2 is 1.93× faster than MAX78000, at 3.13× the power')
    // No spread: the interval collapses onto the ratio.
    expect(b.power!.lower).toBeCloseTo(3.13, 10)
  })

  it('puts a log-scale interval around a ratio of means with spread', () => {
    const a = summarize([1, 2, 3])!
    const b = summarize([2, 4, 6])!
    expect(a).toEqual({ n: 3, mean: 2, sd: 1, stdErr: 1 / Math.sqrt(3) })
    const r = ratioOfMeans(a, b)
    expect(r.ratio).toBe(0.5)
    // cv of each mean is (1/√3)/2 = (2/√3)/4 = 0.2887; t(0.975, 2) = 4.302653.
    const half = 4.302653 * Math.sqrt(2 * (1 / Math.sqrt(3) / 2) ** 2)
    expect(r.lower!).toBeCloseTo(0.5 * Math.exp(-half), 5)
    expect(r.upper!).toBeCloseTo(0.5 * Math.exp(half), 5)
  })

  it('describes slower groups and groups with only energy', () => {
    expect(describeComparison('naive', 'SIMD', { ratio: 7.5, lower: null, upper: null }, null, { ratio: 6.4, lower: null, upper: null })).toBe(
      'naive is 7.50× slower than SIMD, at 6.40× the energy'
    )
    expect(describeComparison('b', 'a', null, null, { ratio: 0.5, lower: null, upper: null })).toBe('b uses 0.50× the energy of a')
    const c = compareGroups([{ name: 'a', energyJ: [2] }, { name: 'b', latencyS: [1] }])
    expect(c.comparisons[0].sentence).toBe('b and a have no measurement in common')
  })

  it('compares fitted slopes: energy per MAC of naive over SIMD', () => {
    const naive = fitLine([1, 2, 3, 4].map((m) => ({ x: m * 1e6, y: 20.9e-9 * m * 1e6 + 1e-3 + (m % 2 ? 1e-5 : -1e-5) })))
    const simd = fitLine([1, 2, 3, 4].map((m) => ({ x: m * 1e6, y: 2.89e-9 * m * 1e6 + 1e-3 + (m % 2 ? -1e-5 : 1e-5) })))
    const r = ratioOfSlopes(naive, simd)
    expect(r.ratio).toBeCloseTo(naive.slope / simd.slope, 12)
    expect(r.ratio).toBeGreaterThan(6)
    expect(r.lower!).toBeLessThan(r.ratio)
    expect(r.upper!).toBeGreaterThan(r.ratio)
  })

  it('refuses a comparison with one group or an unknown baseline', () => {
    expect(() => compareGroups([{ name: 'a', latencyS: [1] }])).toThrow(/at least two groups/)
    expect(() => compareGroups([{ name: 'a' }, { name: 'b' }], 'c')).toThrow(/no group is named "c" \(groups: a, b\)/)
  })
})
