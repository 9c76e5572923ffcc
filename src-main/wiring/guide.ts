/**
 * The wiring guide's step engine: walks the plan's steps in order, reads one bench window per step
 * that has live checks, and runs the step's checks on it. A failed step blocks the ones after it
 * (their checks would only repeat the same failure in other words).
 */
import type { AnalyzerDefinition, DutBoardDefinition } from './definition-schema'
import type { BenchReading, BenchWindow } from './bench-reading'
import { CHECKS, CHECK_TITLES, LIVE_CHECKS, type CheckResult, type CheckStatus } from './checks'
import type { WiringPlan, WiringStep } from './plan'

export type StepStatus = 'pending' | CheckStatus

export interface StepState {
  id: WiringStep['id']
  title: string
  instructions: string[]
  wires: string[]
  status: StepStatus
  results: CheckResult[]
}

export interface GuideReport {
  ok: boolean
  /** The first step that did not pass, if any. */
  blockedAt: WiringStep['id'] | null
  steps: StepState[]
}

export interface GuideOptions {
  /** Length of the window each live step reads, in seconds. Default 1 s. */
  windowS?: number
}

const WORST: CheckStatus[] = ['fail', 'warn', 'pass', 'skipped']

function worst(results: CheckResult[]): CheckStatus {
  if (results.length === 0) return 'pass'
  for (const s of WORST) if (results.some((r) => r.status === s)) return s
  return 'pass'
}

export class WiringGuide {
  private readonly states: StepState[]

  constructor(
    readonly plan: WiringPlan,
    private readonly analyzer: AnalyzerDefinition,
    private readonly board: DutBoardDefinition,
    private readonly reading: BenchReading,
    private readonly options: GuideOptions = {}
  ) {
    this.states = plan.steps.map((s) => ({ id: s.id, title: s.title, instructions: s.instructions, wires: s.wires, status: 'pending', results: [] }))
  }

  get steps(): readonly StepState[] {
    return this.states
  }

  /** Run one step's checks now (the user says the step's wires are made). Steps without checks pass. */
  async runStep(id: WiringStep['id']): Promise<StepState> {
    const state = this.states.find((s) => s.id === id)
    const step = this.plan.steps.find((s) => s.id === id)
    if (!state || !step) throw new Error(`This wiring plan has no step "${id}". Its steps: ${this.plan.steps.map((s) => s.id).join(', ')}.`)
    let window: BenchWindow | null = null
    if (step.checks.some((c) => LIVE_CHECKS.has(c))) {
      try {
        window = await this.reading.read(this.options.windowS ?? 1)
      } catch (e) {
        state.results = step.checks.map((c) => ({
          id: c,
          title: CHECK_TITLES[c],
          status: 'fail',
          measured: null,
          expected: '',
          message: `Could not read ${this.reading.analyzerName}: ${(e as Error).message}`,
          hint: 'Check that the analyzer is connected and not in use by another program, then run the step again.'
        }))
        state.status = 'fail'
        return state
      }
    }
    const input = {
      plan: this.plan,
      analyzer: this.analyzer,
      board: this.board,
      setSupplyV: this.reading.setSupplyV(),
      window,
      analyzerName: this.reading.analyzerName
    }
    state.results = step.checks.map((c) => CHECKS[c](input))
    state.status = worst(state.results)
    return state
  }

  /** Run every step in order, stopping at the first that fails; later steps are reported as skipped. */
  async runAll(): Promise<GuideReport> {
    let blockedAt: WiringStep['id'] | null = null
    for (const s of this.states) {
      if (blockedAt) {
        s.status = 'skipped'
        s.results = (this.plan.steps.find((p) => p.id === s.id)?.checks ?? []).map((c) => ({
          id: c,
          title: CHECK_TITLES[c],
          status: 'skipped' as const,
          measured: null,
          expected: '',
          message: `Not run: step "${this.states.find((x) => x.id === blockedAt)!.title}" failed first.`,
          hint: null
        }))
        continue
      }
      const done = await this.runStep(s.id)
      if (done.status === 'fail') blockedAt = s.id
    }
    return { ok: blockedAt === null, blockedAt, steps: this.states.map((s) => ({ ...s })) }
  }
}
