import type { HandlerMap } from '../core'
import { appHandlers } from './app'
import { instrumentHandlers } from './instruments'

export const HANDLERS: HandlerMap = {
  ...appHandlers,
  ...instrumentHandlers
}
