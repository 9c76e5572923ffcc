import { describe, expect, it } from 'vitest'
import { parseQuantity, parseSegmentSpec, parseWindow, SegmentSpecError } from '../../src-main/runs/segment-spec'

describe('joulebench analyze --segment specs', () => {
  it.each([
    ['5m', 5e-3, null],
    ['5mA', 5e-3, 'A'],
    ['5 mA', 5e-3, 'A'],
    ['0.005', 0.005, null],
    ['2e-3', 2e-3, null],
    ['12mW', 12e-3, 'W'],
    ['250u', 250e-6, null],
    ['250µA', 250e-6, 'A']
  ])('reads the quantity %s', (text, value, unit) => {
    const q = parseQuantity(text, ['A', 'W'], 'level')
    expect(q.value).toBeCloseTo(value, 15)
    expect(q.unit).toBe(unit)
  })

  it('refuses a unit the option does not take, saying what it takes', () => {
    expect(() => parseQuantity('5ms', ['A', 'W'], 'threshold level')).toThrow(/threshold level: "5ms" is not a quantity.*5mA, 5mW/)
    expect(() => parseQuantity('five', ['A'], 'x')).toThrow(SegmentSpecError)
  })

  it('threshold: level, hysteresis and minimum duration; watts mean power', () => {
    expect(parseSegmentSpec('threshold:5mA,hyst=0.5m,min=2ms').segmentation).toEqual({ kind: 'threshold', quantity: 'current', level: 5e-3, hysteresis: 0.5e-3, minDurationS: 2e-3 })
    expect(parseSegmentSpec('threshold:20mW').segmentation).toMatchObject({ quantity: 'power', level: 20e-3 })
    expect(() => parseSegmentSpec('threshold:20mW,hyst=1mA')).toThrow(/same unit/)
    expect(() => parseSegmentSpec('threshold:0')).toThrow(/more than 0/)
  })

  it('gpio: line, level, edges', () => {
    expect(parseSegmentSpec('gpio:D0').segmentation).toEqual({ kind: 'gpio', line: 0, mode: 'pulses', activeLevel: 'high', edge: 'rising', glitchFilterS: 0, minDurationS: 0 })
    expect(parseSegmentSpec('gpio:d3,low,min=1ms').segmentation).toMatchObject({ line: 3, activeLevel: 'low', minDurationS: 1e-3 })
    expect(parseSegmentSpec('gpio:2,edges,falling').segmentation).toMatchObject({ line: 2, mode: 'edges', edge: 'falling' })
    expect(() => parseSegmentSpec('gpio:D8')).toThrow(/D0 to D7/)
    expect(() => parseSegmentSpec('gpio:D1,fast')).toThrow(/"fast" is not an option of gpio/)
  })

  it('windows: unlabelled ones are inferences, labelled ones keep their label', () => {
    expect(parseSegmentSpec('windows:1.2-1.5,init@1.0-1.2,idle@0-0.5').segmentation).toEqual({
      kind: 'windows',
      windows: [
        { label: 'inference', startS: 1.2, endS: 1.5, kind: 'inference' },
        { label: 'init', startS: 1.0, endS: 1.2 },
        { label: 'idle', startS: 0, endS: 0.5 }
      ]
    })
    expect(() => parseSegmentSpec('windows:2-1')).toThrow(/ends before it starts/)
    expect(() => parseSegmentSpec('windows:abc')).toThrow(/not A-B/)
  })

  it('timestamps: marks or a line, N, windows, the MLPerf rule (5 windows)', () => {
    const a = parseSegmentSpec('timestamps:marks,n=400,mlperf')
    expect(a.segmentation).toEqual({ kind: 'dut-timestamps', source: { kind: 'marks' }, mlperfRule: true })
    expect(a.inferenceCount).toBe(400)
    expect(a.timestampWindows).toBe(5)
    const b = parseSegmentSpec('timestamps:D7,n=20,windows=2')
    expect(b.segmentation).toMatchObject({ source: { kind: 'line', line: 7, edge: 'falling' }, mlperfRule: false })
    expect(b.timestampWindows).toBe(2)
    expect(() => parseSegmentSpec('timestamps:marks')).toThrow(/needs n=N/)
  })

  it('names the method when it is missing or unknown', () => {
    expect(() => parseSegmentSpec('5mA')).toThrow(/names no method/)
    expect(() => parseSegmentSpec('level:5mA')).toThrow(/Unknown segmentation "level"/)
  })

  it('--idle is a window in seconds', () => {
    expect(parseWindow('0.2-0.8', '--idle')).toEqual({ startS: 0.2, endS: 0.8 })
    expect(parseWindow('200ms-800ms', '--idle')).toEqual({ startS: 0.2, endS: 0.8 })
    expect(() => parseWindow('0.8', '--idle')).toThrow(/--idle "0.8" is not A-B/)
  })

  it('never throws anything but a SegmentSpecError on random specs', () => {
    let s = 7
    const random = () => ((s = (s * 1103515245 + 12345) >>> 0) / 2 ** 32)
    const alphabet = 'gpiothresholdwinowsmarkstD0123456789.,:=@-mAWuµe '
    for (let k = 0; k < 2000; k++) {
      const head = ['gpio:', 'threshold:', 'windows:', 'timestamps:', ''][Math.floor(random() * 5)]
      let tail = ''
      for (let j = Math.floor(random() * 20); j > 0; j--) tail += alphabet[Math.floor(random() * alphabet.length)]
      try {
        parseSegmentSpec(head + tail)
      } catch (e) {
        expect(e).toBeInstanceOf(SegmentSpecError)
      }
    }
  })
})
