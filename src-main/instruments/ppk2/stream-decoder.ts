import { WORD_COUNTER_SHIFT, WORD_RANGE_SHIFT } from './protocol'

/**
 * Serial bytes → sample words with explicit gaps, using the word's 6-bit rolling counter.
 *
 * A word is taken as the next sample when its counter is the expected one and the two following
 * words continue the sequence. Anything else goes to a slower path that decides, from a few words of
 * lookahead, between:
 *  - a counter glitch (the words after it continue the old sequence): the sample is kept, as the
 *    Power Profiler app does (its PR #166 found the counter "unstable");
 *  - a corrupt word (range field 5–7) in sequence: its slot becomes a one-sample gap;
 *  - lost samples (the next words run on from another counter): a gap of (counter − expected) mod 64
 *    samples *at the index where they belong* — the app adds 63 instead of 64, files its placeholders
 *    about five samples late and stores them as 0.2 µA readings;
 *  - lost or extra bytes, which misalign the 4-byte framing: the decoder searches byte by byte for the
 *    next run of words with consecutive counters and decides what lies between (see `bridge`).
 * The rule throughout: a sample that cannot be vouched for is reported lost, never delivered wrong.
 * Whole lost samples (the USB failure) are counted exactly. A lost or stray byte near a word boundary
 * can cost up to two samples beyond the one it damaged, because only the counter byte of a word is
 * ever checked. Losses that are a whole multiple of 64 samples leave the counter unchanged and cannot
 * be seen here.
 */

export interface Ppk2StreamOutput {
  /** Consecutive samples starting at sample index `startIndex`. The array is the caller's to keep. */
  words(startIndex: number, words: Uint32Array): void
  /** `count` sample slots starting at `startIndex` are lost. */
  gap(startIndex: number, count: number, reason: string): void
}

export interface Ppk2StreamStats {
  /** Words delivered as samples. */
  samples: number
  /** Sample slots reported inside gaps. */
  lostSamples: number
  gaps: number
  /** Bytes that did not end up in a delivered word (partial words, garbage, bytes before the first sync). */
  discardedBytes: number
  /** Words kept although their counter was off, because the words after them continued the sequence. */
  counterGlitches: number
  /** Words in sequence whose range field was invalid (5–7); each is a lost slot. */
  corruptWords: number
  /** Times the byte framing was searched for again. */
  resyncs: number
}

/** Words of lookahead that must confirm a decision (4 random words pass with odds of about 1 in 10⁸). */
const CONFIRM = 4
const RUN = CONFIRM + 1
/** While searching, bytes held beyond the search window are dropped so garbage cannot grow memory. */
const MAX_SEARCH_BYTES = 1 << 16

type Mode = 'unsynced' | 'synced' | 'resync'

export class Ppk2StreamDecoder {
  private buf = new Uint8Array(1 << 16)
  private u32 = new Uint32Array(this.buf.buffer)
  private len = 0
  private mode: Mode = 'unsynced'
  private expected = 0
  /** During a resync, how far past the damaged word the search has already looked. */
  private searchedTo = 0
  private out = new Uint32Array(1 << 14)
  private outLen = 0
  private index = 0
  readonly stats: Ppk2StreamStats = {
    samples: 0,
    lostSamples: 0,
    gaps: 0,
    discardedBytes: 0,
    counterGlitches: 0,
    corruptWords: 0,
    resyncs: 0
  }

  constructor(private readonly output: Ppk2StreamOutput) {}

  /** Index of the next sample slot (samples delivered plus slots in gaps). */
  get nextIndex(): number {
    return this.index
  }

  /** Bytes held until more arrive (an incomplete word, or lookahead not yet confirmed). */
  get pendingBytes(): number {
    return this.len
  }

  push(chunk: Uint8Array): void {
    this.append(chunk)
    this.process(false)
    this.flushWords()
  }

  /** End of the stream: decide on the held bytes with whatever lookahead there is. */
  finish(): void {
    this.process(true)
    this.flushWords()
    this.stats.discardedBytes += this.len
    this.len = 0
  }

  /**
   * A new stream on the same sample timeline (after AverageStart): forget the counter and the held bytes
   * and continue from `nextIndex`, or from `startIndex` when the caller knows better (a reconnect gap).
   */
  restart(startIndex = this.index): void {
    this.flushWords()
    this.stats.discardedBytes += this.len
    this.len = 0
    this.mode = 'unsynced'
    this.index = startIndex
  }

