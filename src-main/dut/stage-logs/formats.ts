/**
 * Stage-timing lines as μNPU benchmark firmware prints them over UART, one format per platform
 * (the printf strings of j0shmillar/uNPU-Bench, read from the public repository), plus a format the
 * user defines with a regular expression for any other firmware.
 *
 * A format says how to read one line and in which order the firmware runs its stages, so a log can
 * be cut into runs (one pass through the stages) and each run placed on the power trace (align.ts).
 */

/** Canonical stage names; a custom format may use its own. */
export type StageName = 'init' | 'memory' | 'inference' | 'memory-out' | 'post' | (string & {})

export interface SequenceEntry {
  stage: StageName
  /** The label the firmware prints this stage under (several stages may share one: WE2's two "Memory I/O"). */
  label: string
  /** Printed only in the first run (MCXN947 initialises once). */
  optional?: boolean
  /** Fixed idle time the firmware inserts after this stage (MCXN947's 5 s busy-waits). */
  gapAfterS?: number
  /** The firmware prints this stage's line before starting the next stage, so the line's UART time separates them. */
  printsBetween?: boolean
}

export type LineReading =
  | { kind: 'stage'; label: string; durationS: number; correction?: string }
  | { kind: 'memory'; what: string; usedBytes: number; totalBytes: number }
  | { kind: 'note'; text: string }

/** Per-log scratch space a format may use (MCXN947 pairs start_time/end_time lines). */
export type ReaderState = Record<string, number | undefined>

export interface StageLogFormat {
  id: string
  description: string
  sequence: SequenceEntry[]
  /** The stage the trace segmentation finds (the one with the accelerator's power signature). */
  anchorStage: StageName
  read(line: string, state: ReaderState): LineReading | null
}

export class StageLogFormatError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'StageLogFormatError'
  }
}

/** A %d of a uint32 prints values above 2³¹ as negative; undo that. */
const u32 = (v: number) => (v < 0 ? v + 2 ** 32 : v)

/**
 * Seconds from a printed decimal and its unit's power of ten, rounded once from the decimal text
 * ("12.10" us is exactly the double nearest 12.1e-6, not 12.1 / 1e6 rounded twice).
 */
function decimalSeconds(text: string, exponent: number): number {
  const t = text.trim()
  return /^[-+]?(\d+\.?\d*|\.\d+)$/.test(t) ? Number(`${t}e${exponent}`) : Number(t) * 10 ** exponent
}

/**
 * MAX78000 (npu/max78000/v_*\/main.c): TMR2 timer stages printed after the run finishes,
 * "Initialization Time: %lu us" … "Post-Processing Time: %lu us". The timer is read back to back
 * between stages, so stages are adjacent.
 */
export const MAX78000_FORMAT: StageLogFormat = {
  id: 'max78000',
  description: 'ADI MAX78000: "Initialization/Memory I/O/Inference/Post-Processing Time: N us" (TMR2 timer)',
  anchorStage: 'inference',
  sequence: [
    { stage: 'init', label: 'Initialization' },
    { stage: 'memory', label: 'Memory I/O' },
    { stage: 'inference', label: 'Inference' },
    { stage: 'post', label: 'Post-Processing' }
  ],
  read(line) {
    const m = /^(Initialization|Memory I\/O|Inference|Post-Processing) Time: (\d+) us$/.exec(line)
    if (m) return { kind: 'stage', label: m[1], durationS: decimalSeconds(m[2], -6) }
    if (/^\*\*\* (PASS|FAIL) \*\*\*$/.test(line)) return { kind: 'note', text: line }
    return null
  }
}

/**
 * FRDM-MCXN947 (npu/frdmcxn947/*\/source/infer.cpp): "Init: %d us" once, the tensor arena line, then a
 * loop of "Memory I/O: %d us", "Inference: %d us", and the output copy printed as "Memory I/0: %d us"
 * (digit zero) after "start_time:"/"end_time:" lines, with 5 s busy-waits between stages. The firmware
 * prints the inference's duration again for the output copy (it never recomputes it), so we use
 * end_time − start_time for that stage instead.
 */
export const MCXN947_FORMAT: StageLogFormat = {
  id: 'mcxn947',
  description: 'NXP MCXN947: "Init:", "Memory I/O:", "Inference:", "Memory I/0:" N us, 5 s gaps (µs timer)',
  anchorStage: 'inference',
  sequence: [
    { stage: 'init', label: 'Init', optional: true, gapAfterS: 5, printsBetween: true },
    { stage: 'memory', label: 'Memory I/O', gapAfterS: 5, printsBetween: true },
    { stage: 'inference', label: 'Inference', gapAfterS: 5, printsBetween: true },
    { stage: 'memory-out', label: 'Memory I/0', printsBetween: true }
  ],
  read(line, state) {
    let m: RegExpExecArray | null
    if ((m = /^(Init|Memory I\/O|Inference): (-?\d+) us$/.exec(line))) return { kind: 'stage', label: m[1], durationS: decimalSeconds(String(u32(Number(m[2]))), -6) }
    if ((m = /^start_time: (-?\d+)\s*$/.exec(line))) {
      state.start = u32(Number(m[1]))
      return { kind: 'note', text: line }
    }
    if ((m = /^end_time: (-?\d+)\s*$/.exec(line))) {
      state.end = u32(Number(m[1]))
      return { kind: 'note', text: line }
    }
    if ((m = /^Memory I\/0: (-?\d+) us$/.exec(line))) {
      const { start, end } = state
      state.start = state.end = undefined
      if (start !== undefined && end !== undefined) {
        const us = end >= start ? end - start : end + 2 ** 32 - start
        return { kind: 'stage', label: 'Memory I/0', durationS: decimalSeconds(String(us), -6), correction: `printed ${m[1]} us is the inference's duration (firmware reuses it); used end_time − start_time = ${us} us` }
      }
      return { kind: 'stage', label: 'Memory I/0', durationS: decimalSeconds(String(u32(Number(m[1]))), -6), correction: 'no start_time/end_time lines: kept the printed value, which this firmware copies from the inference' }
    }
    if ((m = /^(\d+)\/(\d+) kB \(([\d.]+)%\) tensor arena used$/.exec(line))) {
      return { kind: 'memory', what: 'tensor arena', usedBytes: Number(m[1]) * 1024, totalBytes: Number(m[2]) * 1024 }
    }
    return null
  }
}

