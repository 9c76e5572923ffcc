import { describe, expect, it } from 'vitest'
import { decodePpk2Words, newSpikeFilterState } from '../../src-main/instruments/ppk2/conversion'
import {
  EMULATED_CALIBRATION,
  EmulatedFrontEnd,
  formatMetadata,
  selectRange
} from '../../src-main/instruments/ppk2/emulator-model'
import { parsePpk2Metadata } from '../../src-main/instruments/ppk2/metadata'
import { squarePulses, steps, withDigitalScript } from '../../src-main/instruments/ppk2/signals'
import { referenceCurrentA } from '../helpers/ppk2-fixtures'

const META = { calibration: EMULATED_CALIBRATION, ug: [1, 1, 1, 1, 1], vddMv: 3300, mode: 2 as const, calibrated: 1 as const, hw: 9173, ia: 56 }

function encode(frontEnd: EmulatedFrontEnd, currents: number[], supplyMv = 3300): Uint32Array {
  const words = new Uint32Array(currents.length)
  frontEnd.encode(Float64Array.from(currents), new Uint8Array(currents.length), supplyMv, true, words)
  return words
}

describe('emulated PPK2 front end', () => {
  it('prints metadata our parser reads back to the very values the unit uses', () => {
    const m = parsePpk2Metadata(formatMetadata(META))
    expect(m.calibration.r).toEqual(EMULATED_CALIBRATION.r)
    expect(m.calibration.gs).toEqual(EMULATED_CALIBRATION.gs)
    expect(m.calibration.gi).toEqual(EMULATED_CALIBRATION.gi)
    expect(m.calibration.o).toEqual(EMULATED_CALIBRATION.o)
    expect(m.calibration.s).toEqual(EMULATED_CALIBRATION.s)
    expect(m.calibration.i).toEqual(EMULATED_CALIBRATION.i)
    expect(m.defaulted).toEqual([])
    expect(m.vddMv).toBe(3300)
    expect(m.mode).toBe('source')
  })

  it('switches ranges at the published boundaries, with hysteresis', () => {
    expect(selectRange(0, 20e-6)).toBe(0)
    expect(selectRange(0, 60e-6)).toBe(1)
    expect(selectRange(1, 48e-6)).toBe(1) // inside the hysteresis band: stays
    expect(selectRange(1, 40e-6)).toBe(0)
    expect(selectRange(0, 0.3)).toBe(4) // a jump goes straight to the right range
    expect(selectRange(4, 1e-6)).toBe(0)
    expect(selectRange(3, 52e-3)).toBe(3)
    expect(selectRange(3, 56e-3)).toBe(4)
  })

  it('without noise, each word reads back through the published formula to the true current within one ADC step', () => {
    const frontEnd = new EmulatedFrontEnd({ noiseCounts: 0, spikeShape: [] })
    const currents = [3e-6, 30e-6, 300e-6, 3e-3, 30e-3, 300e-3, 0.9]
    const words = encode(frontEnd, currents)
    currents.forEach((truth, k) => {
      const range = (words[k] >>> 14) & 7
      const adc = words[k] & 0x3fff
      const read = referenceCurrentA(range, adc, { ...EMULATED_CALIBRATION, ug: [1, 1, 1, 1, 1] }, 3300)
      const step = referenceCurrentA(range, adc + 1, { ...EMULATED_CALIBRATION, ug: [1, 1, 1, 1, 1] }, 3300) - read
      expect(Math.abs(read - truth)).toBeLessThanOrEqual(step / 2 + 1e-15)
    })
    expect(currents.map((_, k) => (words[k] >>> 14) & 7)).toEqual([0, 0, 1, 2, 3, 4, 4])
  })

  it('with noise, the mean of many readings is unbiased (noise dithers the ADC steps)', () => {
    const frontEnd = new EmulatedFrontEnd({ seed: 3, spikeShape: [] })
    const cal = parsePpk2Metadata(formatMetadata(META)).calibration
    for (const truth of [7.3e-6, 123.4e-6, 2.345e-3, 23.45e-3, 234.5e-3]) {
      const words = encode(frontEnd, new Array(50_000).fill(truth))
      const out = new Float32Array(words.length)
      decodePpk2Words(words, cal, 3300, out, null)
      const mean = out.reduce((a, b) => a + b, 0) / out.length
      expect(Math.abs(mean - truth) / truth).toBeLessThan(0.001)
    }
  })

  it('the counter advances by one per sample and wraps at 64, also across skipped samples', () => {
    const frontEnd = new EmulatedFrontEnd()
    const a = encode(frontEnd, new Array(70).fill(1e-3))
    expect([...a].map((w) => (w >>> 18) & 63)).toEqual([...Array(70).keys()].map((k) => k % 64))
    frontEnd.skipCounter(10)
    const b = encode(frontEnd, [1e-3])
    expect((b[0] >>> 18) & 63).toBe((70 + 10) % 64)
  })

  it('shows switching spikes; the host-side filter holds them off on the way into the top range', () => {
    const frontEnd = new EmulatedFrontEnd({ noiseCounts: 0 })
    const cal = parsePpk2Metadata(formatMetadata(META)).calibration
    const currents = [...new Array(200).fill(20e-6), ...new Array(200).fill(200e-3), ...new Array(200).fill(20e-6)]
    const words = encode(frontEnd, currents)
    const raw = new Float32Array(words.length)
    const filtered = new Float32Array(words.length)
    decodePpk2Words(words, cal, 3300, raw, null)
    decodePpk2Words(words, cal, 3300, filtered, newSpikeFilterState())
    expect((words[200] >>> 14) & 7).toBe(4)
    // Unfiltered: the sample after the switch overshoots 200 mA by most of the step.
    expect(raw[200]).toBeGreaterThan(1.5 * 200e-3)
    // Filtered: the app holds the previous average for two samples in range 4, then eases in.
    expect(Math.max(...filtered.slice(195, 210))).toBeLessThan(1.01 * 200e-3)
    // After the filter's three samples the readings are the plain ones again, on both sides.
    for (const k of [203, 250, 399, 403, 450]) expect(filtered[k]).toBe(raw[k])
    expect(Math.abs(filtered[250] - 200e-3) / 200e-3).toBeLessThan(0.01)
    expect(Math.abs(filtered[450] - 20e-6) / 20e-6).toBeLessThan(0.01)
  })
})