  /** Report slots the decoder cannot see (a disconnect) as a gap and move the index past them. */
  skip(count: number, reason: string): void {
    if (count <= 0) return
    this.flushWords()
    this.emitGap(count, reason)
  }

  private append(chunk: Uint8Array): void {
    if (this.len + chunk.length > this.buf.length) {
      let size = this.buf.length
      while (size < this.len + chunk.length) size *= 2
      const bigger = new Uint8Array(size)
      bigger.set(this.buf.subarray(0, this.len))
      this.buf = bigger
      this.u32 = new Uint32Array(bigger.buffer)
    }
    this.buf.set(chunk, this.len)
    this.len += chunk.length
  }

  private wordAt(p: number): number {
    const b = this.buf
    return (b[p] | (b[p + 1] << 8) | (b[p + 2] << 16) | (b[p + 3] << 24)) >>> 0
  }

  /** `count` words from p whose counters run on by one and whose ranges are valid. */
  private runAt(p: number, count: number): boolean {
    let c = (this.wordAt(p) >>> WORD_COUNTER_SHIFT) & 63
    for (let k = 0; k < count; k++) {
      const w = this.wordAt(p + 4 * k)
      if (((w >>> WORD_RANGE_SHIFT) & 7) > 4 || ((w >>> WORD_COUNTER_SHIFT) & 63) !== c) return false
      c = (c + 1) & 63
    }
    return true
  }

  /** Words from p follow the expected counter `from` for `count` words. */
  private continuesFrom(p: number, from: number, count: number): boolean {
    let c = from
    for (let k = 0; k < count; k++) {
      const w = this.wordAt(p + 4 * k)
      if (((w >>> WORD_RANGE_SHIFT) & 7) > 4 || ((w >>> WORD_COUNTER_SHIFT) & 63) !== c) return false
      c = (c + 1) & 63
    }
    return true
  }

  private process(final: boolean): void {
    let p = 0
    let end = this.len
    for (;;) {
      if (this.mode === 'unsynced') {
        const runWords = final ? Math.min(RUN, (end - p) >> 2) : RUN
        if (runWords < 2 && final) break
        let q = -1
        for (let s = p; s + 4 * runWords <= end; s++) {
          if (this.runAt(s, runWords)) {
            q = s
            break
          }
        }
        if (q < 0) {
          // Keep only the bytes that could still start a run once more arrive.
          const keepFrom = Math.max(p, end - 4 * RUN + 1)
          this.stats.discardedBytes += keepFrom - p
          p = keepFrom
          break
        }
        this.stats.discardedBytes += q - p
        p = q
        this.expected = (this.wordAt(p) >>> WORD_COUNTER_SHIFT) & 63
        this.mode = 'synced'
        continue
      }
      if (this.mode === 'synced') {
        if ((p & 3) !== 0) {
          // Framing resumed at an odd byte: move the held bytes so the typed view lines up again.
          this.buf.copyWithin(0, p, end)
          this.len = end = end - p
          p = 0
        }
        p = this.fastPath(p, end)
        const wordsLeft = (end - p) >> 2
        if (wordsLeft === 0 || (wordsLeft < 3 && !final)) break
        if (wordsLeft < 3) {
          // The stream has ended: the last words cannot be confirmed by later ones, so take those in sequence.
          const w = this.wordAt(p)
          if (((w >>> WORD_COUNTER_SHIFT) & 63) === this.expected && ((w >>> WORD_RANGE_SHIFT) & 7) <= 4) {
            this.accept(w)
            this.expected = (this.expected + 1) & 63
            p += 4
            continue
          }
        }
        const next = this.slowPath(p, end, final)
        if (next < 0) break
        p = next
        continue
      }
      // resync: the word at p broke the sequence; search for where the framing resumes.
      const next = this.resync(p, end, final)
      if (next < 0) {
        if (end - p > MAX_SEARCH_BYTES) {
          const drop = end - p - 4 * RUN
          this.stats.discardedBytes += drop
          p += drop
          this.searchedTo = Math.max(0, this.searchedTo - drop)
        }
        break
      }
      p = next
    }
    // Move what is held to the front, so the next push starts word-aligned in the buffer.
    if (p > 0) {
      this.buf.copyWithin(0, p, end)
    }
    this.len = end - p
  }

