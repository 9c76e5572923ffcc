import { openAnalyzer, type OpenedAnalyzer, type RecordingFormat } from '../instruments/analyzers'
import type { InstrumentIdentity } from '../instruments/identity'
import type { RecordingInfo } from '../store/recording-info'
import type { RecordingStore } from '../store/recording-store'
import type { Db } from '../store/workspace'
import type { VirtualBench } from '../virtual-bench/bench'
import { findVirtualInstrument } from '../virtual-bench'
import { checkSettings, controlsFor, NO_CONTROLS, type InstrumentControls, type InstrumentSettings } from './instrument-controls'
import { CaptureSession, type CaptureState } from './capture-session'
import { CaptureTap, tappedAnalyzer, type RecentStatistics } from './capture-tap'
import type { CaptureEvents, CaptureRequest, CaptureStatus, ConnectedInstrument } from './capture-types'
import type { LiveTail } from './live-tail'
import './ppk2-controls'

export type { CaptureEvents, CaptureRequest, CaptureStateEvent, CaptureStatus, ConnectedInstrument } from './capture-types'

export interface CaptureManagerOptions {
  db: Db
  store: RecordingStore
  /** Where virtual instruments run. */
  bench: VirtualBench
  emit: <K extends keyof CaptureEvents>(event: K, data: CaptureEvents[K]) => void
  /** Seconds of signal kept in memory for live views (default 8). */
  liveTailS?: number
}

interface ActiveCapture {
  session: CaptureSession
  tap: CaptureTap
  name: string
  startedAt: string
  targetDurationS: number | null
  recent: RecentStatistics | null
  ended: Promise<void>
}

interface Connection {
  identity: InstrumentIdentity
  opened: OpenedAnalyzer
  controls: InstrumentControls | null
  /** Opened by capture.start rather than by the panel: closed again when the capture ends. */
  forCaptureOnly: boolean
  /** Where a device loss goes while a capture session listens. */
  lost: { listener: ((reason: string) => void) | null }
  capture: ActiveCapture | null
  closing: Promise<void> | null
}

export class CaptureError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'CaptureError'
  }
}

/**
 * The captures the core runs: opens an instrument (a real serial port or a virtual bench entry) through
 * its family's driver, starts a CaptureSession on it, reports progress as events, and closes everything
 * again. One capture per instrument; a device that goes away ends its capture as interrupted, with what
 * was received kept and the device named in the reason.
 */
export class CaptureManager {
  private readonly connections = new Map<string, Connection>()
  private readonly opening = new Map<string, Promise<Connection>>()
  private readonly starting = new Set<string>()
  constructor(private readonly options: CaptureManagerOptions) {}

  /** Opens the instrument for its panel (settings) and keeps it open until disconnect(). */
  async connect(instrumentId: string): Promise<ConnectedInstrument> {
    const conn = await this.open(instrumentId)
    conn.forCaptureOnly = false
    return this.describe(conn)
  }

  async disconnect(instrumentId: string): Promise<void> {
    const conn = this.connections.get(instrumentId)
    if (!conn) return
    if (conn.capture) {
      throw new CaptureError(`${label(conn.identity)} is capturing into recording ${conn.capture.session.recordingId}; stop the capture before disconnecting.`)
    }
    await this.close(conn, null)
  }

  async configure(instrumentId: string, change: InstrumentSettings): Promise<ConnectedInstrument> {
    const conn = this.connections.get(instrumentId) ?? (await this.open(instrumentId, change))
    const capture = conn.capture
    const fixed = Object.entries(change).filter(([k, v]) => v !== undefined && k !== 'dutPower')
    if (capture && fixed.length) {
      // The recording keeps the supply, mode, filter and gains it started with (energy and recomputation use them).
      throw new CaptureError(
        `${label(conn.identity)} is capturing into recording ${capture.session.recordingId}: only DUT power can change during a capture, ` +
          `not ${fixed.map(([k]) => k).join(', ')}. Stop the capture first.`
      )
    }
    await this.apply(conn, change)
    return this.describe(conn)
  }

  private async apply(conn: Connection, change: InstrumentSettings): Promise<void> {
    const wanted = Object.fromEntries(Object.entries(change).filter(([, v]) => v !== undefined)) as InstrumentSettings
    if (Object.keys(wanted).length === 0) return
    const controls = conn.controls
    const problems = checkSettings(label(conn.identity), controls?.capabilities ?? NO_CONTROLS, wanted)
    if (problems.length) throw new CaptureError(problems.join(' '))
    await controls!.configure(wanted)
  }

