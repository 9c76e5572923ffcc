import { describe, expect, it } from 'vitest'
import {
  decodeAsciiDec,
  decodeHexaWord,
  decodeRawSample,
  encodeAsciiDec,
  encodeHexaWord,
  formatLpmNumber,
  packAsciiRaw,
  parseLpmNumber,
  unpackAsciiRaw
} from '../../src-main/instruments/lpm01a/sample-formats'
import { prng } from '../helpers/prng'

describe('LPM01A sample formats', () => {
  it('decodes the documented examples: 6409-07 and 0x52A0 are both about 640.9 µA', () => {
    expect(decodeAsciiDec('6409-07')!.value).toBeCloseTo(640.9e-6, 15)
    // 0x2A0 = 672; 16^5 = 1048576
    expect(decodeHexaWord(0x52a0)).toBe(672 / 1048576)
    expect(encodeHexaWord(640.9e-6)).toBe(0x52a0)
    expect(encodeAsciiDec(640.9e-6)).toBe('6409-07')
  })

  it('reserves the 0xF high nibble for metadata', () => {
    expect(decodeHexaWord(0xf123)).toBeNaN()
    for (let i = 0; i < 2000; i++) expect(encodeHexaWord(10 ** (-12 + (i / 2000) * 14)) >>> 12).toBeLessThan(15)
  })

  it('picks the bin_hexa exponent that keeps 12-bit precision: no other word is closer', () => {
    const rnd = prng(1)
    for (let i = 0; i < 300; i++) {
      const value = 10 ** (-9 + rnd() * 8.5) // 1 nA … ~300 mA
      const word = encodeHexaWord(value)
      const err = Math.abs(decodeHexaWord(word) - value)
      // brute force over every representable word
      let best = Infinity
      for (let n = 0; n < 15; n++) {
        const v = Math.min(4095, Math.round(value * 16 ** n))
        best = Math.min(best, Math.abs(v / 16 ** n - value))
      }
      expect(err).toBeLessThanOrEqual(best * (1 + 1e-12))
      expect(err / value).toBeLessThanOrEqual(1 / 512 + 1e-12)
    }
  })

  it('encodes ascii_dec with four significant digits, within 0.05 %', () => {
    const rnd = prng(2)
    for (let i = 0; i < 500; i++) {
      const value = 10 ** (-10 + rnd() * 10)
      const text = encodeAsciiDec(value)
      expect(text).toMatch(/^[1-9]\d{3}[+-]\d{2}$/)
      // independent reading: JavaScript's own exponent syntax
      const read = Number(`${text.slice(0, 4)}e${text.slice(4)}`)
      expect(Math.abs(read - value) / value).toBeLessThanOrEqual(0.0005 + 1e-12)
      expect(decodeAsciiDec(text)!.value).toBeCloseTo(read, 20)
    }
    expect(encodeAsciiDec(0)).toBe('0000+00')
    expect(encodeAsciiDec(9999.6e-7)).toBe('1000-06')
  })

  it('rejects text that is not a sample', () => {
    for (const bad of ['640-07', '6409-7', '6409*07', ' 6409-07', '6409-071', '', 'abcd-07']) expect(decodeAsciiDec(bad)).toBeNull()
  })

  it('keeps ascii_dec samples losslessly in a raw word', () => {
    for (const [m, e] of [
      [6409, -7],
      [1, 0],
      [9999, 99],
      [1234, -99],
      [0, 0]
    ]) {
      const raw = packAsciiRaw(m, e)
      expect(unpackAsciiRaw(raw)).toEqual({ mantissa: m, exponent: e })
      const expected = Number(`${m}e${e}`)
      expect(Math.abs(decodeRawSample(raw, 'ascii_dec') - expected)).toBeLessThanOrEqual(Math.abs(expected) * 1e-15)
    }
    expect(decodeRawSample(0x52a0, 'bin_hexa')).toBe(672 / 16 ** 5)
  })

  it('reads the board number syntax: units and powers of ten', () => {
    expect(parseLpmNumber('3300m')).toBeCloseTo(3.3, 12)
    expect(parseLpmNumber('2m')).toBe(0.002)
    expect(parseLpmNumber('2-3')).toBe(0.002)
    expect(parseLpmNumber('100u')).toBeCloseTo(1e-4, 15)
    expect(parseLpmNumber('100n')).toBeCloseTo(1e-7, 18)
    expect(parseLpmNumber('100k')).toBe(100000)
    expect(parseLpmNumber('5+03')).toBe(5000)
    expect(parseLpmNumber('10')).toBe(10)
    expect(parseLpmNumber('0')).toBe(0)
    for (const bad of ['', 'inf', '1e3', '-3', 'm', '3 m', '1.2.3']) expect(parseLpmNumber(bad)).toBeNull()
  })

  it('formats numbers in a form the board reads back exactly', () => {
    expect(formatLpmNumber(3.3)).toBe('3300m')
    expect(formatLpmNumber(1.8)).toBe('1800m')
    expect(formatLpmNumber(100e-6)).toBe('100u')
    expect(formatLpmNumber(100e-9)).toBe('100n')
    expect(formatLpmNumber(10)).toBe('10')
    expect(formatLpmNumber(1000)).toBe('1k')
    for (const v of [0.5, 0.0125, 2.5e-5, 47e-3, 1.234567e-3, 30]) {
      const back = parseLpmNumber(formatLpmNumber(v))!
      expect(Math.abs(back - v) / v).toBeLessThan(5e-4)
    }
  })
})