  /** Takes every confirmed in-sequence word from p (word-aligned); returns where it stopped. */
  private fastPath(p: number, end: number): number {
    const u32 = this.u32
    let i = p >> 2
    const last = (end >> 2) - 2
    let e = this.expected
    const first = i
    while (i < last) {
      const w = u32[i]
      if (
        ((w >>> 18) & 63) !== e ||
        ((w >>> 14) & 7) > 4 ||
        ((u32[i + 1] >>> 18) & 63) !== ((e + 1) & 63) ||
        ((u32[i + 2] >>> 18) & 63) !== ((e + 2) & 63)
      ) {
        break
      }
      e = (e + 1) & 63
      i++
    }
    if (i > first) this.acceptMany(u32.subarray(first, i))
    this.expected = e
    return i << 2
  }

  /**
   * The fast path stopped at p with words after it. Finds the first word that breaks the sequence; if the
   * words after that one carry on from the expected counter, it is a glitch (or a corrupt word) in its
   * slot. Otherwise the framing or whole samples were lost: search for where the stream resumes.
   * Returns the position to continue from, or -1 to wait for more bytes.
   */
  private slowPath(p: number, end: number, final: boolean): number {
    let e = this.expected
    let s = p
    while (s + 4 <= end) {
      const w = this.wordAt(s)
      if (((w >>> WORD_COUNTER_SHIFT) & 63) !== e || ((w >>> WORD_RANGE_SHIFT) & 7) > 4) break
      e = (e + 1) & 63
      s += 4
    }
    const after = ((end - s) >> 2) - 1
    if (after < CONFIRM && !final) return -1
    const confirm = Math.min(CONFIRM, after)
    if (confirm > 0 && this.continuesFrom(s + 4, (e + 1) & 63, confirm)) {
      // The words after this one continue the sequence, so this word sits in slot e whatever its counter says.
      for (let k = p; k < s; k += 4) this.accept(this.wordAt(k))
      const w = this.wordAt(s)
      if (((w >>> WORD_RANGE_SHIFT) & 7) > 4) {
        this.stats.corruptWords++
        this.stats.discardedBytes += 4
        this.flushWords()
        this.emitGap(1, 'corrupt sample word (invalid range field)')
      } else {
        this.stats.counterGlitches++
        this.accept(w)
      }
      this.expected = (e + 1) & 63
      return s + 4
    }
    this.mode = 'resync'
    this.searchedTo = 0
    this.stats.resyncs++
    return p
  }

  /** Search for the next run of consecutive words after p; returns where to continue, or -1 to wait. */
  private resync(p: number, end: number, final: boolean): number {
    const available = (end - p) >> 2
    const runWords = final ? Math.min(RUN, available) : RUN
    // Words still in sequence from p had their counters checked where counters belong; a run that starts
    // inside them would need a second coincidence, so the search starts at the last of them.
    let inSequence = p
    for (let e = this.expected; inSequence + 4 <= end; e = (e + 1) & 63, inSequence += 4) {
      const w = this.wordAt(inSequence)
      if (((w >>> WORD_COUNTER_SHIFT) & 63) !== e || ((w >>> WORD_RANGE_SHIFT) & 7) > 4) break
    }
    const searchFrom = Math.max(p, inSequence - 3)
    let q = -1
    if (runWords >= 2) {
      for (let s = Math.max(searchFrom, p + this.searchedTo); s + 4 * runWords <= end; s++) {
        if (this.runAt(s, runWords)) {
          q = s
          break
        }
        this.searchedTo = s + 1 - p
      }
    }
    if (q < 0 && !final) return -1
    if (q < 0) {
      // The stream ended inside the damage: keep what still follows the sequence, drop the rest.
      let e = this.expected
      let s = p
      while (s + 4 <= end) {
        const w = this.wordAt(s)
        if (((w >>> WORD_COUNTER_SHIFT) & 63) !== e || ((w >>> WORD_RANGE_SHIFT) & 7) > 4) break
        this.accept(w)
        e = (e + 1) & 63
        s += 4
      }
      this.expected = e
      this.stats.discardedBytes += end - s
      this.mode = 'synced'
      return end
    }
    const next = this.bridge(p, q)
    this.mode = 'synced'
    return next
  }

