/**
 * The LPM01A's raw words as the recording store keeps them, and how to turn them back into amperes.
 *
 *   lpm01a-hexa-v1   the board's bin_hexa word unchanged: value = (w & 0xFFF) × 16^−(w >> 12)
 *   lpm01a-ascii-v1  an ascii_dec sample packed as mantissa << 8 | sign << 7 | |exponent|
 *
 * The value is amperes in `output current`, joules per sample period in `output energy`. The snapshot
 * saved with the recording (`Lpm01aRawSnapshot`) says which, with the set voltage and rate, so energy
 * words decode to the same current the driver delivered: I = E / (V_set / fs).
 * Importing this module registers both formats (the driver imports it).
 */
import { registerRawFormat, type RawFormat } from '../../store/raw-formats'
import type { Lpm01aFormat, Lpm01aOutput } from './protocol'
import { decodeRawSample } from './sample-formats'

export const LPM01A_RAW_FORMAT_IDS: Record<Lpm01aFormat, string> = {
  bin_hexa: 'lpm01a-hexa-v1',
  ascii_dec: 'lpm01a-ascii-v1'
}

/** Saved with each recording as its calibration snapshot. */
export interface Lpm01aRawSnapshot {
  output: Lpm01aOutput
  supplyV: number
  sampleRateHz: number
}

function scaleOf(snapshot: unknown): number {
  const s = snapshot as Partial<Lpm01aRawSnapshot> | null
  if (!s || s.output !== 'energy') return 1
  if (!(typeof s.supplyV === 'number' && s.supplyV > 0 && typeof s.sampleRateHz === 'number' && s.sampleRateHz > 0)) {
    throw new Error('LPM01A energy recording without its supply voltage and sampling rate: its raw words cannot be turned into current.')
  }
  return s.sampleRateHz / s.supplyV
}

function format(id: string, layout: Lpm01aFormat): RawFormat {
  return {
    id,
    decodeCurrent(raw, snapshot, out) {
      const scale = scaleOf(snapshot)
      for (let i = 0; i < raw.length; i++) out[i] = decodeRawSample(raw[i], layout) * scale
    }
  }
}

registerRawFormat(format(LPM01A_RAW_FORMAT_IDS.bin_hexa, 'bin_hexa'))
registerRawFormat(format(LPM01A_RAW_FORMAT_IDS.ascii_dec, 'ascii_dec'))

/** What CaptureSession needs to store a capture made with these settings losslessly. */
export function lpm01aRecordingFormat(settings: { format: Lpm01aFormat } & Lpm01aRawSnapshot): {
  rawFormat: string
  calibration: { id: null; snapshot: Lpm01aRawSnapshot }
} {
  return {
    rawFormat: LPM01A_RAW_FORMAT_IDS[settings.format],
    calibration: { id: null, snapshot: { output: settings.output, supplyV: settings.supplyV, sampleRateHz: settings.sampleRateHz } }
  }
}
