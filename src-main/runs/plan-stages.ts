import { z } from 'zod'
import { builtInFormat, customStageLogFormat, StageLogFormatError, type StageLogFormat } from '../dut/stage-logs/formats'

/**
 * The `stages` section of a benchmark plan: where the firmware's stage-time log comes from while the
 * run goes on, and how it is written. The run collects the lines, parses them with the stage-log
 * parsers and pins each logged run to its segmented inference (src-main/runs/run-stages.ts).
 *
 * Sources:
 * - dut-uart: the DUT's own UART, as it prints between protocol replies (the μNPU study's firmware
 *   prints its stage times there); lines that are MLPerf Tiny replies are not stage lines.
 * - serial: a separate serial port (a second UART, a debug probe's VCOM), opened for the run.
 * - none: the section is kept but no log is read (switch it off without deleting the format).
 *
 * Formats: max78000, mcxn947, we2 (the μNPU study's printf strings), or a pattern of one line with a
 * named group `stage` and a duration group named for its unit, as `joulebench analyze --stage-format`.
 */

export const BUILT_IN_STAGE_FORMATS = ['max78000', 'mcxn947', 'we2'] as const
export const DEFAULT_STAGE_LOG_BAUD = 115200

const stageName = z.string().trim().min(1, 'must not be empty').max(100, 'must be at most 100 characters')

const customFormat = z
  .object({
    /** A regular expression for one line: (?<stage>…) and (?<us>…), (?<ms>…), (?<s>…), (?<ns>…) or (?<cycles>…). */
    pattern: z.string().min(1, 'must not be empty').max(1000, 'must be at most 1000 characters'),
    /** Core clock, for a pattern that reads cycles. */
    clockHz: z.number().finite().positive('must be more than 0 Hz').optional(),
    /** Stage names in execution order (default: the order they first appear). */
    order: z.array(stageName).max(50, 'at most 50 stages').optional(),
    /** The stage the trace segmentation finds (default "inference", else the first). */
    anchorStage: stageName.optional()
  })
  .strict()

const source = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('dut-uart') }).strict(),
  z
    .object({
      kind: z.literal('serial'),
      port: z.string().trim().min(1, 'must not be empty').max(300, 'must be at most 300 characters'),
      baudRate: z.number().int('must be a whole number').positive('must be more than 0').default(DEFAULT_STAGE_LOG_BAUD)
    })
    .strict(),
  z.object({ kind: z.literal('none') }).strict()
])

export const planStagesSchema = z
  .object({
    source: source.default({ kind: 'dut-uart' }),
    format: z.union([z.enum(BUILT_IN_STAGE_FORMATS), customFormat], {
      error: `must be ${BUILT_IN_STAGE_FORMATS.map((f) => `"${f}"`).join(', ')} or { "pattern": "…" } (with optional clockHz, order, anchorStage)`
    }),
    /**
     * Baud rate the log is printed at, to estimate the print time between stages (WE2 prints between
     * them). Default: the source's own rate.
     */
    uartBaud: z.number().int('must be a whole number').positive('must be more than 0').optional()
  })
  .strict()

export type PlanStages = z.output<typeof planStagesSchema>
export type PlanStageFormat = PlanStages['format']

/** The parser for a plan's stage format; throws StageLogFormatError for a bad pattern. */
export function stageLogFormat(format: PlanStageFormat): StageLogFormat {
  return typeof format === 'string' ? builtInFormat(format) : customStageLogFormat(format)
}

/** Problems with a custom pattern, found before the run starts, as plan issues under stages.format. */
export function stageFormatProblems(format: PlanStageFormat): Array<{ path: string[]; message: string }> {
  if (typeof format === 'string') return []
  try {
    customStageLogFormat(format)
    return []
  } catch (e) {
    if (!(e instanceof StageLogFormatError)) throw e
    const path = /clock/.test(e.message) ? ['stages', 'format', 'clockHz'] : ['stages', 'format', 'pattern']
    return [{ path, message: e.message.replace(/^The stage-log pattern /, '') }]
  }
}

/** A short description for notes and the Runs screen: "max78000 on the DUT's UART". */
export function describeStageSource(stages: PlanStages, dutPort: string | null): string {
  const f = typeof stages.format === 'string' ? stages.format : 'custom pattern'
  switch (stages.source.kind) {
    case 'dut-uart':
      return `${f} stage log on the DUT's UART${dutPort ? ` (${dutPort})` : ''}`
    case 'serial':
      return `${f} stage log on ${stages.source.port} at ${stages.source.baudRate} baud`
    case 'none':
      return 'no stage log'
  }
}
