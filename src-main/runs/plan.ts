import { z } from 'zod'
import { ProbeRunStepSchema } from '../probes/run-step'
import { VIRTUAL_NPU_BOARDS } from '../virtual-bench/npu-boards'
import { planStagesSchema, stageFormatProblems } from './plan-stages'

/**
 * A benchmark plan: which DUT and analyzer, what to run on the DUT and how often, and how to cut the
 * recording into inferences. Plans are JSON files the user edits (and the Runs screen's form); every
 * field is validated here with a message that names it, and every run stores the plan it ran.
 *
 * Modes:
 * - performance: the DUT runs `infer N W` over its UART; an analyzer (optional) records the supply
 *   current, and the trace is cut by threshold, GPIO or manual windows. Without an analyzer, latency
 *   comes from the DUT's own m-lap-us timestamps (segmentation `dut-laps`).
 * - energy: MLPerf Tiny energy mode. The analyzer powers the DUT and time-stamps its GPIO pulses; energy
 *   per inference is the energy between the two timestamps of each window divided by N.
 * - capture: no DUT commands; the DUT loops on its own (the convolution study's firmware) and the plan
 *   records for a fixed time, then cuts the trace.
 */

const finite = z.number().finite()
const seconds = finite.nonnegative('must be ≥ 0 s')
const positiveSeconds = finite.positive('must be more than 0 s')
const line = z.number().int('must be a whole line number').min(0, 'lines are D0–D7').max(7, 'lines are D0–D7')
const text = (max: number) => z.string().trim().min(1, 'must not be empty').max(max, `must be at most ${max} characters`)

const stageCost = z.object({ durationS: positiveSeconds, extraCurrentA: finite.nonnegative('must be ≥ 0 A') }).strict()

/** The virtual MLPerf Tiny DUT of the virtual bench (src-main/dut/mlperf-tiny/virtual-dut.ts). */
const virtualDut = z
  .object({
    kind: z.literal('virtual'),
    /** Energy mode talks to the isolated DUT through an interface board, as the MLCommons runner does. */
    link: z.enum(['direct', 'interface-board']).optional(),
    latencyPerMacS: finite.positive('must be more than 0 s').default(10e-9),
    energyPerMacJ: finite.positive('must be more than 0 J').default(0.2e-9),
    idleCurrentA: finite.nonnegative('must be ≥ 0 A').default(1e-3),
    /** Idle time between the inferences of one batch (a sleep in the firmware loop); 0 = back to back. */
    gapS: seconds.default(0),
    noiseA: finite.nonnegative('must be ≥ 0 A').default(0),
    stages: z.object({ init: stageCost.optional(), memory: stageCost.optional(), post: stageCost.optional() }).strict().optional(),
    /**
     * A virtual μNPU board (src-main/virtual-bench/npu-boards.ts): its inferences run in stages with
     * their own currents (defaults of the board unless `stages` above gives them) and it prints its
     * stage times after each inference. Without it, the MLPerf Tiny reference DUT.
     */
    board: z.enum(VIRTUAL_NPU_BOARDS, { message: `must be one of ${VIRTUAL_NPU_BOARDS.join(', ')}` }).optional(),
    /** Line the energy-mode timestamp pulls low: D7 for the LPM01A's event input. */
    timestampLine: line.default(7),
    /** A line held high during each inference, for GPIO segmentation; null for none. */
    inferenceLine: line.nullable().default(null),
    /** Bench clock speed against real time: 10 runs a 50 s energy benchmark in about 5 s. */
    clockSpeed: finite.min(0.1, 'must be at least 0.1').max(100, 'must be at most 100').default(1),
    seed: z.number().int('must be a whole number').default(1)
  })
  .strict()

const serialDut = z
  .object({
    kind: z.literal('serial'),
    port: text(300),
    /** Default: 115200 direct in performance mode, 9600 direct in energy mode, 115200 to an interface board. */
    baudRate: z.number().int('must be a whole number').positive('must be more than 0').optional(),
    link: z.enum(['direct', 'interface-board']).default('direct'),
    /** How long the DUT may take to answer its first line to a command. */
    replyTimeoutS: positiveSeconds.default(2)
  })
  .strict()

const noDut = z.object({ kind: z.literal('none') }).strict()

