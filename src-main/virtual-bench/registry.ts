import type { InstrumentIdentity } from '../instruments/identity'
import type { BenchClock, DutSignal } from './dut-signal'

/** A running emulator behind a pseudo-terminal: the driver opens `hostPath` exactly like a real port. */
export interface RunningVirtualInstrument {
  hostPath: string
  close(): Promise<void>
}

/**
 * An emulated instrument of the virtual bench. It is listed beside real instruments, marked virtual,
 * always available, and started on demand behind the same serial transport a real one uses.
 */
export interface VirtualInstrument {
  identity: InstrumentIdentity
  /** One line for the Instruments list: what it emulates and how. */
  description: string
  start(bench: { clock: BenchClock; signal: DutSignal }): Promise<RunningVirtualInstrument>
}

export function virtualIdentity(
  family: string,
  model: string,
  kind: InstrumentIdentity['kind'],
  firmware: string | null = null
): InstrumentIdentity {
  return { id: `virtual:${family}`, kind, family, model, serial: `VIRTUAL-${family.toUpperCase()}`, firmware, location: 'virtual bench', virtual: true }
}
