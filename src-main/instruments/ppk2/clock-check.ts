/**
 * Host-clock continuity check for a PPK2 stream: finds losses of exactly 64·k samples, which leave the
 * word's 6-bit counter in step and so are invisible to the stream decoder.
 *
 * Each arrival of bytes gives (host monotonic time t, samples delivered so far n). Sample n left the
 * unit at about n·T on its own clock, and only delays (USB scheduling, the event loop) stand between that
 * and t, so the *lateness* L = t − n·T has a floor: the fastest arrivals sit on a line whose slope is
 * the unit's clock error against the host's (crystals: up to ~±100 ppm), while slow arrivals only ever
 * lie above it. A loss of m samples that the counter missed makes every later arrival count m fewer
 * samples than the unit has produced, so the floor rises by m·T in one step and stays there.
 *
 * How the floor is tracked:
 *  - arrivals are grouped into bins of 0.25 s of host time, each keeping its fastest arrival;
 *  - the slope is the edge of the lower convex hull of the last 30 s of bin minima at their mean
 *    (the least-sum line lying under every point, as in network clock-skew estimation): bins that saw
 *    no fast arrival lie above the floor and cannot tilt it, and nothing physical lies below it;
 *  - the reference level is the lower quartile of the last 8 bins' minima along that slope. Steps are
 *    measured with the same statistic (lower quartile of 0.25-s minima), so the two biases cancel.
 *
 * How a step is judged. T = 10 µs, so a 64-sample loss raises the floor by q = 640 µs. On this project's
 * loaded 2-core test machine, with the emulator over a pty, 0.25-s minima scatter by about ±100 µs, and
 * the longest run of arrivals more than 320 µs above the floor was 0.1 s (tests and the bench use a
 * synthetic link with far heavier tails). Hence:
 *  - an arrival less than q/2 above the reference *proves* no loss of ≥ 64 samples has happened before
 *    it: everything up to it is vouched for and may be released;
 *  - arrivals all at least q/2 above it open a suspicion; samples since the last vouched one are held;
 *  - the step's height is estimated from the latest 0.25-s minima, and its place is after the last
 *    arrival lying clearly (q/4) below that height: no arrival after a loss can be that early;
 *  - it is decided only when it has persisted ≥ 1 s of host time since that place with ≥ 16 arrivals
 *    (a late burst or a stall ends long before: once the host catches up, arrivals return to the floor)
 *    and is flat (the first and second half of that second agree within q/4: a host falling further
 *    and further behind is not a step) and sharp (half its 0.25-s minima within q/4 of the fastest:
 *    under jitter that blurs the floor, a plateau of late arrivals can look flat but is not sharp);
 *  - a step Δ within q/4 of a whole k·q, k ≥ 1, is a loss of 64·k samples. Any other step cannot be such
 *    a loss (the counter would have seen it) and is counted as a clock anomaly; the reference moves by Δ
 *    and no gap is invented. q/4 = 160 µs is over twice the largest error of the step estimate in the
 *    synthetic heavy-jitter runs (~70 µs); a host delay that happens to rise into such a window must
 *    also stay flat and sharp for a whole second;
 *  - a suspicion still open after 5 s without such a level is followed (the reference moves by its
 *    lower quartile), counted as an undecided anomaly, and the check reports itself blind.
 *
 * The check needs a floor it can see. When the fastest arrivals of the last 4 s scatter by more than q/4
 * (upper quartile of the 0.25-s minima above the lowest, along the fitted slope), steps of one cycle
 * cannot be told from jitter: the check goes 'blind' (reported, so the user knows such losses cannot be
 * ruled out), opens no suspicion, and resumes once the scatter is below 3q/16 again. No step is judged
 * before the pace and the floor have shown themselves over 2 s of bins, so a loss in a capture's first
 * two seconds or so is not confirmed (its suspicion ends undecided).
 *
 * The check only means something while the stream is paced by real time. The virtual bench can run the
 * emulated unit faster (or slower) than the host clock; its samples then arrive at a rate the host clock
 * does not predict at all. A floor sloping by more than 1 % (no crystal is that far off) turns the check
 * off for the rest of the stream ('unpaced'). (On a link blurred far beyond what the blind test allows,
 * the hull can tilt that far by chance and the check then also goes off: it could not judge anyway.)
 *
 * Indices in and out are the caller's (samples delivered, not counting gaps this check has inferred);
 * the caller moves everything after a reported loss by its count.
 */