const analyzer = z
  .object({
    /** `family:PORT` (lpm01a:/dev/ttyACM0) or `virtual:family`. */
    id: text(300).regex(/^[a-z0-9-]+:.+$/, 'must look like family:PORT (lpm01a:/dev/ttyACM0) or virtual:family (virtual:lpm01a)'),
    sampleRateHz: finite.positive('must be more than 0 Hz').optional(),
    mode: z.enum(['source', 'ampere']).optional(),
    /** Family-specific settings passed to the driver as they are (e.g. the LPM01A's acquisitionMode). */
    settings: z.record(z.string(), z.unknown()).optional()
  })
  .strict()

const model = z
  .object({
    name: text(100),
    macs: z.number().int('must be a whole number').nonnegative('must be ≥ 0'),
    params: z.number().int('must be a whole number').nonnegative('must be ≥ 0').nullable().default(null),
    /** The model file the figures were read from, if any. */
    file: z.string().min(1).max(1000).optional(),
    /** Where the figures come from, in words (a file, a paper, a toolchain report). */
    source: z.string().max(500).optional()
  })
  .strict()

/** MLPerf Tiny's largest input buffer: 96×96×3 bytes. */
export const MAX_INPUT_BYTES = 27_648

const input = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('none') }).strict(),
  z
    .object({
      kind: z.literal('random'),
      bytes: z.number().int('must be a whole number').min(1, 'must be at least 1 byte').max(MAX_INPUT_BYTES, `must be at most ${MAX_INPUT_BYTES} bytes`),
      seed: z.number().int('must be a whole number').default(1)
    })
    .strict(),
  z.object({ kind: z.literal('hex'), hex: z.string().regex(/^(?:[0-9a-fA-F]{2}){1,27648}$/, 'must be pairs of hex digits (at most 27,648 bytes)') }).strict(),
  z.object({ kind: z.literal('file'), path: text(1000) }).strict()
])

const repetitions = z
  .object({
    /** N of `infer N W`: inferences per window. */
    inferences: z.number().int('must be a whole number').min(1, 'must be at least 1').max(100_000, 'must be at most 100,000'),
    /** W of `infer N W`: warm-up inferences before each window, left out of the statistics. */
    warmup: z.number().int('must be a whole number').min(0, 'must be ≥ 0').max(10_000, 'must be at most 10,000').default(0),
    /** How many times to run `infer N W` (MLPerf Tiny: 5). */
    windows: z.number().int('must be a whole number').min(1, 'must be at least 1').max(1000, 'must be at most 1000').default(1),
    /** Longest one `infer` may take; default 10 s + 1 s per inference. */
    timeoutS: positiveSeconds.optional(),
    /** Capture mode: how long to record. */
    captureDurationS: positiveSeconds.optional()
  })
  .strict()

const timestampSource = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('marks'), label: z.string().max(100).optional() }).strict(),
  z.object({ kind: z.literal('line'), line, edge: z.enum(['falling', 'rising']).default('falling'), glitchFilterS: seconds.default(0) }).strict()
])

export const segmentationSchema = z.discriminatedUnion('kind', [
  z
    .object({
      kind: z.literal('threshold'),
      quantity: z.enum(['current', 'power']).default('current'),
      /** Amperes (current) or watts (power): an inference starts above it. */
      level: finite.positive('must be more than 0'),
      hysteresis: finite.nonnegative('must be ≥ 0').default(0),
      minDurationS: seconds.default(0)
    })
    .strict(),
  z
    .object({
      kind: z.literal('gpio'),
      line,
      mode: z.enum(['pulses', 'edges']).default('pulses'),
      activeLevel: z.enum(['high', 'low']).default('high'),
      edge: z.enum(['rising', 'falling']).default('rising'),
      glitchFilterS: seconds.default(0),
      minDurationS: seconds.default(0)
    })
    .strict(),
  z
    .object({
      kind: z.literal('windows'),
      windows: z
        .array(z.object({ label: text(100), startS: seconds, endS: seconds, kind: z.enum(['inference', 'stage', 'idle']).optional() }).strict())
        .min(1, 'needs at least one window')
        .max(10_000, 'must be at most 10,000 windows')
    })
    .strict(),
  z
    .object({
      kind: z.literal('dut-timestamps'),
      source: timestampSource.default({ kind: 'marks' }),
      /** Score the MLPerf Tiny way: the median of exactly 5 windows of at least 10 s. */
      mlperfRule: z.boolean().default(false)
    })
    .strict(),
  /** Latency from the DUT's m-lap-us timestamps (performance mode without an analyzer). */
  z.object({ kind: z.literal('dut-laps') }).strict()
])

