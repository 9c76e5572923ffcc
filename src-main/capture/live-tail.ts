import type { Gap, SampleBlock } from './sample-block'

/** Columns for drawing: at most one per pixel, min/max/mean (NaN where only gap slots) and D0–D7 masks. */
export interface TraceColumns {
  tS: Float64Array
  min: Float32Array
  max: Float32Array
  mean: Float32Array
  /** Bit n: Dn high for every sample of the column. */
  digitalAll?: Uint8Array
  /** Bit n: Dn high for at least one sample of the column. */
  digitalAny?: Uint8Array
}

/**
 * The last few seconds of a capture in progress, in memory. The store commits about once a second, so a
 * live view drawn from the store alone would lag and jump; the tail fills the stretch that is not yet
 * committed (and, for a short window, the whole window) straight from what the driver delivered.
 * Indices are absolute sample indices of the recording; slots the driver reported as lost hold NaN.
 */
export class LiveTail {
  private readonly currentA: Float32Array
  private digital: Uint8Array | null = null
  private endIndex = 0

  constructor(
    readonly capacity: number,
    readonly samplePeriodS: number
  ) {
    if (!(capacity >= 1) || !Number.isInteger(capacity)) throw new RangeError(`A live tail holds a whole positive number of samples, got ${capacity}.`)
    this.currentA = new Float32Array(capacity)
  }

  /** One past the last slot received (samples and gaps). */
  get end(): number {
    return this.endIndex
  }

  /** The oldest slot still held. */
  get start(): number {
    return Math.max(0, this.endIndex - this.capacity)
  }

  get hasDigital(): boolean {
    return this.digital !== null
  }

  add(block: SampleBlock): void {
    let from = block.startIndex
    let skip = 0
    const n = block.currentA.length
    if (from + n <= this.endIndex) return // a repeat of what we hold
    if (from < this.endIndex) {
      skip = this.endIndex - from
      from = this.endIndex
    }
    if (from > this.endIndex) this.fillMissing(this.endIndex, from)
    if (block.digital && !this.digital) this.digital = new Uint8Array(this.capacity)
    // More than the tail holds: only the newest samples matter.
    const keep = Math.min(n - skip, this.capacity)
    const srcAt = n - keep
    const dstStart = from + (n - skip - keep)
    this.copyIn(dstStart, block.currentA, block.digital, srcAt, keep)
    this.endIndex = from + (n - skip)
  }

  gap(gap: Gap): void {
    const end = gap.startIndex + gap.count
    if (end <= this.endIndex) return
    this.fillMissing(this.endIndex, end)
    this.endIndex = end
  }

  private copyIn(index: number, currentA: Float32Array, digital: Uint8Array | undefined, srcAt: number, count: number): void {
    let done = 0
    while (done < count) {
      const at = (index + done) % this.capacity
      const run = Math.min(count - done, this.capacity - at)
      this.currentA.set(currentA.subarray(srcAt + done, srcAt + done + run), at)
      if (this.digital) {
        if (digital) this.digital.set(digital.subarray(srcAt + done, srcAt + done + run), at)
        else this.digital.fill(0, at, at + run)
      }
      done += run
    }
  }

  private fillMissing(from: number, to: number): void {
    from = Math.max(from, to - this.capacity)
    for (let i = from; i < to; ) {
      const at = i % this.capacity
      const run = Math.min(to - i, this.capacity - at)
      this.currentA.fill(NaN, at, at + run)
      this.digital?.fill(0, at, at + run)
      i += run
    }
  }

  /**
   * Columns over the sample range [a, b) at most `width` wide, laid out as the store lays out raw columns
   * (column c covers [a + ⌊c·n/cols⌋, a + ⌊(c+1)·n/cols⌋)). Slots the tail does not hold count as missing.
   */
  columns(a: number, b: number, width: number): TraceColumns {
    const n = Math.max(0, b - a)
    const cols = Math.min(Math.max(1, Math.floor(width)), n)
    const out: TraceColumns = {
      tS: new Float64Array(cols),
      min: new Float32Array(cols),
      max: new Float32Array(cols),
      mean: new Float32Array(cols)
    }
    if (this.digital) {
      out.digitalAll = new Uint8Array(cols)
      out.digitalAny = new Uint8Array(cols)
    }
    const lo = this.start
    const hi = this.endIndex
    for (let c = 0; c < cols; c++) {
      const from = a + Math.floor((c * n) / cols)
      const to = a + Math.floor(((c + 1) * n) / cols)
      out.tS[c] = from * this.samplePeriodS
      let count = 0
      let sum = 0
      let mn = Infinity
      let mx = -Infinity
      let and = 0xff
      let or = 0
      for (let i = Math.max(from, lo), e = Math.min(to, hi); i < e; i++) {
        const at = i % this.capacity
        const v = this.currentA[at]
        if (v !== v) continue
        count++
        sum += v
        if (v < mn) mn = v
        if (v > mx) mx = v
        if (this.digital) {
          and &= this.digital[at]
          or |= this.digital[at]
        }
      }
      if (count === 0) {
        out.min[c] = out.max[c] = out.mean[c] = NaN
        continue
      }
      out.min[c] = mn
      out.max[c] = mx
      out.mean[c] = sum / count
      if (out.digitalAll) {
        out.digitalAll[c] = and
        out.digitalAny![c] = or
      }
    }
    return out
  }
}