export interface HostClockCheckOptions {
  samplePeriodS: number
  /** A loss of a whole number of this many samples leaves the counter in step (the PPK2's 6-bit counter). */
  cycleSamples?: number
  /** How long a step must persist before it is believed, host seconds. */
  confirmS?: number
  /** A suspicion still open after this long is decided as it stands. */
  maxSuspectS?: number
  /** Slope of the floor, as a fraction, beyond which the stream is taken as not paced by real time. */
  unpacedSlope?: number
}

export type HostClockEvent =
  /** `count` samples were lost before the sample delivered at `atIndex` (caller's index). */
  | { kind: 'loss'; atIndex: number; count: number; stepS: number }
  /** The floor moved by `stepS` near `atIndex` by an amount that is not a whole counter cycle. */
  | { kind: 'anomaly'; atIndex: number; stepS: number }
  /** Samples arrive at `rateRatio` × the rate the host clock expects: the check is off from here. */
  | { kind: 'unpaced'; rateRatio: number }
  /** From `atIndex` the floor is too blurred (`spreadS`) to see one cycle (blind), or sharp again. */
  | { kind: 'blind'; atIndex: number; blind: boolean; spreadS: number }

export interface HostClockStats {
  state: 'checking' | 'unpaced'
  arrivals: number
  inferredGaps: number
  inferredLostSamples: number
  clockAnomalies: number
  /** Fitted clock difference (unit slower than the host: positive), parts per million; null until fitted. */
  driftPpm: number | null
  /** Longest time samples were held before a decision, seconds. */
  longestHoldS: number
  /** Suspicions that ended because the arrivals came back to the floor (late bursts, stalls). */
  lateBursts: number
  /** Arrivals ignored because their time or index ran backwards or was not a number. */
  rejectedArrivals: number
  /** Host time during which the floor was too blurred to see a lost cycle, seconds. */
  blindS: number
  /** Suspicions that never settled on a level the host could vouch for (counted among the anomalies too). */
  undecidedSteps: number
}

const BIN_S = 0.25
const REF_BINS = 8
const HISTORY_BINS = 120
/** Bins needed before the slope is fitted and the pace judged (2 s). */
const FIT_BINS = 8
/** The slope used for the reference is clamped here: beyond it the fit is noise, not a crystal. */
const MAX_USED_SLOPE = 500e-6
const MIN_ARRIVALS = 16
const MIN_SLOT_ARRIVALS = 2
const MIN_SLOTS = 4
/** Slots rising one after another, this many, mark a stream slower than real time. */
const RISING_SLOTS = 6
const MAX_STACK = 1 << 16
/** Bins over which the floor's sharpness is judged (4 s). */
const SHARPNESS_BINS = 16

interface Point {
  /** Sample index on the check's own timeline (caller's index + samples inferred lost before it). */
  x: number
  /** Lateness of that arrival, seconds, after any anomaly corrections. */
  l: number
}

/** The fastest arrival of 0.25 s of host time. */
interface Slot extends Point {
  count: number
  startT: number
}

interface Suspicion {
  /** Caller's index of the last on-time arrival before it. */
  vouched: number
  startT: number
  refA: number
  refSlope: number
  slots: Slot[]
  count: number
  /**
   * Its arrivals that no later arrival undercuts, residuals rising from bottom to top: the last arrival
   * below any height is found by bisection.
   */
  stackIndex: number[]
  stackR: number[]
  stackT: number[]
}

const NONE: readonly HostClockEvent[] = Object.freeze([])

export class HostClockCheck {
  private readonly T: number
  private readonly cycle: number
  private readonly q: number
  private readonly confirmS: number
  private readonly maxSuspectS: number
  private readonly unpacedSlope: number