const idle = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('none') }).strict(),
  /** Record this long with the DUT idle before the first window, and take it as the baseline. */
  z.object({ kind: z.literal('before-first-window'), durationS: positiveSeconds }).strict(),
  /** A window of the recording, in seconds from its start. */
  z.object({ kind: z.literal('window'), startS: seconds, endS: positiveSeconds }).strict()
])

/** What the Results screen filters and groups by. */
const tags = z
  .object({
    device: z.string().max(200).optional(),
    accelerator: z.string().max(200).optional(),
    model: z.string().max(200).optional(),
    primitive: z.string().max(200).optional(),
    implementation: z.string().max(200).optional(),
    clockHz: finite.positive('must be more than 0 Hz').optional(),
    compilerFlags: z.string().max(500).optional(),
    free: z.array(text(100)).max(50, 'at most 50 free tags').default([])
  })
  .strict()

const planObject = z
  .object({
    version: z.literal(1).default(1),
    name: text(200).default('Benchmark'),
    mode: z.enum(['performance', 'energy', 'capture']),
    dut: z.discriminatedUnion('kind', [virtualDut, serialDut, noDut]),
    analyzer: analyzer.nullable(),
    supplyV: finite.positive('must be more than 0 V').max(60, 'must be at most 60 V'),
    model,
    input: input.default({ kind: 'none' }),
    repetitions,
    segmentation: segmentationSchema,
    idle: idle.default({ kind: 'none' }),
    /** Report energy above the idle baseline (net energy) as the headline figure. */
    subtractIdle: z.boolean().default(false),
    confidence: finite.gt(0, 'must be between 0 and 1').lt(1, 'must be between 0 and 1').default(0.95),
    tags: tags.default({ free: [] }),
    /** Flash the firmware with a debug probe before the run, and read cycle counts after it. */
    probe: ProbeRunStepSchema.optional(),
    /** The firmware's stage-time log: where it comes from and how it is written (plan-stages.ts). */
    stages: planStagesSchema.optional()
  })
  .strict()

export const planSchema = planObject.superRefine((p, ctx) => {
  for (const problem of crossFieldProblems(p)) ctx.addIssue({ code: 'custom', path: problem.path, message: problem.message })
})

export type BenchmarkPlan = z.output<typeof planSchema>
export type BenchmarkPlanInput = z.input<typeof planSchema>
export type PlanSegmentation = BenchmarkPlan['segmentation']
export type PlanDut = BenchmarkPlan['dut']
export type VirtualDutPlan = Extract<PlanDut, { kind: 'virtual' }>
export type PlanIdle = BenchmarkPlan['idle']
export type PlanTags = BenchmarkPlan['tags']
export type TimestampSourcePlan = z.output<typeof timestampSource>
export type { PlanStages } from './plan-stages'

