import { describe, expect, it } from 'vitest'
import { decodePpk2Words, newSpikeFilterState } from '../../src-main/instruments/ppk2/conversion'
import { Ppk2ArgumentError } from '../../src-main/instruments/ppk2/protocol'
import { word } from '../helpers/ppk2-fixtures'

// R = 4 × 1.8/163840 Ω and no other terms: the current in amperes equals the ADC field, so the
// expected values below can be worked out by hand from the reference's description (§2.7).
const UNITY_R = (4 * 1.8) / 163840
const UNITY = {
  r: [UNITY_R, UNITY_R, UNITY_R, UNITY_R, UNITY_R],
  gs: [0, 0, 0, 0, 0],
  gi: [1, 1, 1, 1, 1],
  o: [0, 0, 0, 0, 0],
  s: [0, 0, 0, 0, 0],
  i: [0, 0, 0, 0, 0],
  ug: [1, 1, 1, 1, 1]
}

const SEQUENCE: Array<[range: number, adc: number]> = [
  [1, 10],
  [1, 10],
  [2, 100], // switch: avg = 0.18·100 + 0.82·10
  [2, 50],
  [2, 50],
  [2, 50], // fourth sample in range 2: unfiltered again
  [4, 1000], // switch into range 4: previous avg4 is held for two samples
  [4, 1000],
  [4, 1000], // avg4 = 0.06·1000 + 0.94·avg4
  [4, 1000]
]

// Worked by hand: avg/avg4 after each sample, then what the filter outputs.
const EXPECTED = [10, 10, 26.2, 30.484, 33.99688, 50, 21.2617936, 21.2617936, 79.98608598, 1000]

function words(seq: Array<[number, number]>, startCounter = 0): Uint32Array {
  return Uint32Array.from(seq.map(([range, adc], k) => word(adc, range, startCounter + k)))
}

describe('PPK2 spike filter', () => {
  it('replaces the samples after a range switch with the running averages, as the app does', () => {
    const out = new Float32Array(SEQUENCE.length)
    decodePpk2Words(words(SEQUENCE), UNITY, 3300, out, newSpikeFilterState())
    for (let k = 0; k < EXPECTED.length; k++) expect(out[k]).toBeCloseTo(EXPECTED[k], 4)
  })

  it('carries its state across blocks: any split gives the same values', () => {
    const whole = new Float32Array(SEQUENCE.length)
    decodePpk2Words(words(SEQUENCE), UNITY, 3300, whole, newSpikeFilterState())
    for (let cut = 1; cut < SEQUENCE.length; cut++) {
      const state = newSpikeFilterState()
      const all = words(SEQUENCE)
      const out = new Float32Array(SEQUENCE.length)
      decodePpk2Words(all.subarray(0, cut), UNITY, 3300, out.subarray(0, cut), state)
      decodePpk2Words(all.subarray(cut), UNITY, 3300, out.subarray(cut), state)
      expect([...out]).toEqual([...whole])
    }
  })

  it('state survives a JSON round trip (a recomputation can resume from a checkpoint)', () => {
    const state = newSpikeFilterState()
    const all = words(SEQUENCE)
    const out = new Float32Array(SEQUENCE.length)
    decodePpk2Words(all.subarray(0, 7), UNITY, 3300, out.subarray(0, 7), state)
    const revived = JSON.parse(JSON.stringify(state))
    decodePpk2Words(all.subarray(7), UNITY, 3300, out.subarray(7), revived)
    for (let k = 0; k < EXPECTED.length; k++) expect(out[k]).toBeCloseTo(EXPECTED[k], 4)
  })

  it('honours other settings: one filtered sample and alpha 0.5', () => {
    const out = new Float32Array(6)
    const seq: Array<[number, number]> = [
      [1, 10],
      [2, 100], // avg = 0.5·100 + 0.5·10 = 55
      [2, 100], // samples = 1: no longer filtered
      [3, 300], // avg = 0.5·300 + 0.5·(0.5·100 + 0.5·55) = 150 + 38.75
      [3, 300],
      [3, 300]
    ]
    decodePpk2Words(words(seq), UNITY, 3300, out, newSpikeFilterState({ alpha: 0.5, alpha5: 0.06, samples: 1 }))
    expect([...out].map((v) => Math.round(v * 1000) / 1000)).toEqual([10, 55, 100, 188.75, 300, 300])
  })

  it('is off when no state is given', () => {
    const out = new Float32Array(SEQUENCE.length)
    decodePpk2Words(words(SEQUENCE), UNITY, 3300, out, null)
    expect([...out]).toEqual(SEQUENCE.map(([, adc]) => adc))
  })

  it('refuses settings outside the app’s limits', () => {
    expect(() => newSpikeFilterState({ alpha: 0.6, alpha5: 0.06, samples: 3 })).toThrow(Ppk2ArgumentError)
    expect(() => newSpikeFilterState({ alpha: 0.18, alpha5: -0.1, samples: 3 })).toThrow(/0 to 0.5/)
    expect(() => newSpikeFilterState({ alpha: 0.18, alpha5: 0.06, samples: 11 })).toThrow(/1 to 10 samples/)
  })
})