  /** Starts a capture; the instrument is opened for it when the panel has not opened it already. */
  async start(request: CaptureRequest): Promise<CaptureStatus> {
    const id = request.instrumentId
    const busy = this.connections.get(id)?.capture
    if (busy || this.starting.has(id)) {
      throw new CaptureError(`${busy ? label(this.connections.get(id)!.identity) : id} is already capturing${busy ? ` into recording ${busy.session.recordingId}` : ''}; stop that capture first (one capture per instrument).`)
    }
    if (request.durationS !== undefined && !(request.durationS > 0)) throw new CaptureError(`A capture's duration must be a positive number of seconds, got ${request.durationS}.`)
    this.starting.add(id)
    let conn: Connection | null = null
    let openedHere = false
    try {
      const { instrumentId: _i, durationS, name, notes, tags, ...settings } = request
      conn = this.connections.get(id) ?? null
      if (!conn) {
        conn = await this.open(id, settings)
        openedHere = true
      }
      // An analyzer that does not set the supply still needs its voltage for energy: record it, send nothing.
      const setsSupply = conn.controls?.capabilities.supplyV != null
      await this.apply(conn, setsSupply ? settings : { ...settings, supplyV: undefined })
      const analyzer = conn.opened.analyzer
      const periodS = analyzer.samplePeriodS
      const limitSamples = durationS === undefined ? null : Math.max(1, Math.round(durationS / periodS))
      const c = conn
      const tap = new CaptureTap({
        samplePeriodS: periodS,
        tailSamples: Math.min(4_000_000, Math.max(1024, Math.ceil((this.options.liveTailS ?? 8) / periodS))),
        limitSamples,
        onLimit: () => {
          if (c.capture) void this.stop(id).catch(() => {})
        }
      })
      const session = await CaptureSession.start(this.options.db, tappedAnalyzer(analyzer, tap, c.lost, c.identity), {
        name,
        notes,
        tags,
        ...recordingFormatOf(c.opened),
        supplyV: settings.supplyV ?? c.controls?.settings().supplyV ?? analyzer.supplyV ?? undefined
      })
      const info = this.options.store.get(session.recordingId)
      const capture: ActiveCapture = {
        session,
        tap,
        name: info.name,
        startedAt: info.startedAt,
        targetDurationS: limitSamples === null ? null : limitSamples * periodS,
        recent: null,
        ended: Promise.resolve()
      }
      c.capture = capture
      capture.ended = new Promise((resolve) => {
        session.on('progress', () => {
          capture.recent = tap.takeRecent()
          this.options.emit('capture.progress', this.captureStatus(id, capture))
        })
        session.on('warning', (message: string) => this.options.emit('capture.warning', { instrumentId: id, recordingId: session.recordingId, message }))
        session.once('state', (state: CaptureState) => {
          const ended = this.options.store.get(session.recordingId)
          this.options.emit('capture.state', { instrumentId: id, recordingId: session.recordingId, state, reason: ended.stateReason })
          c.capture = null
          const closeNow = state === 'interrupted' || c.forCaptureOnly
          resolve(closeNow ? this.close(c, state === 'interrupted' ? ended.stateReason : null) : undefined)
        })
      })
      this.options.emit('capture.state', { instrumentId: id, recordingId: session.recordingId, state: 'recording', reason: null })
      if (tap.limitReached) void this.stop(id).catch(() => {}) // a very short capture filled up while starting
      return this.captureStatus(id, capture)
    } catch (e) {
      if (conn && openedHere && !conn.capture) await this.close(conn, null)
      throw e instanceof CaptureError ? e : new CaptureError(`Could not start a capture on ${conn ? label(conn.identity) : id}: ${(e as Error).message}`)
    } finally {
      this.starting.delete(id)
    }
  }

  /** Stops the capture on an instrument and returns the finished recording, every queued sample written. */
  async stop(instrumentId: string): Promise<RecordingInfo> {
    const conn = this.connections.get(instrumentId)
    const capture = conn?.capture
    if (!conn || !capture) throw new CaptureError(`No capture is running on ${conn ? label(conn.identity) : instrumentId}.`)
    const info = await capture.session.stop()
    await capture.ended
    return info
  }

  status(): { captures: CaptureStatus[]; instruments: ConnectedInstrument[] } {
    const instruments = [...this.connections.entries()].map(([, c]) => this.describe(c))
    return { captures: instruments.flatMap((i) => (i.capture ? [i.capture] : [])), instruments }
  }

  /** True while the instrument is open here (for a capture or its panel). */
  isOpen(instrumentId: string): boolean {
    return this.connections.has(instrumentId)
  }

  /** The live tail and what is committed, for a recording being captured now; null otherwise. */
  live(recordingId: number): { tail: LiveTail; committedCount: number; sampleCount: number } | null {
    for (const c of this.connections.values()) {
      if (c.capture?.session.recordingId === recordingId) {
        const p = c.capture.session.progress()
        return { tail: c.capture.tap.tail, committedCount: p.committedCount, sampleCount: c.capture.tap.slots }
      }
    }
    return null
  }

