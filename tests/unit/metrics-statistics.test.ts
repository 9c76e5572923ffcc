import { describe, expect, it } from 'vitest'
import { incompleteBeta, logGamma, median, studentTCdf, studentTQuantile, summarize } from '../../src-main/analysis/statistics'

describe('Student t quantile', () => {
  // Two-sided 95 % critical values t(0.975, df) from published t tables (e.g. NIST/SEMATECH handbook, 1.3.6.7.2).
  const table: Array<[number, number]> = [
    [1, 12.706],
    [2, 4.303],
    [3, 3.182],
    [4, 2.776],
    [5, 2.571],
    [9, 2.262],
    [10, 2.228],
    [19, 2.093],
    [29, 2.045],
    [30, 2.042],
    [49, 2.01],
    [100, 1.984]
  ]
  it.each(table)('t(0.975, %i) matches the table to its printed digits', (df, t) => {
    expect(studentTQuantile(0.975, df)).toBeCloseTo(t, 3)
  })

  it('matches closed forms to 1e-9 where they exist', () => {
    // df = 1 is the Cauchy distribution: Q(p) = tan(π (p − 1/2)).
    for (const p of [0.6, 0.9, 0.975, 0.995, 0.9995]) expect(studentTQuantile(p, 1)).toBeCloseTo(Math.tan(Math.PI * (p - 0.5)), 9)
    // df = 2: Q(p) = (2p − 1) / sqrt(2 p (1 − p)).
    for (const p of [0.6, 0.9, 0.975, 0.995]) expect(studentTQuantile(p, 2)).toBeCloseTo((2 * p - 1) / Math.sqrt(2 * p * (1 - p)), 9)
    // df = 4: Q(p) = sign · 2 sqrt(q) sqrt(cos(acos(sqrt(α))/3)/sqrt(α) − 1), α = 4p(1−p) (Hill 1970).
    for (const p of [0.9, 0.975, 0.995]) {
      const a = 4 * p * (1 - p)
      const q = Math.cos(Math.acos(Math.sqrt(a)) / 3) / Math.sqrt(a)
      expect(studentTQuantile(p, 4)).toBeCloseTo(2 * Math.sqrt(q - 1), 9)
    }
  })

  it('tends to the normal quantile 1.959964 for large df, is odd around p = 0.5, and inverts the CDF', () => {
    expect(studentTQuantile(0.975, 1e6)).toBeCloseTo(1.959964, 5)
    expect(studentTQuantile(0.025, 7)).toBeCloseTo(-studentTQuantile(0.975, 7), 12)
    expect(studentTQuantile(0.5, 3)).toBe(0)
    for (const df of [1, 3, 8, 40]) for (const p of [0.55, 0.8, 0.99]) expect(studentTCdf(studentTQuantile(p, df), df)).toBeCloseTo(p, 12)
  })

  it('rejects impossible arguments with a RangeError', () => {
    expect(() => studentTQuantile(1, 3)).toThrow(RangeError)
    expect(() => studentTQuantile(0.9, 0)).toThrow(RangeError)
  })

  it('has correct building blocks: ln Γ and I_x(a, b) at known points', () => {
    expect(logGamma(5)).toBeCloseTo(Math.log(24), 12)
    expect(logGamma(0.5)).toBeCloseTo(0.5 * Math.log(Math.PI), 12)
    // I_x(1, 1) = x; I_x(a, 1) = x^a; I_x(1, b) = 1 − (1 − x)^b
    expect(incompleteBeta(0.3, 1, 1)).toBeCloseTo(0.3, 12)
    expect(incompleteBeta(0.7, 3, 1)).toBeCloseTo(0.343, 12)
    expect(incompleteBeta(0.2, 1, 4)).toBeCloseTo(1 - 0.8 ** 4, 12)
  })
})

describe('summarize', () => {
  it('gives mean, sample sd (n − 1), median and a t-based 95 % interval computed by hand', () => {
    const v = [2, 4, 4, 4, 5, 5, 7, 9]
    const s = summarize(v)
    expect(s.n).toBe(8)
    expect(s.mean).toBe(5)
    // Σ(x − 5)² = 32, so sd = sqrt(32 / 7).
    expect(s.sd).toBeCloseTo(Math.sqrt(32 / 7), 12)
    expect(s.median).toBe(4.5)
    const half = 2.364624252 * (Math.sqrt(32 / 7) / Math.sqrt(8)) // t(0.975, 7) from tables
    expect(s.ci!.halfWidth).toBeCloseTo(half, 7)
    expect(s.ci!.low).toBeCloseTo(5 - half, 7)
    expect(s.min).toBe(2)
    expect(s.max).toBe(9)
  })

  it('leaves out non-finite values and says how many, and has no sd or interval below two values', () => {
    const s = summarize([NaN, 3, Infinity])
    expect(s.n).toBe(1)
    expect(s.ignored).toBe(2)
    expect(s.mean).toBe(3)
    expect(s.sd).toBeNull()
    expect(s.ci).toBeNull()
    expect(summarize([]).mean).toBeNull()
  })

  it('keeps precision for values with a large common offset', () => {
    const s = summarize([1e9 + 1, 1e9 + 2, 1e9 + 3])
    expect(s.sd).toBeCloseTo(1, 9)
  })

  it('gives exactly zero spread for values equal up to float rounding, and keeps a real spread of one part in 10¹²', () => {
    // 0.1 + 0.2 and 0.3 differ by one ulp: the same duration reached by two sums.
    const same = summarize([0.1 + 0.2, 0.3, 0.3, 0.1 + 0.2, 0.3, 0.3, 0.3, 0.3])
    expect(same.sd).toBe(0)
    expect(same.ci?.halfWidth).toBe(0)
    const real = summarize([1, 1 + 1e-12, 1, 1 + 1e-12])
    const d = 1 + 1e-12 - 1 // the difference as stored
    expect(real.sd! / Math.sqrt((4 * (d / 2) ** 2) / 3)).toBeCloseTo(1, 9)
  })

  it('medians odd and even counts', () => {
    expect(median([3, 1, 2])).toBe(2)
    expect(median([4, 1, 3, 2])).toBe(2.5)
    expect(median([])).toBeNull()
  })
})