  private unpaced = false
  private inferred = 0
  private corrS = 0
  private history: Point[] = []
  private bin: Slot | null = null
  private refLevel: number | null = null
  private slope = 0
  private fitted = false
  /** The hull's slope as fitted, unclamped: what the floor's sharpness is measured along. */
  private fitSlope = 0
  private lowRun: Point[] = []
  private vouched = 0
  private lastIndex = 0
  private lastHostS = Number.NEGATIVE_INFINITY
  private suspect: Suspicion | null = null
  private blindSince: number | null = null
  readonly stats: HostClockStats = {
    state: 'checking',
    arrivals: 0,
    inferredGaps: 0,
    inferredLostSamples: 0,
    clockAnomalies: 0,
    driftPpm: null,
    longestHoldS: 0,
    lateBursts: 0,
    rejectedArrivals: 0,
    blindS: 0,
    undecidedSteps: 0
  }

  constructor(options: HostClockCheckOptions) {
    this.T = options.samplePeriodS
    this.cycle = options.cycleSamples ?? 64
    this.q = this.cycle * this.T
    this.confirmS = options.confirmS ?? 1
    this.maxSuspectS = Math.max(this.confirmS + BIN_S, options.maxSuspectS ?? 5)
    this.unpacedSlope = options.unpacedSlope ?? 0.01
  }

  /** Every sample delivered before this index (caller's) is vouched for: no hidden loss before it. */
  get vouchedIndex(): number {
    return this.suspect ? this.vouched : this.lastIndex
  }

  /** Whether samples are being held for a decision. */
  get holding(): boolean {
    return this.suspect !== null
  }

  /** Samples inferred lost so far: how far the caller's later samples have moved. */
  get inferredSamples(): number {
    return this.inferred
  }

  /** An arrival: at host time `hostS` (monotonic seconds), `index` samples have been delivered. */
  arrival(hostS: number, index: number): readonly HostClockEvent[] {
    // Time must be finite and move forward, and the index must not run back: anything else is ignored.
    if (!Number.isFinite(hostS) || !Number.isFinite(index) || index < this.lastIndex || hostS < this.lastHostS) {
      this.stats.rejectedArrivals++
      return NONE
    }
    this.lastIndex = index
    this.lastHostS = hostS
    if (this.unpaced) return NONE
    this.stats.arrivals++
    const x = index + this.inferred
    const l = hostS - x * this.T - this.corrS
    if (this.suspect) return this.suspicious(hostS, index, x, l)

    const ref = this.reference(x)
    if (ref !== null && this.blindSince === null && l - ref >= this.q / 2) {
      // Judged against the floor as it stands now, frozen. The open bin stays open: late bursts are
      // common (tens a second under heavy jitter) and must not chop the envelope into short bins.
      this.suspect = {
        vouched: this.vouched,
        startT: hostS,
        refA: ref - this.slope * x * this.T,
        refSlope: this.slope,
        slots: [],
        count: 0,
        stackIndex: [],
        stackR: [],
        stackT: []
      }
      return this.suspicious(hostS, index, x, l)
    }
    this.vouched = index
    return this.addToBin(hostS, x, l)
  }

  /** Decide an open suspicion now (the caller cannot hold more samples). */
  force(): readonly HostClockEvent[] {
    return this.suspect ? this.decide(true) : NONE
  }

  /** End of the stream: an open suspicion cannot be confirmed; what is held is released as it is. */
  finish(): void {
    if (this.suspect) this.noteHold(this.suspect)
    this.suspect = null
    if (this.blindSince !== null) this.stats.blindS += this.lastHostS - this.blindSince
    this.blindSince = null
  }

  /** A new stream (AverageStart after a reconnect): the lateness floor starts afresh. */
  reset(): void {
    this.finish()
    this.unpaced = false
    this.stats.state = 'checking'
    this.corrS = 0
    this.history = []
    this.refLevel = null
    this.bin = null
    this.slope = 0
    this.fitSlope = 0
    this.fitted = false
    this.lowRun = []
    this.vouched = this.lastIndex
    this.lastHostS = Number.NEGATIVE_INFINITY
  }

  private residual(s: Suspicion, p: Point): number {
    return p.l - (s.refA + s.refSlope * p.x * this.T)
  }

