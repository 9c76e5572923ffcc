import { z } from 'zod'
import type { CaptureEvents, CaptureStatus, ConnectedInstrument } from '../../capture/capture-types'
import type { RecordingInfo } from '../../store/recording-info'

export type { CaptureStatus, ConnectedInstrument, CaptureStateEvent } from '../../capture/capture-types'
export type { InstrumentCapabilities, InstrumentSettings, InstrumentMode, SpikeFilterSettings } from '../../capture/instrument-controls'
export type { RecentStatistics } from '../../capture/capture-tap'

const instrumentId = z.string().trim().min(1).max(300)

/** What an instrument panel may change; the analyzer's capabilities give the limits, checked in the core. */
const settings = {
  mode: z.enum(['source', 'ampere']).optional(),
  supplyV: z.number().finite().positive().max(60).optional(),
  dutPower: z.boolean().optional(),
  spikeFilter: z
    .object({ samples: z.number().int().min(0).max(100), alpha: z.number().min(0).max(1), alphaHighRange: z.number().min(0).max(1) })
    .strict()
    .optional(),
  userGains: z.array(z.number().finite().positive()).max(16).optional()
}

export const captureParams = {
  'capture.start': z
    .object({
      instrumentId,
      ...settings,
      /** Stop by itself after this many seconds of signal (at most a week). */
      durationS: z.number().finite().positive().max(7 * 86400).optional(),
      name: z.string().trim().min(1).max(200).optional(),
      notes: z.string().max(10_000).optional(),
      tags: z.array(z.string().trim().min(1).max(60)).max(50).optional()
    })
    .strict(),
  'capture.stop': z.object({ instrumentId }).strict(),
  'capture.status': z.object({}).strict(),
  /** Open an instrument for its panel without capturing. */
  'capture.connect': z.object({ instrumentId }).strict(),
  'capture.configure': z.object({ instrumentId, ...settings }).strict(),
  'capture.disconnect': z.object({ instrumentId }).strict()
}

export interface CaptureResults {
  'capture.start': CaptureStatus
  'capture.stop': RecordingInfo
  'capture.status': { captures: CaptureStatus[]; instruments: ConnectedInstrument[] }
  'capture.connect': ConnectedInstrument
  'capture.configure': ConnectedInstrument
  'capture.disconnect': { instrumentId: string; connected: false }
}

export interface CaptureApiEvents extends CaptureEvents {}