  /** Stops every capture (as finished) and closes every instrument: the core is shutting down. */
  async closeAll(): Promise<void> {
    await Promise.allSettled([...this.opening.values()])
    await Promise.allSettled(
      [...this.connections.values()].map(async (c) => {
        if (c.capture) await c.capture.session.stop().catch(() => {})
        await c.capture?.ended
        await this.close(c, null)
      })
    )
  }

  private captureStatus(instrumentId: string, a: ActiveCapture): CaptureStatus {
    const p = a.session.progress()
    const periodS = a.tap.tail.samplePeriodS
    return {
      instrumentId,
      recordingId: p.recordingId,
      name: a.name,
      state: p.state,
      startedAt: a.startedAt,
      samplePeriodS: periodS,
      sampleCount: a.tap.slots,
      committedCount: p.committedCount,
      durationS: a.tap.slots * periodS,
      targetDurationS: a.targetDurationS,
      gapSamples: a.tap.gapSamples + p.lostToBackpressure,
      gapCount: a.tap.gapCount,
      lostSamples: p.lostToBackpressure,
      queuedBytes: p.queuedBytes,
      recent: a.recent
    }
  }

  private describe(conn: Connection): ConnectedInstrument {
    const controls = conn.controls
    return {
      instrumentId: conn.identity.id,
      identity: conn.identity,
      capabilities: controls?.capabilities ?? NO_CONTROLS,
      settings: controls?.settings() ?? {},
      capture: conn.capture ? this.captureStatus(conn.identity.id, conn.capture) : null
    }
  }

  private open(instrumentId: string, settings: InstrumentSettings = {}): Promise<Connection> {
    const have = this.connections.get(instrumentId)
    if (have) return Promise.resolve(have)
    let pending = this.opening.get(instrumentId)
    if (!pending) {
      pending = this.openNew(instrumentId, settings).finally(() => this.opening.delete(instrumentId))
      this.opening.set(instrumentId, pending)
    }
    return pending
  }

  private async openNew(instrumentId: string, settings: InstrumentSettings): Promise<Connection> {
    const virtual = findVirtualInstrument(instrumentId.replace(/^virtual:/, ''))
    if (virtual && virtual.identity.kind !== 'power-analyzer') {
      throw new CaptureError(`${label(virtual.identity)} is a ${virtual.identity.kind.replace('-', ' ')}, not a power analyzer: captures need an analyzer such as a PPK2.`)
    }
    let opened: OpenedAnalyzer & { identity: InstrumentIdentity }
    try {
      opened = await openAnalyzer(instrumentId, { supplyV: settings.supplyV, mode: settings.mode }, this.options.bench)
    } catch (e) {
      throw new CaptureError(`Could not open ${virtual ? label(virtual.identity) : instrumentId}: ${(e as Error).message}`)
    }
    // The id the user asked for names the connection (a virtual analyzer reports its pty path as location).
    // A pty path means nothing to the user: a virtual analyzer is where the bench is.
    const identity = virtual ? { ...opened.identity, id: virtual.identity.id, virtual: true, location: 'virtual bench' } : opened.identity
    const conn: Connection = {
      identity,
      opened,
      controls: controlsFor(identity.family, opened.analyzer),
      forCaptureOnly: true,
      lost: { listener: null },
      capture: null,
      closing: null
    }
    opened.analyzer.onDisconnect((reason) => this.deviceLost(conn, reason))
    this.connections.set(instrumentId, conn)
    this.options.emit('capture.connection', { instrumentId, connected: true, reason: null })
    return conn
  }

  private deviceLost(conn: Connection, reason: string): void {
    if (conn.closing) return
    if (conn.capture && conn.lost.listener) conn.lost.listener(reason) // the session ends as interrupted, then closes us
    else void this.close(conn, `${label(conn.identity)} was lost: ${reason}`)
  }

  private close(conn: Connection, reason: string | null): Promise<void> {
    conn.closing ??= (async () => {
      let key = conn.identity.id
      for (const [k, c] of this.connections) if (c === conn) this.connections.delete((key = k))
      await conn.opened.close().catch(() => {})
      this.options.emit('capture.connection', { instrumentId: key, connected: false, reason })
    })()
    return conn.closing
  }
}

/**
 * The raw format and calibration snapshot to save with a recording, as of its start: a driver that keeps
 * them current (after the panel changed the supply or the gains) is asked again; otherwise what it said
 * when opened.
 */
function recordingFormatOf(opened: OpenedAnalyzer): RecordingFormat {
  const now = (opened.analyzer as { recordingFormat?: RecordingFormat }).recordingFormat ?? opened.recordingFormat
  return { rawFormat: now.rawFormat, calibration: now.calibration }
}

function label(identity: InstrumentIdentity): string {
  const where = identity.virtual ? 'virtual bench' : identity.location
  return `${identity.model}${identity.serial && !identity.virtual ? ` ${identity.serial}` : ''}${where ? ` (${where})` : ''}`
}
