import { alignStageLog, type AlignOptions } from '../dut/stage-logs/align'
import type { StageLogFormat } from '../dut/stage-logs/formats'
import { parseStageLog } from '../dut/stage-logs/parse'
import type { InferenceMetrics } from '../analysis/metrics'
import type { InferenceWindow } from '../analysis/segments'
import type { TraceReader } from '../analysis/trace-reader'
import type { StageLogLine } from './stage-log-tap'

/**
 * A run's stage log placed on its segmented inferences, infer window by infer window: the lines that
 * arrived during window k are parsed on their own, and its i-th logged pass goes with the i-th
 * inference found in window k (warm-ups included: the firmware logs those too). Each pass is pinned
 * with the stage-log aligner (the inference stage on its segmented burst, the others beside it).
 *
 * What goes wrong is said, never thrown: a line that is not a stage line, a pass that lacks a stage,
 * a window whose log has more or fewer passes than inferences. An inference that cannot be given its
 * stages keeps the window the segmentation found, and when others in the run have stages it is left
 * out of the statistics (role "excluded"), so the per-inference figures stay end to end for all.
 */

export type InferenceRole = 'measured' | 'warmup' | 'outside' | 'excluded'

export interface RunInference {
  metrics: InferenceMetrics
  /** Infer window, 0-based, or null when it lies outside every window. */
  window: number | null
  role: InferenceRole
}

export interface RunStageLog {
  lines: readonly StageLogLine[]
  format: StageLogFormat
  /** Where the lines came from ("max78000 stage log on the DUT's UART (/dev/ttyACM0)"), for warnings. */
  source: string
  /** Print rate of the log, for the aligner's print-time estimate. */
  uartBaud?: number
}

/** Measures an inference window with its stages (the caller's integration options and baseline). */
export type MeasureInference = (w: InferenceWindow) => InferenceMetrics

/** Windows of the run that the stage log is paired against (index and how many inferences ran). */
export interface StageWindowRange {
  index: number
  inferences: number
  warmup: number
}

const quote = (s: string) => `"${s.length > 60 ? `${s.slice(0, 57)}…` : s}"`

