import type { Db } from './workspace'

/**
 * Multi-resolution summaries (JLS v2 style). A level-1 entry covers 256 samples, each level above covers
 * 16 entries of the one below, up to level 7 (2^32 samples, 12 h at 100 kS/s). Entries are aligned to
 * absolute sample indices, so entry e of level L always covers [e·span(L), (e+1)·span(L)).
 *
 * Why 256 and 16: a 2,000-pixel view then reads between 2,000 and 32,000 entries from one level (a few
 * pages), any window's exact statistics need at most 2·15 entries per level plus 2·255 raw samples at the
 * ends, and the level-1 summaries of one channel cost 48 B / 256 samples = 0.19 B per sample.
 *
 * Each entry holds count, weight, min, max, sum and sum of squares in float64. Weight is 1 per sample in
 * fixed-rate recordings (durations are counts × period) and the sample's time step in seconds in
 * variable-rate ones; sum and sum of squares are weighted the same way, so integrals are sum × period
 * or sum. Slots of a gap add nothing: an entry's count says how many real samples it holds.
 * A 'bits' channel (digital lines) keeps AND in min and OR in max.
 */
export const LEVEL1_SAMPLES = 256
export const LEVEL_FACTOR = 16
export const MAX_LEVEL = 7
export const PAGE_ENTRIES = 256
export const ENTRY_FIELDS = 6
const F_COUNT = 0
const F_WEIGHT = 1
const F_MIN = 2
const F_MAX = 3
const F_SUM = 4
const F_SUMSQ = 5

export type SummaryKind = 'analog' | 'bits'

/** Samples covered by one entry of a level (level 0 = one sample). */
export function levelSpan(level: number): number {
  return level === 0 ? 1 : LEVEL1_SAMPLES * LEVEL_FACTOR ** (level - 1)
}

/** Entries of one level over a range, as parallel arrays (struct of arrays, as stored). */
export interface SummaryEntries {
  level: number
  firstEntry: number
  count: Float64Array
  weight: Float64Array
  min: Float64Array
  max: Float64Array
  sum: Float64Array
  sumsq: Float64Array
}

function emptyPage(): Float64Array {
  const p = new Float64Array(ENTRY_FIELDS * PAGE_ENTRIES)
  p.fill(Infinity, F_MIN * PAGE_ENTRIES, (F_MIN + 1) * PAGE_ENTRIES)
  p.fill(-Infinity, F_MAX * PAGE_ENTRIES, (F_MAX + 1) * PAGE_ENTRIES)
  return p
}

function pageBlob(page: Float64Array, entries: number): Buffer {
  const out = new Float64Array(ENTRY_FIELDS * entries)
  for (let f = 0; f < ENTRY_FIELDS; f++) out.set(page.subarray(f * PAGE_ENTRIES, f * PAGE_ENTRIES + entries), f * entries)
  return Buffer.from(out.buffer)
}

interface OpenPage {
  page: number
  data: Float64Array
  /** Slots filled so far (highest touched slot + 1). */
  entries: number
  dirty: boolean
}

export interface PageWrite {
  channel: string
  level: number
  page: number
  entries: number
  data: Buffer
}

/**
 * Builds the summaries of one channel while samples stream in (in index order). Each run of samples
 * inside one level-1 entry is reduced once and folded into that entry and the matching entry of every
 * higher level, so the pages in memory are always exact for every sample seen, partial entries included.
 */
export class SummaryBuilder {
  private readonly open: Array<OpenPage | null> = new Array(MAX_LEVEL + 1).fill(null)
  private retired: PageWrite[] = []

  constructor(
    readonly channel: string,
    readonly kind: SummaryKind
  ) {}

  /** values[i] is sample startIndex + i; weights (variable-rate only) give each sample's time step. */
  add(startIndex: number, values: Float32Array | Float64Array | Uint8Array, weights?: Float64Array): void {
    const n = values.length
    let i = 0
    while (i < n) {
      const index = startIndex + i
      const entryEnd = (Math.floor(index / LEVEL1_SAMPLES) + 1) * LEVEL1_SAMPLES
      const runEnd = Math.min(n, i + (entryEnd - index))
      this.addRun(index, values, i, runEnd, weights)
      i = runEnd
    }
  }

