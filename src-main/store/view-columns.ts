/**
 * How a view reduces n items (raw samples, or summary entries) to at most `width` columns: column c
 * takes items [⌊c·n/cols⌋, ⌊(c+1)·n/cols⌋) and keeps their min, max and weighted mean, or for digital
 * lines the AND and OR of their bytes. Raw and summary views differ only in what an item holds and
 * where a column's time comes from, so both go through here and draw alike.
 */

export class ColumnStats {
  count = 0
  weight = 0
  sum = 0
  min = Infinity
  max = -Infinity
  and = 0xff
  or = 0
  /** Time of the column's first item with data; NaN until one arrives. */
  firstTimeS = NaN

  constructor(private readonly digital: boolean) {}

  reset(): void {
    this.count = this.weight = this.sum = this.or = 0
    this.min = Infinity
    this.max = -Infinity
    this.and = 0xff
    this.firstTimeS = NaN
  }

  /** Adds an item of `count` samples (a raw sample is min = max = sum = value, weight = count = 1). */
  add(min: number, max: number, sum: number, weight: number, count: number): void {
    this.count += count
    this.weight += weight
    this.sum += sum
    if (this.digital) {
      this.and &= min
      this.or |= max
    } else {
      if (min < this.min) this.min = min
      if (max > this.max) this.max = max
    }
  }
}

export interface Columns {
  tS: Float64Array
  min: Float32Array
  max: Float32Array
  mean: Float32Array
}

/**
 * `addItem` adds item i to its column (or skips it when it holds no data); `columnTimeS` gives the
 * column's start time, or null to leave an empty column out (when time comes from the data itself, an
 * empty column has no time to stand at: the jump in t shows the hole). Empty columns kept are NaN.
 */
export function viewColumns(
  n: number,
  width: number,
  digital: boolean,
  addItem: (i: number, column: ColumnStats) => void,
  columnTimeS: (from: number, column: ColumnStats) => number | null
): Columns {
  const cols = Math.min(width, n)
  const out: Columns = { tS: new Float64Array(cols), min: new Float32Array(cols), max: new Float32Array(cols), mean: new Float32Array(cols) }
  const column = new ColumnStats(digital)
  let kept = 0
  for (let c = 0; c < cols; c++) {
    const from = Math.floor((c * n) / cols)
    const to = Math.floor(((c + 1) * n) / cols)
    column.reset()
    for (let i = from; i < to; i++) addItem(i, column)
    const t = columnTimeS(from, column)
    if (t === null) continue
    out.tS[kept] = t
    if (column.count === 0) {
      out.min[kept] = out.max[kept] = out.mean[kept] = NaN
    } else if (digital) {
      out.min[kept] = column.and
      out.max[kept] = column.or
      out.mean[kept] = NaN
    } else {
      out.min[kept] = column.min
      out.max[kept] = column.max
      out.mean[kept] = column.weight > 0 ? column.sum / column.weight : (column.min + column.max) / 2
    }
    kept++
  }
  return { tS: out.tS.slice(0, kept), min: out.min.slice(0, kept), max: out.max.slice(0, kept), mean: out.mean.slice(0, kept) }
}