describe('DUT signal builders', () => {
  it('square pulses follow their duty cycle on the bench clock', () => {
    const s = squarePulses({ lowA: 1e-6, highA: 5e-3, periodS: 1e-3, duty: 0.25, originS: 10, highDigital: 1 })
    const current = new Float64Array(200)
    const digital = new Uint8Array(200)
    s.render(10, 1e-5, current, digital)
    expect(current.filter((c) => c === 5e-3).length).toBe(50)
    expect(current[0]).toBe(5e-3)
    expect(current[25]).toBe(1e-6)
    expect(digital[24]).toBe(1)
    expect(digital[25]).toBe(0)
  })

  it('steps repeat or hold, and a digital script overrides the lines', () => {
    const s = withDigitalScript(
      steps([
        { durationS: 1e-4, currentA: 1e-3 },
        { durationS: 2e-4, currentA: 2e-3 }
      ]),
      [
        { atS: 5e-5, lines: 0x80 },
        { atS: 1.5e-4, lines: 0x01 }
      ]
    )
    const current = new Float64Array(40)
    const digital = new Uint8Array(40)
    s.render(0, 1e-5, current, digital)
    expect([...current.slice(0, 12)]).toEqual([1e-3, 1e-3, 1e-3, 1e-3, 1e-3, 1e-3, 1e-3, 1e-3, 1e-3, 1e-3, 2e-3, 2e-3])
    expect(current[30]).toBe(1e-3) // repeats after 300 µs
    expect(digital[4]).toBe(0)
    expect(digital[5]).toBe(0x80)
    expect(digital[15]).toBe(0x01)
  })
})
