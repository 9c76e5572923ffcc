import { describe, expect, it } from 'vitest'
import { withCalibration, type CalibrationSnapshot } from '../../src-main/calibration/provenance'
import type { CalibrationCorrection } from '../../src-main/calibration/correction'
import { EMULATED_CALIBRATION, EmulatedFrontEnd } from '../../src-main/instruments/ppk2/emulator-model'
import { PPK2_RECONNECT_GAP_REASON, type Ppk2RawSnapshot } from '../../src-main/instruments/ppk2/raw-format'
import { steps } from '../../src-main/instruments/ppk2/signals'
import { rawDecoder, rawFormat, type RawFormat } from '../../src-main/store/raw-formats'
import { ReferenceSpikeFilter } from '../helpers/ppk2-reference-filter'
import { prng, randomInt } from '../helpers/prng'

const SUPPLY_MV = 3300
const SNAPSHOT: Ppk2RawSnapshot = {
  calibration: { ...EMULATED_CALIBRATION, ug: [1, 1, 1, 1, 1] },
  supplyMv: SUPPLY_MV,
  spikeFilter: { alpha: 0.18, alpha5: 0.06, samples: 3 }
}

/**
 * Words from the emulator's front end for a DUT that changes range every 2–6 samples through all five
 * ranges (so the filter is busy most of the time, range 4's hold included), with ADC noise and switching
 * spikes; a few words get an invalid range field (5–7), as a corrupted word would.
 */
function emulatedWords(n: number, seed: number): Uint32Array {
  const signal = steps([
    { durationS: 30e-6, currentA: 20e-6 },
    { durationS: 40e-6, currentA: 2e-3 },
    { durationS: 20e-6, currentA: 300e-6 },
    { durationS: 50e-6, currentA: 120e-3 },
    { durationS: 30e-6, currentA: 20e-3 },
    { durationS: 60e-6, currentA: 5e-6 }
  ])
  const current = new Float64Array(n)
  const digital = new Uint8Array(n)
  signal.render(0, 10e-6, current, digital)
  const words = new Uint32Array(n)
  new EmulatedFrontEnd({ seed }).encode(current, digital, SUPPLY_MV, true, words)
  const rand = prng(seed)
  for (let k = 0; k < n / 500; k++) {
    const at = randomInt(rand, 0, n - 1)
    words[at] = ((words[at] & ~(7 << 14)) | (randomInt(rand, 5, 7) << 14)) >>> 0
  }
  return words
}

function onePass(format: RawFormat, snapshot: unknown, words: Uint32Array): Float32Array {
  const out = new Float32Array(words.length)
  rawDecoder(format, snapshot).decodeCurrent(words, out)
  return out
}

/** Equal as stored float32 values, NaN included; reports the first difference. */
function expectSameFloats(got: Float32Array, want: Float32Array): void {
  expect(got.length).toBe(want.length)
  for (let k = 0; k < want.length; k++) if (!Object.is(got[k], want[k])) expect({ k, got: got[k] }).toEqual({ k, got: want[k] })
}

/**
 * Decodes `words` in chunks of seeded random sizes; at each chunk either the same decoder goes on or a
 * new one resumes from the previous one's checkpoint after a JSON round trip (as a store read does).
 */
function chunked(format: RawFormat, snapshot: unknown, words: Uint32Array, seed: number, maxChunk: number): Float32Array {
  const rand = prng(seed)
  const out = new Float32Array(words.length)
  let decoder = rawDecoder(format, snapshot)
  for (let at = 0; at < words.length; ) {
    const n = Math.min(words.length - at, randomInt(rand, 1, maxChunk))
    if (rand() < 0.5) decoder = rawDecoder(format, snapshot, JSON.parse(JSON.stringify(decoder.checkpoint())))
    decoder.decodeCurrent(words.subarray(at, at + n), out.subarray(at, at + n))
    at += n
  }
  return out
}

