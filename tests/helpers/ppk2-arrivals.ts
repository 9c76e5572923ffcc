import { prng } from './prng'

/**
 * A synthetic PPK2 link as the host sees it, for the host-clock check: the unit produces a sample every
 * 10 µs on its own crystal, sends them in 64-byte USB packets (16 samples), each packet reaches the host
 * after a random delay (in order: a late packet holds back the ones behind it), and the host reads what
 * has arrived at its own read times, with stalls. Samples the unit produced but that never arrive (a
 * loss) still took their time on the unit's clock. Written from that physical picture, not from the
 * detector.
 */
export interface ArrivalModel {
  seed: number
  durationS: number
  /** Unit's clock against the host's: +100 means each sample takes 10 µs × (1 + 100e-6) of host time. */
  driftPpm?: number
  /** Mean time between host reads (exponentially spread). */
  readIntervalS?: number
  /** Least time from a packet's last sample to the host. */
  floorS?: number
  /** Mean of the exponential delay above the floor. */
  jitterS?: number
  /** Chance that a packet is held up by a heavy-tailed delay (Pareto, shape 1.5, from `tailScaleS`). */
  tailProbability?: number
  tailScaleS?: number
  /** The longest packet delay (a USB hiccup), seconds. */
  tailCapS?: number
  /** Host stalls (nothing read) per second, each up to `stallMaxS`. */
  stallsPerS?: number
  stallMaxS?: number
  /** Samples lost on the way: the delivered sample `atIndex` is the first after `count` missing ones. */
  losses?: ReadonlyArray<{ atIndex: number; count: number }>
  /** The unit's timing jumps by `stepS` from delivered sample `atIndex` on (not a loss). */
  offsetSteps?: ReadonlyArray<{ atIndex: number; stepS: number }>
  /** Samples come `rate` × faster than the unit's clock says (an unpaced virtual bench). */
  rate?: number
  /** The packet holding delivered sample `atIndex` is held up by `delayS` (and every packet behind it). */
  holdUps?: ReadonlyArray<{ atIndex: number; delayS: number }>
  /** The host reads nothing from `atS` for `durationS` (host seconds). */
  hostStalls?: ReadonlyArray<{ atS: number; durationS: number }>
}

export interface Arrivals {
  hostS: Float64Array
  index: Float64Array
  /** How late each arrival was beyond the link's floor (its last packet's production time + floorS). */
  excessS: Float64Array
  /** Delivered samples in total. */
  delivered: number
}

const T = 10e-6
const PACKET = 16

export function syntheticArrivals(m: ArrivalModel): Arrivals {
  const rand = prng(m.seed)
  const drift = (m.driftPpm ?? 0) * 1e-6
  const readInterval = m.readIntervalS ?? 1e-3
  const floor = m.floorS ?? 100e-6
  const jitter = m.jitterS ?? 150e-6
  const tailP = m.tailProbability ?? 0.05
  const tailScale = m.tailScaleS ?? 1e-3
  const tailCap = m.tailCapS ?? 0.2
  const stallsPerS = m.stallsPerS ?? 0.2
  const stallMax = m.stallMaxS ?? 0.3
  const rate = m.rate ?? 1
  const losses = [...(m.losses ?? [])].sort((a, b) => a.atIndex - b.atIndex)
  const steps = [...(m.offsetSteps ?? [])].sort((a, b) => a.atIndex - b.atIndex)
  const holdUps = m.holdUps ?? []
  const hostStalls = m.hostStalls ?? []
  const exp = (mean: number) => -mean * Math.log(Math.max(rand(), 1e-300))

  // When each packet is at the host (in order), by delivered sample index.
  const packets: number[] = []
  const packetEnd: number[] = []
  const packetDue: number[] = []
  let lostBefore = 0
  let stepBefore = 0
  let li = 0
  let si = 0
  let last = 0
  for (let first = 0; ; first += PACKET) {
    const lastSample = first + PACKET - 1
    while (li < losses.length && losses[li].atIndex <= lastSample) lostBefore += losses[li++].count
    while (si < steps.length && steps[si].atIndex <= lastSample) stepBefore += steps[si++].stepS
    const produced = ((lastSample + 1 + lostBefore) * T * (1 + drift)) / rate + stepBefore
    if (produced > m.durationS) break
    let delay = floor + exp(jitter)
    if (rand() < tailP) delay += Math.min(tailCap, tailScale * Math.pow(Math.max(rand(), 1e-12), -1 / 1.5))
    for (const h of holdUps) if (h.atIndex >= first && h.atIndex <= lastSample) delay += h.delayS
    last = Math.max(last, produced + delay)
    packets.push(last)
    packetEnd.push(lastSample + 1)
    packetDue.push(produced + floor)
  }

  const hostS: number[] = []
  const index: number[] = []
  const excessS: number[] = []
  let t = 0
  let p = 0
  let nextStall = exp(1 / Math.max(stallsPerS, 1e-9))
  while (p < packets.length) {
    t += exp(readInterval)
    if (stallsPerS > 0 && t >= nextStall) {
      t = nextStall + rand() * stallMax
      nextStall = t + exp(1 / stallsPerS)
    }
    for (const st of hostStalls) if (t >= st.atS && t < st.atS + st.durationS) t = st.atS + st.durationS
    let q = p
    while (q < packets.length && packets[q] <= t) q++
    if (q === p) continue
    p = q
    // The callback runs a little after the read returns: event-loop delay, never negative.
    hostS.push(Math.max(hostS.length ? hostS[hostS.length - 1] : 0, t + exp(20e-6)))
    index.push(packetEnd[p - 1])
    excessS.push(hostS[hostS.length - 1] - packetDue[p - 1])
  }
  return { hostS: Float64Array.from(hostS), index: Float64Array.from(index), excessS: Float64Array.from(excessS), delivered: index.length ? index[index.length - 1] : 0 }
}
