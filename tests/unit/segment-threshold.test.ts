import { describe, expect, it } from 'vitest'
import { segmentByThreshold } from '../../src-main/analysis/segment-threshold'
import { measureWindow } from '../../src-main/analysis/integrate'
import { arrayTrace } from '../../src-main/analysis/array-trace'
import { burstTrain, synthesize } from '../helpers/dut-synthetic'
import { prng } from '../helpers/prng'

const dt = 1e-5 // 100 kS/s, the PPK2's rate

describe('segmentByThreshold', () => {
  it('finds every inference within one sample of the truth, and its energy within 0.1 % of the integral', () => {
    const bursts = burstTrain(8, 0.0123, 0.05, 0.2, 0.02)
    const trace = synthesize({ samplePeriodS: dt, durationS: 1.7, idleA: 0.5e-3, bursts, noiseA: 50e-6, seed: 7, supplyV: 3.3 })
    const { inferences, dropped } = segmentByThreshold(trace, { threshold: 10e-3, hysteresis: 2e-3, minDurationS: 1e-3 })
    expect(dropped).toEqual([])
    expect(inferences).toHaveLength(bursts.length)
    inferences.forEach((inf, k) => {
      expect(Math.abs(inf.startIndex - bursts[k].startS / dt)).toBeLessThanOrEqual(1)
      expect(Math.abs(inf.endIndex - bursts[k].endS / dt)).toBeLessThanOrEqual(1)
      expect(inf.startS).toBeCloseTo(inf.startIndex * dt, 12)
      const analytic = 3.3 * (0.5e-3 + 0.02) * (bursts[k].endS - bursts[k].startS)
      const measured = measureWindow(trace, inf).energyJ
      expect(Math.abs(measured - analytic) / analytic).toBeLessThan(1e-3)
    })
  })

  it('keeps one inference whole through noise on the threshold thanks to hysteresis, and splits it without', () => {
    // A plateau sitting right at the threshold, with noise: without hysteresis it chatters.
    const trace = synthesize({
      samplePeriodS: dt,
      durationS: 0.2,
      idleA: 0,
      bursts: [
        { startS: 0.02, endS: 0.12, extraA: 10e-3 },
        { startS: 0.05, endS: 0.08, extraA: 5e-3 }
      ],
      noiseA: 0.3e-3,
      seed: 3
    })
    const chattering = segmentByThreshold(trace, { threshold: 10e-3 })
    expect(chattering.inferences.length).toBeGreaterThan(5)
    const whole = segmentByThreshold(trace, { threshold: 9e-3, hysteresis: 4e-3 })
    expect(whole.inferences).toHaveLength(1)
    expect(Math.abs(whole.inferences[0].startIndex - 0.02 / dt)).toBeLessThanOrEqual(1)
    expect(Math.abs(whole.inferences[0].endIndex - 0.12 / dt)).toBeLessThanOrEqual(1)
  })

  it('drops runs shorter than the minimum duration and says so', () => {
    const trace = synthesize({
      samplePeriodS: dt,
      durationS: 0.1,
      idleA: 1e-3,
      bursts: [
        { startS: 0.01, endS: 0.0103, extraA: 0.02 }, // a 0.3 ms wake-up spike
        { startS: 0.03, endS: 0.06, extraA: 0.02 }
      ]
    })
    const r = segmentByThreshold(trace, { threshold: 10e-3, minDurationS: 1e-3 })
    expect(r.inferences).toHaveLength(1)
    expect(r.dropped).toEqual([{ startIndex: 1000, endIndex: 1030, reason: 'too-short' }])
  })

  it('never measures a run whose start or end it did not see, nor one a gap cuts', () => {
    const current = new Float64Array(1000).fill(1e-3)
    current.fill(0.02, 0, 50) // already running at the first sample
    current.fill(0.02, 200, 300) // a gap inside this one
    current.fill(0.02, 500, 560) // rises inside a gap
    current.fill(0.02, 700, 750) // a clean one
    current.fill(0.02, 950, 1000) // still running at the end
    const trace = arrayTrace({
      samplePeriodS: dt,
      currentA: current,
      gaps: [
        { startIndex: 250, count: 10, reason: 'test' },
        { startIndex: 480, count: 30, reason: 'test' }
      ]
    })
    const r = segmentByThreshold(trace, { threshold: 10e-3 })
    expect(r.inferences.map((i) => [i.startIndex, i.endIndex])).toEqual([[700, 750]])
    expect(r.dropped).toEqual([
      { startIndex: 0, endIndex: 50, reason: 'unterminated' },
      { startIndex: 200, endIndex: 300, reason: 'gap' },
      { startIndex: 510, endIndex: 560, reason: 'gap' },
      { startIndex: 950, endIndex: 1000, reason: 'unterminated' }
    ])
  })

  it('gives the same answer whatever the read chunk size', () => {
    const trace = synthesize({ samplePeriodS: dt, durationS: 0.5, idleA: 1e-3, bursts: burstTrain(5, 0.01, 0.02, 0.09, 0.03), noiseA: 1e-3, seed: 11 })
    const opts = { threshold: 12e-3, hysteresis: 3e-3, minDurationS: 1e-4 }
    expect(segmentByThreshold(trace, { ...opts, chunkSamples: 7 })).toEqual(segmentByThreshold(trace, opts))
  })

  it('thresholds power with the measured voltage when asked', () => {
    // Same 10 mA throughout, but the supply steps from 1.8 V to 3.3 V for a while: only power sees it.
    const trace = synthesize({
      samplePeriodS: dt,
      durationS: 0.1,
      idleA: 10e-3,
      bursts: [],
      voltageAt: (t) => (t >= 0.04 && t < 0.07 ? 3.3 : 1.8)
    })
    expect(segmentByThreshold(trace, { threshold: 15e-3 }).inferences).toHaveLength(0)
    const r = segmentByThreshold(trace, { quantity: 'power', threshold: 25e-3 })
    expect(r.inferences.map((i) => [i.startIndex, i.endIndex])).toEqual([[4000, 7000]])
  })

  it('on random traces, always returns ordered windows whose samples are all above the lower threshold', () => {
    const rand = prng(2024)
    for (let trial = 0; trial < 40; trial++) {
      const n = 200 + Math.floor(rand() * 3000)
      const cur = Float64Array.from({ length: n }, () => (rand() < 0.02 ? NaN : rand() * 0.03 - 0.005))
      const trace = arrayTrace({ samplePeriodS: dt, currentA: cur })
      const upper = rand() * 0.02
      const hyst = rand() * 0.01
      const r = segmentByThreshold(trace, { threshold: upper, hysteresis: hyst, minDurationS: rand() * 5 * dt, chunkSamples: 1 + Math.floor(rand() * 64) })
      let last = -1
      for (const inf of r.inferences) {
        expect(inf.startIndex).toBeGreaterThan(last)
        expect(inf.endIndex).toBeGreaterThan(inf.startIndex)
        const s = trace.read(inf.startIndex, inf.endIndex).currentA
        expect(s[0]).toBeGreaterThan(upper)
        for (const x of s) expect(x > upper - hyst).toBe(true)
        last = inf.endIndex
      }
    }
  })
})
