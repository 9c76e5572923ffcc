import { BENCH_FAULTS } from '../../virtual-bench/bench-fault'
import { catalogSummary, wiringDiagramFor } from '../../wiring'
import type { HandlerMap } from '../core'
import { claimInstrument } from '../instrument-claims'
import { checkableRequest, planRequest, runLiveCheck } from '../wiring/live-check'

type WiringMethods = 'wiring.catalog' | 'wiring.plan' | 'wiring.check' | 'wiring.virtualFault'

export const wiringHandlers: Pick<HandlerMap, WiringMethods> = {
  'wiring.catalog': (core) => ({ ...catalogSummary(), virtualFault: core.bench.fault, faults: BENCH_FAULTS }),
  'wiring.plan': (_core, p) => wiringDiagramFor(planRequest(p)),
  'wiring.check': async (core, { all: _all, ...p }) => {
    // Refusals that need no instrument come first, then the instrument is taken for the check.
    checkableRequest(p)
    const release = claimInstrument(core, p.instrumentId, 'wiring check')
    try {
      return await runLiveCheck(core.bench, p)
    } finally {
      release()
    }
  },
  'wiring.virtualFault': (core, p) => {
    core.bench.fault = p.fault
    core.emit('bench.fault', { fault: p.fault })
    return { fault: core.bench.fault }
  }
}
