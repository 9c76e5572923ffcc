import type { InstrumentIdentity } from '../instruments/identity'
import type { RecordingChannels } from './recording-writer'

export type RecordingState = 'recording' | 'finished' | 'interrupted' | 'recovered'

/** A recording as listed and shown: everything but the samples. Times in seconds, dates as ISO UTC. */
export interface RecordingInfo {
  id: number
  /** Stable across workspaces: merging two workspaces matches recordings by it. */
  uuid: string
  name: string
  startedAt: string
  /** Seconds between samples; null for variable-rate recordings (imports with uneven steps). */
  samplePeriodS: number | null
  instrument: InstrumentIdentity | null
  supplyV: number | null
  state: RecordingState
  stateReason: string | null
  rawFormat: string | null
  calibrationId: string | null
  calibration: unknown
  channels: RecordingChannels
  source: unknown
  notes: string
  tags: string[]
  /** Sample slots, gaps included. */
  sampleCount: number
  gapSamples: number
  storedBytes: number
  createdAt: string
  updatedAt: string
  endedAt: string | null
}

export interface RecordingRow {
  id: number
  uuid: string
  name: string
  started_at: string
  sample_period_s: number | null
  instrument_json: string
  supply_v: number | null
  state: RecordingState
  state_reason: string | null
  raw_format: string | null
  calibration_id: string | null
  calibration_json: string | null
  channels_json: string
  source_json: string | null
  notes: string
  tags_json: string
  sample_count: number
  gap_samples: number
  stored_bytes: number
  writer_pid: number | null
  writer_host: string | null
  created_at: string
  updated_at: string
  ended_at: string | null
}

export function recordingFromRow(r: RecordingRow): RecordingInfo {
  return {
    id: r.id,
    uuid: r.uuid,
    name: r.name,
    startedAt: r.started_at,
    samplePeriodS: r.sample_period_s,
    instrument: JSON.parse(r.instrument_json),
    supplyV: r.supply_v,
    state: r.state,
    stateReason: r.state_reason,
    rawFormat: r.raw_format,
    calibrationId: r.calibration_id,
    calibration: r.calibration_json === null ? null : JSON.parse(r.calibration_json),
    channels: JSON.parse(r.channels_json),
    source: r.source_json === null ? null : JSON.parse(r.source_json),
    notes: r.notes,
    tags: JSON.parse(r.tags_json),
    sampleCount: r.sample_count,
    gapSamples: r.gap_samples,
    storedBytes: r.stored_bytes,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
    endedAt: r.ended_at
  }
}
