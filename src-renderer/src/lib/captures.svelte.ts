import { api } from './api'
import type { CaptureStateEvent, CaptureStatus } from '../../../src-main/api/contract'

/**
 * Captures running in the core, as its events report them: one entry per instrument, the last few ends
 * (finished or interrupted, with the reason), and warnings. Shared by the Capture screen and anything
 * that wants to show a capture in progress.
 */
export const captures = $state<{
  running: Record<string, CaptureStatus>
  ended: CaptureStateEvent[]
  warnings: Array<{ instrumentId: string; recordingId: number; message: string }>
}>({ running: {}, ended: [], warnings: [] })

api.onEvent((e) => {
  if (e.event === 'capture.progress') {
    if (e.data.state === 'recording') captures.running[e.data.instrumentId] = e.data
  } else if (e.event === 'capture.state') {
    if (e.data.state === 'recording') return
    delete captures.running[e.data.instrumentId]
    captures.ended = [e.data, ...captures.ended].slice(0, 10)
  } else if (e.event === 'capture.warning') {
    captures.warnings = [e.data, ...captures.warnings].slice(0, 20)
  }
})

/** After a reload: pick up captures that were already running. */
export async function refreshCaptures(): Promise<void> {
  const s = await api.call('capture.status', {})
  captures.running = Object.fromEntries(s.captures.map((c) => [c.instrumentId, c]))
}
