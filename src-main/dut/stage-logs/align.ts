import type { TraceReader } from '../../analysis/trace-reader'
import { AnalysisError, type InferenceWindow, type StageWindow, type TraceWindow } from '../../analysis/segments'
import type { StageLogParse, StageRun } from './parse'

/**
 * Put logged stages on the power trace.
 *
 * The method: the trace tells us where one stage really is (the anchor, usually the inference: the
 * accelerator's burst, found by threshold, GPIO or a manual window); the log tells us how long every
 * stage lasted and in which order they ran. We pin the anchor stage to its segmented window, then lay
 * the stages before it end-to-start backwards from the anchor's start, and the stages after it
 * start-to-end forwards from the anchor's end, each with its logged duration, separated by whatever
 * the firmware does between them: nothing (MAX78000 reads its timer back to back: "adjacent"), the
 * UART time of the line it prints (WE2, with the log's baud rate given), or a fixed busy-wait
 * (MCXN947's 5 s): those two are "estimated". The k-th complete run goes with the k-th window.
 *
 * What this cannot know: the firmware's own timer error against the analyzer's clock, and print
 * times when no baud rate is given. The logged-vs-measured anchor mismatch is reported for each run
 * so the user can judge.
 */

export interface AlignOptions {
  /**
   * How the anchor stage sits on its window: "segment" takes the window as found (default); "start"
   * keeps the window's start and the logged duration; "end" keeps its end and the logged duration.
   */
  anchor?: 'segment' | 'start' | 'end'
  /** With more runs than windows (or the reverse), pair from the first ones (default) or the last ones. */
  pairing?: 'first' | 'last'
  /** Baud rate the log was printed at, to estimate print time between stages. */
  uartBaud?: number
  /** Use incomplete runs too. Default false. */
  includeIncomplete?: boolean
}

export interface AlignedRun {
  run: number
  inference: InferenceWindow
  /** Logged anchor duration minus the segmented window's duration. */
  anchorMismatchS: number
  /** A stage fell partly or wholly outside the recording. */
  clipped: boolean
}

export interface StageAlignment {
  inferences: InferenceWindow[]
  runs: AlignedRun[]
  unpairedRuns: number[]
  unpairedWindows: number
}

export function alignStageLog(
  trace: Pick<TraceReader, 'samplePeriodS' | 'sampleCount'>,
  anchorWindows: readonly TraceWindow[],
  log: StageLogParse,
  options: AlignOptions = {}
): StageAlignment {
  const dt = trace.samplePeriodS
  const usable = log.runs.filter((r) => (options.includeIncomplete || r.complete) && r.stages.some((s) => s.stage === log.anchorStage))
  if (usable.length === 0) {
    throw new AnalysisError(
      `The stage log has no ${options.includeIncomplete ? '' : 'complete '}run with a "${log.anchorStage}" stage to pin to the trace (${log.runs.length} run(s) read, ${log.unmatchedLines} line(s) not recognised). Check the format (${log.format}) matches the firmware's output.`
    )
  }
  const pairs = Math.min(usable.length, anchorWindows.length)
  const fromLast = options.pairing === 'last'
  const runs = fromLast ? usable.slice(usable.length - pairs) : usable.slice(0, pairs)
  const windows = fromLast ? anchorWindows.slice(anchorWindows.length - pairs) : anchorWindows.slice(0, pairs)
  const aligned = runs.map((run, k) => placeRun(run, windows[k], k, log, dt, trace.sampleCount, options))
  const pairedRuns = new Set(runs.map((r) => r.index))
  return {
    inferences: aligned.map((a) => a.inference),
    runs: aligned,
    unpairedRuns: usable.filter((r) => !pairedRuns.has(r.index)).map((r) => r.index),
    unpairedWindows: anchorWindows.length - pairs
  }
}

function placeRun(
  run: StageRun,
  window: TraceWindow,
  index: number,
  log: StageLogParse,
  dt: number,
  sampleCount: number,
  options: AlignOptions
): AlignedRun {
  const entries = run.stages
  const a = entries.findIndex((e) => e.stage === log.anchorStage)
  const gapAfter = (k: number): { s: number; exact: boolean } => {
    const seq = log.sequence.find((x) => x.stage === entries[k].stage)
    const fixed = seq?.gapAfterS ?? 0
    const printS = seq?.printsBetween && options.uartBaud ? ((entries[k].text.length + 1) * 10) / options.uartBaud : 0
    return { s: fixed + printS, exact: fixed === 0 && !seq?.printsBetween }
  }
  const logged = entries[a].durationS
  const mode = options.anchor ?? 'segment'
  const anchorStart = mode === 'end' ? window.endS - logged : window.startS
  const anchorEnd = mode === 'start' ? window.startS + logged : window.endS
  const placed: Array<{ k: number; startS: number; endS: number; placement: StageWindow['placement'] }> = [
    { k: a, startS: anchorStart, endS: anchorEnd, placement: 'anchored' }
  ]
  let edge = anchorStart
  let exact = true
  for (let k = a - 1; k >= 0; k--) {
    const g = gapAfter(k)
    exact &&= g.exact
    const endS = edge - g.s
    placed.unshift({ k, startS: endS - entries[k].durationS, endS, placement: exact ? 'adjacent' : 'estimated' })
    edge = endS - entries[k].durationS
  }
  edge = anchorEnd
  exact = true
  for (let k = a + 1; k < entries.length; k++) {
    const g = gapAfter(k - 1)
    exact &&= g.exact
    const startS = edge + g.s
    placed.push({ k, startS, endS: startS + entries[k].durationS, placement: exact ? 'adjacent' : 'estimated' })
    edge = startS + entries[k].durationS
  }
  let clipped = false
  const toIndex = (tS: number) => {
    const i = Math.round(tS / dt)
    if (i < 0 || i > sampleCount) clipped = true
    return Math.min(sampleCount, Math.max(0, i))
  }
  const stages: StageWindow[] = []
  for (const p of placed) {
    const exactAnchor = p.k === a && mode === 'segment'
    const s = exactAnchor ? window.startIndex : toIndex(p.startS)
    const e = exactAnchor ? window.endIndex : toIndex(p.endS)
    if (e <= s) continue
    stages.push({ stage: entries[p.k].stage, startIndex: s, endIndex: e, startS: s * dt, endS: e * dt, placement: p.placement })
  }
  const startIndex = Math.min(...stages.map((s) => s.startIndex))
  const endIndex = Math.max(...stages.map((s) => s.endIndex))
  return {
    run: run.index,
    inference: { startIndex, endIndex, startS: startIndex * dt, endS: endIndex * dt, index, source: 'stage-log', stages },
    anchorMismatchS: logged - (window.endS - window.startS),
    clipped
  }
}
