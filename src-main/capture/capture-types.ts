/**
 * The shapes captures are reported in (API results and events). Types only, so the renderer can import
 * them without pulling in anything that runs in Node.
 */
import type { InstrumentIdentity } from '../instruments/identity'
import type { InstrumentCapabilities, InstrumentSettings } from './instrument-controls'
import type { RecentStatistics } from './capture-tap'

export type CaptureState = 'recording' | 'finished' | 'interrupted'

export interface CaptureRequest extends InstrumentSettings {
  instrumentId: string
  /** Stop by itself after this many seconds of signal; runs until capture.stop when left out. */
  durationS?: number
  name?: string
  notes?: string
  tags?: string[]
}

/** A capture in progress (or just ended), as progress reports and capture.status show it. SI units. */
export interface CaptureStatus {
  instrumentId: string
  recordingId: number
  name: string
  state: CaptureState
  startedAt: string
  samplePeriodS: number
  /** Sample slots received so far, gaps included. */
  sampleCount: number
  /** Slots safely in the workspace (committed about once a second). */
  committedCount: number
  durationS: number
  targetDurationS: number | null
  /** Slots the instrument lost (reported or skipped) plus slots dropped because the store fell behind. */
  gapSamples: number
  gapCount: number
  /** Slots dropped because the store fell behind (part of gapSamples). */
  lostSamples: number
  queuedBytes: number
  /** Mean, minimum and maximum current of the last progress interval. */
  recent: RecentStatistics | null
}

/** An instrument the core holds open: for its panel, and for captures. */
export interface ConnectedInstrument {
  instrumentId: string
  identity: InstrumentIdentity
  capabilities: InstrumentCapabilities
  settings: InstrumentSettings
  capture: CaptureStatus | null
}

export interface CaptureStateEvent {
  instrumentId: string
  recordingId: number
  state: CaptureState
  /** Why it ended, for an interrupted capture: names the device and what happened. */
  reason: string | null
}

export interface CaptureEvents {
  'capture.progress': CaptureStatus
  'capture.state': CaptureStateEvent
  'capture.warning': { instrumentId: string; recordingId: number; message: string }
  /** An instrument was opened or closed (closed with a reason when it went away by itself). */
  'capture.connection': { instrumentId: string; connected: boolean; reason: string | null }
}
