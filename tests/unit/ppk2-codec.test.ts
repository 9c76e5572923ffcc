import { describe, expect, it } from 'vitest'
import {
  decodePpk2Words,
  extractPpk2Logic,
  newSpikeFilterState,
  ppk2AdcToCurrentA
} from '../../src-main/instruments/ppk2/conversion'
import {
  encodeAverageStart,
  encodeAverageStop,
  encodeDeviceRunningSet,
  encodeGetMetadata,
  encodeRegulatorSet,
  encodeSetPowerMode,
  encodeSetUserGains,
  packSampleWord,
  Ppk2ArgumentError,
  unpackSampleWord
} from '../../src-main/instruments/ppk2/protocol'
import { referenceCurrentA, UNIT_CALIBRATION, word } from '../helpers/ppk2-fixtures'
import { prng } from '../helpers/prng'

describe('PPK2 commands', () => {
  it('encodes the opcodes of reference §2.2', () => {
    expect([...encodeGetMetadata()]).toEqual([0x19])
    expect([...encodeAverageStart()]).toEqual([0x06])
    expect([...encodeAverageStop()]).toEqual([0x07])
    expect([...encodeDeviceRunningSet(true)]).toEqual([0x0c, 1])
    expect([...encodeDeviceRunningSet(false)]).toEqual([0x0c, 0])
    expect([...encodeSetPowerMode('ampere')]).toEqual([0x11, 1])
    expect([...encodeSetPowerMode('source')]).toEqual([0x11, 2])
  })

  it('sends the regulator voltage as big-endian millivolts, matching the IRNAS arithmetic', () => {
    expect([...encodeRegulatorSet(3300)]).toEqual([0x0d, 0x0c, 0xe4])
    // IRNAS/ppk2-rs compute [3 + (mV − 800 + 32) / 256, remainder]; the two must agree everywhere.
    for (let mv = 800; mv <= 5000; mv += 7) {
      const diff = mv - 800 + 32
      expect([...encodeRegulatorSet(mv)]).toEqual([0x0d, 3 + Math.floor(diff / 256), diff % 256])
    }
    expect([...encodeRegulatorSet(800)]).toEqual([0x0d, 3, 32])
    expect([...encodeRegulatorSet(5000)]).toEqual([0x0d, 0x13, 0x88])
  })

  it('refuses voltages outside 800–5000 mV with the limits in the message', () => {
    for (const bad of [799, 5001, 3300.5, Number.NaN, -1]) {
      expect(() => encodeRegulatorSet(bad)).toThrow(Ppk2ArgumentError)
    }
    expect(() => encodeRegulatorSet(100)).toThrow(/800 to 5000 mV, got 100/)
  })

  it('sends user gains as range byte then little-endian float32', () => {
    // 1.05 as float32 is 0x3F866666.
    expect([...encodeSetUserGains(2, 1.05)]).toEqual([0x25, 2, 0x66, 0x66, 0x86, 0x3f])
    expect([...encodeSetUserGains(0, 1)]).toEqual([0x25, 0, 0x00, 0x00, 0x80, 0x3f])
    expect(() => encodeSetUserGains(5, 1)).toThrow(/range must be 0 to 4/)
    expect(() => encodeSetUserGains(1, 0)).toThrow(/positive/)
  })
})

describe('PPK2 sample word', () => {
  it('splits the fields at the documented bit positions', () => {
    // 0xA5 logic, counter 0x2A, range 3, bit 17 clear, ADC 0x1234.
    const w = (0xa5 << 24) | (0x2a << 18) | (3 << 14) | 0x1234
    expect(unpackSampleWord(w >>> 0)).toEqual({ adc: 0x1234, range: 3, counter: 0x2a, logic: 0xa5 })
    expect(unpackSampleWord(0xffffffff)).toEqual({ adc: 0x3fff, range: 7, counter: 63, logic: 255 })
  })

  it('packs and unpacks every field independently', () => {
    const rand = prng(1)
    for (let k = 0; k < 2000; k++) {
      const f = {
        adc: Math.floor(rand() * 16384),
        range: Math.floor(rand() * 5),
        counter: Math.floor(rand() * 64),
        logic: Math.floor(rand() * 256)
      }
      const w = packSampleWord(f)
      expect(w).toBe(word(f.adc, f.range, f.counter, f.logic))
      expect(unpackSampleWord(w)).toEqual(f)
    }
  })
})

describe('PPK2 current conversion', () => {
  it('follows the published formula in every range, with all calibration terms in play', () => {
    const rand = prng(7)
    const raw = new Uint32Array(5000)
    const expected: number[] = []
    for (let k = 0; k < raw.length; k++) {
      const range = k % 5
      const adc = Math.floor(rand() * 16384)
      raw[k] = word(adc, range, k)
      expected.push(referenceCurrentA(range, adc, UNIT_CALIBRATION, 3700))
    }
    const out = new Float32Array(raw.length)
    decodePpk2Words(raw, UNIT_CALIBRATION, 3700, out, null)
    for (let k = 0; k < raw.length; k++) {
      // float32 output: within half an ulp of the exact value; the scalar helper in float64.
      expect(Math.abs(out[k] - expected[k])).toBeLessThanOrEqual(Math.abs(expected[k]) * 6e-8 + 1e-30)
      expect(Math.abs(ppk2AdcToCurrentA(k % 5, raw[k] & 0x3fff, UNIT_CALIBRATION, 3700) - expected[k])).toBeLessThanOrEqual(
        Math.abs(expected[k]) * 1e-12
      )
    }
  })

  it('puts the supply voltage in the S term', () => {
    const cal = { ...UNIT_CALIBRATION, gs: [0, 0, 0, 0, 0], i: [0, 0, 0, 0, 0] }
    const out = new Float32Array(2)
    // Same ADC reading, 1 V apart: the difference is exactly S[4] × 1 V.
    decodePpk2Words(Uint32Array.of(word(500, 4, 0)), cal, 2000, out.subarray(0, 1), null)
    decodePpk2Words(Uint32Array.of(word(500, 4, 0)), cal, 3000, out.subarray(1, 2), null)
    expect(out[1] - out[0]).toBeCloseTo(cal.s[4], 6)
  })

  it('gives NaN for the invalid ranges 5–7 instead of reading past the tables', () => {
    const out = new Float32Array(3)
    decodePpk2Words(Uint32Array.of(word(1, 5, 0), word(1, 6, 1), word(1, 7, 2)), UNIT_CALIBRATION, 3300, out, newSpikeFilterState())
    expect([...out].every(Number.isNaN)).toBe(true)
  })

  it('extracts D0–D7 from the top byte', () => {
    const out = new Uint8Array(3)
    extractPpk2Logic(Uint32Array.of(word(0, 0, 0, 0x01), word(0, 0, 1, 0x80), word(5, 4, 2, 0xff)), out)
    expect([...out]).toEqual([0x01, 0x80, 0xff])
  })
})
