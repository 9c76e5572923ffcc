import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { confidenceBand, fitLine, meanResponse, RegressionError } from '../../src-main/analysis/regression'
import { fitMappedTable } from '../../src-main/analysis/regression-table'
import { parseCsv } from '../../src-main/formats/table-csv'
import { applyTableMapping } from '../../src-main/formats/table-mapping'

const DATA = '/work/shared/data/convolution-primitives'

/** Anscombe's quartet, data set I (Anscombe 1973), with its widely published least-squares summary. */
const ANSCOMBE_X = [10, 8, 13, 9, 11, 14, 6, 4, 12, 7, 5]
const ANSCOMBE_Y = [8.04, 6.95, 7.58, 8.81, 8.33, 9.96, 7.24, 4.26, 10.84, 4.82, 5.68]
const anscombe = ANSCOMBE_X.map((x, i) => ({ x, y: ANSCOMBE_Y[i] }))

describe('least-squares line', () => {
  it("reproduces the published fit of Anscombe's first data set", () => {
    const f = fitLine(anscombe)
    // y = 3.0001 + 0.5001 x; standard errors 1.1247 and 0.1179; residual SE 1.237 on 9 df; R² 0.6665.
    expect(f.n).toBe(11)
    expect(f.df).toBe(9)
    expect(f.intercept).toBeCloseTo(3.0001, 4)
    expect(f.slope).toBeCloseTo(0.5001, 4)
    expect(f.interceptStdErr).toBeCloseTo(1.1247, 4)
    expect(f.slopeStdErr).toBeCloseTo(0.1179, 4)
    expect(f.residualStdErr).toBeCloseTo(1.237, 3)
    expect(f.r2).toBeCloseTo(0.6665, 4)
    // 95 % interval of the slope: 0.5001 ± 2.2622 × 0.1179.
    expect(f.slopeInterval![0]).toBeCloseTo(0.5001 - 2.262157 * 0.117906, 3)
    expect(f.slopeInterval![1]).toBeCloseTo(0.5001 + 2.262157 * 0.117906, 3)
  })

  it('recovers an exact line, whatever the scale of x and y', () => {
    const pts = [1e6, 2.5e6, 4e6, 9e6].map((x) => ({ x, y: 2.1e-3 + 2.09e-8 * x }))
    const f = fitLine(pts)
    expect(f.slope).toBeCloseTo(2.09e-8, 20)
    expect(f.intercept).toBeCloseTo(2.1e-3, 15)
    expect(f.r2).toBeCloseTo(1, 12)
    expect(f.slopeStdErr).toBeLessThan(1e-20)
  })

  it('draws the mean-response band: narrowest at the mean of x, t·s/√n wide there', () => {
    const f = fitLine(anscombe)
    const meanX = ANSCOMBE_X.reduce((a, b) => a + b) / 11
    const atMean = meanResponse(f, meanX)
    expect(atMean.y).toBeCloseTo(ANSCOMBE_Y.reduce((a, b) => a + b) / 11, 10)
    expect(atMean.upper! - atMean.y).toBeCloseTo((2.262157 * 1.236603) / Math.sqrt(11), 4)
    const band = confidenceBand(f, 11)
    expect(band).toHaveLength(11)
    expect(band[0].x).toBe(4)
    expect(band[10].x).toBe(14)
    const widths = band.map((b) => b.upper! - b.lower!)
    const narrowest = widths.indexOf(Math.min(...widths))
    expect(Math.abs(band[narrowest].x - meanX)).toBeLessThanOrEqual(1)
    expect(widths[0]).toBeGreaterThan(widths[narrowest])
    // At the intercept (x = 0) the band's half-width is the intercept's interval.
    const at0 = meanResponse(f, 0)
    expect(at0.upper! - at0.y).toBeCloseTo(f.interceptInterval![1] - f.intercept, 10)
  })

  it('fits two points without intervals, and refuses fewer points or a single x', () => {
    const two = fitLine([{ x: 1, y: 1 }, { x: 3, y: 2 }])
    expect(two.slope).toBe(0.5)
    expect(two.slopeStdErr).toBeNull()
    expect(meanResponse(two, 2).lower).toBeNull()
    expect(() => fitLine([{ x: 1, y: 1 }, { x: NaN, y: 2 }])).toThrow(/at least 2 points.*got 1/)
    expect(() => fitLine([{ x: 2, y: 1 }, { x: 2, y: 3 }, { x: 2, y: 5 }])).toThrow(RegressionError)
    expect(fitLine([{ x: 1, y: 4 }, { x: 2, y: 4 }, { x: 3, y: 4 }]).r2).toBeNull()
  })
})

describe('fits over the convolution-primitive tables', () => {
  const load = (name: string) => parseCsv(readFileSync(`${DATA}/${name}`, 'utf8'), name)

  it("reproduces the study's energy slopes and R² per implementation from the filters sweep", () => {
    const mapped = applyTableMapping(load('Filters_Latency_And_Energy.csv'), {
      columns: { energy: 'Consumption (J)', latency: 'Latency (s)', primitive: 'Layer type', cy: 'Filters' },
      base: { hy: 32, wy: 32, cx: 16, cy: 16, k: 3, g: 2 },
      exclude: { 'Layer type': ['AddConv'] }
    })
    const fit = fitMappedTable(mapped, { x: 'macs', y: 'energy', group: ['DSP'] })
    expect(fit.groups.map((g) => g.key)).toEqual(['DSP=0', 'DSP=1', 'DSP=2'])
    expect(fit.groups.map((g) => g.points.length)).toEqual([16, 16, 16])
    // README: 20.93, 6.38, 2.89 nJ/MAC; R² 0.988, 0.987, 0.944 (three significant figures).
    const slopesNj = fit.groups.map((g) => Number((g.fit!.slope * 1e9).toPrecision(3)))
    expect(slopesNj).toEqual([20.9, 6.38, 2.89])
    expect(fit.groups.map((g) => Number(g.fit!.r2!.toPrecision(3)))).toEqual([0.988, 0.987, 0.944])
    expect(fit.excludedRows).toBe(8)
    expect(fit.x.origin).toMatch(/derived/)
    // Latency slopes of the seed notes: ≈345, 109, 40 ns/MAC.
    const latency = fitMappedTable(mapped, { x: 'macs', y: 'latency', group: ['DSP'] })
    expect(latency.groups.map((g) => Math.round(g.fit!.slope * 1e9))).toEqual([345, 109, 40])
  })

  it('derives the groups sweep MACs from a fixed primitive and the groups column', () => {
    const mapped = applyTableMapping(load('Groups_Latency_And_Energy.csv'), {
      columns: { energy: 'Consumption (J)', g: 'Groups' },
      primitive: 'grouped',
      base: { hy: 10, wy: 10, k: 3, cx: 128, cy: 64 }
    })
    const fit = fitMappedTable(mapped, { x: 'macs', y: 'energy', group: ['DSP'] })
    const g0 = fit.groups[0]
    expect(g0.key).toBe('DSP=0')
    expect(g0.points.map((p) => p.x).sort((a, b) => a - b)).toEqual([32, 16, 8, 4, 2, 1].map((g) => 7_372_800 / g))
    expect(g0.fit!.r2!).toBeGreaterThan(0.99)
  })
})