  private addRun(index: number, values: Float32Array | Float64Array | Uint8Array, from: number, to: number, weights?: Float64Array): void {
    let count = 0
    let weight = 0
    let mn = Infinity
    let mx = -Infinity
    let s = 0
    let s2 = 0
    if (this.kind === 'bits') {
      let and = 0xff
      let or = 0
      for (let i = from; i < to; i++) {
        and &= values[i]
        or |= values[i]
      }
      count = to - from
      weight = weights ? sumRange(weights, from, to) : count
      mn = and
      mx = or
    } else if (weights) {
      for (let i = from; i < to; i++) {
        const v = values[i]
        if (v !== v) continue
        const w = weights[i]
        count++
        weight += w
        if (v < mn) mn = v
        if (v > mx) mx = v
        s += v * w
        s2 += v * v * w
      }
    } else {
      for (let i = from; i < to; i++) {
        const v = values[i]
        if (v !== v) continue
        count++
        if (v < mn) mn = v
        if (v > mx) mx = v
        s += v
        s2 += v * v
      }
      weight = count
    }
    if (count === 0) return
    for (let level = 1; level <= MAX_LEVEL; level++) {
      const entry = Math.floor(index / levelSpan(level))
      const p = this.pageFor(level, Math.floor(entry / PAGE_ENTRIES))
      const slot = entry % PAGE_ENTRIES
      const d = p.data
      d[F_COUNT * PAGE_ENTRIES + slot] += count
      d[F_WEIGHT * PAGE_ENTRIES + slot] += weight
      if (this.kind === 'bits' && d[F_COUNT * PAGE_ENTRIES + slot] !== count) {
        d[F_MIN * PAGE_ENTRIES + slot] &= mn
        d[F_MAX * PAGE_ENTRIES + slot] |= mx
      } else {
        if (mn < d[F_MIN * PAGE_ENTRIES + slot]) d[F_MIN * PAGE_ENTRIES + slot] = mn
        if (mx > d[F_MAX * PAGE_ENTRIES + slot]) d[F_MAX * PAGE_ENTRIES + slot] = mx
      }
      d[F_SUM * PAGE_ENTRIES + slot] += s
      d[F_SUMSQ * PAGE_ENTRIES + slot] += s2
      if (slot + 1 > p.entries) p.entries = slot + 1
      p.dirty = true
    }
  }

  private pageFor(level: number, page: number): OpenPage {
    const cur = this.open[level]
    if (cur && cur.page === page) return cur
    if (cur && cur.dirty) this.retired.push(this.toWrite(level, cur))
    const fresh: OpenPage = { page, data: emptyPage(), entries: 0, dirty: false }
    this.open[level] = fresh
    return fresh
  }

  private toWrite(level: number, p: OpenPage): PageWrite {
    return { channel: this.channel, level, page: p.page, entries: p.entries, data: pageBlob(p.data, p.entries) }
  }

  /** Pages changed since the last call: finished pages once, the open page of each level as it stands. */
  takeDirtyPages(): PageWrite[] {
    const out = this.retired
    this.retired = []
    for (let level = 1; level <= MAX_LEVEL; level++) {
      const p = this.open[level]
      if (p && p.dirty) {
        out.push(this.toWrite(level, p))
        p.dirty = false
      }
    }
    return out
  }

  /** Continue the pages already stored (a rebuild from a page boundary keeps the entries before it). */
  seedPage(level: number, page: number, entries: number, blob: Uint8Array): void {
    const data = emptyPage()
    const stored = new Float64Array(blob.buffer.slice(blob.byteOffset, blob.byteOffset + blob.byteLength))
    for (let f = 0; f < ENTRY_FIELDS; f++) data.set(stored.subarray(f * entries, (f + 1) * entries), f * PAGE_ENTRIES)
    this.open[level] = { page, data, entries, dirty: false }
  }
}

function sumRange(a: Float64Array, from: number, to: number): number {
  let s = 0
  for (let i = from; i < to; i++) s += a[i]
  return s
}

/** Reads entries [e0, e1) of one level; entries never written (gaps, past the end) come back empty. */
export function readSummaryEntries(db: Db, recordingId: number, channel: string, level: number, e0: number, e1: number): SummaryEntries {
  const n = Math.max(0, e1 - e0)
  const r: SummaryEntries = {
    level,
    firstEntry: e0,
    count: new Float64Array(n),
    weight: new Float64Array(n),
    min: new Float64Array(n).fill(Infinity),
    max: new Float64Array(n).fill(-Infinity),
    sum: new Float64Array(n),
    sumsq: new Float64Array(n)
  }
  if (n === 0) return r
  const rows = db
    .prepare(
      'SELECT page, entries, data FROM recording_summaries WHERE recording_id = ? AND channel = ? AND level = ? AND page BETWEEN ? AND ? ORDER BY page'
    )
    .all(recordingId, channel, level, Math.floor(e0 / PAGE_ENTRIES), Math.floor((e1 - 1) / PAGE_ENTRIES)) as Array<{
    page: number
    entries: number
    data: Buffer
  }>
  const fields = [r.count, r.weight, r.min, r.max, r.sum, r.sumsq]
  for (const row of rows) {
    if (row.data.byteLength !== row.entries * ENTRY_FIELDS * 8) {
      throw new Error(
        `Recording ${recordingId}: summary page ${row.page} of ${channel} level ${level} holds ${row.data.byteLength} bytes, ` +
          `expected ${row.entries * ENTRY_FIELDS * 8}. Rebuild its summaries with RecordingStore.rebuildSummaries.`
      )
    }
    const stored = new Float64Array(row.data.buffer.slice(row.data.byteOffset, row.data.byteOffset + row.data.byteLength))
    const pageStart = row.page * PAGE_ENTRIES
    const from = Math.max(e0, pageStart)
    const to = Math.min(e1, pageStart + row.entries)
    for (let f = 0; f < ENTRY_FIELDS; f++) {
      const src = stored.subarray(f * row.entries + (from - pageStart), f * row.entries + (to - pageStart))
      if (to > from) fields[f].set(src, from - e0)
    }
  }
  return r
}
