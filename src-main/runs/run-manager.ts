import type { Db } from '../store/workspace'
import type { VirtualBench } from '../virtual-bench/bench'
import type { BenchmarkPlan } from './plan'
import { BenchmarkRun, type RunProbes, type RunProgress, type RunStateEvent } from './run-plan'
import { RunsStore, type RunInfo } from './runs-store'

export interface RunManagerEvents {
  'runs.progress': RunProgress
  'runs.state': RunStateEvent & { run: RunInfo }
}

/**
 * The runs a host carries out: one at a time (the virtual bench has one DUT socket, and a real bench
 * one set of cables), with progress and state pushed to whoever listens.
 */
export class RunManager {
  readonly store: RunsStore
  private active: BenchmarkRun | null = null

  constructor(
    readonly db: Db,
    private readonly bench: VirtualBench,
    private readonly emit: <K extends keyof RunManagerEvents>(event: K, data: RunManagerEvents[K]) => void,
    private readonly probes?: RunProbes
  ) {
    this.store = RunsStore.open(db)
  }

  get current(): BenchmarkRun | null {
    return this.active
  }

  start(plan: BenchmarkPlan): BenchmarkRun {
    if (this.active) {
      throw new Error(`Run ${this.active.id} ("${this.active.plan.name}") is still running: wait for it to finish or cancel it before starting another.`)
    }
    const run = BenchmarkRun.start(this.db, plan, { bench: this.bench, store: this.store, probes: this.probes })
    this.active = run
    run.on('progress', (p: RunProgress) => this.emit('runs.progress', p))
    run.on('state', (s: RunStateEvent) => {
      // The run is stored by now: a listener reacting to its end may start the next one.
      if (s.state !== 'running' && this.active === run) this.active = null
      this.emit('runs.state', { ...s, run: this.store.get(s.runId) })
    })
    // done rejects only when the workspace itself fails under the run (closed by a host shutting down).
    run.done
      .catch(() => {})
      .finally(() => {
        if (this.active === run) this.active = null
      })
    return run
  }

  /** Cancel a run of this host; false when it is not running here. */
  cancel(id: number): boolean {
    if (!this.active || this.active.id !== id) return false
    this.active.cancel()
    return true
  }

  /** Cancel what is running and wait until it is stored (host shutdown). */
  async closeAll(): Promise<void> {
    const run = this.active
    if (!run) return
    run.cancel('Cancelled because Joulebench is closing')
    await run.done
  }
}
