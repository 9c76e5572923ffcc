import { EventEmitter } from 'node:events'
import { openWorkspace, type Db } from '../store/workspace'
import { systemSources, type DiscoverySources } from '../instruments/discovery'
import { RecordingStore } from '../store/recording-store'
import { VirtualBench } from '../virtual-bench/bench'
import '../setup'
import {
  API_PARAMS,
  isApiMethod,
  requestEnvelope,
  type ApiEvent,
  type ApiEvents,
  type ApiMethod,
  type ApiParsedParams,
  type ApiReply,
  type ApiResult,
  type AppInfo,
  type ChooseFileRequest
} from './contract'
import { HANDLERS } from './handlers'
import { RunManager } from '../runs/run-manager'
import { prepareProbeForRun, readRunCycleCounts } from './probes/run-steps'
import { CaptureManager } from '../capture/capture-manager'
import { closeProbeSessions } from './probes/session-manager'
import { closeCalibrationSessions } from './calibration/calibration-sessions'

export interface CoreOptions {
  dbPath: string
  host: AppInfo['host']
  /** Where attached instruments are looked for; tests pass fakes. */
  discovery?: DiscoverySources
  /** The host's open-file dialog, where it has one (Electron); resolves to null when cancelled. */
  chooseFile?: (request: ChooseFileRequest) => Promise<string | null>
}

export type Handler<M extends ApiMethod> = (core: JoulebenchCore, params: ApiParsedParams<M>) => Promise<ApiResult<M>> | ApiResult<M>
export type HandlerMap = { [M in ApiMethod]: Handler<M> }

/**
 * The core: owns the workspace database, the instruments and the virtual bench, and answers the API.
 * It runs in plain Node; every host (Electron, loopback server, tests) drives it through handle().
 */
export class JoulebenchCore {
  readonly db: Db
  readonly events = new EventEmitter()
  readonly discovery: DiscoverySources
  /** Recordings of this workspace; opening it closes what a crashed process left recording (as `recovered`). */
  readonly recordings: RecordingStore
  /** The virtual bench every virtual instrument of this core runs on. */
  readonly bench: VirtualBench
  /** Captures in progress and instruments held open for their panels. */
  readonly captures: CaptureManager
  /** Benchmark runs: one at a time, stored with their recordings. */
  readonly runs: RunManager

  constructor(readonly options: CoreOptions) {
    this.db = openWorkspace(options.dbPath)
    this.discovery = options.discovery ?? systemSources
    this.recordings = RecordingStore.open(this.db, options.dbPath)
    this.bench = new VirtualBench()
    this.captures = new CaptureManager({ db: this.db, store: this.recordings, bench: this.bench, emit: (e, d) => this.emit(e, d as ApiEvents[typeof e]) })
    this.runs = new RunManager(this.db, this.bench, (e, d) => this.emit(e, d as never), {
      prepare: (step) => prepareProbeForRun(this, step),
      cycles: (step, sessionId) => readRunCycleCounts(this, step, sessionId)
    })
  }

  /** Answer one request. Never throws: a bad message or a failing handler becomes an error reply. */
  async handle(message: unknown): Promise<ApiReply> {
    const envelope = requestEnvelope.safeParse(message)
    if (!envelope.success) {
      const id = typeof (message as { id?: unknown })?.id === 'number' ? (message as { id: number }).id : 0
      return { id, ok: false, error: { code: 'bad-request', message: 'A request is an object { id, method, params }.' } }
    }
    const { id, method } = envelope.data
    if (!isApiMethod(method)) {
      return { id, ok: false, error: { code: 'unknown-method', message: `There is no API method "${method}".` } }
    }
    const parsed = API_PARAMS[method].safeParse(envelope.data.params ?? {})
    if (!parsed.success) {
      return {
        id,
        ok: false,
        error: {
          code: 'invalid-params',
          message: `Invalid parameters for ${method}.`,
          issues: parsed.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message }))
        }
      }
    }
    try {
      const handler = HANDLERS[method] as Handler<typeof method>
      return { id, ok: true, result: await handler(this, parsed.data as never) }
    } catch (e) {
      return { id, ok: false, error: { code: 'failed', message: (e as Error).message || String(e) } }
    }
  }

  emit<K extends keyof ApiEvents>(event: K, data: ApiEvents[K]): void {
    this.events.emit('event', { event, data } as ApiEvent)
  }

  onEvent(listener: (e: ApiEvent) => void): () => void {
    this.events.on('event', listener)
    return () => this.events.off('event', listener)
  }

  async close(): Promise<void> {
    // Runs and captures first: a run in progress is stored as cancelled and every recording ends with
    // every sample received kept.
    await this.runs.closeAll()
    await closeCalibrationSessions(this)
    await this.captures.closeAll()
    await closeProbeSessions(this)
    this.events.removeAllListeners()
    await this.bench.close()
    this.db.close()
  }
}
