import { statSync, rmSync } from 'node:fs'
import { basename } from 'node:path'
import { RecordingWriter } from '../store/recording-writer'
import { RecordingStore } from '../store/recording-store'
import type { RecordingInfo } from '../store/recording-info'
import type { Db } from '../store/workspace'
import type { Gap } from '../capture/sample-block'
import { FormatError, quoted } from './format-error'
import { readZipDirectory, readZipEntry, readZipEntryBytes, ZipWriter, type ZipEntry } from './zip'

/**
 * Nordic Power Profiler `.ppk2` files (ppk2.md §3.3): a ZIP holding `session.raw` (6-byte frames:
 * float32 LE current in µA, then uint16 of digital bit pairs, big-endian as DataView writes it),
 * `metadata.json` ({metadata: {samplesPerSecond, startSystemTime}, formatVersion: 2}) and `minimap.raw`
 * (the app's overview: JSON of ≤ 10,000 min/max points, x in µs, y in nA).
 *
 * The format has no gap marker (Nordic's app writes 0.2 µA placeholders). Our exports keep time exact
 * by writing gap slots as NaN current with every digital pair 00 ("invalid" in Nordic's own encoding),
 * and list the gaps in an extra `joulebench` key of metadata.json, which our import reads back.
 */
const FRAME = 6
const PAIR_LOW = 1
const PAIR_HIGH = 2
const PAIR_BOTH = 3

export interface Ppk2Metadata {
  metadata: { samplesPerSecond: number; startSystemTime?: number }
  formatVersion: number
  joulebench?: { recordingUuid?: string; gaps?: Gap[]; supplyV?: number | null; fromS?: number }
}

function entry(path: string, entries: ZipEntry[], name: string): ZipEntry | undefined {
  return entries.find((e) => e.name === name || e.name.endsWith(`/${name}`))
}

/** Digital byte (bit n = Dn) from Nordic's 16-bit word of pairs; 'both' counts as high, 'invalid' as low. */
export function bitsToDigital(word: number): number {
  let out = 0
  for (let n = 0; n < 8; n++) {
    const pair = (word >> (2 * n)) & 3
    if (pair === PAIR_HIGH || pair === PAIR_BOTH) out |= 1 << n
  }
  return out
}

export function digitalToBits(digital: number): number {
  let out = 0
  for (let n = 0; n < 8; n++) out |= ((digital >> n) & 1 ? PAIR_HIGH : PAIR_LOW) << (2 * n)
  return out
}

export async function readPpk2Metadata(path: string): Promise<{ meta: Ppk2Metadata; entries: ZipEntry[] }> {
  const entries = readZipDirectory(path)
  const m = entry(path, entries, 'metadata.json')
  if (!m) throw new FormatError(path, 'the archive', 'a metadata.json entry (a .ppk2 file from the Power Profiler app)', `entries ${entries.map((e) => e.name).join(', ') || 'none'}`)
  const text = (await readZipEntryBytes(path, m)).toString('utf8')
  let meta: Ppk2Metadata
  try {
    meta = JSON.parse(text)
  } catch (e) {
    throw new FormatError(path, 'metadata.json', 'JSON', `${quoted(text)} (${(e as Error).message})`)
  }
  if (meta?.formatVersion !== 2) {
    throw new FormatError(path, 'metadata.json', 'formatVersion 2', String(meta?.formatVersion), 'Open the file in Nordic\'s Power Profiler app and save it again to convert it.')
  }
  const sps = meta.metadata?.samplesPerSecond
  if (typeof sps !== 'number' || !(sps > 0) || !Number.isFinite(sps)) {
    throw new FormatError(path, 'metadata.json', 'metadata.samplesPerSecond as a positive number', JSON.stringify(sps))
  }
  return { meta, entries }
}

export interface Ppk2ImportOptions {
  supplyV?: number
  name?: string
}