  private suspicious(hostS: number, index: number, x: number, l: number): readonly HostClockEvent[] {
    const s = this.suspect!
    const r = this.residual(s, { x, l })
    if (r < this.q / 2) {
      // Back on the floor: it was lateness, not loss. The slow period stays out of the envelope.
      this.noteHold(s)
      this.stats.lateBursts++
      this.suspect = null
      this.vouched = index
      return this.addToBin(hostS, x, l)
    }
    s.count++
    let top = s.stackR.length
    while (top > 0 && s.stackR[top - 1] >= r) top--
    s.stackIndex.length = s.stackR.length = s.stackT.length = top
    if (top === MAX_STACK) {
      // Only a steadily rising lateness grows this; its oldest entries matter least.
      s.stackIndex.splice(0, top >> 1)
      s.stackR.splice(0, top >> 1)
      s.stackT.splice(0, top >> 1)
    }
    s.stackIndex.push(index)
    s.stackR.push(r)
    s.stackT.push(hostS)

    const k = Math.floor((hostS - s.startT) / BIN_S)
    let slot = s.slots[s.slots.length - 1]
    const newSlot = !slot || Math.round((slot.startT - s.startT) / BIN_S) !== k
    if (newSlot) {
      slot = { x, l, count: 0, startT: s.startT + k * BIN_S }
      s.slots.push(slot)
      const rising = this.risingSlope(s)
      if (rising !== null) return this.goUnpaced(rising)
    }
    slot.count++
    if (r < this.residual(s, slot)) {
      slot.x = x
      slot.l = l
    }
    if (hostS - s.startT >= this.maxSuspectS) return this.decide(true)
    if (hostS - s.startT < this.confirmS) return NONE
    return this.decide(false)
  }

  /**
   * A stream slower than the host clock (the virtual bench slowed down) makes every slot later than the
   * one before, by far more than any crystal could: returns the slope when the last few slots show it.
   */
  private risingSlope(s: Suspicion): number | null {
    const done = s.slots.length - 1
    if (done < RISING_SLOTS) return null
    const from = done - RISING_SLOTS
    // Every slot later than the one before by at least half that rate: jitter does not climb like that.
    for (let i = from + 1; i < done; i++) {
      const a = s.slots[i - 1]
      const b = s.slots[i]
      if (!(b.x > a.x) || (b.l - a.l) / ((b.x - a.x) * this.T) <= this.unpacedSlope / 2) return null
    }
    const a = s.slots[from]
    const b = s.slots[done - 1]
    const slope = (b.l - a.l) / ((b.x - a.x) * this.T)
    return Number.isFinite(slope) && slope > this.unpacedSlope ? slope : null
  }

  /** Judge the step; returns nothing while it has not yet persisted long enough or is not flat (unless forced). */
  private decide(forced: boolean): readonly HostClockEvent[] {
    const s = this.suspect!
    const q = this.q
    const tol = q / 4
    const done = s.slots.filter((slot) => slot.count >= (forced ? 1 : MIN_SLOT_ARRIVALS))
    if (done.length === 0) {
      if (forced) this.settle(s, [], 0, 0)
      return NONE
    }
    // Height from the latest slots; place: after the last arrival clearly below that height.
    const recent = done.slice(done.length >> 1).map((slot) => this.residual(s, slot))
    const height = lowerQuartile(recent)
    const at = lastBelow(s.stackR, height - tol)
    const atIndex = at < 0 ? s.vouched : s.stackIndex[at]
    const sinceT = at < 0 ? s.startT : s.stackT[at]
    // Slots wholly after that arrival (the one holding it mixes both sides).
    let judged = at < 0 ? done : done.filter((slot) => slot.startT > sinceT)
    if (!forced) {
      const arrivals = judged.reduce((n, slot) => n + slot.count, 0)
      if (this.lastHostS - sinceT < this.confirmS || judged.length < MIN_SLOTS || arrivals < MIN_ARRIVALS) return NONE
    } else if (judged.length === 0) {
      judged = done
    }
    // The bin open since before the suspicion holds the last on-time arrivals: let it speak on the
    // floor's sharpness before anything is judged.
    const before = this.closeBin()
    if (this.unpaced) return before
    const res = judged.map((slot) => this.residual(s, slot))
    const half = Math.max(1, res.length >> 1)
    const first = lowerQuartile(res.slice(0, half))
    const second = res.length > 1 ? lowerQuartile(res.slice(half)) : first
    const step = lowerQuartile(res)
    // A level the host can vouch for: flat (both halves agree) and sharp (half its slots within q/4 of
    // the fastest), on a link whose floor was sharp before too.
    const proven = this.fitted && this.blindSince === null
    const judgeable = proven && Math.abs(first - second) <= tol && median(res) - Math.min(...res) <= tol
    if (!forced && !judgeable) return before
    const k = Math.round(step / q)
    // Only slots on the new level join the envelope: a late one would lift it, a stray low one tilt it.
    const onLevel = judged.filter((_, i) => Math.abs(res[i] - step) <= tol)
    if (!judgeable) {
      // Five seconds without a level to judge: the floor is lost in jitter. Follow it and say so.
      this.settle(s, onLevel, 0, step)
      this.corrS += step
      this.stats.clockAnomalies++
      this.stats.undecidedSteps++
      const events: HostClockEvent[] = [...before, { kind: 'anomaly', atIndex, stepS: step }]
      if (this.blindSince === null) {
        this.blindSince = this.lastHostS
        events.push({ kind: 'blind', atIndex, blind: true, spreadS: median(res) - Math.min(...res) })
      }
      return events
    }
    if (k >= 1 && Math.abs(step - k * q) <= tol) {
      const count = k * this.cycle
      this.settle(s, onLevel, count, count * this.T)
      this.inferred += count
      this.stats.inferredGaps++
      this.stats.inferredLostSamples += count
      return [...before, { kind: 'loss', atIndex, count, stepS: step }]
    }
    this.settle(s, onLevel, 0, step)
    this.corrS += step
    this.stats.clockAnomalies++
    return [...before, { kind: 'anomaly', atIndex, stepS: step }]
  }

