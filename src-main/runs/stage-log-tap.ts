import type { ParsedLine } from '../dut/mlperf-tiny/protocol'
import { ReplyLineSplitter } from '../dut/mlperf-tiny/protocol'

/**
 * The stage-log lines of a run as they arrive, each with the host time it arrived and the infer
 * window under way then: the run pairs the log's passes with the inferences window by window, so a
 * line lost or garbled in one window cannot shift the stages of every window after it.
 *
 * Lines come from the DUT's UART (the text lines between MLPerf Tiny replies) or from bytes of a
 * separate serial port. The list is bounded: a port spewing noise costs a counted warning, not memory.
 */

export interface StageLogLine {
  text: string
  /** Host clock (ms since the epoch) when the line's end arrived. */
  atMs: number
  /** 0-based infer window under way when it arrived; null before the first window began. */
  window: number | null
}

/** Far more than any plan's inferences × stages; a longer log is noise, not stages. */
export const MAX_STAGE_LOG_LINES = 200_000

export class StageLogTap {
  readonly lines: StageLogLine[] = []
  /** Lines past MAX_STAGE_LOG_LINES, not kept. */
  overflow = 0
  /** Why the source stopped early (its port went away), if it did. */
  lostReason: string | null = null
  private window: number | null = null
  private readonly splitter = new ReplyLineSplitter()

  /** `source` names where the lines come from, for every warning about them. */
  constructor(readonly source: string) {}

  /** Lines from now on belong to infer window `index` (0-based). */
  beginWindow(index: number): void {
    this.window = index
  }

  push(text: string, atMs = Date.now()): void {
    const line = text.trim()
    if (!line) return
    if (this.lines.length >= MAX_STAGE_LOG_LINES) {
      this.overflow++
      return
    }
    this.lines.push({ text: line, atMs, window: this.window })
  }

  /** A line of the DUT link: only the DUT's own text lines are stage lines, never protocol replies. */
  pushDutLine(parsed: ParsedLine, viaInterfaceBoard: boolean): void {
    if (parsed.relayed !== viaInterfaceBoard || parsed.reply.kind !== 'text') return
    this.push(parsed.reply.text)
  }

  /** Raw bytes of a separate serial port. */
  pushBytes(chunk: Uint8Array): void {
    const at = Date.now()
    for (const line of this.splitter.push(chunk)) this.push(line, at)
  }

  /** The text after the last line end, taken as a line when the run ends (a firmware may not end its last line). */
  flush(): void {
    const rest = this.splitter.discardPartial()
    if (rest.trim()) this.push(rest)
  }

  linesOfWindow(index: number): StageLogLine[] {
    return this.lines.filter((l) => l.window === index)
  }

  /** Anomalies of the byte stream (non-ASCII bytes: a wrong baud rate), in words. */
  get anomalies(): string[] {
    return this.splitter.anomalies.map((a) => a.detail)
  }
}
