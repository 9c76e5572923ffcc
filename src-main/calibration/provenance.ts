/**
 * Which calibration a capture goes through, and recomputing a recording's current under another.
 * Every recording names its calibration (or says it had none); a recomputation names the one it used.
 */
import type { Gap, SampleSink } from '../capture/sample-block'
import type { InstrumentIdentity } from '../instruments/identity'
import type { PowerAnalyzer, StreamOptions } from '../instruments/power-analyzer'
import { correctCurrent, correctingSink, rangeClassifierFor, type CalibrationCorrection, type RangeClassifier } from './correction'
import { correctionFromResult } from './procedure'
import { calibrationRef, type CalibrationRef, type CalibrationStore } from './records'

/** What a capture runs under: the record's reference (stored with the recording) and its correction. */
export interface CaptureCalibration {
  /** Null when no calibration applies: the recording says "uncalibrated". */
  ref: CalibrationRef | null
  correction: CalibrationCorrection | null
  classify: RangeClassifier
  /** Something the user should know (overdue, damaged record, no serial). */
  warning: string | null
}

/** Look up the calibration in force for this instrument now (or at `at`). Never throws: problems become a warning. */
export function captureCalibration(
  store: CalibrationStore,
  identity: InstrumentIdentity,
  ranges: ReadonlyArray<{ index: number; minA: number; maxA: number }>,
  at: Date = new Date()
): CaptureCalibration {
  const classify = rangeClassifierFor(identity.family, ranges)
  if (!identity.serial) {
    return { ref: null, correction: null, classify, warning: `${identity.model} reported no serial number, so no calibration record can be matched to it; the capture is uncorrected.` }
  }
  try {
    const record = store.inForce(identity.family, identity.serial, at.toISOString())
    if (!record) return { ref: null, correction: null, classify, warning: null }
    const ref = calibrationRef(record, at)
    return {
      ref,
      correction: correctionFromResult(record.id, record.result),
      classify,
      warning: ref.overdue ? `The calibration of ${identity.model} ${identity.serial} (${record.id}) was due on ${record.dueAt.slice(0, 10)}: recalibrate it.` : null
    }
  } catch (e) {
    return { ref: null, correction: null, classify, warning: `${(e as Error).message} The capture is uncorrected.` }
  }
}

/** The sink a capture writes through: corrected current when a calibration applies, untouched otherwise. */
export function calibratedSink(next: SampleSink, cal: CaptureCalibration, userGainsInUse: readonly number[] | null = null): SampleSink {
  return cal.correction ? correctingSink(next, cal.correction, cal.classify, userGainsInUse) : next
}

export interface RecomputedCurrent {
  currentA: Float32Array
  /** The calibration the result went through; null means the device's own conversion only. */
  calibrationId: string | null
}

/**
 * Recompute current from raw words under a calibration: the device's own conversion first (for the
 * PPK2, the instrument folder's decoder with the recording's metadata), then the correction.
 */
export function recomputeCurrent(
  raw: Uint32Array,
  deviceConvert: (raw: Uint32Array) => Float32Array,
  correction: CalibrationCorrection | null,
  classify: RangeClassifier,
  userGainsInUse: readonly number[] | null = null
): RecomputedCurrent {
  const currentA = deviceConvert(raw)
  if (currentA.length !== raw.length) throw new Error(`The device conversion returned ${currentA.length} values for ${raw.length} raw words.`)
  if (correction) correctCurrent(currentA, raw, correction, classify, userGainsInUse)
  return { currentA, calibrationId: correction?.calibrationId ?? null }
}

/**
 * The calibration snapshot a recording stores (recordings.calibration_json): the device's own
 * conversion constants (for the PPK2, its metadata calibration) next to our correction, so the
 * recording can be decoded, and recomputed, exactly as it was captured.
 */
export interface CalibrationSnapshot {
  format: 'joulebench-calibration-v1'
  /** What the instrument's raw format needs to convert words to amperes; opaque here. */
  device: unknown
  correction: CalibrationCorrection | null
  /** The device's user gains during the capture (PPK2 UG0–UG4), if it has them. */
  userGains: number[] | null
  /** Range spans, for instruments whose raw words do not carry the range. */
  ranges: Array<{ index: number; minA: number; maxA: number }>
}

export function isCalibrationSnapshot(x: unknown): x is CalibrationSnapshot {
  return typeof x === 'object' && x !== null && (x as { format?: unknown }).format === 'joulebench-calibration-v1'
}

/** What a new recording stores as its calibration: `{ id, snapshot }` for RecordingWriter / CaptureSession. */
export function recordingCalibration(
  cal: CaptureCalibration,
  device: unknown,
  ranges: ReadonlyArray<{ index: number; minA: number; maxA: number }>,
  userGains: number[] | null = null
): { id: string | null; snapshot: CalibrationSnapshot } {
  return {
    id: cal.ref?.id ?? null,
    snapshot: { format: 'joulebench-calibration-v1', device, correction: cal.correction, userGains, ranges: ranges.map(({ index, minA, maxA }) => ({ index, minA, maxA })) }
  }
}

/**
 * The `{ id, snapshot }` to recompute an existing recording under another calibration (or none):
 * the recording's own device constants and user gains are kept, only the correction changes.
 */
