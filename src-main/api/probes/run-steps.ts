/**
 * What a run plan can ask of a debug probe, for the run orchestration to call: flash (or load) the
 * firmware before the run and let it run, and read cycle counts of a function or region. The schema is
 * meant to sit in the plan as an optional `probe` field; the functions use the core's probe sessions,
 * so a probe the Instruments screen holds open is shared rather than claimed twice.
 */
import type { ProbeRunStep } from '../../probes/run-step'
import type { JoulebenchCore } from '../core'
import type { CycleCountResult, ProbeFlashResult } from '../methods/probes'
import { countCycles } from './cycle-counts'
import { flashThroughProbe } from './flash-upload'
import { probeSessions } from './session-manager'

export { ProbeRunStepSchema, type ProbeRunStep } from '../../probes/run-step'


/** Before the run: connect, flash or load the firmware (verified), reset it and let it run (or hold it at reset until cycle counting is armed). */
export async function prepareProbeForRun(core: JoulebenchCore, step: ProbeRunStep): Promise<{ sessionId: string; flash: ProbeFlashResult | null; description: string }> {
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
        // With cycles to count, the core waits at reset until the counters are armed (counting resumes it).
        run: !step.cycles
      },
      (event, data) => core.emit(event, data),
      () => sessions.rtt(probe.sessionId).stopAll('The image changed before a run: start RTT again once the new firmware runs.')
    )
  } else {
    await probe.exclusive(() => (step.cycles ? probe.target.resetAndHalt() : probe.target.reset()))
  }
  return { sessionId: probe.sessionId, flash, description: probe.info.description }
}

/** Cycle counts the plan asked for, on the session prepareProbeForRun opened (the core runs on afterwards). */
export async function readRunCycleCounts(core: JoulebenchCore, step: ProbeRunStep, sessionId: string): Promise<CycleCountResult | null> {
  if (!step.cycles) return null
  const c = step.cycles
  return countCycles(probeSessions(core).get(sessionId), { function: c.function, start: c.start, end: c.end, calls: c.calls, resume: true })
}
