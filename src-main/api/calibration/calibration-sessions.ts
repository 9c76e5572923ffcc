/**
 * Calibrations the core runs for its clients: open the analyzer, measure the open output and each
 * reference load (on hardware, waiting for the operator to confirm each swap), then hold the result
 * for review until it is saved as a record (optionally writing PPK2 user gains first) or discarded.
 * Every change goes out as a calibration.progress event carrying the whole session.
 */
import { rangeSpecs, runCalibration, type PresentStep } from '../../calibration/procedure'
import { CalibrationStore } from '../../calibration/records'
import { formatReferenceLoad } from '../../calibration/reference-load'
import { familyOf, openCalibrationTarget, type CalibrationTarget } from '../../calibration/targets'
import { planUserGains, writeUserGains } from '../../calibration/user-gains'
import { loadDefinitions } from '../../wiring/definitions'
import type { ApiEvents } from '../contract'
import type { JoulebenchCore } from '../core'
import { claimInstrument } from '../instrument-claims'
import type { CalibrationRunRequest, CalibrationSessionInfo, CalibrationSessionState, CalibrationStepInfo, SaveRequest } from './session-types'

class Cancelled extends Error {}

interface Session {
  info: CalibrationSessionInfo
  target: CalibrationTarget | null
  release: () => void
  ask: { resolve: () => void; reject: (e: Error) => void } | null
  cancelled: boolean
  done: Promise<void>
}

const KEEP_FINISHED = 20
const TERMINAL: ReadonlySet<CalibrationSessionState> = new Set(['saved', 'failed', 'cancelled'])

export type EmitCalibrationEvent = <K extends keyof ApiEvents>(event: K, data: ApiEvents[K]) => void

export class CalibrationSessions {
  private readonly sessions = new Map<number, Session>()
  private nextId = 1

  constructor(
    private readonly core: JoulebenchCore,
    private readonly emit: EmitCalibrationEvent
  ) {}

  list(): CalibrationSessionInfo[] {
    return [...this.sessions.values()].map((s) => snapshot(s.info))
  }

  get(runId: number): Session {
    const s = this.sessions.get(runId)
    if (!s) throw new Error(`There is no calibration run ${runId} (runs are kept until ${KEEP_FINISHED} newer ones have finished). Start a new one.`)
    return s
  }

  async run(req: CalibrationRunRequest): Promise<CalibrationSessionInfo> {
    const id = req.instrumentId
    if (req.loads.length === 0 && !req.zeroCheck) throw new Error('Give at least one reference load (ohms at volts), or keep the zero check.')
    if (req.writeUserGains && !req.save) throw new Error('Writing user gains needs a saved record: ask for it when saving (calibration.save), or run with save: true.')
    const definition = loadDefinitions().analyzers.find((a) => a.id === familyOf(id)) ?? null
    const release = claimInstrument(this.core, id, 'calibration')
    const session: Session = {
      info: {
        runId: this.nextId++,
        instrumentId: id,
        instrument: { model: definition?.model ?? id, serial: null, virtual: id.startsWith('virtual:') },
        state: 'measuring',
        startedAt: new Date().toISOString(),
        step: null,
        prompt: null,
        log: [],
        result: null,
        record: null,
        canWriteUserGains: false,
        userGains: null,
        error: null
      },
      target: null,
      release,
      ask: null,
      cancelled: false,
      done: Promise.resolve()
    }
    try {
      session.target = await openCalibrationTarget({ id, mode: req.mode, definition, ask: (text) => this.waitForOperator(session, text) })
      const identity = session.target.analyzer.identity
      session.info.instrument = { model: identity.model, serial: identity.serial, virtual: session.info.instrument.virtual }
      if (!identity.serial) {
        throw new Error(`${identity.model} (${id}) did not report a serial number, and a calibration record must name the unit it belongs to. Reconnect it, or update its firmware.`)
      }
      if (req.writeUserGains && !session.target.writeUserGain) {
        throw new Error(`${identity.model} has no user gains to write; leave that option off (the correction is applied on the host).`)
      }
      session.info.canWriteUserGains = !!session.target.writeUserGain
    } catch (e) {
      await session.target?.close().catch(() => {})
      release()
      throw new Error(`Could not calibrate ${id}: ${(e as Error).message}`)
    }
    const all = rangeSpecs(session.target.analyzer, definition)
    const unknown = (req.ranges ?? []).filter((r) => !all.some((s) => s.index === r))
    if (unknown.length) {
      await session.target.close().catch(() => {})
      release()
      throw new Error(`${session.info.instrument.model} has no range ${unknown.join(', ')}; its ranges are ${all.map((s) => `${s.index} (${s.label})`).join(', ')}.`)
    }
    const ranges = req.ranges ? all.filter((s) => req.ranges!.includes(s.index)) : all
    this.sessions.set(session.info.runId, session)
    this.forgetOld()
    this.changed(session)
    session.done = this.measure(session, req, ranges)
    return snapshot(session.info)
  }

