import { describe, expect, it } from 'vitest'
import { regularizedIncompleteBeta, studentTCdf, studentTCritical, studentTQuantile } from '../../src-main/analysis/regression-student-t'

describe("Student's t distribution", () => {
  it('matches the closed forms for 1 and 2 degrees of freedom', () => {
    for (const t of [-30, -3, -1, -0.2, 0, 0.5, 1, 2.5, 12.7, 100]) {
      // ν = 1 is the Cauchy distribution; ν = 2 has F(t) = ½ + t / (2√(2 + t²)).
      expect(studentTCdf(t, 1)).toBeCloseTo(0.5 + Math.atan(t) / Math.PI, 12)
      expect(studentTCdf(t, 2)).toBeCloseTo(0.5 + t / (2 * Math.sqrt(2 + t * t)), 12)
    }
  })

  it('gives the two-sided critical values printed in statistical tables', () => {
    const table: Array<[number, number, number]> = [
      [0.95, 1, 12.7062047],
      [0.95, 2, 4.30265273],
      [0.95, 5, 2.57058184],
      [0.95, 10, 2.22813885],
      [0.95, 14, 2.14478669],
      [0.95, 30, 2.04227246],
      [0.99, 4, 4.60409487],
      [0.9, 20, 1.72471824]
    ]
    for (const [level, df, t] of table) expect(studentTCritical(level, df)).toBeCloseTo(t, 6)
    // Many degrees of freedom approach the normal distribution's 1.959964.
    expect(studentTCritical(0.95, 1e6)).toBeCloseTo(1.959966, 5)
  })

  it('is symmetric, monotone and inverts its own CDF, also for fractional degrees of freedom', () => {
    for (const df of [0.5, 1.5, 3, 7.3, 60]) {
      for (const p of [0.001, 0.05, 0.3, 0.5, 0.8, 0.975, 0.9999]) {
        const t = studentTQuantile(p, df)
        expect(studentTCdf(t, df)).toBeCloseTo(p, 10)
        expect(studentTQuantile(1 - p, df)).toBeCloseTo(-t, 8)
      }
    }
    // I_x(a, 1) = x^a and I_x(1, b) = 1 − (1 − x)^b.
    expect(regularizedIncompleteBeta(0.3, 2.5, 1)).toBeCloseTo(0.3 ** 2.5, 12)
    expect(regularizedIncompleteBeta(0.3, 1, 4)).toBeCloseTo(1 - 0.7 ** 4, 12)
  })

  it('refuses impossible arguments', () => {
    expect(() => studentTQuantile(1, 3)).toThrow(RangeError)
    expect(() => studentTCdf(1, 0)).toThrow(/positive degrees of freedom/)
    expect(() => studentTCritical(95, 3)).toThrow(/between 0 and 1/)
  })
})
