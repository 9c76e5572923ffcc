/**
 * One wiring check against an instrument: open it (on the given virtual bench when it is virtual) in
 * the mode the plan needs, run one step or every step of the guide, close it. Shared by the API and
 * `joulebench wiring --check`.
 */
import { openAnalyzer, parseAnalyzerId } from '../../instruments/analyzers'
import { findVirtualInstrument } from '../../virtual-bench'
import type { VirtualBench } from '../../virtual-bench/bench'
import { wiringGuideFor, wiringPlanFor, type WiringRequest } from '../../wiring'
import type { WiringStep } from '../../wiring/plan'
import type { WiringCheckResult } from '../methods/wiring'

/**
 * LPM01A windows are read at 10 kS/s: plenty for a mean, a peak and D7's edges, and a tenth of the
 * default stream for a check that only looks. Families without a rate setting ignore it.
 */
const CHECK_SAMPLE_RATE_HZ = 10_000

export interface LiveCheckRequest extends WiringRequest {
  instrumentId: string
  /** One step, or every step in order when absent. */
  step?: WiringStep['id']
  windowS?: number
}

/** The plan's own fields of a request (the rest is about the instrument). */
export function planRequest(p: WiringRequest): WiringRequest {
  return { analyzerId: p.analyzerId, boardId: p.boardId, method: p.method, supplyV: p.supplyV, interfaceId: p.interfaceId, levelShifterId: p.levelShifterId }
}

/** Refuse before opening anything: an instrument of another family, or a plan that cannot be wired. */
export function checkableRequest(p: LiveCheckRequest): void {
  const { family, virtual } = parseAnalyzerId(p.instrumentId)
  if (family !== p.analyzerId) {
    throw new Error(`The wiring plan is for the ${p.analyzerId} but ${p.instrumentId} is a ${family}. Pick that analyzer in the plan, or check with a ${p.analyzerId}.`)
  }
  if (virtual && !findVirtualInstrument(family)) throw new Error(`The virtual bench has no ${family}; check with a connected one (its id from the Instruments screen).`)
  wiringPlanFor(planRequest(p))
}

export async function runLiveCheck(bench: VirtualBench, p: LiveCheckRequest): Promise<WiringCheckResult> {
  checkableRequest(p)
  const id = p.instrumentId
  const { virtual } = parseAnalyzerId(id)
  const plan = wiringPlanFor(planRequest(p))
  try {
    const opened = await openAnalyzer(
      id,
      { mode: plan.analyzerSources ? 'source' : 'ampere', supplyV: plan.analyzerSources ? plan.supplyV : undefined, sampleRateHz: CHECK_SAMPLE_RATE_HZ },
      bench
    )
    try {
      const guide = wiringGuideFor(planRequest(p), opened.analyzer, { windowS: p.windowS })
      const identity = opened.analyzer.identity
      const instrument = { model: identity.model, serial: identity.serial, virtual }
      const virtualFault = virtual ? bench.fault : null
      if (p.step === undefined) {
        const report = await guide.runAll()
        return { instrumentId: id, instrument, virtualFault, steps: report.steps, report }
      }
      const state = await guide.runStep(p.step)
      return { instrumentId: id, instrument, virtualFault, steps: [{ ...state }], report: null }
    } finally {
      await opened.close()
    }
  } catch (e) {
    throw new Error(`Wiring check on ${id}: ${(e as Error).message}`)
  }
}
