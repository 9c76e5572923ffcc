import { z } from 'zod'
import type { TraceColumns } from '../../capture/live-tail'
import { planSchema, segmentationSchema, type BenchmarkPlan, type PlanIssue } from '../../runs/plan'
import type { RunAnalysis } from '../../runs/run-analysis'
import type { RunProgress, RunStateEvent } from '../../runs/run-plan'
import type { RunDetail, RunInfo } from '../../runs/runs-store'

export type { BenchmarkPlan, PlanIssue } from '../../runs/plan'
export type { RunAnalysis, RunSegment, RunSummary, StageSummary } from '../../runs/run-analysis'
export type { RunProgress, RunPhase, RunStateEvent } from '../../runs/run-plan'
export type { RunDetail, RunInfo, RunInstrument, RunState } from '../../runs/runs-store'

/** A run or recording by number, or by UUID (or a unique start of it). */
const ref = z.union([z.number().int().positive(), z.string().trim().min(1).max(64)])
const seconds = z.number().finite().nonnegative()

export const runParams = {
  'runs.list': z.object({}).strict(),
  'runs.get': z.object({ id: ref }).strict(),
  /** Starts a plan; progress arrives as runs.progress events, the end as runs.state. */
  'runs.start': z.object({ plan: planSchema }).strict(),
  'runs.cancel': z.object({ id: z.number().int().positive() }).strict(),
  'runs.delete': z.object({ id: ref, withRecording: z.boolean().default(false) }).strict(),
  /** The run's recording at a pixel width (min/max/mean per column, D0–D7 lanes where recorded). */
  'runs.trace': z
    .object({ id: ref, fromS: seconds, toS: seconds, widthPx: z.number().int().min(1).max(16384) })
    .strict()
    .refine((p) => p.toS > p.fromS, { message: 'toS must be after fromS', path: ['toS'] }),
  /** Checks a plan (any JSON) and names every field that is wrong. */
  'plans.validate': z.object({ plan: z.unknown() }).strict(),
  'plans.default': z.object({ kind: z.enum(['performance', 'energy', 'dut-only', 'capture']).default('performance'), analyzerId: z.string().min(3).max(300).optional() }).strict(),
  /** Cut any recording and measure it, as `joulebench analyze` does. */
  'analysis.analyze': z
    .object({
      recordingId: ref,
      segmentation: segmentationSchema,
      supplyV: z.number().finite().positive().max(60).optional(),
      idle: z.object({ startS: seconds, endS: seconds }).strict().optional(),
      subtractIdle: z.boolean().default(false),
      warmup: z.number().int().min(0).max(100_000).default(0),
      confidence: z.number().gt(0).lt(1).default(0.95),
      /** dut-timestamps: N of the infer command and how many windows to take from the end. */
      inferenceCount: z.number().int().min(1).optional(),
      timestampWindows: z.number().int().min(1).max(1000).optional()
    })
    .strict()
}

/** A run's recording drawn over [fromS, toS]: column start times in seconds from the recording's start. */
export interface RunTrace extends TraceColumns {
  runId: number
  recordingId: number
  fromS: number
  toS: number
  /** Seconds of signal in the recording. */
  durationS: number
}

export interface RunResults {
  'runs.list': { runs: RunInfo[]; activeRunId: number | null }
  'runs.get': RunDetail
  'runs.start': { runId: number; uuid: string }
  'runs.cancel': { cancelled: boolean }
  'runs.delete': { deleted: number; recordingDeleted: number | null }
  'runs.trace': RunTrace
  'plans.validate': { ok: boolean; plan: BenchmarkPlan | null; issues: PlanIssue[] }
  'plans.default': BenchmarkPlan
  'analysis.analyze': RunAnalysis & { recordingId: number }
}

export interface RunEvents {
  'runs.progress': RunProgress
  'runs.state': RunStateEvent & { run: RunInfo }
}
