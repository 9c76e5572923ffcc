/**
 * Calibration's surface for the API, the CLI and captures. Records live in the workspace database;
 * every function here takes the open workspace.
 */
import type { Db } from '../store/workspace'
import { renderCertificateHtml } from './certificate'
import { CalibrationStore, type CalibrationRecord, type DueEntry } from './records'

export { applyCalibration, correctCurrent, correctingSink, rangeClassifierFor, type CalibrationCorrection, type RangeCorrection } from './correction'
export { expandedUncertaintyA, type RangeCalibration } from './fit'
export { runCalibration, rangeSpecs, correctionFromResult, type CalibrationBench, type CalibrationRequest, type CalibrationResult, type PresentStep } from './procedure'
export { CalibrationStore, calibrationRef, DEFAULT_DUE_DAYS, type CalibrationRecord, type CalibrationRef } from './records'
export { parseReferenceLoad, formatReferenceLoad, type ReferenceLoad } from './reference-load'
export { referenceLoadSignal, type ReferenceLoadSignal } from './reference-load-signal'
export {
  captureCalibration,
  calibratedSink,
  recordingCalibration,
  recomputeCalibration,
  recomputeCurrent,
  withCalibration,
  isCalibrationSnapshot,
  type CaptureCalibration,
  type CalibrationSnapshot
} from './provenance'
export { planUserGains, writeUserGains, PPK2_USER_GAIN_BOUNDS } from './user-gains'
export { openCalibrationTarget, registerCalibrationTarget, type CalibrationTarget } from './targets'
export { renderCertificateHtml }

/** calibrations.list: newest first, optionally one unit; damaged records reported beside. */
export function listCalibrations(db: Db, filter: { family?: string; serial?: string } = {}): { records: CalibrationRecord[]; damaged: Array<{ id: string; message: string }> } {
  const store = new CalibrationStore(db)
  return { records: store.list(filter), damaged: store.damaged() }
}

/** calibrations.due: reminders for units overdue or due within `withinDays`. */
export function dueCalibrations(db: Db, withinDays = 30, now = new Date()): DueEntry[] {
  return new CalibrationStore(db).due({ now, withinDays })
}

/** calibrations.certificate: the printable HTML of one record. */
export function calibrationCertificate(db: Db, id: string): string {
  return renderCertificateHtml(new CalibrationStore(db).get(id))
}
