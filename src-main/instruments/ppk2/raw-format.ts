/**
 * The PPK2's raw words as the recording store keeps them (`ppk2-word-v1`: the 4-byte sample word
 * exactly as the unit sent it), and how to turn them back into amperes and D0–D7.
 *
 * The snapshot saved with a recording holds the unit's calibration (with the user gains in use), the
 * regulator voltage that enters the S term, and the spike-filter settings. Recomputing under a newer
 * calibration means passing a snapshot with other values.
 *
 * The spike filter carries a running average and a count of samples since the last range switch from
 * one word to the next, so the store decodes with one decoder per pass (writer, recomputation) and
 * saves its memory at each chunk's first word, from which a read of that chunk resumes. The filter
 * restarts where the live driver restarted it: at AverageStart (the recording's first word) and after a
 * reconnect, whose gap record carries PPK2_RECONNECT_GAP_REASON. Across every other gap (lost or
 * corrupt words, backpressure) the driver's filter runs on, and so does the store's. A backpressure gap
 * is the one place the two can part: the driver's filter saw the dropped words and the store never had
 * them, so the few samples after a range switch just after such a gap can differ from the live ones.
 * Importing this module registers the format (the driver imports it).
 */
import type { Gap } from '../../capture/sample-block'
import { registerRawFormat, type RawDecoder } from '../../store/raw-formats'
import {
  decodePpk2Words,
  extractPpk2Logic,
  newSpikeFilterState,
  PPK2_RAW_FORMAT_ID,
  type Ppk2SpikeFilterSettings,
  type Ppk2SpikeFilterState
} from './conversion'
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

/** The gap the driver records when a unit comes back after a disconnect; its spike filter starts afresh there. */
export const PPK2_RECONNECT_GAP_REASON = 'device disconnected; gap length estimated from the host clock'

/** The filter's memory without its settings (those come from the snapshot): a stored chunk's checkpoint. */
export type Ppk2SpikeFilterMemory = Pick<Ppk2SpikeFilterState, 'rollingAvg' | 'rollingAvg4' | 'prevRange' | 'afterSpike' | 'consecutiveRangeSample'>

function filterMemory(f: Ppk2SpikeFilterState): Ppk2SpikeFilterMemory {
  return { rollingAvg: f.rollingAvg, rollingAvg4: f.rollingAvg4, prevRange: f.prevRange, afterSpike: f.afterSpike, consecutiveRangeSample: f.consecutiveRangeSample }
}

/** The filter resumed from a checkpoint, or null when it is not one (missing, damaged, another format's). */
export function resumeSpikeFilter(settings: Ppk2SpikeFilterSettings, checkpoint: unknown): Ppk2SpikeFilterState | null {
  const m = checkpoint as Partial<Record<keyof Ppk2SpikeFilterMemory, unknown>> | null
  if (!m || typeof m !== 'object') return null
  const average = (v: unknown) => v === null || (typeof v === 'number' && Number.isFinite(v))
  const count = (v: unknown, max: number) => Number.isInteger(v) && (v as number) >= 0 && (v as number) <= max
  if (!average(m.rollingAvg) || !average(m.rollingAvg4)) return null
  if (!(Number.isInteger(m.prevRange) && (m.prevRange as number) >= -1 && (m.prevRange as number) <= 4)) return null
  if (!count(m.afterSpike, 10) || !count(m.consecutiveRangeSample, Number.MAX_SAFE_INTEGER)) return null
  return { ...newSpikeFilterState(settings), ...(m as Ppk2SpikeFilterMemory) }
}

/** One pass over a recording's words with the spike filter carried from word to word, as the driver runs it. */
export function ppk2RawDecoder(snapshot: unknown, checkpoint: unknown = null): RawDecoder {
  const s = checkPpk2Snapshot(snapshot)
  const settings = s.spikeFilter
  let filter = settings ? (resumeSpikeFilter(settings, checkpoint) ?? newSpikeFilterState(settings)) : null
  return {
    decodeCurrent(raw: Uint32Array, out: Float32Array) {
      decodePpk2Words(raw, s.calibration, s.supplyMv, out, filter)
    },
    gap(gap: Gap) {
      if (settings && gap.reason === PPK2_RECONNECT_GAP_REASON) filter = newSpikeFilterState(settings)
    },
    checkpoint: () => (filter ? filterMemory(filter) : null)
  }
}

registerRawFormat({
  id: PPK2_RAW_FORMAT_ID,
  decodeCurrent(raw, snapshot, out) {
    ppk2RawDecoder(snapshot).decodeCurrent(raw, out)
  },
  decoder: ppk2RawDecoder,
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
