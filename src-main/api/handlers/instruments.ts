import type { InstrumentList } from '../contract'
import type { HandlerMap } from '../core'
import { claimOf } from '../instrument-claims'
import { VIRTUAL_INSTRUMENTS } from '../../virtual-bench'
import { discoverInstruments, type DiscoverySources } from '../../instruments/discovery'

/** Real instruments found now, then the virtual bench (always there, marked virtual). */
export async function listAllInstruments(sources?: DiscoverySources, inUse: (id: string) => boolean = () => false): Promise<InstrumentList> {
  const found = await discoverInstruments(sources)
  const state = (id: string) => (inUse(id) ? ('in-use' as const) : ('available' as const))
  return {
    instruments: [
      ...found.instruments.map((i) => ({ ...i, description: 'attached', state: state(i.id) })),
      ...VIRTUAL_INSTRUMENTS.map((v) => ({ ...v.identity, description: v.description, state: state(v.identity.id) }))
    ],
    hints: found.hints
  }
}

export const instrumentHandlers: Pick<HandlerMap, 'instruments.list'> = {
  'instruments.list': (core) => listAllInstruments(core.discovery, (id) => core.captures.isOpen(id) || claimOf(core, id) !== null)
}