  /** The operator did what the prompt asked. */
  continue(runId: number): CalibrationSessionInfo {
    const s = this.get(runId)
    if (s.info.state !== 'waiting' || !s.ask) throw new Error(`Calibration ${runId} is not waiting for you (it is ${s.info.state}).`)
    const ask = s.ask
    s.ask = null
    s.info.prompt = null
    s.info.state = 'measuring'
    ask.resolve()
    this.changed(s)
    return snapshot(s.info)
  }

  /** Stop a calibration, or discard a measured result: nothing is saved, the instrument is released. */
  async cancel(runId: number): Promise<CalibrationSessionInfo> {
    const s = this.get(runId)
    if (TERMINAL.has(s.info.state)) return snapshot(s.info)
    s.cancelled = true
    if (s.info.state === 'measured') {
      await this.finish(s, 'cancelled', null)
      return snapshot(s.info)
    }
    s.ask?.reject(new Cancelled())
    s.ask = null
    // A window being measured ends when its analyzer closes; measure() then reports the cancellation.
    await s.target?.close().catch(() => {})
    await s.done
    return snapshot(s.info)
  }

  /** Store a measured result as a calibration record (writing user gains first when asked). */
  async save(runId: number, request: SaveRequest): Promise<CalibrationSessionInfo> {
    const s = this.get(runId)
    if (s.info.state !== 'measured' || !s.info.result) {
      throw new Error(`Calibration ${runId} has no result waiting to be saved (it is ${s.info.state}).`)
    }
    if (request.writeUserGains && !s.target?.writeUserGain) {
      throw new Error(
        s.info.canWriteUserGains
          ? `${s.info.instrument.model} was released, so its user gains cannot be written now; run the calibration again.`
          : `${s.info.instrument.model} has no user gains to write; save without that option (the correction is applied on the host).`
      )
    }
    await this.store(s, request)
    return snapshot(s.info)
  }

  async closeAll(): Promise<void> {
    await Promise.allSettled([...this.sessions.values()].filter((s) => !TERMINAL.has(s.info.state)).map((s) => this.cancel(s.info.runId)))
  }

  private async measure(s: Session, req: CalibrationRunRequest, ranges: ReturnType<typeof rangeSpecs>): Promise<void> {
    const target = s.target!
    try {
      const result = await runCalibration(
        {
          analyzer: target.analyzer,
          present: async (step) => {
            if (s.cancelled) throw new Cancelled()
            s.info.step = stepInfo(step)
            this.changed(s)
            await target.present(step)
            if (s.cancelled) throw new Cancelled()
          }
        },
        {
          loads: req.loads,
          zeroCheck: req.zeroCheck,
          ranges,
          settleS: req.settleS,
          measureS: req.measureS,
          voltageToleranceFraction: req.voltageToleranceFraction,
          deviceUserGains: target.deviceUserGains(),
          onProgress: (text) => {
            s.info.log.push(text)
            this.changed(s)
          }
        }
      )
      if (s.cancelled) throw new Cancelled()
      s.info.result = result
      s.info.step = null
      s.info.state = 'measured'
      s.info.log.push(`Measured: ${result.verdict}.`)
      if (req.save) await this.store(s, req)
      else if (!target.writeUserGain) await this.releaseTarget(s)
      this.changed(s)
    } catch (e) {
      if (s.cancelled || e instanceof Cancelled) await this.finish(s, 'cancelled', null)
      else await this.finish(s, 'failed', `Calibration of ${s.info.instrument.model} (${s.info.instrumentId}) stopped: ${(e as Error).message}`)
    }
  }

