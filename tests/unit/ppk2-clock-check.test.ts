import { describe, expect, it } from 'vitest'
import { HostClockCheck, type HostClockEvent } from '../../src-main/instruments/ppk2/clock-check'
import { syntheticArrivals, type ArrivalModel, type Arrivals } from '../helpers/ppk2-arrivals'
import { prng } from '../helpers/prng'

const T = 10e-6

function feed(a: Arrivals, check = new HostClockCheck({ samplePeriodS: T })): { events: HostClockEvent[]; check: HostClockCheck; maxHeldSamples: number } {
  const events: HostClockEvent[] = []
  let maxHeld = 0
  for (let i = 0; i < a.hostS.length; i++) {
    for (const e of check.arrival(a.hostS[i], a.index[i])) events.push(e)
    maxHeld = Math.max(maxHeld, a.index[i] - check.vouchedIndex)
  }
  check.finish()
  return { events, check, maxHeldSamples: maxHeld }
}

/** Heavier than the emulator over a pty on a loaded machine: 10 % of packets late by a Pareto tail up to 0.3 s, stalls. */
const HEAVY: Partial<ArrivalModel> = { tailProbability: 0.1, tailScaleS: 1e-3, tailCapS: 0.3, stallsPerS: 0.5, stallMaxS: 0.4, jitterS: 200e-6 }

const losses = (events: HostClockEvent[]) => events.filter((e) => e.kind === 'loss')

/**
 * The latest arrival before `atIndex` that came clearly on time (within 0.2 ms of the link's floor, by
 * the model's own bookkeeping): any detector must place a loss at or after it, since it proves the
 * loss had not happened yet. Between it and the loss, nothing on the host tells where the loss lies.
 */
function lastOnTimeBefore(a: Arrivals, atIndex: number): number {
  let found = 0
  for (let i = 0; i < a.index.length && a.index[i] <= atIndex; i++) if (a.excessS[i] < 200e-6) found = a.index[i]
  return found
}
const anomalies = (events: HostClockEvent[]) => events.filter((e) => e.kind === 'anomaly')

