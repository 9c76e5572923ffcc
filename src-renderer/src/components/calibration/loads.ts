import type { SuggestedLoad } from '../../../../src-main/api/contract'

/** One reference load as edited: tolerance in percent, as resistors are sold. */
export interface EditedLoad {
  resistanceOhm: number
  voltageV: number
  tolerancePct: number
}

export function editedFromSuggested(loads: SuggestedLoad[]): EditedLoad[] {
  return loads.map((l) => ({ resistanceOhm: l.resistanceOhm, voltageV: l.voltageV, tolerancePct: +(l.toleranceFraction * 100).toPrecision(3) }))
}

/** What calibration.run takes: SI values, tolerance as a fraction. */
export function loadsForApi(loads: EditedLoad[]) {
  return loads.map((l) => ({ resistanceOhm: l.resistanceOhm, voltageV: l.voltageV, toleranceFraction: l.tolerancePct / 100 }))
}

export function loadProblems(loads: EditedLoad[]): string[] {
  return loads.flatMap((l, i) =>
    l.resistanceOhm > 0 && l.voltageV > 0 && l.tolerancePct >= 0 && l.tolerancePct < 50
      ? []
      : [`Load ${i + 1}: give a resistance and a voltage above 0, and a tolerance from 0 to 50 %.`]
  )
}
