import { existsSync, readFileSync, statSync } from 'node:fs'
import { builtInFormat, customStageLogFormat, StageLogFormatError } from '../../../dut/stage-logs/formats'
import { parseStageLog } from '../../../dut/stage-logs/parse'
import { importRecording } from '../../../formats/import-recording'
import { AnalysisError } from '../../../analysis/segments'
import { analyzeRun, describeSegmentation } from '../../../runs/run-analysis'
import { parseSegmentSpec, parseWindow, SegmentSpecError } from '../../../runs/segment-spec'
import { RecordingNotFoundError, RecordingStore } from '../../../store/recording-store'
import type { RecordingInfo } from '../../../store/recording-info'
import { numberOption, UserError, type CliCommand, type CliContext } from '../command'
import { segmentTable, summaryLines } from './run-text'
import { si } from './si-text'

/** A recording of the workspace by number or UUID, or a file, which is imported first (and kept, so it can be analyzed again by its id). */
async function resolveRecording(ctx: CliContext, store: RecordingStore, ref: string, supplyV: number | undefined): Promise<RecordingInfo> {
  const isFile = existsSync(ref) && statSync(ref).isFile()
  if (!isFile) {
    try {
      return store.get(ref)
    } catch (e) {
      if (e instanceof RecordingNotFoundError) throw new UserError(`${e.message} "${ref}" is not a file either.`)
      throw e
    }
  }
  const outcome = await importRecording(store.db, ref, { supplyV })
  ctx.note(`Imported ${ref} (${outcome.format}) as recording ${outcome.recording.id}; analyze it again with joulebench analyze ${outcome.recording.id}.`)
  return outcome.recording
}

/** The --stage-log file parsed in the --stage-format named, or undefined when none was given. */
function readStageLog(values: Record<string, unknown>) {
  const file = values['stage-log']
  const format = values['stage-format']
  if (file === undefined) {
    if (format !== undefined) throw new UserError('--stage-format needs the log itself: give --stage-log FILE.', 2)
    return undefined
  }
  if (typeof file !== 'string' || !existsSync(file)) throw new UserError(`--stage-log: no such file "${String(file)}".`, 2)
  if (typeof format !== 'string') throw new UserError('Say how the log is written with --stage-format max78000|mcxn947|we2|REGEX.', 2)
  const uartBaud = numberOption(values, 'uart-baud')
  const clockHz = numberOption(values, 'clock-hz')
  try {
    const f = /^(max78000|mcxn947|we2)$/i.test(format) ? builtInFormat(format) : customStageLogFormat({ pattern: format, clockHz })
    const log = parseStageLog(readFileSync(file, 'utf8'), f)
    return { log, align: uartBaud ? { uartBaud } : undefined }
  } catch (e) {
    if (e instanceof StageLogFormatError) throw new UserError(`${file}: ${e.message}`, 2)
    throw e
  }
}