describe('host-clock check on synthetic arrivals', () => {
  it('reports nothing over long clean streams with heavy jitter, ±100 ppm drift and stalls, and fits the drift', () => {
    const drifts = [-100, -37, 0, 58, 100]
    for (let seed = 1; seed <= 5; seed++) {
      const driftPpm = drifts[seed - 1]
      const a = syntheticArrivals({ seed, durationS: 120, driftPpm, ...HEAVY })
      const { events, check } = feed(a)
      expect(events, `seed ${seed}`).toEqual([])
      expect(check.stats.state).toBe('checking')
      expect(check.stats.inferredLostSamples).toBe(0)
      // Late bursts happened (that is what the jitter is) and none was taken for a loss.
      expect(check.stats.lateBursts).toBeGreaterThan(100)
      expect(Math.abs(check.stats.driftPpm! - driftPpm), `seed ${seed}`).toBeLessThan(10)
    }
  })

  it('finds losses of 64, 128, 640 and 3200 samples exactly, each at the last on-time arrival before it', () => {
    const truth = [
      { atIndex: 400_000, count: 64 },
      { atIndex: 1_100_003, count: 128 },
      { atIndex: 1_900_017, count: 640 },
      { atIndex: 2_700_000, count: 3200 },
      { atIndex: 3_500_000, count: 64 }
    ]
    const errors: number[] = []
    for (const [seed, driftPpm] of [
      [11, 100],
      [12, -100],
      [13, 45]
    ]) {
      const a = syntheticArrivals({ seed, durationS: 42, driftPpm, ...HEAVY, losses: truth })
      const { events, check } = feed(a)
      expect(anomalies(events), `seed ${seed}`).toEqual([])
      const found = losses(events) as Array<Extract<HostClockEvent, { kind: 'loss' }>>
      expect(found.map((e) => e.count), `seed ${seed}`).toEqual(truth.map((t) => t.count))
      found.forEach((e, k) => {
        // At or before the loss (no sample after it is vouched for), and no earlier than the host can know.
        expect(e.atIndex).toBeLessThanOrEqual(truth[k].atIndex)
        expect(e.atIndex).toBeGreaterThanOrEqual(lastOnTimeBefore(a, truth[k].atIndex))
        expect(Math.abs(e.stepS - truth[k].count * T)).toBeLessThan(160e-6)
        errors.push(truth[k].atIndex - e.atIndex)
      })
      expect(check.stats.inferredLostSamples).toBe(64 + 128 + 640 + 3200 + 64)
    }
    // Usually the host sees an on-time arrival just before the loss: most land within 20 ms of samples.
    expect(errors.filter((e) => e < 2000).length).toBeGreaterThanOrEqual(Math.ceil(0.7 * errors.length))
  })

  it('does not take a very late burst or a long host stall for a loss', () => {
    const a = syntheticArrivals({
      seed: 21,
      durationS: 30,
      driftPpm: -80,
      ...HEAVY,
      // One packet held up 0.9 s (everything behind it comes in one burst), and the host asleep for 3 s.
      holdUps: [{ atIndex: 800_000, delayS: 0.9 }],
      hostStalls: [{ atS: 15, durationS: 3 }]
    })
    const { events, check } = feed(a)
    expect(events).toEqual([])
    expect(check.stats.lateBursts).toBeGreaterThan(0)
  })

  it('counts a timing step that is not a whole counter cycle as an anomaly, invents no gap, and still finds a later loss', () => {
    const a = syntheticArrivals({
      seed: 31,
      durationS: 30,
      driftPpm: 70,
      ...HEAVY,
      // 1.0 ms = 100 samples' time: 1.56 counter cycles, so not a loss the counter could have missed.
      offsetSteps: [{ atIndex: 800_000, stepS: 1e-3 }],
      losses: [{ atIndex: 2_000_000, count: 128 }]
    })
    const { events } = feed(a)
    const anomaly = anomalies(events)
    expect(anomaly).toHaveLength(1)
    expect(anomaly[0]).toMatchObject({ kind: 'anomaly' })
    expect(Math.abs((anomaly[0] as { stepS: number }).stepS - 1e-3)).toBeLessThan(160e-6)
    expect(losses(events).map((e) => [e.kind === 'loss' && e.count])).toEqual([[128]])
  })

  it('holds samples only while a step is being judged, a few seconds at most', () => {
    const a = syntheticArrivals({ seed: 41, durationS: 20, ...HEAVY, losses: [{ atIndex: 900_000, count: 640 }] })
    const { check, maxHeldSamples } = feed(a)
    expect(check.stats.inferredGaps).toBe(1)
    // Confirmation takes ≥ 1 s of host time; the hold is bounded by the forced decision at 5 s.
    expect(check.stats.longestHoldS).toBeGreaterThanOrEqual(1)
    expect(check.stats.longestHoldS).toBeLessThanOrEqual(5.25)
    expect(maxHeldSamples).toBeLessThan(5.5 / T)
  })

  it('says it is blind, and invents nothing, on links too uneven to see one counter cycle', () => {
    const blurred: Array<Partial<ArrivalModel>> = [
      { tailProbability: 0.2, tailScaleS: 1e-3, tailCapS: 0.3, stallsPerS: 0.5, stallMaxS: 0.4, jitterS: 300e-6 },
      { tailProbability: 0.3, tailScaleS: 2e-3, tailCapS: 0.5, stallsPerS: 1, stallMaxS: 0.8, jitterS: 400e-6 }
    ]
    for (const model of blurred) {
      for (let seed = 61; seed <= 63; seed++) {
        const a = syntheticArrivals({ seed, durationS: 60, driftPpm: 40, ...model, losses: [{ atIndex: 3_000_000, count: 640 }] })
        const { events, check } = feed(a)
        // A loss it cannot see is not reported as found, and no other is made up.
        expect(losses(events), `seed ${seed}`).toEqual([])
        // It said so: blind for most of the stream (or off altogether, when jitter tilted the floor past 1 %).
        if (check.stats.state === 'checking') {
          expect(events.some((e) => e.kind === 'blind' && e.blind)).toBe(true)
          expect(check.stats.blindS).toBeGreaterThan(30)
        }
      }
    }
  })

  it('turns itself off when samples arrive faster or slower than the host clock allows', () => {
    for (const rate of [10, 0.5, 1.05]) {
      const a = syntheticArrivals({ seed: 51, durationS: 20, ...HEAVY, rate, losses: [{ atIndex: 50_000, count: 640 }] })
      const { events, check } = feed(a)
      const unpaced = events.filter((e) => e.kind === 'unpaced')
      expect(unpaced, `rate ${rate}`).toHaveLength(1)
      expect(Math.abs((unpaced[0] as { rateRatio: number }).rateRatio / rate - 1), `rate ${rate}`).toBeLessThan(0.05)
      expect(check.stats.state).toBe('unpaced')
      // Nothing is held once it is off.
      expect(check.vouchedIndex).toBe(a.delivered)
    }
  })

  it('takes arbitrary arrivals from a seeded fuzzer without throwing; every loss is whole counter cycles, in order', () => {
    for (let seed = 1; seed <= 40; seed++) {
      const rand = prng(1000 + seed)
      const check = new HostClockCheck({ samplePeriodS: T })
      let t = rand() * 10
      let index = 0
      let lastAt = -1
      let maxFed = 0
      for (let k = 0; k < 5000; k++) {
        const r = rand()
        // Mostly plausible arrivals, some wild jumps, repeats, runs backwards, NaN and infinities.
        if (r < 0.6) {
          t += rand() * 2e-3
          index += Math.floor(rand() * 300)
        } else if (r < 0.7) {
          t += rand() * 3
        } else if (r < 0.8) {
          index += Math.floor(rand() * 1e6)
        } else if (r < 0.85) {
          t -= rand()
        } else if (r < 0.88) {
          index -= 100
        }
        const hostS = r > 0.995 ? Number.NaN : r > 0.99 ? Number.POSITIVE_INFINITY : t
        maxFed = Math.max(maxFed, index)
        for (const e of check.arrival(hostS, index)) {
          if (e.kind === 'loss') {
            expect(e.count % 64).toBe(0)
            expect(e.count).toBeGreaterThan(0)
            expect(e.atIndex).toBeGreaterThanOrEqual(lastAt)
            lastAt = e.atIndex
          }
        }
        // Nothing beyond what has arrived is ever vouched for.
        expect(check.vouchedIndex).toBeLessThanOrEqual(maxFed)
        if (rand() < 0.001) check.force()
      }
      check.finish()
    }
  })
})