export function placeRunStages(
  trace: Pick<TraceReader, 'samplePeriodS' | 'sampleCount'>,
  inferences: readonly RunInference[],
  windows: readonly StageWindowRange[],
  log: RunStageLog,
  measure: MeasureInference
): { inferences: RunInference[]; notes: string[] } {
  const notes: string[] = []
  const say = (text: string) => notes.push(`Stage log (${log.source}): ${text}`)
  const out = inferences.map((x) => ({ ...x }))
  const staged = new Set<RunInference>()
  const fmt = log.format
  const align: AlignOptions = { uartBaud: log.uartBaud }
  const dt = trace.samplePeriodS
  let worstMismatch = { s: 0, inference: -1, logged: 0 }
  let clipped = 0

  const unrecognised: StageLogLine[] = []
  for (const w of windows) {
    const lines = log.lines.filter((l) => l.window === w.index)
    const found = out.filter((x) => x.window === w.index)
    const ran = w.inferences + w.warmup
    if (lines.length === 0) {
      say(`no line arrived during window ${w.index + 1}, where ${ran} inference${ran === 1 ? '' : 's'} ran (expected one pass of stage lines each). Check the source and the firmware's baud rate.`)
      continue
    }
    const scratch = {}
    for (const l of lines) if (fmt.read(l.text, scratch) === null) unrecognised.push(l)
    const parsed = parseStageLog(lines.map((l) => l.text).join('\n'), fmt)
    if (parsed.runs.length !== found.length) {
      say(
        `window ${w.index + 1} logged ${parsed.runs.length} pass${parsed.runs.length === 1 ? '' : 'es'} through the stages where ${found.length} inference${found.length === 1 ? ' was' : 's were'} found on the trace (infer ${w.inferences} ${w.warmup} ran ${ran}); ` +
          'without a one-to-one match its stages were not placed. A pass whose every line was lost, or an inference the segmentation missed or split, causes this.'
      )
      continue
    }
    parsed.runs.forEach((run, j) => {
      const target = found[j]
      const n = target.metrics.index + 1
      if (!run.complete) {
        const got = run.stages.map((s) => `${s.label} (line ${lineNumberIn(log.lines, lines, s.lineNumber)})`).join(', ')
        say(`inference ${n} (window ${w.index + 1}) has no ${run.missing.map((m) => `"${labelOf(fmt, m)}"`).join(', ')} line; its pass holds ${got || 'nothing'}. Its stages cannot be placed without every duration.`)
        return
      }
      const one = alignStageLog(trace, [target.metrics.window], { ...parsed, runs: [run] }, align)
      const placed = one.runs[0]
      if (Math.abs(placed.anchorMismatchS) > Math.abs(worstMismatch.s)) {
        const logged = run.stages.find((s) => s.stage === parsed.anchorStage)?.durationS ?? 0
        worstMismatch = { s: placed.anchorMismatchS, inference: n, logged }
      }
      if (placed.clipped) clipped++
      target.metrics = measure({ ...one.inferences[0], index: target.metrics.index })
      staged.add(target)
    })
  }
  if (unrecognised.length) {
    const shown = unrecognised.slice(0, 3).map((l) => `${quote(l.text)} (window ${(l.window ?? 0) + 1})`)
    say(
      `${unrecognised.length === 1 ? '1 line is not a' : `${unrecognised.length} lines are not`} ${fmt.id} stage line${unrecognised.length === 1 ? '' : 's'}: ${shown.join(', ')}${unrecognised.length > 3 ? ', …' : ''}. ` +
        `Expected lines like ${exampleLine(fmt)}. A garbled line usually means noise on the UART or a baud-rate mismatch.`
    )
  }
  // A logged inference stage longer or shorter than the burst by more than 2 % (and 2 samples)
  // means the segmentation found something else than the accelerator's run.
  if (worstMismatch.inference >= 0 && Math.abs(worstMismatch.s) > Math.max(2 * dt, 0.02 * worstMismatch.logged)) {
    say(
      `the logged ${fmt.anchorStage} stage of inference ${worstMismatch.inference} lasts ${(worstMismatch.logged * 1e3).toFixed(3)} ms, ${(Math.abs(worstMismatch.s) * 1e3).toFixed(3)} ms ${worstMismatch.s > 0 ? 'longer' : 'shorter'} than the burst the segmentation found: ` +
        'check that the threshold (or GPIO pulse) isolates that stage alone, or the other stages are placed off their true place.'
    )
  }
  if (clipped) say(`${clipped} inference${clipped === 1 ? '' : 's'} had stages reaching past the recording's ends; those stages were cut at the edge.`)
  if (staged.size === 0) {
    say('no inference could be given its stages; the inferences are as the segmentation found them.')
    return { inferences: out, notes }
  }
  const left = out.filter((x) => x.role === 'measured' && !staged.has(x))
  for (const x of left) x.role = 'excluded'
  if (left.length) {
    say(
      `${left.length} measured inference${left.length === 1 ? ' has' : 's have'} no placed stages and ${left.length === 1 ? 'is' : 'are'} left out of the statistics (role "excluded"), ` +
        `so every figure covers whole inferences; ${out.filter((x) => x.role === 'measured').length} remain.`
    )
  }
  return { inferences: out, notes }
}

/** The printed label of a stage, for messages ("Memory I/O" rather than "memory"). */
function labelOf(fmt: StageLogFormat, stage: string): string {
  return fmt.sequence.find((s) => s.stage === stage)?.label ?? stage
}

function exampleLine(fmt: StageLogFormat): string {
  switch (fmt.id) {
    case 'max78000':
      return '"Inference Time: 2900 us"'
    case 'mcxn947':
      return '"Inference: 2900 us"'
    case 'we2':
      return '"Inference time: 2900.00 us"'
    default:
      return `one matching ${fmt.description.replace(/^custom pattern /, '')}`
  }
}

/** A line's number in the run's whole stage log (what the user sees in --json), from its number in one window's text. */
function lineNumberIn(all: readonly StageLogLine[], windowLines: readonly StageLogLine[], lineInWindow: number): number {
  return all.indexOf(windowLines[lineInWindow - 1]) + 1
}