describe('the PPK2 raw decoder the store runs (one pass, checkpoints)', () => {
  const ppk2 = rawFormat('ppk2-word-v1')
  const words = emulatedWords(20_000, 11)

  it('agrees with an independent conversion and spike filter written from the reference', () => {
    const got = onePass(ppk2, SNAPSHOT, words)
    const reference = new ReferenceSpikeFilter(SNAPSHOT.spikeFilter)
    let filtered = 0
    for (let k = 0; k < words.length; k++) {
      const want = reference.next(words[k], SNAPSHOT.calibration, SUPPLY_MV)
      if (Number.isNaN(want)) expect(got[k]).toBeNaN()
      else expect(Math.abs(got[k] - want)).toBeLessThanOrEqual(Math.abs(want) * 1e-6 + 1e-12)
      const unfiltered = new Float32Array([new ReferenceSpikeFilter(null).next(words[k], SNAPSHOT.calibration, SUPPLY_MV)])[0]
      if (!Number.isNaN(want) && Math.abs(unfiltered - want) > Math.abs(want) * 1e-3) filtered++
    }
    // The waveform keeps the filter busy: a good share of the samples are averages, not readings.
    expect(filtered).toBeGreaterThan(words.length / 10)
  })

  it('gives the same float32 values however the words are cut into chunks (seeded random chunkings)', () => {
    const whole = onePass(ppk2, SNAPSHOT, words)
    for (let seed = 1; seed <= 40; seed++) expectSameFloats(chunked(ppk2, SNAPSHOT, words, seed, seed % 4 === 0 ? 7 : 3000), whole)
  })

  it('restarting at every chunk (the old behaviour) would not: the test above can fail', () => {
    const whole = onePass(ppk2, SNAPSHOT, words)
    const restarted = new Float32Array(words.length)
    for (let at = 0; at < words.length; at += 997) {
      const n = Math.min(997, words.length - at)
      rawDecoder(ppk2, SNAPSHOT).decodeCurrent(words.subarray(at, at + n), restarted.subarray(at, at + n))
    }
    let differ = 0
    for (let k = 0; k < words.length; k++) if (!Object.is(restarted[k], whole[k])) differ++
    expect(differ).toBeGreaterThan(0)
  })

  it('restarts at a reconnect gap, as the driver does, and runs on across every other gap', () => {
    const a = words.subarray(0, 7_001)
    const b = words.subarray(7_001)
    const fresh = onePass(ppk2, SNAPSHOT, b)
    const continued = onePass(ppk2, SNAPSHOT, words).subarray(7_001)
    expect(fresh.some((v, k) => !Object.is(v, continued[k]))).toBe(true)

    for (const [reason, want] of [
      [PPK2_RECONNECT_GAP_REASON, fresh],
      ['samples lost (sample counter skipped)', continued],
      ['corrupt sample word (invalid range field)', continued],
      ['backpressure', continued],
      ['unreported', continued]
    ] as const) {
      const decoder = rawDecoder(ppk2, SNAPSHOT)
      decoder.decodeCurrent(a, new Float32Array(a.length))
      decoder.gap({ startIndex: a.length, count: 40, reason })
      const out = new Float32Array(b.length)
      decoder.decodeCurrent(b, out)
      expectSameFloats(out, want)
    }
  })

  it('a damaged or foreign checkpoint starts afresh instead of failing the read (seeded fuzz)', () => {
    const part = words.subarray(3_000, 6_000)
    const fresh = onePass(ppk2, SNAPSHOT, part)
    const decoder = rawDecoder(ppk2, SNAPSHOT)
    decoder.decodeCurrent(words.subarray(0, 3_000), new Float32Array(3_000))
    const good = decoder.checkpoint() as Record<string, unknown>
    const rand = prng(99)
    const junk = (): unknown => {
      const pick = randomInt(rand, 0, 6)
      if (pick === 0) return null
      if (pick === 1) return randomInt(rand, -5, 5) + rand()
      if (pick === 2) return 'x'.repeat(randomInt(rand, 0, 3))
      if (pick === 3) return [1, 2]
      if (pick === 4) return { nested: true }
      if (pick === 5) return -1e300
      return undefined
    }
    const invalidFor: Record<string, (v: unknown) => boolean> = {
      rollingAvg: (v) => !(v === null || (typeof v === 'number' && Number.isFinite(v))),
      rollingAvg4: (v) => !(v === null || (typeof v === 'number' && Number.isFinite(v))),
      prevRange: (v) => !(Number.isInteger(v) && (v as number) >= -1 && (v as number) <= 4),
      afterSpike: (v) => !(Number.isInteger(v) && (v as number) >= 0 && (v as number) <= 10),
      consecutiveRangeSample: (v) => !(Number.isInteger(v) && (v as number) >= 0)
    }
    let rejected = 0
    for (let trial = 0; trial < 300; trial++) {
      const broken: Record<string, unknown> = { ...good }
      const key = Object.keys(invalidFor)[randomInt(rand, 0, 4)]
      broken[key] = junk()
      const candidates: unknown[] = [broken, junk(), JSON.stringify(good).slice(0, randomInt(rand, 0, 20))]
      for (const checkpoint of candidates) {
        const out = new Float32Array(part.length)
        expect(() => rawDecoder(ppk2, SNAPSHOT, checkpoint).decodeCurrent(part, out)).not.toThrow()
        const invalid = typeof checkpoint !== 'object' || checkpoint === null || Array.isArray(checkpoint) || invalidFor[key](broken[key])
        if (checkpoint === broken && invalid) {
          rejected++
          expectSameFloats(out, fresh)
        } else if (checkpoint !== broken) expectSameFloats(out, fresh)
      }
    }
    expect(rejected).toBeGreaterThan(100)
  })

  it('with the filter off there is nothing to carry: the checkpoint is null and values are the readings', () => {
    const off = { ...SNAPSHOT, spikeFilter: null }
    const decoder = rawDecoder(ppk2, off)
    expect(decoder.checkpoint()).toBeNull()
    const out = new Float32Array(words.length)
    decoder.decodeCurrent(words, out)
    const reference = new ReferenceSpikeFilter(null)
    for (let k = 0; k < words.length; k += 97) {
      const want = reference.next(words[k], SNAPSHOT.calibration, SUPPLY_MV)
      if (Number.isNaN(want)) expect(out[k]).toBeNaN()
      else expect(Math.abs(out[k] - want)).toBeLessThanOrEqual(Math.abs(want) * 1e-6 + 1e-12)
    }
    expectSameFloats(chunked(ppk2, off, words, 5, 500), out)
  })

  it('under a calibration record: the correction follows the carried filter, with the same checkpoints', () => {
    const calibrated = withCalibration(ppk2, 'ppk2')
    const correction: CalibrationCorrection = {
      calibrationId: 'cal-test',
      family: 'ppk2',
      serial: 'X',
      ranges: [
        { rangeIndex: 0, gain: 1.03, offsetA: 1e-7, userGain: null },
        { rangeIndex: 2, gain: 0.97, offsetA: -2e-6, userGain: null },
        { rangeIndex: 4, gain: 1.1, offsetA: 1e-3, userGain: null }
      ]
    }
    const snapshot: CalibrationSnapshot = { format: 'joulebench-calibration-v1', device: SNAPSHOT, correction, userGains: null, ranges: [] }
    const device = onePass(ppk2, SNAPSHOT, words)
    const got = onePass(calibrated, snapshot, words)
    for (let k = 0; k < words.length; k++) {
      const range = Math.min(4, (words[k] >>> 14) & 7)
      const r = correction.ranges.find((x) => x.rangeIndex === range)
      const want = Number.isNaN(device[k]) ? NaN : r ? Math.fround((device[k] - r.offsetA) / r.gain) : device[k]
      expect(Object.is(got[k], want)).toBe(true)
    }
    expectSameFloats(chunked(calibrated, snapshot, words, 8, 2000), got)
    expect(rawDecoder(calibrated, snapshot).checkpoint()).toEqual(rawDecoder(ppk2, SNAPSHOT).checkpoint())
  })

  it('formats that carry nothing (no decoder of their own) decode word by word through the same interface', () => {
    const plain: RawFormat = {
      id: 'test-plain-word',
      decodeCurrent(raw, scale, out) {
        for (let k = 0; k < raw.length; k++) out[k] = (raw[k] & 0xffff) * (scale as number)
      }
    }
    const whole = new Float32Array(words.length)
    plain.decodeCurrent(words, 1e-6, whole)
    const decoder = rawDecoder(plain, 1e-6)
    expect(decoder.checkpoint()).toBeNull()
    expect(() => decoder.gap({ startIndex: 0, count: 1, reason: PPK2_RECONNECT_GAP_REASON })).not.toThrow()
    expectSameFloats(chunked(plain, 1e-6, words, 3, 100), whole)
  })
})