/**
 * Himax WiseEye2 / Grove Vision AI V2 (npu/grove/*\/cvapp.cpp): DWT cycle counts at 100 MHz printed
 * as "Memory I/O time: X.XX us" (input rescale), "Inference time:", "Memory I/O time:" again (output
 * copy) and "Post processing time:" (some builds spell it "Post-processing"). Each line is printed
 * between its stage and the next, so the UART time of the line separates them.
 */
export const WE2_FORMAT: StageLogFormat = {
  id: 'we2',
  description: 'Himax WE2 (Ethos-U55): "Memory I/O time:", "Inference time:", "Memory I/O time:", "Post processing time:" X.XX us (DWT)',
  anchorStage: 'inference',
  sequence: [
    { stage: 'memory', label: 'Memory I/O', printsBetween: true },
    { stage: 'inference', label: 'Inference', printsBetween: true },
    { stage: 'memory-out', label: 'Memory I/O', printsBetween: true },
    { stage: 'post', label: 'Post-processing', printsBetween: true }
  ],
  read(line) {
    const m = /^(Memory I\/O|Inference|Post[- ]processing) time: (-?\d+(?:\.\d+)?) us$/.exec(line)
    if (m) return { kind: 'stage', label: m[1].startsWith('Post') ? 'Post-processing' : m[1], durationS: decimalSeconds(m[2], -6) }
    if (line === 'invoke pass' || line === 'Inference failed') return { kind: 'note', text: line }
    return null
  }
}

export const BUILT_IN_FORMATS: readonly StageLogFormat[] = [MAX78000_FORMAT, MCXN947_FORMAT, WE2_FORMAT]

export function builtInFormat(id: string): StageLogFormat {
  const f = BUILT_IN_FORMATS.find((x) => x.id === id.toLowerCase())
  if (!f) throw new StageLogFormatError(`Unknown stage-log format "${id}". Built in: ${BUILT_IN_FORMATS.map((x) => x.id).join(', ')}; or give your own pattern.`)
  return f
}

export interface CustomFormatSpec {
  /**
   * A regular expression for one line, with a named group `stage` and one duration group named for its
   * unit: `us`, `ms`, `s`, `ns` or `cycles` (then give clockHz). Python's (?P<name>…) is accepted.
   * Example: "^(?<stage>\\w+) took (?<ms>[\\d.]+) ms$".
   */
  pattern: string
  clockHz?: number
  /** Stage names in execution order; a run ends when a stage comes round again. Default: the order they first appear in the log. */
  order?: string[]
  /** Which stage the trace segmentation finds. Default "inference" when there is one, else the first stage. */
  anchorStage?: string
  /** Fixed gaps the firmware leaves after each stage, by stage name. */
  gapAfterS?: Record<string, number>
}

/** Power of ten that turns each unit into seconds. */
const EXPONENT: Record<string, number> = { s: 0, ms: -3, us: -6, ns: -9 }

/** Build a format from a user's pattern, checking it before any log is read. */
export function customStageLogFormat(spec: CustomFormatSpec): StageLogFormat {
  let re: RegExp
  try {
    re = new RegExp(spec.pattern.replace(/\(\?P</g, '(?<'))
  } catch (e) {
    throw new StageLogFormatError(`The stage-log pattern is not a valid regular expression: ${(e as Error).message}.`)
  }
  const groups = [...spec.pattern.matchAll(/\(\?P?<([A-Za-z_][A-Za-z0-9_]*)>/g)].map((m) => m[1])
  if (!groups.includes('stage')) {
    throw new StageLogFormatError(`The stage-log pattern needs a named group (?<stage>…) for the stage name; it has ${groups.length ? groups.join(', ') : 'no named groups'}.`)
  }
  const unit = groups.find((g) => g in EXPONENT || g === 'cycles')
  if (!unit) throw new StageLogFormatError('The stage-log pattern needs a duration group named for its unit: (?<us>…), (?<ms>…), (?<s>…), (?<ns>…) or (?<cycles>…).')
  if (unit === 'cycles' && !(spec.clockHz && spec.clockHz > 0)) {
    throw new StageLogFormatError('The pattern reads cycles: give the clock frequency (clockHz) to turn them into seconds.')
  }
  const order = spec.order ?? []
  const anchor = spec.anchorStage ?? (order.includes('inference') || order.length === 0 ? 'inference' : order[0])
  return {
    id: 'custom',
    description: `custom pattern ${spec.pattern}`,
    anchorStage: anchor,
    sequence: order.map((stage) => ({ stage, label: stage, gapAfterS: spec.gapAfterS?.[stage] })),
    read(line) {
      const m = re.exec(line)
      if (!m?.groups) return null
      const raw = m.groups[unit] ?? ''
      const durationS = unit === 'cycles' ? Number(raw) / spec.clockHz! : decimalSeconds(raw, EXPONENT[unit])
      const stage = m.groups.stage
      if (!stage || !raw.trim() || !Number.isFinite(durationS)) return null
      return { kind: 'stage', label: stage, durationS }
    }
  }
}