export async function importPpk2(db: Db, path: string, options: Ppk2ImportOptions = {}): Promise<{ recording: RecordingInfo; notes: string[] }> {
  const { meta, entries } = await readPpk2Metadata(path)
  const raw = entry(path, entries, 'session.raw')
  if (!raw) throw new FormatError(path, 'the archive', 'a session.raw entry with the samples', `entries ${entries.map((e) => e.name).join(', ')}`)
  if (raw.size % FRAME !== 0) {
    throw new FormatError(path, `session.raw, byte ${raw.size - (raw.size % FRAME)}`, 'whole 6-byte frames', `${raw.size % FRAME} bytes left over`, 'The file is truncated or damaged.')
  }
  const n = raw.size / FRAME
  const declaredGaps = (Array.isArray(meta.joulebench?.gaps) ? meta.joulebench.gaps : [])
    .filter((g) => Number.isInteger(g?.startIndex) && Number.isInteger(g?.count) && g.count > 0 && g.startIndex >= 0)
    .sort((x, y) => x.startIndex - y.startIndex)
    .filter((g, i, all) => i === 0 || g.startIndex >= all[i - 1].startIndex + all[i - 1].count)
  const sps = meta.metadata.samplesPerSecond
  const startMs = meta.metadata.startSystemTime
  const notes: string[] = []
  const writer = RecordingWriter.create(db, {
    name: options.name ?? basename(path),
    samplePeriodS: 1 / sps,
    startedAt: typeof startMs === 'number' && Number.isFinite(startMs) ? new Date(startMs) : statSync(path).mtime,
    supplyV: options.supplyV ?? meta.joulebench?.supplyV ?? null,
    voltage: false,
    digital: true,
    source: { kind: 'import', format: 'ppk2', file: path, samplesPerSecond: sps, fromRecording: meta.joulebench?.recordingUuid ?? null }
  })
  let bothStates = 0
  let invalidBits = 0
  let nanRun = 0
  try {
    const BLOCK = 8192
    const cur = new Float32Array(BLOCK)
    const dig = new Uint8Array(BLOCK)
    let fill = 0
    let blockStart = 0
    let index = 0
    let gapAt = 0
    const flush = (): void => {
      if (fill) writer.samples({ startIndex: blockStart, currentA: cur.subarray(0, fill), digital: dig.subarray(0, fill) })
      fill = 0
    }
    const endNanRun = (): void => {
      if (nanRun) {
        writer.gap({ startIndex: index - nanRun, count: nanRun, reason: 'no value in the file' })
        nanRun = 0
      }
    }
    let rest = Buffer.alloc(0)
    for await (const chunk of readZipEntry(path, raw)) {
      const buf = rest.length ? Buffer.concat([rest, chunk]) : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.length)
      const whole = buf.length - (buf.length % FRAME)
      for (let p = 0; p < whole; p += FRAME, index++) {
        while (gapAt < declaredGaps.length && declaredGaps[gapAt].startIndex + declaredGaps[gapAt].count <= index) gapAt++
        const g = declaredGaps[gapAt]
        if (g && index >= g.startIndex) {
          if (index === g.startIndex) {
            flush()
            endNanRun()
            writer.gap({ startIndex: g.startIndex, count: g.count, reason: g.reason })
          }
          continue
        }
        const currentUa = buf.readFloatLE(p)
        if (currentUa !== currentUa) {
          flush()
          nanRun++
          continue
        }
        endNanRun()
        const bits = buf.readUInt16BE(p + 4)
        if (bits === 0) invalidBits++
        for (let k = 0; k < 8; k++) if (((bits >> (2 * k)) & 3) === PAIR_BOTH) (bothStates++, (k = 8))
        if (fill === 0) blockStart = index
        cur[fill] = currentUa * 1e-6
        dig[fill] = bitsToDigital(bits)
        if (++fill === BLOCK) flush()
      }
      rest = Buffer.from(buf.subarray(whole))
    }
    flush()
    endNanRun()
    if (index !== n) throw new FormatError(path, 'session.raw', `${n} frames`, `${index}`)
    writer.finish('finished')
  } catch (e) {
    writer.finish('interrupted', (e as Error).message)
    new RecordingStore(db).delete(writer.id)
    throw e
  }
  if (bothStates) notes.push(`${bothStates} samples carry a digital line that was both high and low in an averaged window; taken as high.`)
  if (invalidBits) notes.push(`${invalidBits} samples have no valid digital state; taken as all low.`)
  if (!declaredGaps.length) notes.push('.ppk2 files mark no gaps: samples the Power Profiler app lost are stored in the file as 0.2 µA and cannot be told apart.')
  return { recording: new RecordingStore(db).get(writer.id), notes }
}

