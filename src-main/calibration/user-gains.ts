/**
 * Moving a calibration's gains into a PPK2 as user gains (SetUserGains, reference/ppk2.md §2.2).
 * The device then applies them itself, so other software reading the same PPK2 benefits too.
 *
 * A fitted gain g measured under user gain UG becomes UG / g. The offset cannot be stored on the
 * device, so it stays on the host: captures keep applying the record, which rescales readings taken
 * under the new user gain back to the one it was measured under (see applyCalibration).
 */
import type { CalibrationResult } from './procedure'

export interface UserGainWrite {
  rangeIndex: number
  fromGain: number
  toGain: number
}

export interface UserGainPlan {
  writes: UserGainWrite[]
  /** Ranges left alone, with why. */
  skipped: Array<{ rangeIndex: number; reason: string }>
}

/** Nordic's app resets user gains outside 0.9–1.1 to 1 when it opens the device, so stay inside. */
export const PPK2_USER_GAIN_BOUNDS = { min: 0.9, max: 1.1 } as const

export function planUserGains(result: Pick<CalibrationResult, 'ranges' | 'deviceUserGains'>, bounds: { min: number; max: number } = PPK2_USER_GAIN_BOUNDS): UserGainPlan {
  const plan: UserGainPlan = { writes: [], skipped: [] }
  for (const r of result.ranges) {
    if (r.fit !== 'gain-and-offset' && r.fit !== 'gain-only') {
      plan.skipped.push({ rangeIndex: r.rangeIndex, reason: `${r.label}: no gain was fitted.` })
      continue
    }
    const fromGain = result.deviceUserGains?.[r.rangeIndex] ?? 1
    const toGain = fromGain / r.gain
    if (!(toGain >= bounds.min && toGain <= bounds.max)) {
      plan.skipped.push({
        rangeIndex: r.rangeIndex,
        reason: `${r.label}: the user gain would be ${toGain.toFixed(4)}, outside ${bounds.min}–${bounds.max} (Nordic's app would reset it to 1). The correction stays on the host.`
      })
      continue
    }
    plan.writes.push({ rangeIndex: r.rangeIndex, fromGain, toGain })
  }
  return plan
}

/** Send each planned user gain through `write` (the driver's SetUserGains), in range order. */
export async function writeUserGains(plan: UserGainPlan, write: (rangeIndex: number, gain: number) => Promise<void>): Promise<UserGainWrite[]> {
  const done: UserGainWrite[] = []
  for (const w of [...plan.writes].sort((a, b) => a.rangeIndex - b.rangeIndex)) {
    await write(w.rangeIndex, w.toGain)
    done.push(w)
  }
  return done
}
