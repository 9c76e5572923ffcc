import type { VirtualInstrument } from './registry'
import { lpm01aVirtualInstrument } from '../instruments/lpm01a/virtual'
import { ppk2VirtualInstrument } from '../instruments/ppk2/virtual'

/** Every emulated instrument of the virtual bench, in the order the Instruments list shows them. */
export const VIRTUAL_INSTRUMENTS: VirtualInstrument[] = [lpm01aVirtualInstrument, ppk2VirtualInstrument]

export function findVirtualInstrument(id: string): VirtualInstrument | undefined {
  return VIRTUAL_INSTRUMENTS.find((v) => v.identity.id === id || v.identity.family === id)
}