/** Rules between fields, each naming the field the user should change. */
function crossFieldProblems(p: z.output<typeof planObject>): Array<{ path: string[]; message: string }> {
  const out: Array<{ path: string[]; message: string }> = []
  const seg = p.segmentation.kind
  if (p.mode !== 'capture' && p.dut.kind === 'none') out.push({ path: ['dut'], message: `${p.mode} mode sends infer commands to a DUT: give a serial or virtual DUT (or use capture mode)` })
  if (p.mode === 'capture' && p.dut.kind !== 'none') out.push({ path: ['dut', 'kind'], message: 'capture mode sends no commands: the DUT runs its own loop, so set dut to { "kind": "none" }' })
  if ((p.mode === 'energy' || p.mode === 'capture') && !p.analyzer) out.push({ path: ['analyzer'], message: `${p.mode} mode measures with an analyzer: give its id (e.g. virtual:lpm01a)` })
  if (p.mode === 'energy' && seg !== 'dut-timestamps') out.push({ path: ['segmentation', 'kind'], message: 'energy mode cuts the trace at the DUT timestamps: use "dut-timestamps"' })
  if (p.mode === 'capture' && p.repetitions.captureDurationS === undefined) out.push({ path: ['repetitions', 'captureDurationS'], message: 'capture mode needs the recording length in seconds' })
  if (seg === 'dut-laps' && p.analyzer) out.push({ path: ['segmentation', 'kind'], message: 'dut-laps times inferences by the DUT alone: with an analyzer, use threshold, gpio, windows or dut-timestamps' })
  if (seg === 'dut-laps' && p.mode !== 'performance') out.push({ path: ['segmentation', 'kind'], message: 'dut-laps needs performance mode (the DUT prints m-lap-us only there)' })
  if (!p.analyzer && seg !== 'dut-laps') out.push({ path: ['segmentation', 'kind'], message: 'without an analyzer there is no trace to cut: use "dut-laps" (latency from the DUT timestamps) or add an analyzer' })
  if (!p.analyzer && p.idle.kind !== 'none') out.push({ path: ['idle'], message: 'an idle baseline needs an analyzer' })
  if (p.subtractIdle && p.idle.kind === 'none' && !(p.segmentation.kind === 'windows' && p.segmentation.windows.some((w) => w.kind === 'idle' || /^\s*idle\b/i.test(w.label)))) {
    out.push({ path: ['subtractIdle'], message: 'subtracting idle needs an idle window: set idle to before-first-window or a window' })
  }
  if (p.idle.kind === 'window' && p.idle.endS <= p.idle.startS) out.push({ path: ['idle', 'endS'], message: 'must be after idle.startS' })
  if (p.segmentation.kind === 'windows') {
    p.segmentation.windows.forEach((w, k) => {
      if (w.endS <= w.startS) out.push({ path: ['segmentation', 'windows', String(k), 'endS'], message: `must be after startS (${w.startS} s)` })
    })
  }
  const virtualAnalyzer = p.analyzer?.id.startsWith('virtual:') ?? null
  if (p.dut.kind === 'virtual' && virtualAnalyzer === false) out.push({ path: ['analyzer', 'id'], message: 'a virtual DUT lives on the virtual bench: measure it with a virtual analyzer (virtual:FAMILY)' })
  if (p.dut.kind === 'serial' && virtualAnalyzer === true) out.push({ path: ['analyzer', 'id'], message: 'a virtual analyzer cannot measure a real DUT: give the real analyzer (FAMILY:PORT)' })
  if (p.dut.kind === 'virtual' && p.segmentation.kind === 'dut-timestamps') {
    const src = p.segmentation.source
    if (src.kind === 'line' && src.line !== p.dut.timestampLine) out.push({ path: ['dut', 'timestampLine'], message: `must be ${src.line}: segmentation reads timestamps on D${src.line}` })
    if (src.kind === 'marks' && p.dut.timestampLine !== 7) out.push({ path: ['dut', 'timestampLine'], message: 'must be 7: analyzer event marks come from the D7 input (LPM01A)' })
  }
  const family = p.analyzer ? p.analyzer.id.replace(/^virtual:/, '').split(':')[0] : null
  if (p.segmentation.kind === 'dut-timestamps' && p.segmentation.source.kind === 'marks' && family !== null && family !== 'lpm01a') {
    out.push({ path: ['segmentation', 'source'], message: `the ${family} records its logic lines rather than event marks: use { "kind": "line", "line": N } with the line the timestamp is wired to` })
  }
  if (p.dut.kind === 'virtual' && p.segmentation.kind === 'gpio' && p.dut.inferenceLine !== p.segmentation.line) {
    out.push({ path: ['dut', 'inferenceLine'], message: `must be ${p.segmentation.line}: segmentation reads inferences on D${p.segmentation.line}` })
  }
  if (p.dut.kind === 'virtual' && p.segmentation.kind === 'threshold' && p.dut.gapS === 0 && p.repetitions.inferences + p.repetitions.warmup > 1) {
    out.push({ path: ['dut', 'gapS'], message: 'back-to-back inferences draw one unbroken current, so a threshold cannot part them: give the firmware loop a gap (e.g. 0.02 s), or use dut-timestamps' })
  }
  out.push(...stageProblems(p))
  return out
}

