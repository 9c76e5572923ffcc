import type { HandlerMap } from '../core'
import { appHandlers } from './app'
import { instrumentHandlers } from './instruments'
import { resultsHandlers } from './results'
import { probeHandlers } from './probes'

export const HANDLERS: HandlerMap = {
  ...appHandlers,
  ...instrumentHandlers,
  ...resultsHandlers,
  ...probeHandlers
}