export interface Ppk2ExportResult {
  file: string
  samples: number
  gapSamples: number
  gaps: Gap[]
  bytes: number
}

/** Writes [fromS, toS] of a fixed-rate recording as a .ppk2 file Nordic's app opens. */
export async function exportPpk2(store: RecordingStore, ref: string | number, out: string, fromS?: number, toS?: number): Promise<Ppk2ExportResult> {
  const info = store.get(ref)
  if (info.samplePeriodS === null) {
    throw new Error(`Recording ${info.id} (${info.name}) has uneven time steps; .ppk2 files need a fixed sample rate. Export it as CSV instead.`)
  }
  const period = info.samplePeriodS
  const [a, b] = store.indexRange(info, Math.max(0, fromS ?? 0), toS ?? store.durationS(info))
  const n = b - a
  const gaps = store
    .gaps(info.id)
    .filter((g) => g.startIndex < b && g.startIndex + g.count > a)
    .map((g) => {
      const s = Math.max(a, g.startIndex)
      return { startIndex: s - a, count: Math.min(b, g.startIndex + g.count) - s, reason: g.reason }
    })
  const reader = store.sampleReader(info)
  const hasDigital = info.channels.digital
  // Nordic's FoldingBuffer: ≤ 10,000 elements, each folding a power-of-two number of samples.
  let fold = 1
  while (Math.ceil(n / fold) >= 10_000) fold *= 2
  const elements = Math.ceil(n / fold)
  const minimap = { min: new Array(elements), max: new Array(elements) }
  const zip = new ZipWriter(out)
  try {
    await zip.addEntry(
      'session.raw',
      (function* () {
        const STEP = 65536
        for (let s = a; s < b; s += STEP) {
          const e = Math.min(b, s + STEP)
          const part = reader.read(s, e, { voltage: false, digital: hasDigital, time: false })
          const buf = Buffer.alloc((e - s) * FRAME)
          for (let i = 0; i < e - s; i++) {
            const cur = part.currentA[i]
            const gap = cur !== cur
            buf.writeFloatLE(gap ? NaN : cur * 1e6, i * FRAME)
            buf.writeUInt16BE(gap || !part.digital ? 0 : digitalToBits(part.digital[i]), i * FRAME + 4)
            const k = s - a + i
            const el = Math.floor(k / fold)
            if (k % fold === 0) {
              const first = el * fold
              const last = Math.min(n, first + fold) - 1
              const x = ((first + last) / 2) * period * 1e6
              minimap.min[el] = { x, y: Number.MAX_VALUE }
              minimap.max[el] = { x, y: -Number.MAX_VALUE }
            }
            if (!gap) {
              const nA = Math.max(200, cur * 1e9) // the app clamps at 200 nA for its log axis
              if (nA < minimap.min[el].y) minimap.min[el].y = nA
              if (nA > minimap.max[el].y) minimap.max[el].y = nA
            }
          }
          yield buf
        }
      })(),
      n * FRAME
    )
    await zip.addEntry(
      'minimap.raw',
      [
        Buffer.from(
          JSON.stringify({
            lastElementFoldCount: n % fold,
            data: { length: elements, min: minimap.min, max: minimap.max },
            maxNumberOfElements: 10_000,
            numberOfTimesToFold: fold
          })
        )
      ]
    )
    const meta: Ppk2Metadata = {
      metadata: { samplesPerSecond: Number((1 / period).toPrecision(12)), startSystemTime: Date.parse(info.startedAt) + a * period * 1000 },
      formatVersion: 2,
      joulebench: { recordingUuid: info.uuid, gaps, supplyV: info.supplyV, fromS: a * period }
    }
    await zip.addEntry('metadata.json', [Buffer.from(JSON.stringify(meta))])
    zip.close()
  } catch (e) {
    zip.abort()
    rmSync(out, { force: true })
    throw e
  }
  return { file: out, samples: n, gapSamples: gaps.reduce((s, g) => s + g.count, 0), gaps, bytes: statSync(out).size }
}
