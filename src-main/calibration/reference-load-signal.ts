import type { DutSignal } from '../virtual-bench/dut-signal'
import type { ReferenceLoad } from './reference-load'

/**
 * The virtual bench's reference loads: a DutSignal that draws what a resistor would, V / R, for the
 * load currently presented (nothing with the output open). A virtual analyzer started on this signal
 * lets `joulebench calibrate --analyzer virtual:…` run the real procedure end to end.
 */
export interface ReferenceLoadSignal extends DutSignal {
  present(load: ReferenceLoad | null): void
  readonly load: ReferenceLoad | null
}

export function referenceLoadSignal(): ReferenceLoadSignal {
  let load: ReferenceLoad | null = null
  return {
    get load() {
      return load
    },
    present(next) {
      load = next
    },
    render(_t0S, _periodS, currentA, digital) {
      const a = load === null ? 0 : load.voltageV / load.resistanceOhm
      currentA.fill(a)
      digital.fill(0)
    }
  }
}