  /** The step is settled: the slots after it, moved onto the corrected timeline, join the envelope. */
  private settle(s: Suspicion, after: Slot[], count: number, appliedS: number): void {
    this.noteHold(s)
    this.suspect = null
    // The open bin holds arrivals from before the step: it joins the envelope as it is. Slots before
    // the step were late arrivals, not floor, and are left out.
    this.closeBin()
    for (const slot of after) this.pushHistory({ x: slot.x + count, l: slot.l - appliedS })
    this.vouched = this.lastIndex
    this.refit()
  }

  private noteHold(s: Suspicion): void {
    this.stats.longestHoldS = Math.max(this.stats.longestHoldS, this.lastHostS - s.startT)
  }

  /** The floor at sample x (null before the first arrival). */
  private reference(x: number): number | null {
    if (this.refLevel === null) return this.bin ? this.bin.l + this.slope * (x - this.bin.x) * this.T : null
    return this.refLevel + this.slope * x * this.T
  }

  /** Recomputed whenever the bins or the slope change, not per arrival. */
  private updateReference(): void {
    const h = this.history
    if (h.length === 0) {
      this.refLevel = null
      return
    }
    const levels: number[] = []
    for (let i = Math.max(0, h.length - REF_BINS); i < h.length; i++) levels.push(h[i].l - this.slope * h[i].x * this.T)
    this.refLevel = lowerQuartile(levels)
  }

  private addToBin(hostS: number, x: number, l: number): readonly HostClockEvent[] {
    let events: readonly HostClockEvent[] = NONE
    if (this.bin && hostS - this.bin.startT >= BIN_S) events = this.closeBin()
    if (this.unpaced) return events
    if (!this.bin) this.bin = { x, l, count: 0, startT: hostS }
    this.bin.count++
    if (l - this.slope * x * this.T < this.bin.l - this.slope * this.bin.x * this.T) {
      this.bin.x = x
      this.bin.l = l
    }
    return events
  }

  private closeBin(): readonly HostClockEvent[] {
    const b = this.bin
    this.bin = null
    if (!b || b.count === 0) return NONE
    if (this.fitted && b.l - this.reference(b.x)! < -this.q / 2) {
      // A floor that has dropped for good (four bins in a row well below it) is a clock anomaly too.
      // The envelope restarts from those bins: the hull would otherwise hang on the old, higher ones.
      this.lowRun.push({ x: b.x, l: b.l })
      if (this.lowRun.length >= 4) {
        const stepS = median(this.lowRun.map((p) => p.l - this.reference(p.x)!))
        this.stats.clockAnomalies++
        this.history = this.lowRun
        this.lowRun = []
        this.fitted = false
        this.updateReference()
        return [{ kind: 'anomaly', atIndex: this.lastIndex, stepS }]
      }
      return NONE
    }
    this.lowRun = []
    this.pushHistory(b)
    const fit = this.refit()
    return fit.length > 0 ? fit : this.judgeSharpness()
  }