export function recomputeCalibration(recordingSnapshot: unknown, correction: CalibrationCorrection | null): { id: string | null; snapshot: CalibrationSnapshot } {
  const old: CalibrationSnapshot = isCalibrationSnapshot(recordingSnapshot)
    ? recordingSnapshot
    : { format: 'joulebench-calibration-v1', device: recordingSnapshot, correction: null, userGains: null, ranges: [] }
  return { id: correction?.calibrationId ?? null, snapshot: { ...old, correction } }
}

/** The part of the store's RawFormat this needs (kept structural so calibration does not depend on the store). */
export interface RawCurrentDecoder {
  id: string
  decodeCurrent(raw: Uint32Array, calibration: unknown, out: Float32Array): void
  decoder?(calibration: unknown, checkpoint?: unknown): RawCurrentPass
}

/** The store's RawDecoder, structurally: one pass over a recording's words that carries state between them. */
export interface RawCurrentPass {
  decodeCurrent(raw: Uint32Array, out: Float32Array): void
  gap(gap: Gap): void
  checkpoint(): unknown
}

/**
 * Wrap an instrument's raw format so that a CalibrationSnapshot is honoured: the device conversion
 * with its own constants, then our correction. Snapshots of any other shape go to the format as they
 * are, so recordings made before calibration existed decode as before. The correction is word by word,
 * so a stateful device conversion keeps its state (and checkpoints) as they are.
 */
export function withCalibration<F extends RawCurrentDecoder>(base: F, family: string): F {
  const correct = (snapshot: CalibrationSnapshot, raw: Uint32Array, out: Float32Array): void => {
    if (!snapshot.correction) return
    const spans = snapshot.ranges.length > 0 ? snapshot.ranges : [{ index: 0, minA: 0, maxA: Infinity }]
    correctCurrent(out, raw, snapshot.correction, rangeClassifierFor(family, spans), snapshot.userGains)
  }
  const wrapped: F = {
    ...base,
    decodeCurrent(raw: Uint32Array, snapshot: unknown, out: Float32Array) {
      if (!isCalibrationSnapshot(snapshot)) return base.decodeCurrent(raw, snapshot, out)
      base.decodeCurrent(raw, snapshot.device, out)
      correct(snapshot, raw, out)
    }
  }
  const baseDecoder = base.decoder
  if (baseDecoder) {
    wrapped.decoder = (snapshot: unknown, checkpoint?: unknown): RawCurrentPass => {
      if (!isCalibrationSnapshot(snapshot)) return baseDecoder.call(base, snapshot, checkpoint)
      const device = baseDecoder.call(base, snapshot.device, checkpoint)
      return {
        decodeCurrent(raw: Uint32Array, out: Float32Array) {
          device.decodeCurrent(raw, out)
          correct(snapshot, raw, out)
        },
        gap: (gap: Gap) => device.gap(gap),
        checkpoint: () => device.checkpoint()
      }
    }
  }
  return wrapped
}

/** The user gains a device applies itself (the PPK2 driver's calibration.ug), recognised by shape. */
export function deviceUserGains(analyzer: PowerAnalyzer): number[] | null {
  const ug = (analyzer as { calibration?: { ug?: unknown } }).calibration?.ug
  return Array.isArray(ug) && ug.every((g) => typeof g === 'number') ? [...ug] : null
}

/** What CaptureSession.start needs from the family (the registry's OpenedAnalyzer.recordingFormat). */
export interface FamilyRecordingFormat {
  rawFormat: string | null
  calibration: { id: string | null; snapshot: unknown } | null
}

export interface CalibratedCapture {
  /** The analyzer to capture from: the same one for raw-word families, one that corrects its blocks otherwise. */
  analyzer: PowerAnalyzer
  /** Pass to CaptureSession.start as { rawFormat, calibration }: the family's own when no calibration is in force. */
  recordingFormat: FamilyRecordingFormat
  ref: CalibrationRef | null
  warning: string | null
}

/**
 * One call for a capture host: find the calibration in force for this analyzer, and return what to
 * record through so the recording names it and its current is corrected. Raw-word families are
 * corrected where the store decodes their words (their format must be registered withCalibration);
 * the others get their blocks corrected on the way in.
 */
export function calibratedCapture(
  store: CalibrationStore,
  analyzer: PowerAnalyzer,
  family: FamilyRecordingFormat,
  userGains: number[] | null = deviceUserGains(analyzer),
  at: Date = new Date()
): CalibratedCapture {
  const cal = captureCalibration(store, analyzer.identity, analyzer.ranges, at)
  // No calibration in force: the recording keeps the family's own format, exactly as the driver gives it.
  if (!cal.correction) return { analyzer, recordingFormat: family, ref: cal.ref, warning: cal.warning }
  const calibration = recordingCalibration(cal, family.calibration?.snapshot ?? null, analyzer.ranges, userGains)
  const wrapped: PowerAnalyzer =
    family.rawFormat || !cal.correction
      ? analyzer
      : new Proxy(analyzer, {
          get(target, prop, receiver) {
            if (prop === 'start') return (sink: SampleSink, options?: StreamOptions) => target.start(calibratedSink(sink, cal, userGains), options)
            const v = Reflect.get(target, prop, receiver)
            return typeof v === 'function' ? v.bind(target) : v
          }
        })
  return { analyzer: wrapped, recordingFormat: { rawFormat: family.rawFormat, calibration }, ref: cal.ref, warning: cal.warning }
}
