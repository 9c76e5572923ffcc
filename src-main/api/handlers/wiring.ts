import { openAnalyzer, parseAnalyzerId } from '../../instruments/analyzers'
import { findVirtualInstrument } from '../../virtual-bench'
import { BENCH_FAULTS } from '../../virtual-bench/bench-fault'
import { catalogSummary, wiringDiagramFor, wiringGuideFor, wiringPlanFor, type WiringRequest } from '../../wiring'
import type { HandlerMap, JoulebenchCore } from '../core'
import { claimInstrument } from '../instrument-claims'
import type { WiringCheckResult } from '../methods/wiring'

type WiringMethods = 'wiring.catalog' | 'wiring.plan' | 'wiring.check' | 'wiring.virtualFault'

/**
 * LPM01A windows are read at 10 kS/s: plenty for a mean, a peak and D7's edges, and a tenth of the
 * default stream for a check that only looks. Families without a rate setting ignore it.
 */
const CHECK_SAMPLE_RATE_HZ = 10_000

function request(p: WiringRequest): WiringRequest {
  return { analyzerId: p.analyzerId, boardId: p.boardId, method: p.method, supplyV: p.supplyV, interfaceId: p.interfaceId, levelShifterId: p.levelShifterId }
}

async function check(core: JoulebenchCore, p: WiringRequest & { instrumentId: string; step?: string; all?: boolean; windowS?: number }): Promise<WiringCheckResult> {
  const id = p.instrumentId
  const { family, virtual } = parseAnalyzerId(id)
  if (family !== p.analyzerId) {
    throw new Error(`The wiring plan is for the ${p.analyzerId} but ${id} is a ${family}. Pick that analyzer in the plan, or check with a ${p.analyzerId}.`)
  }
  if (virtual && !findVirtualInstrument(family)) throw new Error(`The virtual bench has no ${family}; check with a connected one (its id from the Instruments screen).`)
  // Planning first: a combination that cannot be wired is refused before the instrument is touched.
  const plan = wiringPlanFor(request(p))
  const release = claimInstrument(core, id, 'wiring check')
  try {
    const opened = await openAnalyzer(
      id,
      { mode: plan.analyzerSources ? 'source' : 'ampere', supplyV: plan.analyzerSources ? plan.supplyV : undefined, sampleRateHz: CHECK_SAMPLE_RATE_HZ },
      core.bench
    )
    try {
      const guide = wiringGuideFor(request(p), opened.analyzer, { windowS: p.windowS })
      const identity = opened.analyzer.identity
      const instrument = { model: identity.model, serial: identity.serial, virtual }
      const virtualFault = virtual ? core.bench.fault : null
      if (p.all) {
        const report = await guide.runAll()
        return { instrumentId: id, instrument, virtualFault, steps: report.steps, report }
      }
      const state = await guide.runStep(p.step as Parameters<typeof guide.runStep>[0])
      return { instrumentId: id, instrument, virtualFault, steps: [{ ...state }], report: null }
    } finally {
      await opened.close()
    }
  } catch (e) {
    throw new Error(`Wiring check on ${id}: ${(e as Error).message}`)
  } finally {
    release()
  }
}

export const wiringHandlers: Pick<HandlerMap, WiringMethods> = {
  'wiring.catalog': (core) => ({ ...catalogSummary(), virtualFault: core.bench.fault, faults: BENCH_FAULTS }),
  'wiring.plan': (_core, p) => wiringDiagramFor(request(p)),
  'wiring.check': (core, p) => check(core, p),
  'wiring.virtualFault': (core, p) => {
    core.bench.fault = p.fault
    return { fault: core.bench.fault }
  }
}
