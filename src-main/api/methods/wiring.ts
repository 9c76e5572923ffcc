import { z } from 'zod'
import { WIRING_METHODS } from '../../wiring/definition-schema'
import { BENCH_FAULTS, type BenchFault } from '../../virtual-bench/bench-fault'
import type { catalogSummary } from '../../wiring'
import type { GuideReport, StepState } from '../../wiring/guide'
import type { WiringPlan } from '../../wiring/plan'

export type { WiringPlan, PlanWire, PlanPin, PlanPart, PlanJumper, WiringStep, CheckId } from '../../wiring/plan'
export type { GuideReport, StepState, StepStatus } from '../../wiring/guide'
export type { CheckResult, CheckStatus } from '../../wiring/checks'
export type { WiringMethod } from '../../wiring/definition-schema'
export type { BenchFault } from '../../virtual-bench/bench-fault'

const defId = z.string().trim().min(1).max(100)

/** What the wiring is for: an analyzer, a board and a method, as the guide's pickers choose them. */
const wiringRequest = {
  analyzerId: defId,
  boardId: defId,
  method: z.enum(WIRING_METHODS),
  /** Defaults to the board's nominal supply voltage. */
  supplyV: z.number().finite().positive().max(60).optional(),
  /** MLPerf energy mode: the interface board (default the Arduino UNO IO Manager) and level shifter. */
  interfaceId: defId.optional(),
  levelShifterId: defId.optional()
}

const stepId = z.enum(['prepare', 'ground', 'supply', 'power', 'trigger', 'serial'])

export const wiringParams = {
  /** Analyzers, boards, interface boards and level shifters to pick from, and the virtual bench's staged fault. */
  'wiring.catalog': z.object({}).strict(),
  /** The wires to make and the steps to walk, with the diagram as inline SVG. */
  'wiring.plan': z.object(wiringRequest).strict(),
  /**
   * Run one step's live checks (`step`) or every step in order (`all`), reading the instrument now.
   * The instrument must be of the plan's analyzer family; it is opened for the check and closed after.
   */
  'wiring.check': z
    .object({
      instrumentId: z.string().trim().min(1).max(300),
      ...wiringRequest,
      step: stepId.optional(),
      all: z.boolean().optional(),
      /** Seconds each live step reads (default 1 s). */
      windowS: z.number().finite().min(0.05).max(10).optional()
    })
    .strict()
    .refine((p) => (p.step === undefined) !== (p.all !== true), { message: 'give either step or all: true', path: ['step'] }),
  /**
   * Virtual-bench control, not an instrument setting: stage a wiring fault on the virtual bench so the
   * guide's checks can be seen to fail (every virtual analyzer sees it). 'none' restores the bench.
   */
  'wiring.virtualFault': z.object({ fault: z.enum(BENCH_FAULTS) }).strict()
}

export type WiringCatalog = ReturnType<typeof catalogSummary> & {
  /** The fault staged on the virtual bench now. */
  virtualFault: BenchFault
  faults: readonly BenchFault[]
}

export interface WiringCheckResult {
  instrumentId: string
  /** The instrument as it identified itself for the check. */
  instrument: { model: string; serial: string | null; virtual: boolean }
  /** The virtual bench's staged fault during the check (virtual instruments only, else null). */
  virtualFault: BenchFault | null
  /** For `step`: that step; for `all`: every step, in order. */
  steps: StepState[]
  report: GuideReport | null
}

export interface WiringResults {
  'wiring.catalog': WiringCatalog
  'wiring.plan': { plan: WiringPlan; svg: string }
  'wiring.check': WiringCheckResult
  'wiring.virtualFault': { fault: BenchFault }
}

export interface WiringEvents {
  /** The virtual bench's staged wiring fault changed: every virtual instrument now sees it. */
  'bench.fault': { fault: BenchFault }
}
