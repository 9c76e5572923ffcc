/**
 * Puts calibration in front of every registered raw-word decoder, so recordings made under a
 * calibration decode (and recompute) with its correction. Wrapping twice is harmless: the outer
 * wrapper hands the inner one the device constants only. Hosts call this once after the instrument
 * families have registered their formats (instruments/raw-formats).
 */
import { hasRawFormat, rawFormat, registerRawFormat } from '../store/raw-formats'
import { withCalibration } from './provenance'

/** Raw format id → instrument family (whose range classifier applies). */
export const CALIBRATED_RAW_FORMATS: Record<string, string> = {
  'ppk2-word-v1': 'ppk2',
  'lpm01a-hexa-v1': 'lpm01a',
  'lpm01a-ascii-v1': 'lpm01a'
}

export function enableCalibratedRawFormats(formats: Record<string, string> = CALIBRATED_RAW_FORMATS): string[] {
  const done: string[] = []
  for (const [id, family] of Object.entries(formats)) {
    if (!hasRawFormat(id)) continue
    registerRawFormat(withCalibration(rawFormat(id), family))
    done.push(id)
  }
  return done
}