function stageProblems(p: z.output<typeof planObject>): Array<{ path: string[]; message: string }> {
  const st = p.stages
  if (!st) return []
  const out = stageFormatProblems(st.format)
  if (st.source.kind === 'none') return out
  if (st.source.kind === 'dut-uart' && p.dut.kind === 'none') {
    out.push({ path: ['stages', 'source'], message: 'this plan has no DUT link to read: give the port the firmware prints on ({ "kind": "serial", "port": "/dev/ttyUSB1" })' })
  }
  if (st.source.kind === 'serial' && p.dut.kind === 'serial' && st.source.port === p.dut.port) {
    out.push({ path: ['stages', 'source', 'port'], message: `is the DUT's own port (${p.dut.port}): use { "kind": "dut-uart" } to read the stage lines it prints there` })
  }
  const seg = p.segmentation.kind
  if (seg === 'dut-timestamps' || seg === 'dut-laps') {
    out.push({ path: ['segmentation', 'kind'], message: `stage logs are pinned to the inferences the trace is cut into: use threshold, gpio or windows segmentation (not ${seg})` })
  }
  return out
}

export interface PlanIssue {
  /** Dotted path of the field, e.g. `repetitions.inferences`; empty for the plan as a whole. */
  path: string
  message: string
}

export type PlanValidation = { ok: true; plan: BenchmarkPlan; issues: [] } | { ok: false; plan: null; issues: PlanIssue[] }

function valueAt(root: unknown, path: readonly PropertyKey[]): unknown {
  let v = root
  for (const k of path) {
    if (v === null || typeof v !== 'object') return undefined
    v = (v as Record<PropertyKey, unknown>)[k]
  }
  return v
}

function shown(v: unknown): string {
  if (v === undefined) return 'nothing'
  let s: string | undefined
  try {
    s = JSON.stringify(v)
  } catch {
    s = Object.prototype.toString.call(v) // a value JSON cannot show (circular, BigInt): say what kind it is
  }
  return s === undefined ? String(v) : s.length > 60 ? `${s.slice(0, 57)}…` : s
}

/** Validate a plan from JSON (or the UI). Every problem is reported, each with its field and the value that was there. */
export function validatePlan(candidate: unknown): PlanValidation {
  const r = planSchema.safeParse(candidate)
  if (r.success) return { ok: true, plan: r.data, issues: [] }
  const issues = r.error.issues.map((i) => {
    const path = i.path.map(String).join('.')
    const got = i.code === 'custom' || i.code === 'unrecognized_keys' ? '' : `; got ${shown(valueAt(candidate, i.path))}`
    const message = i.code === 'unrecognized_keys' ? `unknown field${i.keys.length > 1 ? 's' : ''} ${i.keys.map((k) => `"${k}"`).join(', ')} (check the spelling)` : i.message
    return { path, message: `${message}${got}` }
  })
  return { ok: false, plan: null, issues }
}

export class PlanError extends Error {
  constructor(
    message: string,
    readonly issues: PlanIssue[]
  ) {
    super(message)
    this.name = 'PlanError'
  }
}

/** Validate or throw a PlanError whose message lists every problem, prefixed with where the plan came from. */
export function parsePlan(candidate: unknown, source = 'The plan'): BenchmarkPlan {
  const v = validatePlan(candidate)
  if (v.ok) return v.plan
  const lines = v.issues.map((i) => `  ${i.path || '(plan)'}: ${i.message}`)
  throw new PlanError(`${source} is not a valid benchmark plan (${v.issues.length} problem${v.issues.length > 1 ? 's' : ''}):\n${lines.join('\n')}`, v.issues)
}

/** The DUT's UART rate for a plan: what the MLPerf Tiny runner uses for that mode and link. */
export function dutBaudRate(plan: BenchmarkPlan): number {
  if (plan.dut.kind === 'serial' && plan.dut.baudRate) return plan.dut.baudRate
  if (dutLink(plan) === 'interface-board') return 115200
  return plan.mode === 'energy' ? 9600 : 115200
}

export function dutLink(plan: BenchmarkPlan): 'direct' | 'interface-board' {
  if (plan.dut.kind === 'serial') return plan.dut.link
  if (plan.dut.kind === 'virtual') return plan.dut.link ?? (plan.mode === 'energy' ? 'interface-board' : 'direct')
  return 'direct'
}
