import { describe, expect, it } from 'vitest'
import { findEdges, segmentByGpio } from '../../src-main/analysis/segment-gpio'
import { arrayTrace } from '../../src-main/analysis/array-trace'
import { AnalysisError } from '../../src-main/analysis/segments'
import { burstTrain, synthesize } from '../helpers/dut-synthetic'

const dt = 1e-5

describe('segmentByGpio', () => {
  it('cuts at pairs of edges of an active-high line, within one sample of the truth', () => {
    const bursts = burstTrain(6, 0.0051, 0.0333, 0.07, 0.01)
    const trace = synthesize({ samplePeriodS: dt, durationS: 0.5, idleA: 1e-3, bursts, burstLine: 2 })
    const { inferences, dropped } = segmentByGpio(trace, { line: 2, mode: 'pulses' })
    expect(dropped).toEqual([])
    expect(inferences).toHaveLength(6)
    inferences.forEach((inf, k) => {
      expect(Math.abs(inf.startIndex - bursts[k].startS / dt)).toBeLessThanOrEqual(1)
      expect(Math.abs(inf.endIndex - bursts[k].endS / dt)).toBeLessThanOrEqual(1)
      expect(inf.source).toBe('gpio-pulses')
      expect(inf.index).toBe(k)
    })
  })

  it('ignores glitches shorter than the filter and still places real edges at their first sample', () => {
    const dig = new Uint8Array(2000)
    dig.fill(1, 300, 303) // 30 µs glitch
    dig.fill(1, 500, 1500) // real pulse
    dig.fill(0, 900, 902) // 20 µs drop-out inside it
    const trace = arrayTrace({ samplePeriodS: dt, currentA: new Float64Array(2000).fill(1e-3), digital: dig })
    expect(segmentByGpio(trace, { line: 0, mode: 'pulses' }).inferences).toHaveLength(3)
    const r = segmentByGpio(trace, { line: 0, mode: 'pulses', glitchFilterS: 50e-6, chunkSamples: 301 })
    expect(r.inferences.map((i) => [i.startIndex, i.endIndex])).toEqual([[500, 1500]])
  })

  it('cuts between consecutive marks (one edge per boundary), either polarity', () => {
    const dig = new Uint8Array(1000).fill(0x08)
    for (const at of [100, 400, 650, 900]) dig.fill(0, at, at + 5) // D3 pulled low briefly
    const trace = arrayTrace({ samplePeriodS: dt, currentA: new Float64Array(1000), digital: dig })
    const falling = segmentByGpio(trace, { line: 3, mode: 'edges', edge: 'falling' })
    expect(falling.inferences.map((i) => [i.startIndex, i.endIndex])).toEqual([
      [100, 400],
      [400, 650],
      [650, 900]
    ])
    const rising = segmentByGpio(trace, { line: 3, mode: 'edges', edge: 'rising' })
    expect(rising.inferences.map((i) => [i.startIndex, i.endIndex])).toEqual([
      [105, 405],
      [405, 655],
      [655, 905]
    ])
  })

  it('reads an active-low line and reports pulses cut off by the recording or a gap', () => {
    const dig = new Uint8Array(1000).fill(1)
    dig.fill(0, 0, 40)
    dig.fill(0, 100, 200)
    dig.fill(0, 300, 400)
    dig.fill(0, 950, 1000)
    const trace = arrayTrace({
      samplePeriodS: dt,
      currentA: new Float64Array(1000),
      digital: dig,
      gaps: [{ startIndex: 350, count: 10, reason: 'usb' }]
    })
    const r = segmentByGpio(trace, { line: 0, mode: 'pulses', activeLevel: 'low' })
    expect(r.inferences.map((i) => [i.startIndex, i.endIndex])).toEqual([[100, 200]])
    expect(r.dropped).toEqual([
      { startIndex: 0, endIndex: 40, reason: 'unterminated' },
      { startIndex: 300, endIndex: 400, reason: 'gap' },
      { startIndex: 950, endIndex: 1000, reason: 'unterminated' }
    ])
  })

  it('flags an edge that happened inside a gap', () => {
    const dig = new Uint8Array(100)
    dig.fill(1, 55)
    const trace = arrayTrace({ samplePeriodS: dt, currentA: new Float64Array(100), digital: dig, gaps: [{ startIndex: 50, count: 10, reason: 'x' }] })
    expect(findEdges(trace, { line: 0 })).toEqual([{ index: 60, timeS: 60 * dt, rising: true, afterGap: true }])
  })

  it('explains what to do when the recording has no digital lines', () => {
    const trace = arrayTrace({ samplePeriodS: dt, currentA: new Float64Array(10) })
    expect(() => segmentByGpio(trace, { line: 0, mode: 'pulses' })).toThrow(AnalysisError)
    expect(() => segmentByGpio(trace, { line: 0, mode: 'pulses' })).toThrow(/no digital lines.*threshold or manual/)
    expect(() => findEdges(trace, { line: 9 })).toThrow(/0 to 7/)
  })
})
