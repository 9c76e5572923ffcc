/**
 * Raw sample words an instrument sends, kept losslessly so a recording can be recomputed under a newer
 * calibration. Each instrument family registers its format once (the PPK2 driver registers
 * `ppk2-word-v1`); the store looks decoders up by the id saved with the recording.
 */
export interface RawFormat {
  /** Stable id saved with every recording: `ppk2-word-v1`. Never reuse an id for a different layout. */
  id: string
  /**
   * Calibrated current in amperes for each raw word, under the given calibration (the JSON snapshot saved
   * with the recording). A pure function of each word: the store decodes any stretch on its own.
   */
  decodeCurrent(raw: Uint32Array, calibration: unknown, out: Float32Array): void
  /** Digital lines carried inside the word (bit n = Dn), when the format has them. */
  decodeDigital?(raw: Uint32Array, out: Uint8Array): void
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
