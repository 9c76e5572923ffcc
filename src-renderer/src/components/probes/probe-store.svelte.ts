/**
 * Probe state for the Instruments screen: the list, the open sessions, and what the core streams about
 * them (RTT text, progress, closures). One subscription to the API's events feeds every panel.
 */
import { api } from '../../lib/api'
import type { ProbeList, ProbeProgress, ProbeSessionInfo, ProbeStatus } from '../../../../src-main/api/contract'

/** A console keeps this much text; older output scrolls away. */
const CONSOLE_MAX_CHARS = 200_000

export interface RttConsoleState {
  text: string
  droppedBytes: number
  streaming: boolean
  error: string | null
}

export const probes = $state<{
  list: ProbeList | null
  sessions: Record<string, ProbeSessionInfo>
  selected: string | null
  consoles: Record<string, RttConsoleState>
  progress: Record<string, ProbeProgress>
  /** Why a session ended, when the core ended it. */
  closed: Record<string, string>
}>({ list: null, sessions: {}, selected: null, consoles: {}, progress: {}, closed: {} })

const key = (sessionId: string, channel: number) => `${sessionId}/${channel}`

const EMPTY: RttConsoleState = { text: '', droppedBytes: 0, streaming: false, error: null }

/** The console of a channel, for reading (templates must not create state while they render). */
export function consoleFor(sessionId: string, channel: number): RttConsoleState {
  return probes.consoles[key(sessionId, channel)] ?? EMPTY
}

/** The console of a channel, made if new: for event handlers and actions. */
export function consoleOf(sessionId: string, channel: number): RttConsoleState {
  return (probes.consoles[key(sessionId, channel)] ??= { ...EMPTY })
}

export function updateStatus(status: ProbeStatus): void {
  const s = probes.sessions[status.sessionId]
  if (s) probes.sessions[status.sessionId] = { ...s, ...status }
}

export async function refreshProbes(): Promise<void> {
  probes.list = await api.call('probes.list', {})
  const { sessions } = await api.call('probes.sessions', {})
  probes.sessions = Object.fromEntries(sessions.map((s) => [s.sessionId, s]))
  if (probes.selected && !probes.sessions[probes.selected]) probes.selected = null
  if (!probes.selected && sessions.length) probes.selected = sessions[0].sessionId
}

api.onEvent((e) => {
  if (e.event === 'probes.rtt') {
    const c = consoleOf(e.data.sessionId, e.data.channel)
    const gap = e.data.droppedBytes ? `\n[… ${e.data.droppedBytes} bytes dropped: the target wrote faster than the console shows …]\n` : ''
    const text = c.text + gap + e.data.text
    c.text = text.length > CONSOLE_MAX_CHARS ? text.slice(text.length - CONSOLE_MAX_CHARS) : text
    c.droppedBytes += e.data.droppedBytes
  } else if (e.event === 'probes.rtt.stopped') {
    const c = consoleOf(e.data.sessionId, e.data.channel)
    c.streaming = false
    c.error = e.data.error
    const s = probes.sessions[e.data.sessionId]
    if (s) s.rttChannels = s.rttChannels.filter((ch) => ch !== e.data.channel)
  } else if (e.event === 'probes.progress') {
    probes.progress[e.data.sessionId ?? 'kernel-latency'] = e.data
  } else if (e.event === 'probes.closed') {
    probes.closed[e.data.sessionId] = e.data.reason
    delete probes.sessions[e.data.sessionId]
    if (probes.selected === e.data.sessionId) probes.selected = Object.keys(probes.sessions)[0] ?? null
    if (probes.list) probes.list = { ...probes.list, probes: probes.list.probes.map((p) => (p.sessionId === e.data.sessionId ? { ...p, sessionId: null } : p)) }
  }
})