  /**
   * Decides what lies between p (where the sequence broke) and q (where a run of consecutive words
   * resumes): which words are kept, which slots are lost, and whether the run's first word is itself
   * suspect. Returns the position to continue from (q, or q + 4 when q's word is given up).
   *
   * Only the counter byte (third) and range bits of a word are ever checked, so a word that passes can
   * still carry a stray first or last byte. Wherever two readings of the bytes leave the same counters
   * behind, every word either reading could have damaged is given up: a lost sample is reported, never a
   * wrong value. Whole lost words (the USB case) are counted exactly.
   */
  private bridge(p: number, q: number): number {
    const resumeCounter = (this.wordAt(q) >>> WORD_COUNTER_SHIFT) & 63
    // Words carrying the sequence on unbroken from p, ending before q.
    let s = p
    let unbroken = 0
    let e = this.expected
    while (s + 4 <= q) {
      const w = this.wordAt(s)
      if (((w >>> WORD_COUNTER_SHIFT) & 63) !== e || ((w >>> WORD_RANGE_SHIFT) & 7) > 4) break
      e = (e + 1) & 63
      unbroken++
      s += 4
    }
    const aligned = ((q - p) & 3) === 0
    let keep = unbroken
    let giveUpQ = false
    if (unbroken > 0 && s !== q && ((e - resumeCounter) & 63) === 1) {
      // The run resumes on the last kept word's counter with other bytes in between: one of the two is a
      // stray that fits by chance, and nothing tells which. (With nothing in between, 63 samples were lost.)
      keep = unbroken - 1
      giveUpQ = true
    } else if (!aligned) {
      const into = q - s
      const bytesMissing = into < 4 * ((resumeCounter - e) & 63)
      const f = into < 4 ? this.wordAt(s) : 0
      const fInSequence = into < 4 && ((f >>> WORD_COUNTER_SHIFT) & 63) === e && ((f >>> WORD_RANGE_SHIFT) & 7) <= 4
      // F (the word at s) still in sequence: the damage starts at its last byte or later, and q lies inside
      // it, so F or q holds shifted bytes. F out of sequence with bytes missing: the loss may start at the
      // last byte of the word before F, and reaches into q when q is F + 1.
      if (bytesMissing && !fInSequence && unbroken > 0) keep = unbroken - 1
      giveUpQ = fInSequence || (bytesMissing && into === 1)
    }
    for (let k = 0; k < keep; k++) this.accept(this.wordAt(p + 4 * k))
    this.expected = (this.expected + keep) & 63
    let from = p + 4 * keep
    if (aligned && !giveUpQ && keep === unbroken) {
      // Framing intact: words in between whose counters fall in order before the run's are kept, with a
      // gap before each jump, so two losses close together stay two gaps.
      for (; from < q; from += 4) {
        const w = this.wordAt(from)
        const ahead = (((w >>> WORD_COUNTER_SHIFT) & 63) - this.expected) & 63
        if (((w >>> WORD_RANGE_SHIFT) & 7) > 4 || ahead >= ((resumeCounter - this.expected) & 63)) {
          this.stats.discardedBytes += 4
          continue
        }
        if (ahead > 0) {
          this.flushWords()
          this.emitGap(ahead, 'samples lost (sample counter skipped)')
        }
        this.accept(w)
        this.expected = (this.expected + ahead + 1) & 63
      }
    }
    const resumeAt = giveUpQ ? q + 4 : q
    this.stats.discardedBytes += resumeAt - from
    const resumeSlotCounter = (resumeCounter + (giveUpQ ? 1 : 0)) & 63
    const lost = (resumeSlotCounter - this.expected) & 63
    if (lost > 0) {
      this.flushWords()
      this.emitGap(lost, aligned && !giveUpQ ? 'samples lost (sample counter skipped)' : 'samples lost (bytes missing, added or corrupt)')
    }
    this.expected = resumeSlotCounter
    return resumeAt
  }

  private accept(w: number): void {
    if (this.outLen === this.out.length) this.growOut(1)
    this.out[this.outLen++] = w
  }

  private acceptMany(words: Uint32Array): void {
    if (this.outLen + words.length > this.out.length) this.growOut(words.length)
    this.out.set(words, this.outLen)
    this.outLen += words.length
  }

  private growOut(extra: number): void {
    let size = this.out.length
    while (size < this.outLen + extra) size *= 2
    const bigger = new Uint32Array(size)
    bigger.set(this.out.subarray(0, this.outLen))
    this.out = bigger
  }

  private flushWords(): void {
    if (this.outLen === 0) return
    const words = this.out.slice(0, this.outLen)
    const start = this.index
    this.index += this.outLen
    this.stats.samples += this.outLen
    this.outLen = 0
    this.output.words(start, words)
  }

  private emitGap(count: number, reason: string): void {
    const start = this.index
    this.index += count
    this.stats.gaps++
    this.stats.lostSamples += count
    this.output.gap(start, count, reason)
  }
}
