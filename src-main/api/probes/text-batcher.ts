/**
 * Turns RTT bytes, which a busy target can produce by the megabyte, into a few text events per second
 * for a console: bytes collect between flushes, at most one event leaves per interval, and a backlog
 * larger than the cap keeps its newest bytes (a console shows the latest output) and counts what it
 * dropped. Pure: the caller supplies the clock, so tests drive it without timers.
 */

export interface TextBatch {
  text: string
  bytes: number
  droppedBytes: number
}

export interface TextBatcherOptions {
  /** Least time between two batches, in seconds. */
  intervalS: number
  /** Most bytes held (and sent in one batch); older bytes beyond this are dropped and counted. */
  maxBytes: number
}

export class TextBatcher {
  private chunks: Uint8Array[] = []
  private held = 0
  private dropped = 0
  private lastFlushS = -Infinity
  private readonly decoder = new TextDecoder('utf-8')

  constructor(readonly options: TextBatcherOptions) {}

  get pendingBytes(): number {
    return this.held
  }

  push(data: Uint8Array): void {
    if (data.length === 0) return
    this.chunks.push(data)
    this.held += data.length
    while (this.held > this.options.maxBytes) {
      const first = this.chunks[0]
      const excess = this.held - this.options.maxBytes
      if (first.length <= excess) {
        this.chunks.shift()
        this.held -= first.length
        this.dropped += first.length
      } else {
        this.chunks[0] = first.subarray(excess)
        this.held -= excess
        this.dropped += excess
      }
    }
  }

  /** A batch if one is due at `nowS` (or `force`d) and anything is held; otherwise null. */
  take(nowS: number, force = false): TextBatch | null {
    if (this.held === 0 && this.dropped === 0) return null
    if (!force && nowS - this.lastFlushS < this.options.intervalS) return null
    const all = new Uint8Array(this.held)
    let at = 0
    for (const c of this.chunks) {
      all.set(c, at)
      at += c.length
    }
    // After a drop, a character begun in the last batch continues in bytes that are gone: reset the
    // decoder's stream state rather than glue it to unrelated bytes.
    if (this.dropped > 0) this.decoder.decode()
    const text = this.decoder.decode(all, { stream: true })
    const batch = { text, bytes: this.held, droppedBytes: this.dropped }
    this.chunks = []
    this.held = 0
    this.dropped = 0
    this.lastFlushS = nowS
    return batch
  }
}
