import { describe, expect, it } from 'vitest'
import { metadataReplyEnd, parsePpk2Metadata, Ppk2MetadataError } from '../../src-main/instruments/ppk2/metadata'
import { prng } from '../helpers/prng'

// The layout of a real unit's reply as quoted in ppk2-rs src/types.rs (values of our own).
const REPLY = `Calibrated: 0
R0: 1004.2210
R1: 101.2234
R2: 10.2876
R3: 0.9612
R4: 0.0561
GS0: 0.0000
GS1: 110.5120
GS2: 17.9021
GS3: 2.4011
GS4: 0.0733
GI0: 1.0000
GI1: 0.9702
GI2: 0.9614
GI3: 0.9522
GI4: 0.9577
O0: 110.2210
O1: 74.9910
O2: 63.3020
O3: 51.0011
O4: 86.7741
VDD: 3300
HW: 9173
mode: 2
S0: 0.000000051
S1: 0.000000601
S2: 0.000005301
S3: 0.000061002
S4: 0.002931100
I0: -0.000000111
I1: -0.000001421
I2: 0.000035001
I3: -0.000372211
I4: -0.009401100
UG0: 1.00
UG1: 1.00
UG2: 1.00
UG3: 0.98
UG4: 1.02
IA: 56
END
`

describe('PPK2 metadata', () => {
  it('reads every key of a full reply', () => {
    const m = parsePpk2Metadata(REPLY)
    expect(m.calibration.r).toEqual([1004.221, 101.2234, 10.2876, 0.9612, 0.0561])
    expect(m.calibration.gi).toEqual([1, 0.9702, 0.9614, 0.9522, 0.9577])
    expect(m.calibration.o).toEqual([110.221, 74.991, 63.302, 51.0011, 86.7741])
    expect(m.calibration.s).toEqual([5.1e-8, 6.01e-7, 5.301e-6, 6.1002e-5, 2.9311e-3])
    expect(m.calibration.i).toEqual([-1.11e-7, -1.421e-6, 3.5001e-5, -3.72211e-4, -9.4011e-3])
    expect(m.calibration.ug).toEqual([1, 1, 1, 0.98, 1.02])
    expect(m.calibrated).toBe(false)
    expect(m.vddMv).toBe(3300)
    expect(m.hw).toBe(9173)
    expect(m.ia).toBe(56)
    expect(m.mode).toBe('source')
    expect(m.extra).toEqual({})
  })

  it('keeps the app default for a zero value (GS0: 0.0000 becomes 1) and says so', () => {
    const m = parsePpk2Metadata(REPLY)
    expect(m.calibration.gs).toEqual([1, 110.512, 17.9021, 2.4011, 0.0733])
    expect(m.defaulted).toEqual(['gs0'])
  })

  it('treats -nan and missing values as the app does: the default stays', () => {
    const text = REPLY.replace('R2: 10.2876', 'R2: -nan').replace('S4: 0.002931100\n', '').replace('mode: 2', 'mode: 1')
    const m = parsePpk2Metadata(text)
    expect(m.calibration.r[2]).toBe(10.15)
    expect(m.calibration.s[4]).toBe(0)
    expect(m.defaulted.sort()).toEqual(['gs0', 'r2', 's4'])
    expect(m.mode).toBe('ampere')
  })

  it('accepts lower-case keys, CRLF line ends and keeps unknown keys', () => {
    const text = REPLY.replace('R0:', 'r0:').replace('IA: 56', 'IA: 56\nFW: 1.2.4').replace(/\n/g, '\r\n')
    const m = parsePpk2Metadata(text)
    expect(m.calibration.r[0]).toBe(1004.221)
    expect(m.extra).toEqual({ FW: '1.2.4' })
  })

  it('an uncalibrated unit printing -nan everywhere still parses, to the defaults', () => {
    const lines = ['Calibrated: 0']
    for (const f of ['R', 'GS', 'GI', 'O', 'S', 'I', 'UG']) for (let r = 0; r < 5; r++) lines.push(`${f}${r}: -nan`)
    lines.push('VDD: 3000', 'mode: 2', 'END', '')
    const m = parsePpk2Metadata(lines.join('\n'))
    expect(m.calibration.r).toEqual([1031.64, 101.65, 10.15, 0.94, 0.043])
    expect(m.defaulted).toHaveLength(35)
  })

  it('finds the end of the reply only at a line that is END', () => {
    expect(metadataReplyEnd('R0: 1\nVDD: 3000\n')).toBe(-1)
    expect(metadataReplyEnd('R0: 1\nVENDOR: x\n')).toBe(-1)
    expect(metadataReplyEnd('R0: 1\nEND\n')).toBe(10)
    expect(metadataReplyEnd('R0: 1\nEND')).toBe(9)
  })

  it('gives a clear, typed error on garbage, naming what arrived', () => {
    expect(() => parsePpk2Metadata('R0: 1000\nVDD: 3300\n')).toThrow(/incomplete.*ending with END/)
    expect(() => parsePpk2Metadata('\u0001\u00ff\u0007garbage\nEND\n')).toThrow(/not "Key: value"/)
    expect(() => parsePpk2Metadata('R0: 10o0\nEND\n')).toThrow(/not a number: "R0: 10o0"/)
    expect(() => parsePpk2Metadata('END\n')).toThrow(/none of the expected keys/)
    expect(() => parsePpk2Metadata('uart:~$ \nEND\n')).toThrow(Ppk2MetadataError)
  })

  it('never throws anything but Ppk2MetadataError on mutated replies', () => {
    const rand = prng(42)
    let parsed = 0
    for (let round = 0; round < 3000; round++) {
      const chars = [...REPLY]
      const edits = 1 + Math.floor(rand() * 6)
      for (let e = 0; e < edits; e++) {
        const at = Math.floor(rand() * chars.length)
        const op = rand()
        if (op < 0.4) chars[at] = String.fromCharCode(Math.floor(rand() * 256))
        else if (op < 0.7) chars.splice(at, 1 + Math.floor(rand() * 10))
        else chars.splice(at, 0, String.fromCharCode(Math.floor(rand() * 256)))
      }
      try {
        const m = parsePpk2Metadata(chars.join(''))
        parsed++
        // Whatever parsed is usable: five finite values per family.
        for (const family of Object.values(m.calibration)) {
          expect(family).toHaveLength(5)
          for (const v of family) expect(Number.isFinite(v)).toBe(true)
        }
      } catch (err) {
        expect(err).toBeInstanceOf(Ppk2MetadataError)
      }
    }
    expect(parsed).toBeGreaterThan(0)
  })
})
