import { decodeBytes, decodeFloat32, decodeFloat64, decodeRawWords } from './chunk-codec'
import type { RecordingInfo } from './recording-info'
import { parseCheckpoint, rawDecoder, rawFormat } from './raw-formats'
import type { Db } from './workspace'

/** Samples of [start, end) as stored. Gap slots hold NaN current, voltage and time, and digital 0. */
export interface StoredSamples {
  start: number
  currentA: Float32Array
  voltageV?: Float32Array
  digital?: Uint8Array
  /** Seconds from the start, variable-rate recordings only. */
  timeS?: Float64Array
}

interface ChunkKey {
  start_index: number
  count: number
  codec: string
  /** Raw chunks: the decoder's state at the first word (see RawDecoder), or null to start afresh. */
  decoder_state: string | null
}

type Decoded = Float32Array | Float64Array | Uint8Array | Uint32Array

const CACHE_CHUNKS = 24

/**
 * Reads stretches of one recording's samples from its chunks, decoding raw words under the recording's
 * calibration. Keeps the last few decoded chunks: views and window statistics touch the same chunks
 * again and again at the edges.
 */
export class SampleReader {
  private readonly cache = new Map<string, Decoded>()
  private readonly keysSql
  private readonly dataSql
  private readonly timeChunkSql

  constructor(
    private readonly db: Db,
    private info: RecordingInfo
  ) {
    this.keysSql = db.prepare(
      `SELECT start_index, count, codec, decoder_state FROM recording_chunks
       WHERE recording_id = @id AND stream = @stream
         AND start_index >= coalesce((SELECT max(start_index) FROM recording_chunks WHERE recording_id = @id AND stream = @stream AND start_index <= @start), 0)
         AND start_index < @end
       ORDER BY start_index`
    )
    this.dataSql = db.prepare('SELECT data FROM recording_chunks WHERE recording_id = ? AND stream = ? AND start_index = ?').pluck()
    this.timeChunkSql = db.prepare(
      `SELECT start_index, count, codec, decoder_state FROM recording_chunks WHERE recording_id = ? AND stream = 'time' AND t0_s <= ? ORDER BY t0_s DESC LIMIT 1`
    )
  }

  /** Fresh recording facts (a live recording grows); decoded chunks stay valid unless the calibration changed. */
  reset(info: RecordingInfo): void {
    if (info.calibrationId !== this.info.calibrationId || JSON.stringify(info.calibration) !== JSON.stringify(this.info.calibration)) this.cache.clear()
    this.info = info
  }

  /** Forget every decoded chunk (a recomputation rewrote the chunks' checkpoints). */
  clear(): void {
    this.cache.clear()
  }

  private decoded(stream: string, key: ChunkKey): Decoded {
    const id = `${stream}:${key.start_index}`
    const hit = this.cache.get(id)
    if (hit) {
      this.cache.delete(id)
      this.cache.set(id, hit)
      return hit
    }
    const data = this.dataSql.get(this.info.id, stream, key.start_index) as Buffer
    const what = `Recording ${this.info.id} (${this.info.name}), ${stream} chunk at sample ${key.start_index}`
    let out: Decoded
    if (stream === 'raw') {
      const words = decodeRawWords(key.codec, data, key.count, what)
      const current = new Float32Array(key.count)
      // Resumed from the chunk's checkpoint: the values a decoding of the whole recording gives here.
      rawDecoder(rawFormat(this.info.rawFormat!), this.info.calibration, parseCheckpoint(key.decoder_state)).decodeCurrent(words, current)
      this.cache.set(`rawwords:${key.start_index}`, words)
      out = current
    } else if (key.codec === 'f32-xor-planes') out = decodeFloat32(data, key.count, what)
    else if (key.codec === 'f64-xor-planes') out = decodeFloat64(data, key.count, what)
    else if (key.codec === 'u8-xor') out = decodeBytes(data, key.count, what)
    else throw new Error(`${what}: unknown encoding "${key.codec}".`)
    this.cache.set(id, out)
    while (this.cache.size > CACHE_CHUNKS) this.cache.delete(this.cache.keys().next().value!)
    return out
  }

