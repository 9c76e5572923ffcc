/**
 * A deliberately simple model of what one inference costs on the virtual DUT: latency and energy in
 * proportion to the model's multiply-accumulates (the linear MAC law the convolution study found),
 * on top of the board's idle floor, with optional fixed-cost stages around the inference itself.
 */

/** A fixed-cost stage: how long it lasts and how much current it draws above the idle floor. */
export interface StageCost {
  durationS: number
  extraCurrentA: number
}

export interface VirtualModel {
  /** Reported as m-model-[name]: kws01, vww01, ic01, ad01, or anything. */
  name: string
  macs: number
  /** Seconds per MAC. Default 10 ns (12.5 M MACs → 125 ms). */
  latencyPerMacS?: number
  /** Joules per MAC above the idle floor. Default 1 nJ. */
  energyPerMacJ?: number
  /** Stages around the inference, in the μNPU study's order: init, memory I/O, (inference), post-processing. */
  stages?: { init?: StageCost; memory?: StageCost; post?: StageCost }
}

export interface PlannedStage {
  stage: 'init' | 'memory' | 'inference' | 'post'
  durationS: number
  /** Total current during the stage, idle floor included. */
  currentA: number
}

export const DEFAULT_LATENCY_PER_MAC_S = 10e-9
export const DEFAULT_ENERGY_PER_MAC_J = 1e-9

export function planInference(model: VirtualModel, idleCurrentA: number, supplyV: number): PlannedStage[] {
  if (!(model.macs > 0)) throw new Error(`Virtual model "${model.name}" needs a positive MAC count, got ${model.macs}.`)
  const latency = model.macs * (model.latencyPerMacS ?? DEFAULT_LATENCY_PER_MAC_S)
  const energy = model.macs * (model.energyPerMacJ ?? DEFAULT_ENERGY_PER_MAC_J)
  const fixed = (stage: PlannedStage['stage'], c?: StageCost): PlannedStage[] =>
    c && c.durationS > 0 ? [{ stage, durationS: c.durationS, currentA: idleCurrentA + c.extraCurrentA }] : []
  return [
    ...fixed('init', model.stages?.init),
    ...fixed('memory', model.stages?.memory),
    { stage: 'inference', durationS: latency, currentA: idleCurrentA + energy / (supplyV * latency) },
    ...fixed('post', model.stages?.post)
  ]
}
