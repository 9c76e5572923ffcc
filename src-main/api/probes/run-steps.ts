/**
 * What a run plan can ask of a debug probe, for the run orchestration to call: flash (or load) the
 * firmware before the run and let it run, and read cycle counts of a function or region. The schema is
 * meant to sit in the plan as an optional `probe` field; the functions use the core's probe sessions,
 * so a probe the Instruments screen holds open is shared rather than claimed twice.
 */
import { z } from 'zod'
import type { JoulebenchCore } from '../core'
import type { CycleCountResult, ProbeFlashResult } from '../methods/probes'
import { countCycles } from './cycle-counts'
import { flashThroughProbe } from './flash-upload'
import { probeSessions } from './session-manager'

const where = z.union([z.string().min(1).max(200), z.number().int().min(0).max(0xffffffff)])

export const ProbeRunStepSchema = z
  .object({
    /** `virtual:cmsis-dap`, `cmsis-dap:SERIAL`, `stlink:SERIAL`, `gdb:…`. */
    probe: z.string().min(1).max(300),
    flash: z
      .object({
        firmware: z.string().min(1).max(4096),
        mode: z.enum(['flash', 'load']).default('flash'),
        baseAddress: z.number().int().min(0).max(0xffffffff).optional(),
        algorithm: z.string().min(1).max(4096).optional(),
        algorithmRam: z.object({ start: z.number().int().min(0).max(0xffffffff), sizeBytes: z.number().int().min(4) }).strict().optional()
      })
      .strict()
      .optional(),
    cycles: z
      .object({ function: where.optional(), start: where.optional(), end: where.optional(), calls: z.number().int().min(1).max(1000).default(1) })
      .strict()
      .refine((c) => (c.function !== undefined) !== (c.start !== undefined && c.end !== undefined), 'Give either a function, or a region as start and end.')
      .optional()
  })
  .strict()

export type ProbeRunStep = z.output<typeof ProbeRunStepSchema>

/** Before the run: connect, flash or load the firmware (verified), reset it and let it run. */
export async function prepareProbeForRun(core: JoulebenchCore, step: ProbeRunStep): Promise<{ sessionId: string; flash: ProbeFlashResult | null }> {
  const sessions = probeSessions(core)
  const probe = await sessions.connect(step.probe)
  let flash: ProbeFlashResult | null = null
  if (step.flash) {
    const f = step.flash
    flash = await flashThroughProbe(
      probe,
      {
        sessionId: probe.sessionId,
        firmware: { path: f.firmware },
        mode: f.mode,
        baseAddress: f.baseAddress,
        algorithm: f.algorithm ? { path: f.algorithm } : undefined,
        algorithmRam: f.algorithmRam,
        verify: true,
        run: true
      },
      (event, data) => core.emit(event, data),
      () => sessions.rtt(probe.sessionId).stopAll('The image changed before a run: start RTT again once the new firmware runs.')
    )
  } else {
    await probe.exclusive(() => probe.target.reset())
  }
  return { sessionId: probe.sessionId, flash }
}

/** Cycle counts the plan asked for, on the session prepareProbeForRun opened (the core runs on afterwards). */
export async function readRunCycleCounts(core: JoulebenchCore, step: ProbeRunStep, sessionId: string): Promise<CycleCountResult | null> {
  if (!step.cycles) return null
  const c = step.cycles
  return countCycles(probeSessions(core).get(sessionId), { function: c.function, start: c.start, end: c.end, calls: c.calls, resume: true })
}