  private rawWords(key: ChunkKey): Uint32Array {
    let words = this.cache.get(`rawwords:${key.start_index}`) as Uint32Array | undefined
    if (!words) {
      this.cache.delete(`raw:${key.start_index}`)
      this.decoded('raw', key)
      words = this.cache.get(`rawwords:${key.start_index}`) as Uint32Array
    }
    return words
  }

  private fill(stream: string, start: number, end: number, out: Float32Array | Float64Array | Uint8Array, derive?: (key: ChunkKey) => Decoded): void {
    const keys = this.keysSql.all({ id: this.info.id, stream, start, end }) as ChunkKey[]
    for (const key of keys) {
      const from = Math.max(start, key.start_index)
      const to = Math.min(end, key.start_index + key.count)
      if (to <= from) continue
      const values = derive ? derive(key) : this.decoded(stream, key)
      out.set(values.subarray(from - key.start_index, to - key.start_index) as never, from - start)
    }
  }

  /** `current: false` leaves currentA NaN (a recomputation decodes the raw words itself). */
  read(
    start: number,
    end: number,
    want: { current?: boolean; voltage?: boolean; digital?: boolean; time?: boolean } = { voltage: true, digital: true, time: true }
  ): StoredSamples {
    const n = Math.max(0, end - start)
    const ch = this.info.channels
    const out: StoredSamples = { start, currentA: new Float32Array(n).fill(NaN) }
    if (want.current !== false) this.fill(ch.raw ? 'raw' : 'current', start, end, out.currentA)
    if (ch.voltage && want.voltage) this.fill('voltage', start, end, (out.voltageV = new Float32Array(n).fill(NaN)))
    if (ch.digital && want.digital) {
      out.digital = new Uint8Array(n)
      const format = ch.raw ? rawFormat(ch.raw) : null
      if (format?.decodeDigital) {
        this.fill('raw', start, end, out.digital, (key) => {
          const id = `rawdigital:${key.start_index}`
          let bits = this.cache.get(id) as Uint8Array | undefined
          if (!bits) {
            bits = new Uint8Array(key.count)
            format.decodeDigital!(this.rawWords(key), bits)
            this.cache.set(id, bits)
          }
          return bits
        })
      } else this.fill('digital', start, end, out.digital)
    }
    if (ch.variableRate && want.time) this.fill('time', start, end, (out.timeS = new Float64Array(n).fill(NaN)))
    return out
  }

  /** Raw words of [start, end), for exports and recomputation. Gap slots hold 0. */
  readRaw(start: number, end: number): Uint32Array {
    const out = new Uint32Array(Math.max(0, end - start))
    const keys = this.keysSql.all({ id: this.info.id, stream: 'raw', start, end }) as ChunkKey[]
    for (const key of keys) {
      const from = Math.max(start, key.start_index)
      const to = Math.min(end, key.start_index + key.count)
      if (to > from) out.set(this.rawWords(key).subarray(from - key.start_index, to - key.start_index), from - start)
    }
    return out
  }

  /**
   * Variable-rate recordings: the index of the first sample at or after tS (inclusive) or strictly after
   * it (exclusive). Returns sampleCount when every sample is earlier.
   */
  indexAtTime(tS: number, inclusive: boolean): number {
    const key = this.timeChunkSql.get(this.info.id, tS) as ChunkKey | undefined
    if (!key) return 0
    const times = this.decoded('time', key) as Float64Array
    let lo = 0
    let hi = times.length
    while (lo < hi) {
      const mid = (lo + hi) >>> 1
      if (inclusive ? times[mid] < tS : times[mid] <= tS) lo = mid + 1
      else hi = mid
    }
    if (lo < times.length) return key.start_index + lo
    // Past this chunk: the next sample slot after it (later chunks start later than tS by construction).
    const next = this.db
      .prepare(`SELECT min(start_index) FROM recording_chunks WHERE recording_id = ? AND stream = 'time' AND start_index > ?`)
      .pluck()
      .get(this.info.id, key.start_index) as number | null
    return next ?? this.info.sampleCount
  }
}
