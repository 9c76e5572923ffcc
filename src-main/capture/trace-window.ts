import type { RecordingInfo } from '../store/recording-info'
import type { RecordingStore, ViewChannel } from '../store/recording-store'
import { levelSpan, MAX_LEVEL } from '../store/summary'
import type { LiveTail, TraceColumns } from './live-tail'

export interface WindowColumns extends TraceColumns {
  /** Summary level the stored part came from (0 = raw samples). */
  level: number
}

/** What a capture in progress adds to the store's view of its recording. */
export interface LiveSource {
  tail: LiveTail
  /** Slots the store holds (committed). */
  committedCount: number
  /** Slots received so far. */
  sampleCount: number
}

function alignmentSpan(samplesPerColumn: number): number {
  let span = 1
  for (let l = 1; l <= MAX_LEVEL && levelSpan(l) <= samplesPerColumn; l++) span = levelSpan(l)
  return span
}

function empty(): WindowColumns {
  return { level: 0, tS: new Float64Array(0), min: new Float32Array(0), max: new Float32Array(0), mean: new Float32Array(0) }
}

/** Digital masks laid onto the analog columns: the store builds both the same way, so starts match one to one. */
function alignDigital(tS: Float64Array, d: { tS: Float64Array; min: Float32Array; max: Float32Array }): { all: Uint8Array; any: Uint8Array } {
  const all = new Uint8Array(tS.length)
  const any = new Uint8Array(tS.length)
  let j = 0
  for (let i = 0; i < tS.length; i++) {
    while (j < d.tS.length && d.tS[j] < tS[i]) j++
    if (j < d.tS.length && d.tS[j] === tS[i]) {
      // NaN (a column of gap slots) becomes 0: no line was seen high.
      all[i] = d.min[j] === d.min[j] ? d.min[j] : 0
      any[i] = d.max[j] === d.max[j] ? d.max[j] : 0
    }
  }
  return { all, any }
}

/** Columns of a stored window for one channel, with D0–D7 masks when asked for and recorded. */
export function storedColumns(
  store: RecordingStore,
  info: RecordingInfo,
  fromS: number,
  toS: number,
  width: number,
  channel: Exclude<ViewChannel, 'digital'>,
  withDigital: boolean
): WindowColumns {
  if (!(toS > fromS) || width < 1) return empty()
  const v = store.view(info.id, fromS, toS, width, channel)
  const out: WindowColumns = { level: v.level, tS: v.tS, min: v.min, max: v.max, mean: v.mean }
  if (withDigital && info.channels.digital) {
    const d = alignDigital(v.tS, store.view(info.id, fromS, toS, width, 'digital'))
    out.digitalAll = d.all
    out.digitalAny = d.any
  }
  return out
}

function concat(parts: WindowColumns[], withDigital: boolean): WindowColumns {
  const n = parts.reduce((s, p) => s + p.tS.length, 0)
  const out: WindowColumns = {
    level: Math.min(...parts.map((p) => p.level)),
    tS: new Float64Array(n),
    min: new Float32Array(n),
    max: new Float32Array(n),
    mean: new Float32Array(n)
  }
  if (withDigital) {
    out.digitalAll = new Uint8Array(n)
    out.digitalAny = new Uint8Array(n)
  }
  let at = 0
  for (const p of parts) {
    out.tS.set(p.tS, at)
    out.min.set(p.min, at)
    out.max.set(p.max, at)
    out.mean.set(p.mean, at)
    if (withDigital && p.digitalAll) {
      out.digitalAll!.set(p.digitalAll, at)
      out.digitalAny!.set(p.digitalAny!, at)
    }
    at += p.tS.length
  }
  return out
}

/**
 * A window of a recording being captured: the committed part from the store, the rest from the live tail,
 * with the pixel width shared in proportion. The tail takes over as early as it can (it holds raw samples),
 * so a live view of the last few seconds never touches the store at all.
 */
export function liveColumns(
  store: RecordingStore,
  info: RecordingInfo,
  live: LiveSource,
  fromS: number,
  toS: number,
  width: number,
  withDigital: boolean
): WindowColumns {
  const periodS = live.tail.samplePeriodS
  const a = Math.max(0, Math.ceil(fromS / periodS - 1e-9))
  const b = Math.min(live.sampleCount, Math.ceil(toS / periodS - 1e-9))
  if (b <= a) return empty()
  // The store draws whole summary entries, so its part must end on an entry boundary (or at the end of
  // what it holds) for the two parts not to overlap. Align to the span of a level a little coarser than
  // the one this density calls for, which any entry the store picks divides.
  const span = alignmentSpan(((b - a) / width) * 2)
  const earliest = Math.max(a, Math.min(live.tail.start, live.committedCount))
  const split = Math.min(b, live.committedCount, Math.max(earliest, Math.ceil(earliest / span) * span))
  const storedWidth = split > a ? Math.max(1, Math.round((width * (split - a)) / (b - a))) : 0
  const digital = withDigital && (info.channels.digital || live.tail.hasDigital)
  const parts: WindowColumns[] = []
  if (storedWidth > 0) parts.push(storedColumns(store, info, a * periodS, split * periodS, storedWidth, 'current', digital && info.channels.digital))
  if (b > split) parts.push({ level: 0, ...live.tail.columns(split, b, Math.max(1, width - storedWidth)) })
  return concat(parts, digital)
}