  private async store(s: Session, request: SaveRequest): Promise<void> {
    const store = new CalibrationStore(this.core.db)
    const result = s.info.result!
    let record = store.save(result, { notes: request.notes, operator: request.operator ?? null, dueInDays: request.dueInDays, dueAt: request.dueAt })
    if (request.writeUserGains && s.target?.writeUserGain) {
      const plan = planUserGains(result)
      const write = s.target.writeUserGain
      try {
        const written = await writeUserGains(plan, (r, g) => write(r, g))
        if (written.length) record = store.markWrittenToDevice(record.id, written)
        s.info.userGains = { written, skipped: plan.skipped }
      } catch (e) {
        // The record stands (it is what was measured); the device keeps whatever it accepted.
        s.info.record = record
        await this.finish(s, 'failed', `Calibration ${record.id} is saved, but writing user gains to ${s.info.instrument.model} failed: ${(e as Error).message}. The correction is applied on the host.`)
        this.emit('calibrations.changed', { id: record.id, change: 'added' })
        return
      }
    }
    s.info.record = record
    s.info.result = record.result
    s.info.log.push(`Saved as ${record.id}.`)
    await this.finish(s, 'saved', null)
    this.emit('calibrations.changed', { id: record.id, change: 'added' })
  }

  private waitForOperator(s: Session, instruction: string): Promise<void> {
    if (s.cancelled) return Promise.reject(new Cancelled())
    s.info.state = 'waiting'
    s.info.prompt = instruction.replace(/,? then press Enter\.$/, ', then choose Continue.')
    this.changed(s)
    return new Promise((resolve, reject) => (s.ask = { resolve, reject }))
  }

  private async releaseTarget(s: Session): Promise<void> {
    const t = s.target
    s.target = null
    await t?.close().catch(() => {})
    s.release()
  }

  private async finish(s: Session, state: CalibrationSessionState, error: string | null): Promise<void> {
    await this.releaseTarget(s)
    s.info.state = state
    s.info.prompt = null
    s.info.error = error
    if (state === 'cancelled') s.info.log.push('Cancelled: nothing was saved.')
    this.changed(s)
  }

  private changed(s: Session): void {
    this.emit('calibration.progress', snapshot(s.info))
  }

  private forgetOld(): void {
    const finished = [...this.sessions.values()].filter((s) => TERMINAL.has(s.info.state))
    for (const s of finished.slice(0, Math.max(0, finished.length - KEEP_FINISHED))) this.sessions.delete(s.info.runId)
  }
}

function stepInfo(step: PresentStep): CalibrationStepInfo {
  return step.kind === 'open'
    ? { index: step.index, total: step.total, kind: 'open', load: null, text: 'open output (zero offset)' }
    : { index: step.index, total: step.total, kind: 'load', load: step.load, text: formatReferenceLoad(step.load) }
}

/** A copy for the wire: events must not change under a client that keeps them. */
function snapshot(info: CalibrationSessionInfo): CalibrationSessionInfo {
  return { ...info, log: [...info.log], step: info.step ? { ...info.step } : null }
}

const managers = new WeakMap<JoulebenchCore, CalibrationSessions>()

export function calibrationSessions(core: JoulebenchCore): CalibrationSessions {
  let m = managers.get(core)
  if (!m) managers.set(core, (m = new CalibrationSessions(core, (e, d) => core.emit(e, d))))
  return m
}

/** The core is closing: stop every calibration in progress (nothing half-measured is saved). */
export async function closeCalibrationSessions(core: JoulebenchCore): Promise<void> {
  await managers.get(core)?.closeAll()
}
