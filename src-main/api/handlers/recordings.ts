import { randomBytes } from 'node:crypto'
import { appendFileSync, mkdtempSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { basename, join } from 'node:path'
import { exportCsv } from '../../formats/csv-export'
import { importRecording } from '../../formats/import-recording'
import { exportPpk2 } from '../../formats/ppk2-file'
import { liveColumns, storedColumns } from '../../capture/trace-window'
import type { RecordingInfo } from '../../store/recording-info'
import type { RecordingStore } from '../../store/recording-store'
import type { HandlerMap, JoulebenchCore } from '../core'
import { recomputeRecording } from '../calibration/recompute-recording'
import { MAX_EXPORT_BYTES, type RecordingDetails, type RecordingEntry, type RecordingView } from '../methods/recordings'

type RecordingMethods =
  | 'recordings.list'
  | 'recordings.get'
  | 'recordings.view'
  | 'recordings.stats'
  | 'recordings.delete'
  | 'recordings.update'
  | 'recordings.upload'
  | 'recordings.import'
  | 'recordings.export'
  | 'recordings.recompute'

function entry(core: JoulebenchCore, info: RecordingInfo): RecordingEntry {
  const live = core.captures.live(info.id)
  const durationS = live ? live.sampleCount * (info.samplePeriodS ?? 0) : core.recordings.durationS(info)
  return { ...info, sampleCount: live ? live.sampleCount : info.sampleCount, durationS, live: live !== null }
}

/** Seconds from the start of sample slot `index` (fixed rate), or of the nearest stored sample (variable rate). */
function timeAt(store: RecordingStore, info: RecordingInfo, index: number, side: 'before' | 'after'): number | null {
  if (info.samplePeriodS !== null) return index * info.samplePeriodS
  const at = side === 'before' ? index - 1 : index
  if (at < 0 || at >= info.sampleCount) return side === 'before' ? 0 : null
  const t = store.sampleReader(info).read(at, at + 1, { voltage: false, digital: false, time: true }).timeS?.[0]
  return t === undefined || t !== t ? null : t
}

function details(core: JoulebenchCore, ref: number | string): RecordingDetails {
  const store = core.recordings
  const info = store.get(ref)
  const fixed = info.samplePeriodS
  return {
    recording: entry(core, info),
    gaps: store.gaps(info.id).map((g) => {
      if (fixed !== null) return { ...g, startS: g.startIndex * fixed, durationS: g.count * fixed }
      const a = timeAt(store, info, g.startIndex, 'before')
      const b = timeAt(store, info, g.startIndex + g.count, 'after')
      return { ...g, startS: a, durationS: a !== null && b !== null ? b - a : null }
    }),
    marks: store.marks(info.id).map((m) => ({ ...m, timeS: timeAt(store, info, m.index, 'after') })),
    warnings: store.warnings(info.id).map((w) => ({ ...w, timeS: timeAt(store, info, w.index, 'after') }))
  }
}

function view(core: JoulebenchCore, p: { id: number | string; fromS: number; toS: number; widthPx: number; channel: 'current' | 'voltage' | 'power'; digital: boolean }): RecordingView {
  const store = core.recordings
  const info = store.get(p.id)
  const live = core.captures.live(info.id)
  const cols =
    live && p.channel === 'current'
      ? liveColumns(store, info, live, p.fromS, p.toS, p.widthPx, p.digital)
      : storedColumns(store, info, p.fromS, p.toS, p.widthPx, p.channel, p.digital)
  const out: RecordingView = {
    recordingId: info.id,
    channel: p.channel,
    unit: p.channel === 'current' ? 'A' : p.channel === 'voltage' ? 'V' : 'W',
    fromS: p.fromS,
    toS: p.toS,
    level: cols.level,
    tS: cols.tS,
    min: cols.min,
    max: cols.max,
    mean: cols.mean,
    durationS: live ? live.sampleCount * live.tail.samplePeriodS : store.durationS(info),
    live: live !== null
  }
  if (cols.digitalAll) {
    out.digitalAll = cols.digitalAll
    out.digitalAny = cols.digitalAny
  }
  return out
}

/** Uploads of big files arrive in pieces; each lives in its own temporary folder until imported or abandoned. */
interface Upload {
  dir: string
  file: string
  bytes: number
  touchedMs: number
}
const uploads = new Map<string, Upload>()
const UPLOAD_IDLE_MS = 10 * 60 * 1000

function dropStaleUploads(): void {
  const now = Date.now()
  for (const [id, u] of uploads) {
    if (now - u.touchedMs > UPLOAD_IDLE_MS) {
      rmSync(u.dir, { recursive: true, force: true })
      uploads.delete(id)
    }
  }
}

/** The user's file name without any folder part or odd characters; its extension helps detect the format. */
function safeFileName(name: string): string {
  const base = basename(name.replace(/\\/g, '/')).replace(/[^\w.\- ]+/g, '_').replace(/^\.+/, '')
  return base.slice(-120) || 'recording'
}

function exportName(info: RecordingInfo, ext: string): string {
  return `${info.name.replace(/[^\w.\- ]+/g, '_').slice(0, 80) || `recording-${info.id}`}.${ext}`
}

export const recordingHandlers: Pick<HandlerMap, RecordingMethods> = {
  'recordings.list': (core) => ({ recordings: core.recordings.list().map((r) => entry(core, r)) }),

  'recordings.get': (core, p) => details(core, p.id),

  'recordings.view': (core, p) => view(core, p),

  'recordings.stats': (core, p) => core.recordings.stats(p.id, p.fromS, p.toS),

  'recordings.delete': (core, p) => {
    const info = core.recordings.get(p.id)
    if (core.captures.live(info.id)) throw new Error(`Recording ${info.id} (${info.name}) is being captured; stop the capture before deleting it.`)
    core.recordings.delete(info.id)
    core.emit('recordings.changed', { id: info.id, change: 'deleted' })
    return { deleted: info.id }
  },

  'recordings.update': (core, p) => {
    const info = core.recordings.get(p.id)
    core.db
      .prepare('UPDATE recordings SET name = ?, notes = ?, tags_json = ?, updated_at = ? WHERE id = ?')
      .run(p.name ?? info.name, p.notes ?? info.notes, JSON.stringify(p.tags ? [...new Set(p.tags)] : info.tags), new Date().toISOString(), info.id)
    core.emit('recordings.changed', { id: info.id, change: 'updated' })
    return entry(core, core.recordings.get(info.id))
  },

  'recordings.upload': (_core, p) => {
    dropStaleUploads()
    let id = p.uploadId
    let u = id ? uploads.get(id) : undefined
    if (id && !u) throw new Error(`Upload ${id} is unknown or expired (uploads are dropped after 10 idle minutes); send the file again from its start.`)
    if (!u) {
      id = randomBytes(16).toString('hex')
      const dir = mkdtempSync(join(tmpdir(), 'jb-upload-'))
      u = { dir, file: join(dir, 'data'), bytes: 0, touchedMs: Date.now() }
      writeFileSync(u.file, new Uint8Array(0))
      uploads.set(id, u)
    }
    appendFileSync(u.file, p.bytes)
    u.bytes += p.bytes.byteLength
    u.touchedMs = Date.now()
    return { uploadId: id!, receivedBytes: u.bytes }
  },

  'recordings.import': async (core, p) => {
    const dir = mkdtempSync(join(tmpdir(), 'jb-import-'))
    const file = join(dir, safeFileName(p.fileName))
    try {
      if (p.bytes) writeFileSync(file, p.bytes)
      else {
        const u = uploads.get(p.uploadId!)
        if (!u) throw new Error(`Upload ${p.uploadId} is unknown or expired; send ${p.fileName} again.`)
        uploads.delete(p.uploadId!)
        renameSync(u.file, file) // both in the temporary folder: a move, not a second copy in memory
        rmSync(u.dir, { recursive: true, force: true })
      }
      const outcome = await importRecording(core.db, file, { format: p.format, supplyV: p.supplyV, name: p.name ?? p.fileName.replace(/\.[^.]*$/, '') })
      core.emit('recordings.changed', { id: outcome.recording.id, change: 'added' })
      return { recording: entry(core, outcome.recording), format: outcome.format, notes: outcome.notes.map((n) => n.split(file).join(p.fileName)) }
    } catch (e) {
      // Messages name the temporary copy; the user knows the file by the name they picked.
      throw new Error(((e as Error).message || String(e)).split(file).join(p.fileName))
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  },

  'recordings.export': async (core, p) => {
    const store = core.recordings
    const info = store.get(p.id)
    const [a, b] = store.indexRange(info, p.fromS ?? 0, p.toS ?? store.durationS(info))
    const perRow = p.format === 'ppk2' ? 6 : 24 + (info.channels.voltage ? 30 : 0) + (info.channels.digital ? 16 : 0)
    const rows = p.widthRows !== undefined ? Math.min(p.widthRows, b - a) : b - a
    if (rows * perRow > MAX_EXPORT_BYTES) {
      throw new Error(
        `Recording ${info.id} (${info.name}) from ${p.fromS ?? 0} s holds ${b - a} samples: about ${Math.round((rows * perRow) / 2 ** 20)} MiB as ${p.format === 'ppk2' ? '.ppk2' : 'CSV'}, ` +
          `more than the ${MAX_EXPORT_BYTES / 2 ** 20} MiB the app hands over at once. Export a shorter window, a decimated CSV, or run \`joulebench export ${info.id} …\`.`
      )
    }
    const dir = mkdtempSync(join(tmpdir(), 'jb-export-'))
    try {
      const out = join(dir, `export.${p.format}`)
      let written: number
      let gapSamples: number
      if (p.format === 'ppk2') {
        const r = await exportPpk2(store, info.id, out, p.fromS, p.toS)
        written = r.samples
        gapSamples = r.gapSamples
      } else {
        const r = exportCsv(store, info.id, out, { fromS: p.fromS, toS: p.toS, widthRows: p.widthRows })
        written = r.rows
        gapSamples = r.gapSamples
      }
      if (statSync(out).size > MAX_EXPORT_BYTES) throw new Error(`The export of recording ${info.id} came to more than ${MAX_EXPORT_BYTES / 2 ** 20} MiB; export a shorter window or use \`joulebench export\`.`)
      const bytes = new Uint8Array(readFileSync(out))
      return {
        fileName: exportName(info, p.format),
        mimeType: p.format === 'csv' ? 'text/csv' : 'application/zip',
        bytes,
        rows: written,
        gapSamples
      }
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  },

  'recordings.recompute': (core, p) => {
    const r = recomputeRecording(core, p.id, p.calibrationId)
    core.emit('recordings.changed', { id: r.recording.id, change: 'updated' })
    return { ...r, recording: entry(core, r.recording) }
  }
}
