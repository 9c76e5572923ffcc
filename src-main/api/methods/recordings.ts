import { z } from 'zod'
import type { RecordingInfo } from '../../store/recording-info'
import type { WindowStatistics } from '../../analysis/window-statistics'
import type { CalibrationRef } from '../../calibration/records'

export type { WindowStatistics, ChannelStatistics } from '../../analysis/window-statistics'

/** A recording by number or by UUID (or a unique start of it, ≥ 4 characters). */
const recordingRef = z.union([z.number().int().positive(), z.string().trim().min(1).max(64)])
const seconds = z.number().finite().nonnegative()
const bytes = z.instanceof(Uint8Array)

/** Largest single message a client may send (the loopback WebSocket's limit); bigger files go up in chunks. */
export const MAX_UPLOAD_CHUNK_BYTES = 8 * 2 ** 20
/** Largest file the API returns from an export; longer exports belong to `joulebench export`. */
export const MAX_EXPORT_BYTES = 256 * 2 ** 20

export const recordingParams = {
  'recordings.list': z.object({}).strict(),
  'recordings.get': z.object({ id: recordingRef }).strict(),
  'recordings.view': z
    .object({
      id: recordingRef,
      fromS: seconds,
      toS: seconds,
      widthPx: z.number().int().min(1).max(16384),
      channel: z.enum(['current', 'voltage', 'power']).default('current'),
      /** Add the D0–D7 lanes (per column: lines high throughout, lines high at any point) where recorded. */
      digital: z.boolean().default(true)
    })
    .strict()
    .refine((p) => p.toS > p.fromS, { message: 'toS must be after fromS', path: ['toS'] }),
  'recordings.stats': z
    .object({ id: recordingRef, fromS: seconds.optional(), toS: seconds.optional() })
    .strict()
    .refine((p) => p.fromS === undefined || p.toS === undefined || p.toS >= p.fromS, { message: 'toS must not be before fromS', path: ['toS'] }),
  'recordings.delete': z.object({ id: recordingRef }).strict(),
  'recordings.update': z
    .object({
      id: recordingRef,
      name: z.string().trim().min(1).max(200).optional(),
      notes: z.string().max(10_000).optional(),
      tags: z.array(z.string().trim().min(1).max(60)).max(50).optional()
    })
    .strict(),
  /** One piece of a file too big for one message; import it afterwards with recordings.import { uploadId }. */
  'recordings.upload': z
    .object({ uploadId: z.string().regex(/^[0-9a-f]{32}$/).optional(), bytes: bytes.refine((b) => b.byteLength <= MAX_UPLOAD_CHUNK_BYTES, 'at most 8 MiB per piece') })
    .strict(),
  'recordings.import': z
    .object({
      /** The file's name as the user picked it: its extension helps tell the format. */
      fileName: z.string().trim().min(1).max(255),
      /** The whole file, or leave out and give uploadId for a file sent with recordings.upload. */
      bytes: bytes.optional(),
      uploadId: z.string().regex(/^[0-9a-f]{32}$/).optional(),
      format: z.enum(['auto', 'monsoon', 'stpm', 'ppk2', 'csv']).default('auto'),
      supplyV: z.number().finite().positive().max(1000).optional(),
      name: z.string().trim().min(1).max(200).optional()
    })
    .strict()
    .refine((p) => (p.bytes === undefined) !== (p.uploadId === undefined), { message: 'give either bytes or uploadId', path: ['bytes'] }),
  'recordings.export': z
    .object({
      id: recordingRef,
      format: z.enum(['csv', 'ppk2']),
      fromS: seconds.optional(),
      toS: seconds.optional(),
      /** CSV only: decimate to at most this many rows of min, max and mean. */
      widthRows: z.number().int().min(1).max(10_000_000).optional()
    })
    .strict()
    .refine((p) => p.format === 'csv' || p.widthRows === undefined, { message: '.ppk2 files hold every sample; widthRows applies to CSV', path: ['widthRows'] }),
  /** Decode a raw-word recording again under a calibration record of its unit, or under none (null). */
  'recordings.recompute': z.object({ id: recordingRef, calibrationId: z.string().trim().min(1).max(100).nullable() }).strict()
}

export interface RecordingEntry extends RecordingInfo {
  /** Seconds of signal, gaps included; for a recording in progress, what has arrived so far. */
  durationS: number
  /** True while a capture in this process is writing it. */
  live: boolean
}

export interface RecordingGap {
  startIndex: number
  count: number
  reason: string
  /** Where the gap starts and how long it is, in seconds; null for variable-rate recordings. */
  startS: number | null
  durationS: number | null
}

export interface RecordingMark {
  index: number
  label: string
  timeS: number | null
}

export interface RecordingWarning {
  index: number
  at: string
  message: string
  timeS: number | null
}

export interface RecordingDetails {
  recording: RecordingEntry
  gaps: RecordingGap[]
  marks: RecordingMark[]
  warnings: RecordingWarning[]
}

/**
 * One window of a recording at a pixel width: at most widthPx columns, each with min, max and mean
 * (NaN where the column holds only gap slots), plus D0–D7 as bitmasks per column.
 */
export interface RecordingView {
  recordingId: number
  channel: 'current' | 'voltage' | 'power'
  unit: 'A' | 'V' | 'W'
  fromS: number
  toS: number
  /** Summary level the stored part was drawn from (0 = raw samples). */
  level: number
  /** Start time of each column, seconds from the recording's start. */
  tS: Float64Array
  min: Float32Array
  max: Float32Array
  mean: Float32Array
  /** Bit n set: Dn was high for every sample of the column. Absent when the recording has no digital lines. */
  digitalAll?: Uint8Array
  /** Bit n set: Dn was high for at least one sample of the column. */
  digitalAny?: Uint8Array
  /** Seconds of signal available now (grows while the recording is live). */
  durationS: number
  live: boolean
}

export interface ImportResult {
  recording: RecordingEntry
  format: 'monsoon' | 'stpm' | 'ppk2' | 'csv'
  notes: string[]
}

export interface ExportResult {
  /** A suggested file name for saving. */
  fileName: string
  mimeType: string
  bytes: Uint8Array
  /** CSV rows written, or .ppk2 samples. */
  rows: number
  gapSamples: number
}

export interface RecomputeResult {
  recording: RecordingEntry
  /** The calibration the recording now names; null: the instrument's own conversion only. */
  calibration: CalibrationRef | null
  previousCalibrationId: string | null
  message: string
}

export interface RecordingResults {
  'recordings.list': { recordings: RecordingEntry[] }
  'recordings.get': RecordingDetails
  'recordings.view': RecordingView
  'recordings.stats': WindowStatistics
  'recordings.delete': { deleted: number }
  'recordings.update': RecordingEntry
  'recordings.upload': { uploadId: string; receivedBytes: number }
  'recordings.import': ImportResult
  'recordings.export': ExportResult
  'recordings.recompute': RecomputeResult
}

export interface RecordingEvents {
  /** The list changed (import, delete, rename, a capture started or ended). */
  'recordings.changed': { id: number; change: 'added' | 'updated' | 'deleted' }
}
