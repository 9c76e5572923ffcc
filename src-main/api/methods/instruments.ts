import { z } from 'zod'
import type { InstrumentIdentity } from '../../instruments/identity'

export const instrumentParams = {
  'instruments.list': z.object({ refresh: z.boolean().optional() }).strict()
}

export interface InstrumentEntry extends InstrumentIdentity {
  description: string
  state: 'available' | 'in-use' | 'disconnected'
}

export interface InstrumentList {
  instruments: InstrumentEntry[]
  hints: string[]
}

export interface InstrumentResults {
  'instruments.list': InstrumentList
}

export interface InstrumentEvents {
  'instruments.changed': InstrumentList
}
