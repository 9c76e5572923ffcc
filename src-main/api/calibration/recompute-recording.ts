/**
 * recordings.recompute: decode a raw-word recording again under another calibration record of the
 * same unit (or under none: the device's own conversion), and say which one it now names.
 */
import { calibrationRef, CalibrationStore, type CalibrationRef } from '../../calibration/records'
import { recomputeCalibration } from '../../calibration/provenance'
import type { RecordingInfo } from '../../store/recording-info'
import type { JoulebenchCore } from '../core'

export interface RecomputeOutcome {
  recording: RecordingInfo
  /** The calibration the recording's current now goes through; null for the device's own conversion. */
  calibration: CalibrationRef | null
  previousCalibrationId: string | null
  message: string
}

export function recomputeRecording(core: JoulebenchCore, ref: number | string, calibrationId: string | null): RecomputeOutcome {
  const store = core.recordings
  const info = store.get(ref)
  if (core.captures.live(info.id)) throw new Error(`Recording ${info.id} (${info.name}) is being captured; recompute it after the capture stops.`)
  const what = `recording ${info.id} (${info.name})`
  if (!info.rawFormat) {
    throw new Error(`${what} keeps corrected currents, not the instrument's raw words, so it cannot be recomputed under another calibration. Only captures from analyzers that send raw words (PPK2, LPM01A) can.`)
  }
  const calibrations = new CalibrationStore(core.db)
  const record = calibrationId === null ? null : calibrations.get(calibrationId)
  const instrument = info.instrument
  if (record && (!instrument || instrument.family !== record.family || instrument.serial !== record.serial)) {
    const unit = instrument ? `${instrument.model} serial ${instrument.serial ?? '(none)'}` : 'an unknown instrument'
    throw new Error(`Calibration ${record.id} belongs to ${record.model} serial ${record.serial}, but ${what} was captured with ${unit}. Choose a calibration of that unit.`)
  }
  const previousCalibrationId = info.calibrationId
  const updated = store.recompute(info.id, recomputeCalibration(info.calibration, record ? calibrations.correction(record.id) : null))
  const calibration = record ? calibrationRef(record) : null
  const message = record
    ? `Recomputed under ${record.id} (calibrated ${record.performedAt.slice(0, 10)}${calibration!.overdue ? ', now overdue' : ''}); it was ${previousCalibrationId ?? 'uncalibrated'}.`
    : `Recomputed with the instrument's own conversion only (no calibration); it was ${previousCalibrationId ?? 'uncalibrated'}.`
  return { recording: updated, calibration, previousCalibrationId, message }
}
