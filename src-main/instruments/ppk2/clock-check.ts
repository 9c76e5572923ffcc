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
 *  - arrivals are grouped into bins of 0.25 s of host time, each keeping its fastest arrival; the
 *    reference level is the *median* of the last 8 bins' minima projected along the fitted slope (a
 *    median of 0.25-s minima, so a step is judged against the same kind of statistic it is measured
 *    with, and a few slow bins cannot lift it);
 *  - the slope is a Theil–Sen fit (median of pairwise slopes) over the last 12 s of bin minima.
 *
 * How a step is judged. T = 10 µs, so a 64-sample loss raises the floor by q = 640 µs. On this project's
 * loaded 2-core test machine, with the emulator over a pty, 0.25-s minima scatter by about ±100 µs and
 * the longest run of arrivals more than 320 µs above the floor was 0.1 s (bench/ppk2-clock-check.ts
 * models heavier jitter than that). Hence:
 *  - an arrival less than q/2 above the reference *proves* no loss of ≥ 64 samples has happened before
 *    it: everything up to it is vouched for and may be released;
 *  - arrivals all at least q/2 above it open a suspicion at the last vouched arrival; samples since then
 *    are held by the caller;
 *  - the suspicion is decided only after ≥ 1 s of host time (a late burst or a stall ends long before:
 *    once the host catches up, its arrivals return to the floor) with ≥ 16 arrivals, and only while the
 *    step is flat (the median 0.25-s minimum of the first and second half agree within q/4: a host that
 *    falls further and further behind is not a step);
 *  - the step Δ (median of the 0.25-s minima) within q/4 of a whole k·q, k ≥ 1, is a loss of 64·k
 *    samples at the last vouched arrival. Any other step cannot be such a loss (the counter would have
 *    seen it) and is counted as a clock anomaly; the reference moves by Δ and no gap is invented.
 *    q/4 = 160 µs leaves a margin of ~60 µs over the measured scatter of the step estimate, and a host
 *    delay that happens to rise into such a window must also stay flat for a whole second.
 * A suspicion still undecided after 5 s is forced: a loss only if both halves lie near the same k·q.
 *
 * The check only means something while the stream is paced by real time. The virtual bench can run the
 * emulated unit faster (or slower) than the host clock; its samples then arrive at a rate the host clock
 * does not predict at all. A fitted slope beyond 1 % (no crystal is that far off) turns the check off
 * for the rest of the stream ('unpaced').
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
}

const BIN_S = 0.25
const REF_BINS = 8
const HISTORY_BINS = 48
/** Bins needed before the slope is fitted and the pace judged (2 s). */
const FIT_BINS = 8
/** The slope used for the reference is clamped here: beyond it the fit is noise, not a crystal. */
const MAX_USED_SLOPE = 500e-6
const MIN_ARRIVALS = 16
const MIN_SLOT_ARRIVALS = 2

interface Point {
  /** Sample index on the check's own timeline (caller's index + samples inferred lost before it). */
  x: number
  /** Lateness of that arrival, seconds, after any anomaly corrections. */
  l: number
}

interface Slot extends Point {
  count: number
  startT: number
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
  private lowRun: number[] = []
  private vouched = 0
  private lastIndex = 0
  /** Open suspicion: the reference frozen at its start and 0.25-s slots of the arrivals since. */
  private suspect: { atIndex: number; startT: number; refA: number; refSlope: number; slots: Slot[]; count: number } | null = null
  readonly stats: HostClockStats = {
    state: 'checking',
    arrivals: 0,
    inferredGaps: 0,
    inferredLostSamples: 0,
    clockAnomalies: 0,
    driftPpm: null,
    longestHoldS: 0,
    lateBursts: 0
  }

