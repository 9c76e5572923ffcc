import { decodeRawWords } from './chunk-codec'
import { checkpointText, rawDecoder, rawFormat, type RawDecoder, type RawFormat } from './raw-formats'
import type { RecordingInfo } from './recording-info'
import type { Db } from './workspace'

export interface DecodedRawChunk {
  currentA: Float32Array
  /** D0–D7 from the words, when the format carries them. */
  digital?: Uint8Array
}

/**
 * Decodes a raw-word recording again from its first chunk to its last with one decoder, told about
 * every stored gap in between, as the writer decoded it while the samples came in. Each chunk's saved
 * checkpoint is replaced by the decoder's state at its first word under the recording's calibration now,
 * so a later read of any chunk alone gives the same values. One chunk in memory at a time.
 */
export class RawDecodePass {
  private readonly format: RawFormat
  private readonly decoder: RawDecoder
  private readonly dataSql
  private readonly gapsSql
  private readonly checkpointSql
  private end = 0

  constructor(
    private readonly db: Db,
    private readonly info: RecordingInfo
  ) {
    this.format = rawFormat(info.rawFormat!)
    this.decoder = rawDecoder(this.format, info.calibration)
    this.dataSql = db.prepare("SELECT data FROM recording_chunks WHERE recording_id = ? AND stream = 'raw' AND start_index = ?").pluck()
    this.gapsSql = db.prepare(
      'SELECT start_index AS startIndex, count, reason FROM recording_gaps WHERE recording_id = ? AND start_index >= ? AND start_index < ? ORDER BY start_index'
    )
    this.checkpointSql = db.prepare("UPDATE recording_chunks SET decoder_state = ? WHERE recording_id = ? AND stream = 'raw' AND start_index = ?")
  }

  /** The raw chunk at `start_index`; chunks come in index order, each once. */
  next(chunk: { start_index: number; count: number; codec: string }, wantDigital: boolean): DecodedRawChunk {
    const start = chunk.start_index
    for (const gap of this.gapsSql.all(this.info.id, this.end, start) as Array<{ startIndex: number; count: number; reason: string }>) this.decoder.gap(gap)
    const data = this.dataSql.get(this.info.id, start) as Buffer
    const words = decodeRawWords(chunk.codec, data, chunk.count, `Recording ${this.info.id} (${this.info.name}), raw chunk at sample ${start}`)
    this.checkpointSql.run(checkpointText(this.decoder.checkpoint()), this.info.id, start)
    const currentA = new Float32Array(chunk.count)
    this.decoder.decodeCurrent(words, currentA)
    this.end = start + chunk.count
    const out: DecodedRawChunk = { currentA }
    if (wantDigital && this.format.decodeDigital) this.format.decodeDigital(words, (out.digital = new Uint8Array(chunk.count)))
    return out
  }
}
