import type { InstrumentList } from '../contract'
import type { HandlerMap } from '../core'
import { VIRTUAL_INSTRUMENTS } from '../../virtual-bench'
import { discoverInstruments, type DiscoverySources } from '../../instruments/discovery'

/** Real instruments found now, then the virtual bench (always there, marked virtual). */
export async function listAllInstruments(sources?: DiscoverySources): Promise<InstrumentList> {
  const found = await discoverInstruments(sources)
  return {
    instruments: [
      ...found.instruments.map((i) => ({ ...i, description: 'attached', state: 'available' as const })),
      ...VIRTUAL_INSTRUMENTS.map((v) => ({ ...v.identity, description: v.description, state: 'available' as const }))
    ],
    hints: found.hints
  }
}

export const instrumentHandlers: Pick<HandlerMap, 'instruments.list'> = {
  'instruments.list': (core) => listAllInstruments(core.discovery)
}
