import type { HandlerMap } from '../core'
import { appHandlers } from './app'
import { instrumentHandlers } from './instruments'
import { resultsHandlers } from './results'
import { recordingHandlers } from './recordings'
import { captureHandlers } from './capture'
import { runHandlers } from './runs'
import { probeHandlers } from './probes'
import { wiringHandlers } from './wiring'
import { calibrationHandlers } from './calibration'

export const HANDLERS: HandlerMap = {
  ...appHandlers,
  ...instrumentHandlers,
  ...resultsHandlers,
  ...recordingHandlers,
  ...captureHandlers,
  ...runHandlers,
  ...probeHandlers,
  ...wiringHandlers,
  ...calibrationHandlers
}