  constructor(options: HostClockCheckOptions) {
    this.T = options.samplePeriodS
    this.cycle = options.cycleSamples ?? 64
    this.q = this.cycle * this.T
    this.confirmS = options.confirmS ?? 1
    this.maxSuspectS = Math.max(this.confirmS, options.maxSuspectS ?? 5)
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
    this.lastIndex = index
    if (this.unpaced) return NONE
    this.stats.arrivals++
    const x = index + this.inferred
    const l = hostS - x * this.T - this.corrS
    if (this.suspect) return this.suspicious(hostS, index, x, l)

    const ref = this.reference(x)
    if (ref !== null && l - ref >= this.q / 2) {
      // Judged against the floor as it stands now, frozen. The open bin stays open: a late burst is
      // common (tens a second under heavy jitter) and must not chop the envelope into short bins.
      this.suspect = { atIndex: this.vouched, startT: hostS, refA: ref - this.slope * x * this.T, refSlope: this.slope, slots: [], count: 0 }
      return this.suspicious(hostS, index, x, l)
    }
    this.vouched = index
    return this.addToBin(hostS, x, l)
  }

  /** Decide an open suspicion now (the caller cannot hold more samples). */
  force(): readonly HostClockEvent[] {
    const s = this.suspect
    if (!s) return NONE
    return this.decide(s.slots.filter((slot) => slot.count >= 1), true)
  }

  /** End of the stream: an open suspicion cannot be confirmed; what is held is released as it is. */
  finish(): void {
    if (this.suspect) this.noteHold(this.suspect)
    this.suspect = null
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
    this.fitted = false
    this.lowRun = []
    this.vouched = this.lastIndex
  }

  private suspicious(hostS: number, index: number, x: number, l: number): readonly HostClockEvent[] {
    const s = this.suspect!
    const r = l - (s.refA + s.refSlope * x * this.T)
    if (r < this.q / 2) {
      // Back on the floor: it was lateness, not loss. The slow period stays out of the envelope.
      this.noteHold(s)
      this.stats.lateBursts++
      this.suspect = null
      this.vouched = index
      return this.addToBin(hostS, x, l)
    }
    s.count++
    const k = Math.floor((hostS - s.startT) / BIN_S)
    let slot = s.slots[s.slots.length - 1]
    const newSlot = !slot || Math.floor((slot.startT - s.startT) / BIN_S) !== k
    if (newSlot) {
      slot = { x, l, count: 0, startT: s.startT + k * BIN_S }
      s.slots.push(slot)
    }
    slot.count++
    if (l - (s.refA + s.refSlope * x * this.T) < slot.l - (s.refA + s.refSlope * slot.x * this.T)) {
      slot.x = x
      slot.l = l
    }
    if (newSlot) {
      // A stream running off the host clock (the virtual bench slowed down) rises steadily, never flat.
      const done = s.slots.slice(0, -1)
      if (done.length >= 6) {
        const sl = theilSen(done, this.T)
        if (Math.abs(sl) > this.unpacedSlope) return this.goUnpaced(sl)
      }
    }
    const elapsed = hostS - s.startT
    if (elapsed >= this.maxSuspectS) return this.force()
    if (elapsed < this.confirmS || s.count < MIN_ARRIVALS) return NONE
    const usable = s.slots.filter((slot) => slot.count >= MIN_SLOT_ARRIVALS)
    if (usable.length < 4) return NONE
    return this.decide(usable, false)
  }

  /** Judge the step from the slots' minima; returns nothing while it is not yet flat (unless forced). */
  private decide(slots: Slot[], forced: boolean): readonly HostClockEvent[] {
    const s = this.suspect!
    const res = slots.map((slot) => slot.l - (s.refA + s.refSlope * slot.x * this.T))
    if (res.length === 0) {
      this.finishSuspicion(s, 0, 0)
      return NONE
    }
    const half = Math.max(1, res.length >> 1)
    const first = median(res.slice(0, half))
    const second = res.length > 1 ? median(res.slice(half)) : first
    const step = median(res)
    const q = this.q
    const tol = q / 4
    if (!forced && Math.abs(first - second) > tol) return NONE
    const k = Math.round(step / q)
    const nearCycle = (v: number) => k >= 1 && Math.abs(v - k * q) <= tol
    const loss = forced ? nearCycle(first) && nearCycle(second) : nearCycle(step)
    const atIndex = s.atIndex
    if (loss) {
      const count = k * this.cycle
      this.finishSuspicion(s, count, count * this.T)
      this.inferred += count
      this.stats.inferredGaps++
      this.stats.inferredLostSamples += count
      return [{ kind: 'loss', atIndex, count, stepS: step }]
    }
    this.finishSuspicion(s, 0, step)
    this.corrS += step
    this.stats.clockAnomalies++
    return [{ kind: 'anomaly', atIndex, stepS: step }]
  }