  /** Whether the floor is still sharp enough to see one lost cycle (see the file's comment). */
  private judgeSharpness(): readonly HostClockEvent[] {
    // Judged once the pace is known: before, a stream running off real time would look blurred.
    if (!this.fitted) return NONE
    const levels: number[] = []
    for (let i = Math.max(0, this.history.length - SHARPNESS_BINS); i < this.history.length; i++) {
      levels.push(this.history[i].l - this.fitSlope * this.history[i].x * this.T)
    }
    const lowest = Math.min(...levels)
    const spreadS = quantile(levels, 0.75) - lowest
    if (this.blindSince === null && spreadS > this.q / 4) {
      this.blindSince = this.lastHostS
      return [{ kind: 'blind', atIndex: this.lastIndex, blind: true, spreadS }]
    }
    if (this.blindSince !== null && spreadS < (3 * this.q) / 16) {
      this.stats.blindS += this.lastHostS - this.blindSince
      this.blindSince = null
      return [{ kind: 'blind', atIndex: this.lastIndex, blind: false, spreadS }]
    }
    return NONE
  }

  private pushHistory(p: Point): void {
    this.history.push({ x: p.x, l: p.l })
    if (this.history.length > HISTORY_BINS) this.history.shift()
    this.updateReference()
  }

  private refit(): readonly HostClockEvent[] {
    if (this.history.length < FIT_BINS) return NONE
    const sl = lowerHullSlope(this.history, this.T)
    if (Math.abs(sl) > this.unpacedSlope) return this.goUnpaced(sl)
    this.fitted = true
    this.fitSlope = sl
    this.slope = Math.max(-MAX_USED_SLOPE, Math.min(MAX_USED_SLOPE, sl))
    this.stats.driftPpm = sl * 1e6
    this.updateReference()
    return NONE
  }

  private goUnpaced(slope: number): readonly HostClockEvent[] {
    if (this.suspect) this.noteHold(this.suspect)
    this.suspect = null
    this.unpaced = true
    this.stats.state = 'unpaced'
    // L = t − x·T rises by `slope` per second of samples, so samples arrive at 1 / (1 + slope) × the expected rate.
    return [{ kind: 'unpaced', rateRatio: 1 / (1 + slope) }]
  }
}

/**
 * Slope (dl / (dx·T)) of the lower convex hull's edge over the points' mean x: the line under every
 * point with the least total distance to them.
 */
function lowerHullSlope(points: readonly Point[], T: number): number {
  const p = [...points].sort((a, b) => a.x - b.x)
  const hull: Point[] = []
  for (const c of p) {
    while (hull.length >= 2) {
      const a = hull[hull.length - 2]
      const b = hull[hull.length - 1]
      if ((b.x - a.x) * (c.l - a.l) - (b.l - a.l) * (c.x - a.x) > 0) break
      hull.pop()
    }
    hull.push(c)
  }
  let mean = 0
  for (const c of p) mean += c.x / p.length
  for (let i = 0; i + 1 < hull.length; i++) {
    const a = hull[i]
    const b = hull[i + 1]
    if (b.x >= mean && b.x > a.x) return (b.l - a.l) / ((b.x - a.x) * T)
  }
  return 0
}

/** Index of the last entry below `limit` in an ascending array, or −1. */
function lastBelow(ascending: readonly number[], limit: number): number {
  let lo = 0
  let hi = ascending.length
  while (lo < hi) {
    const mid = (lo + hi) >> 1
    if (ascending[mid] < limit) lo = mid + 1
    else hi = mid
  }
  return lo - 1
}

function lowerQuartile(values: readonly number[]): number {
  return quantile(values, 0.25)
}

function median(values: readonly number[]): number {
  return quantile(values, 0.5)
}

function quantile(values: readonly number[], f: number): number {
  const v = [...values].sort((a, b) => a - b)
  const pos = f * (v.length - 1)
  const i = Math.floor(pos)
  return i + 1 < v.length ? v[i] + (pos - i) * (v[i + 1] - v[i]) : v[i]
}