export const analyzeCommand: CliCommand = {
  name: 'analyze',
  summary: 'Cut a recording into inferences and print each one and the statistics (count, mean ± CI, sd, median)',
  usage:
    '(RECORDING | FILE) --segment gpio:D0|threshold:LEVEL[,min=S]|windows:A-B[,…]|timestamps:marks,n=N [--voltage V] [--idle A-B] [--subtract-idle] [--warmup K] [--stage-log FILE --stage-format max78000|mcxn947|we2|REGEX [--uart-baud B] [--clock-hz F]]',
  help: [
    'RECORDING is a number or UUID from joulebench recordings; a FILE (Monsoon CSV, .stpm, .ppk2, CSV) is imported first.',
    'Prints every segment (start, end, duration, energy, charge, average and peak power) and a summary.',
    '',
    '--segment METHOD',
    '  gpio:D0[,low][,edges][,falling][,min=S][,glitch=S]  inferences while D0 is high (low), or between rising (falling) edges',
    '  threshold:LEVEL[,hyst=LEVEL][,min=S]               runs above LEVEL: amperes (5m, 5mA, 0.005) or watts (20mW)',
    '  windows:A-B[,LABEL@C-D…]                           windows typed in seconds; unlabelled ones are inferences,',
    '                                                     labelled ones stages of the inference they overlap, "idle" a baseline',
    '  timestamps:marks|D7,n=N[,windows=K][,mlperf]       MLPerf Tiny energy mode: energy between the last 2K DUT',
    '                                                     timestamps ÷ N; mlperf scores the median of 5 windows ≥ 10 s',
    '--voltage V       supply voltage for energy where the recording has no measured voltage',
    '--idle A-B        idle window (seconds) for the baseline; --subtract-idle reports energy above it',
    '--warmup K        leave the first K inferences out of the statistics (the convolution study drops 1)',
    '--stage-log FILE  the firmware\'s UART log of stage times; each logged run is pinned to a segmented inference',
    '--stage-format F  max78000, mcxn947, we2, or a regular expression with (?<stage>…) and (?<us>…)/(?<ms>…)/(?<cycles>…)',
    '--uart-baud B     baud rate the log was printed at (estimates the print time between stages, WE2)',
    '--clock-hz F      core clock, for a pattern that reads cycles'
  ].join('\n'),
  options: {
    segment: { type: 'string' },
    voltage: { type: 'string' },
    idle: { type: 'string' },
    'subtract-idle': { type: 'boolean', default: false },
    warmup: { type: 'string' },
    confidence: { type: 'string' },
    'stage-log': { type: 'string' },
    'stage-format': { type: 'string' },
    'uart-baud': { type: 'string' },
    'clock-hz': { type: 'string' }
  },
  async run(ctx, values, positionals) {
    if (positionals.length !== 1) throw new UserError('analyze expects one RECORDING or FILE. See joulebench analyze --help.', 2)
    if (typeof values.segment !== 'string') throw new UserError('Say how to cut the recording with --segment (e.g. --segment threshold:5mA,min=1ms). See joulebench analyze --help.', 2)
    const supplyV = numberOption(values, 'voltage')
    if (supplyV !== undefined && !(supplyV > 0)) throw new UserError(`--voltage expects a positive number of volts, got ${supplyV}.`, 2)
    const warmup = numberOption(values, 'warmup', 0)!
    if (!Number.isInteger(warmup) || warmup < 0) throw new UserError(`--warmup expects a whole number ≥ 0, got ${warmup}.`, 2)
    const confidence = numberOption(values, 'confidence', 0.95)!
    if (!(confidence > 0 && confidence < 1)) throw new UserError(`--confidence is a level between 0 and 1 (0.95 for 95 %), got ${confidence}.`, 2)
    let spec: ReturnType<typeof parseSegmentSpec>
    let idle: { startS: number; endS: number } | null = null
    try {
      spec = parseSegmentSpec(values.segment)
      if (typeof values.idle === 'string') idle = parseWindow(values.idle, '--idle')
    } catch (e) {
      if (e instanceof SegmentSpecError) throw new UserError(e.message, 2)
      throw e
    }
    const subtractIdle = values['subtract-idle'] === true
    const labelledIdle = spec.segmentation.kind === 'windows' && spec.segmentation.windows.some((w) => /^\s*idle\b/i.test(w.label))
    if (subtractIdle && !idle && !labelledIdle) throw new UserError('--subtract-idle needs an idle window: give --idle A-B (seconds), or an idle@A-B window.', 2)

    const stageLog = readStageLog(values)

    const store = RecordingStore.open(ctx.workspace(), ctx.dbPath)
    const info = await resolveRecording(ctx, store, positionals[0], supplyV)
    const durationS = store.durationS(info)
    if (idle && idle.startS >= durationS) throw new UserError(`--idle ${idle.startS}-${idle.endS} s starts after recording ${info.id} ends (${si(durationS, 's')}).`)
    let analysis: ReturnType<typeof analyzeRun>
    try {
      analysis = analyzeRun(store.reader(info.id), {
        segmentation: spec.segmentation,
        supplyV: supplyV ?? null,
        idle,
        subtractIdle,
        confidence,
        warmup,
        inferenceCount: spec.inferenceCount,
        timestampWindows: spec.timestampWindows,
        stageLog
      })
    } catch (e) {
      if (e instanceof AnalysisError) throw new UserError(`Recording ${info.id} "${info.name}": ${e.message}`)
      throw e
    }
    const doc = {
      recording: { id: info.id, uuid: info.uuid, name: info.name, durationS, supplyV: supplyV ?? info.supplyV },
      segmentation: spec.segmentation,
      segments: analysis.segments,
      summary: analysis.summary,
      dropped: analysis.dropped,
      notes: analysis.notes
    }
    ctx.report(doc, () => {
      const lines = [
        `Recording ${info.id} "${info.name}" (${si(durationS, 's')}), cut by ${describeSegmentation(spec.segmentation)}`,
        '',
        ...segmentTable(analysis.segments),
        '',
        ...summaryLines(analysis.summary)
      ]
      if (analysis.dropped.length) {
        const why = new Map<string, number>()
        for (const d of analysis.dropped) why.set(d.reason, (why.get(d.reason) ?? 0) + 1)
        lines.push(`  left out: ${[...why].map(([r, n]) => `${n} ${r}`).join(', ')} (see --json for where)`)
      }
      for (const n of analysis.notes) lines.push(`  note: ${n}`)
      return lines.join('\n')
    })
  }
}