  /** The step is settled: the held arrivals, moved onto the corrected timeline, join the envelope. */
  private finishSuspicion(s: NonNullable<HostClockCheck['suspect']>, count: number, appliedS: number): void {
    this.noteHold(s)
    this.suspect = null
    // The open bin holds arrivals from before the step: it joins the envelope as it is.
    this.closeBin()
    for (const slot of s.slots) {
      if (slot.count > 0) this.pushHistory({ x: slot.x + count, l: slot.l - appliedS })
    }
    this.vouched = this.lastIndex
    this.refit()
  }

  private noteHold(s: NonNullable<HostClockCheck['suspect']>): void {
    const last = s.slots[s.slots.length - 1]
    const heldS = last ? last.startT + BIN_S - s.startT : 0
    this.stats.longestHoldS = Math.max(this.stats.longestHoldS, Math.min(heldS, this.maxSuspectS + BIN_S))
  }

  /** The floor at sample x: median of the recent bins' minima along the fitted slope (null: none yet). */
  private reference(x: number): number | null {
    if (this.refLevel === null) return this.bin ? this.bin.l + this.slope * (x - this.bin.x) * this.T : null
    return this.refLevel + this.slope * x * this.T
  }

  /** Recomputed whenever the bins or the slope change, not per arrival. */
  private updateReference(): void {
    const h = this.history
    const from = Math.max(0, h.length - REF_BINS)
    if (h.length === 0) {
      this.refLevel = null
      return
    }
    const levels: number[] = []
    for (let i = from; i < h.length; i++) levels.push(h[i].l - this.slope * h[i].x * this.T)
    this.refLevel = median(levels)
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
    let events: readonly HostClockEvent[] = NONE
    if (this.fitted) {
      // A floor that has dropped for good (four bins in a row well below it) is a clock anomaly too;
      // the median reference follows it by itself.
      const ref = this.reference(b.x)!
      const r = b.l - ref
      if (r < -this.q / 2) {
        this.lowRun.push(r)
        if (this.lowRun.length >= 4) {
          this.stats.clockAnomalies++
          events = [{ kind: 'anomaly', atIndex: this.lastIndex, stepS: median(this.lowRun) }]
          this.lowRun = []
        }
      } else {
        this.lowRun = []
      }
    }
    this.pushHistory(b)
    const fit = this.refit()
    return fit.length > 0 ? fit : events
  }

  private pushHistory(p: Point): void {
    this.history.push({ x: p.x, l: p.l })
    if (this.history.length > HISTORY_BINS) this.history.shift()
    this.updateReference()
  }

  private refit(): readonly HostClockEvent[] {
    if (this.history.length < FIT_BINS) return NONE
    const sl = theilSen(this.history, this.T)
    if (Math.abs(sl) > this.unpacedSlope) return this.goUnpaced(sl)
    this.fitted = true
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

/** Median of pairwise slopes dl / (dx·T): robust to a few bins that never saw a fast arrival. */
function theilSen(points: readonly Point[], T: number): number {
  const slopes: number[] = []
  for (let i = 0; i < points.length; i++) {
    for (let j = i + 1; j < points.length; j++) {
      const dx = points[j].x - points[i].x
      if (dx !== 0) slopes.push((points[j].l - points[i].l) / (dx * T))
    }
  }
  return slopes.length === 0 ? 0 : median(slopes)
}

function median(values: number[]): number {
  const v = [...values].sort((a, b) => a - b)
  const m = v.length >> 1
  return v.length % 2 === 1 ? v[m] : (v[m - 1] + v[m]) / 2
}
