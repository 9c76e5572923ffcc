/**
 * Raw sample words an instrument sends, kept losslessly so a recording can be recomputed under a newer
 * calibration. Each instrument family registers its format once (the PPK2 driver registers
 * `ppk2-word-v1`); the store looks decoders up by the id saved with the recording.
 */
import type { Gap } from '../capture/sample-block'

export interface RawFormat {
  /** Stable id saved with every recording: `ppk2-word-v1`. Never reuse an id for a different layout. */
  id: string
  /**
   * Calibrated current in amperes for each raw word, under the given calibration (the JSON snapshot saved
   * with the recording), decoding the words as if they were the first of the stream.
   */
  decodeCurrent(raw: Uint32Array, calibration: unknown, out: Float32Array): void
  /**
   * For formats whose conversion carries state from one word to the next (the PPK2's spike filter): a
   * decoder that continues from `checkpoint` (one of its own checkpoint() values), or starts as at the
   * first word of a stream when it is null or unusable. Formats without it convert word by word.
   */
  decoder?(calibration: unknown, checkpoint?: unknown): RawDecoder
  /** Digital lines carried inside the word (bit n = Dn), when the format has them. */
  decodeDigital?(raw: Uint32Array, out: Uint8Array): void
}

/**
 * One pass over a recording's words in index order, doing what the instrument's live conversion did:
 * the writer runs one from the first block to the last, a recomputation runs one over the stored chunks,
 * and a read of a single chunk resumes one from the checkpoint saved with that chunk.
 */
export interface RawDecoder {
  /** Current in amperes for the next words of the stream, each word once, in index order. */
  decodeCurrent(raw: Uint32Array, out: Float32Array): void
  /** The recording has a gap here; the decoder restarts if the live conversion restarted at such a gap. */
  gap(gap: Gap): void
  /** What carries over to the next word, as plain JSON (null when nothing does). */
  checkpoint(): unknown
}

export class UnknownRawFormatError extends Error {
  constructor(readonly formatId: string) {
    super(
      `No decoder is registered for raw sample format "${formatId}": this recording keeps raw words that only ` +
        `the matching instrument driver can convert. Update Joulebench, or load the driver that registers "${formatId}".`
    )
    this.name = 'UnknownRawFormatError'
  }
}

const formats = new Map<string, RawFormat>()

/** Registering the same id twice replaces the decoder (a newer driver build, or a test's own decoder). */
export function registerRawFormat(format: RawFormat): void {
  formats.set(format.id, format)
}

export function rawFormat(id: string): RawFormat {
  const f = formats.get(id)
  if (!f) throw new UnknownRawFormatError(id)
  return f
}

export function hasRawFormat(id: string): boolean {
  return formats.has(id)
}

/** A decoder for any format: the format's own, or word by word for formats that carry nothing. */
export function rawDecoder(format: RawFormat, calibration: unknown, checkpoint: unknown = null): RawDecoder {
  if (format.decoder) return format.decoder(calibration, checkpoint)
  return {
    decodeCurrent: (raw, out) => format.decodeCurrent(raw, calibration, out),
    gap() {},
    checkpoint: () => null
  }
}

/** A checkpoint as the store saves it with a chunk (NULL when the decoder carries nothing). */
export function checkpointText(checkpoint: unknown): string | null {
  return checkpoint === null || checkpoint === undefined ? null : JSON.stringify(checkpoint)
}

/** The saved text back; damaged text gives null, so the decoder starts afresh rather than failing the read. */
export function parseCheckpoint(text: string | null | undefined): unknown {
  if (!text) return null
  try {
    return JSON.parse(text) as unknown
  } catch {
    return null
  }
}
