/**
 * Applying a calibration to captured current: per range, corrected = (reading − offset) / gain.
 * A capture knows each sample's range from its raw word where the instrument sends one (PPK2), and
 * otherwise from the value against the ranges' spans.
 */
import type { Gap, Mark, SampleBlock, SampleSink } from '../capture/sample-block'

export interface RangeCorrection {
  rangeIndex: number
  gain: number
  offsetA: number
  /**
   * The device's own user gain in this range while it was calibrated (PPK2 UG), or null for
   * instruments without one. A reading taken under another user gain is first rescaled to it.
   */
  userGain: number | null
}

/** What a capture or a recomputation needs from a calibration record. Plain JSON. */
export interface CalibrationCorrection {
  /** The record this came from, named in every recording made or recomputed with it. */
  calibrationId: string
  family: string
  serial: string
  ranges: RangeCorrection[]
}

/** Which range a sample was taken in, from its value and (where the family has one) its raw word. */
export type RangeClassifier = (currentA: number, raw: number | undefined) => number

/**
 * The pure correction of one value: (reading − offset) / gain, after rescaling a reading taken
 * under a different device user gain. A range without a correction passes the value through.
 */
export function applyCalibration(
  currentA: number,
  rangeIndex: number,
  correction: CalibrationCorrection | readonly RangeCorrection[],
  userGainInUse: number | null = null
): number {
  const ranges = Array.isArray(correction) ? correction : (correction as CalibrationCorrection).ranges
  const r = ranges.find((x) => x.rangeIndex === rangeIndex)
  if (!r) return currentA
  return (currentA * userGainScale(r, userGainInUse) - r.offsetA) / r.gain
}

function userGainScale(r: RangeCorrection, inUse: number | null | undefined): number {
  return r.userGain !== null && inUse != null && inUse > 0 ? r.userGain / inUse : 1
}

/** Range from the value: the first range whose span holds it, the nearest end otherwise. */
export function rangeByValue(spans: ReadonlyArray<{ index: number; minA: number; maxA: number }>): RangeClassifier {
  const sorted = [...spans].sort((a, b) => a.maxA - b.maxA)
  return (currentA) => {
    const a = Math.abs(currentA)
    for (const s of sorted) if (a < s.maxA) return s.index
    return sorted[sorted.length - 1]!.index
  }
}

/**
 * PPK2 sample word, bits 14–16: the range the device measured in (reference/ppk2.md §2.6).
 * Values 5–7 are not ranges; they are clamped to 4 as IRNAS and ppk2-rs do.
 */
export function ppk2RangeOfWord(word: number): number {
  return Math.min((word >>> 14) & 0x7, 4)
}

export function rangeClassifierFor(family: string, spans: ReadonlyArray<{ index: number; minA: number; maxA: number }>): RangeClassifier {
  const byValue = rangeByValue(spans)
  if (family === 'ppk2') return (a, raw) => (raw === undefined ? byValue(a, raw) : ppk2RangeOfWord(raw))
  return byValue
}

/**
 * Correct a block of current in place, sample by sample, by each sample's range. `userGainsInUse`
 * are the device's user gains per range during the capture (PPK2 metadata UG0–UG4), if any.
 */
export function correctCurrent(
  currentA: Float32Array,
  raw: Uint32Array | undefined,
  correction: CalibrationCorrection,
  classify: RangeClassifier,
  userGainsInUse: readonly number[] | null = null
): void {
  const byRange = new Map(correction.ranges.map((r) => [r.rangeIndex, { ...r, scale: userGainScale(r, userGainsInUse?.[r.rangeIndex]) }]))
  for (let i = 0; i < currentA.length; i++) {
    const a = currentA[i]!
    if (!Number.isFinite(a)) continue
    const r = byRange.get(classify(a, raw?.[i]))
    if (r) currentA[i] = (a * r.scale - r.offsetA) / r.gain
  }
}

/**
 * A SampleSink in front of another that corrects current on the way through. Raw words pass
 * untouched, so the recording can still be recomputed under another calibration later.
 */
export function correctingSink(
  next: SampleSink,
  correction: CalibrationCorrection,
  classify: RangeClassifier,
  userGainsInUse: readonly number[] | null = null
): SampleSink {
  return {
    samples(block: SampleBlock) {
      const currentA = Float32Array.from(block.currentA)
      correctCurrent(currentA, block.raw, correction, classify, userGainsInUse)
      next.samples({ ...block, currentA })
    },
    gap: (g: Gap) => next.gap(g),
    mark: (m: Mark) => next.mark(m),
    warning: (w: string) => next.warning(w)
  }
}
