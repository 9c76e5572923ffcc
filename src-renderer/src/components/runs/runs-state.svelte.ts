import { api } from '../../lib/api'
import type { BenchmarkPlan, RunDetail, RunInfo, RunProgress } from '../../../../src-main/api/contract'

/**
 * What the Runs screen knows: the workspace's runs, the one running now and its progress, and the run
 * being looked at. Kept up to date from runs.progress and runs.state events.
 */
class RunsState {
  runs = $state<RunInfo[]>([])
  activeRunId = $state<number | null>(null)
  progress = $state<RunProgress | null>(null)
  selected = $state<RunDetail | null>(null)
  error = $state<string | null>(null)
  private subscribed = false

  subscribe(): () => void {
    if (this.subscribed) return () => {}
    this.subscribed = true
    const off = api.onEvent((e) => {
      if (e.event === 'runs.progress') {
        this.progress = e.data
        this.activeRunId = e.data.phase === 'done' ? null : e.data.runId
      } else if (e.event === 'runs.state') {
        const i = this.runs.findIndex((r) => r.id === e.data.runId)
        if (i >= 0) this.runs[i] = e.data.run
        else this.runs = [e.data.run, ...this.runs]
        if (e.data.state !== 'running') {
          this.activeRunId = null
          // Show the run that just ended.
          void this.select(e.data.runId)
        }
      }
    })
    return () => {
      off()
      this.subscribed = false
    }
  }

  async refresh(): Promise<void> {
    try {
      const r = await api.call('runs.list', {})
      this.runs = r.runs
      this.activeRunId = r.activeRunId
      this.error = null
    } catch (e) {
      this.error = (e as Error).message
    }
  }

  async start(plan: BenchmarkPlan): Promise<void> {
    try {
      const { runId } = await api.call('runs.start', { plan })
      this.activeRunId = runId
      this.progress = null
      this.error = null
      await this.refresh()
    } catch (e) {
      this.error = (e as Error).message
    }
  }

  async cancel(): Promise<void> {
    if (this.activeRunId === null) return
    await api.call('runs.cancel', { id: this.activeRunId }).catch((e: Error) => (this.error = e.message))
  }

  async select(id: number): Promise<void> {
    try {
      this.selected = await api.call('runs.get', { id })
    } catch (e) {
      this.error = (e as Error).message
    }
  }

  async remove(id: number, withRecording: boolean): Promise<void> {
    try {
      await api.call('runs.delete', { id, withRecording })
      if (this.selected?.id === id) this.selected = null
      await this.refresh()
    } catch (e) {
      this.error = (e as Error).message
    }
  }
}

export const runsState = new RunsState()
