/**
 * The PPK2's raw words as the recording store keeps them (`ppk2-word-v1`: the 4-byte sample word
 * exactly as the unit sent it), and how to turn them back into amperes and D0–D7.
 *
 * The snapshot saved with a recording holds the unit's calibration (with the user gains in use), the
 * regulator voltage that enters the S term, and the spike-filter settings. Recomputing under a newer
 * calibration means passing a snapshot with other values. The store decodes any stretch on its own, so
 * the spike filter starts afresh at the stretch's first word: values can differ from the live ones only
 * in the three samples after a range switch that falls within a few dozen samples of a stretch's start.
 * Importing this module registers the format (the driver imports it).
 */
import { registerRawFormat } from '../../store/raw-formats'
import { decodePpk2Words, extractPpk2Logic, newSpikeFilterState, PPK2_RAW_FORMAT_ID, type Ppk2SpikeFilterSettings } from './conversion'
import { CALIBRATION_KEYS, type Ppk2Calibration } from './metadata'

/** Saved with each PPK2 recording as its calibration snapshot. */
export interface Ppk2RawSnapshot {
  calibration: Ppk2Calibration
  /** Regulator voltage in millivolts during the capture. */
  supplyMv: number
  /** Null when the capture ran without the spike filter. */
  spikeFilter: Ppk2SpikeFilterSettings | null
}

export class Ppk2SnapshotError extends Error {
  constructor(detail: string) {
    super(
      `This PPK2 recording's calibration snapshot is unusable (${detail}), so its raw words cannot be turned into current. ` +
        'Recompute it with a snapshot that has R, GS, GI, O, S, I and UG for ranges 0–4 and the supply voltage in mV.'
    )
    this.name = 'Ppk2SnapshotError'
  }
}

export function checkPpk2Snapshot(snapshot: unknown): Ppk2RawSnapshot {
  const s = snapshot as Partial<Ppk2RawSnapshot> | null
  if (!s || typeof s !== 'object') throw new Ppk2SnapshotError('missing')
  if (!(typeof s.supplyMv === 'number' && s.supplyMv > 0)) throw new Ppk2SnapshotError('no supply voltage')
  const c = s.calibration as Partial<Record<string, unknown>> | undefined
  for (const key of CALIBRATION_KEYS) {
    const values = c?.[key]
    if (!Array.isArray(values) || values.length !== 5 || !values.every((v) => typeof v === 'number' && Number.isFinite(v))) {
      throw new Ppk2SnapshotError(`calibration "${key}" is not five numbers`)
    }
  }
  return { calibration: s.calibration as Ppk2Calibration, supplyMv: s.supplyMv, spikeFilter: s.spikeFilter ?? null }
}

registerRawFormat({
  id: PPK2_RAW_FORMAT_ID,
  decodeCurrent(raw, snapshot, out) {
    const s = checkPpk2Snapshot(snapshot)
    decodePpk2Words(raw, s.calibration, s.supplyMv, out, s.spikeFilter ? newSpikeFilterState(s.spikeFilter) : null)
  },
  decodeDigital(raw, out) {
    extractPpk2Logic(raw, out)
  }
})

/** What CaptureSession needs to store a PPK2 capture losslessly. */
export function ppk2RecordingFormat(snapshot: Ppk2RawSnapshot): {
  rawFormat: string
  calibration: { id: null; snapshot: Ppk2RawSnapshot }
} {
  return { rawFormat: PPK2_RAW_FORMAT_ID, calibration: { id: null, snapshot: structuredClone(snapshot) } }
}
