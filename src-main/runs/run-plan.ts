import { EventEmitter } from 'node:events'
import { CaptureSession } from '../capture/capture-session'
import { DutError } from '../dut/mlperf-tiny/driver'
import type { RunningVirtualDut } from '../dut/mlperf-tiny/virtual-dut'
import { INTERFACE_BOARD_NAME } from '../dut/mlperf-tiny/virtual-interface-board'
import { openAnalyzer, parseAnalyzerId, type AnalyzerSettings, type OpenedAnalyzer } from '../instruments/analyzers'
import type { RecordingInfo } from '../store/recording-info'
import { RecordingStore } from '../store/recording-store'
import type { ProbeRunStep } from '../probes/run-step'
import type { Db } from '../store/workspace'
import { VirtualBench } from '../virtual-bench/bench'
import { realTimeClock, type BenchClock } from '../virtual-bench/dut-signal'
import { openDutLink, type OpenedDutLink } from './dut-link'
import { dutBaudRate, dutLink, type BenchmarkPlan } from './plan'
import { describeStageSource, stageLogFormat } from './plan-stages'
import { StageLogTap } from './stage-log-tap'
import { openSerial } from '../transports/serial'
import { energyModeAnalyzerSettings } from './plan-defaults'
import { analyzeRun, type InferWindowRange, type RunAnalysis } from './run-analysis'
import { planInputBytes } from './run-input'
import { RunsStore, type RunDetail, type RunInstrument, type RunState } from './runs-store'
import { abortReason, AnalyzerLostError, StreamTap } from './stream-tap'

/**
 * Carries out one benchmark plan: open the analyzer (on the virtual bench when the plan says virtual)
 * and the DUT link, record, drive the DUT window by window, stop, analyze the recording, store the run.
 * Every path — finished, cancelled, a DUT that never answers, a pulled analyzer cable — closes what was
 * opened, keeps the recording, and stores the run with a state and a reason the user can act on.
 *
 * Events: 'progress' (RunProgress, on each phase and twice a second), 'state' (RunStateEvent).
 */

export type RunPhase = 'opening' | 'flashing' | 'loading' | 'idle' | 'window' | 'capturing' | 'cycles' | 'analyzing' | 'done'

export interface RunProgress {
  runId: number
  phase: RunPhase
  /** 1-based infer window under way, while phase is 'window'. */
  window: number | null
  windows: number
  /** Inferences completed in finished windows (warm-ups not counted), and planned. */
  inferencesDone: number
  inferencesTotal: number
  elapsedS: number
  recordingId: number | null
  /** Sample slots recorded so far. */
  samples: number
  message: string
}

export interface RunStateEvent {
  runId: number
  state: RunState
  reason: string | null
}

/** How a run reaches debug probes: given by the host, which owns the probe sessions. */
export interface RunProbes {
  /** Connect, flash or load the plan's firmware (verified), reset and let it run. */
  prepare(step: ProbeRunStep): Promise<{ sessionId: string; flash: unknown; description: string }>
  /** The cycle counts the plan asked for, or null when it asked for none. */
  cycles(step: ProbeRunStep, sessionId: string): Promise<{ what: string; unit: string; mean: number; counts: number[] } | null>
}

export interface RunOptions {
  /** The bench virtual instruments run on; a plan with its own clock speed gets a bench of its own. */
  bench?: VirtualBench
  store?: RunsStore
  probes?: RunProbes
}

/** How long after a window to keep recording before calling it done: the analyzer's stream lags the DUT. */
const SETTLE_S = 0.25
/** In energy mode, how long past that to wait for a window's closing timestamp before giving up on it. */
const TIMESTAMP_GRACE_S = 2

/** A bench clock `speed` times faster than real time (the emulators sample on the bench clock). */
export function speedClock(speed: number): BenchClock {
  if (speed === 1) return realTimeClock
  const t0 = performance.now()
  return { nowS: () => ((performance.now() - t0) / 1000) * speed }
}

class CancelledError extends Error {
  override name = 'CancelledError'
}

export class BenchmarkRun extends EventEmitter {
  readonly id: number
  readonly uuid: string
  /** Resolves with the stored run however it ended; rejects only if the workspace fails under it (closed, disk full). */
  readonly done: Promise<RunDetail>
  /** The virtual DUT, when the plan runs one (tests compare against its truth). */
  virtualDut: RunningVirtualDut | null = null
  private readonly store: RunsStore
  private readonly abort = new AbortController()
  private readonly startedAtMs = Date.now()
  private state: { phase: RunPhase; window: number | null; inferencesDone: number; recordingId: number | null; message: string } = {
    phase: 'opening',
    window: null,
    inferencesDone: 0,
    recordingId: null,
    message: 'Opening instruments'
  }
  private tap: StreamTap | null = null

  static start(db: Db, plan: BenchmarkPlan, options: RunOptions = {}): BenchmarkRun {
    return new BenchmarkRun(db, plan, options)
  }

  private constructor(
    private readonly db: Db,
    readonly plan: BenchmarkPlan,
    private readonly options: RunOptions
  ) {
    super()
    this.store = options.store ?? new RunsStore(db)
    const info = this.store.create(plan)
    this.id = info.id
    this.uuid = info.uuid
    // Let the caller attach listeners before the first event.
    this.done = new Promise<void>((r) => setImmediate(r)).then(() => this.execute())
  }

  /** Stop at the next step; the recording so far is kept and the run stored as cancelled. */
  cancel(reason = 'Cancelled by the user'): void {
    if (!this.abort.signal.aborted) this.abort.abort(new CancelledError(reason))
  }

  progress(): RunProgress {
    const r = this.plan.repetitions
    return {
      runId: this.id,
      phase: this.state.phase,
      window: this.state.window,
      windows: this.plan.mode === 'capture' ? 0 : r.windows,
      inferencesDone: this.state.inferencesDone,
      inferencesTotal: this.plan.mode === 'capture' ? 0 : r.windows * r.inferences,
      elapsedS: (Date.now() - this.startedAtMs) / 1000,
      recordingId: this.state.recordingId,
      samples: this.tap?.nextIndex ?? 0,
      message: this.state.message
    }
  }

  private phase(phase: RunPhase, message: string, window: number | null = null): void {
    if (this.abort.signal.aborted) throw abortReason(this.abort.signal)
    this.state = { ...this.state, phase, message, window }
    this.emit('progress', this.progress())
  }

  private async execute(): Promise<RunDetail> {
    const plan = this.plan
    const closers: Array<() => Promise<unknown>> = []
    const windows: InferWindowRange[] = []
    const notes: string[] = []
    const instruments: RunInstrument[] = []
    let session: CaptureSession | null = null
    let recording: RecordingInfo | null = null
    let stageTap: StageLogTap | null = null
    let idle: { startS: number; endS: number } | null = plan.idle.kind === 'window' ? { startS: plan.idle.startS, endS: plan.idle.endS } : null
    let failure: { state: 'failed' | 'cancelled'; reason: string } | null = null
    const ticker = setInterval(() => this.emit('progress', this.progress()), 500)
    const speed = plan.dut.kind === 'virtual' ? plan.dut.clockSpeed : 1
    const ownBench = !this.options.bench || speed !== 1 ? new VirtualBench(speedClock(speed)) : null
    const bench = ownBench ?? this.options.bench!
    this.emit('state', { runId: this.id, state: 'running', reason: null } satisfies RunStateEvent)

    try {
      this.phase('opening', 'Opening instruments')
      let cycleCount: ReturnType<RunProbes['cycles']> | null = null
      const probeStep = plan.probe
      if (probeStep) {
        if (!this.options.probes) throw new Error('This plan uses a debug probe, but this host has no probe access: run it from the app or `joulebench run`.')
        this.phase('flashing', probeStep.flash ? `Flashing ${probeStep.flash.firmware} with ${probeStep.probe}` : `Resetting the target through ${probeStep.probe}`)
        const prepared = await this.guard(this.options.probes.prepare(probeStep), `preparing ${probeStep.probe}`)
        instruments.push({
          role: 'probe',
          identity: { id: probeStep.probe, kind: 'debug-probe', family: probeStep.probe.split(':')[0], model: prepared.description, serial: null, firmware: null, location: null, virtual: probeStep.probe.startsWith('virtual:') },
          settings: { flash: prepared.flash, cycles: null as unknown },
          calibration: null
        })
        this.store.setInstruments(this.id, instruments)
        // Armed now, before any window: the counted function runs when the DUT infers, and the count
        // waits for those calls (the probe stays busy meanwhile, so DUT commands go over UART).
        if (probeStep.cycles) {
          cycleCount = this.options.probes.cycles(probeStep, prepared.sessionId)
          cycleCount.catch(() => {})
        }
      }
      stageTap = await this.openStageLog(closers, notes)
      const tapOfDut = plan.stages?.source.kind === 'dut-uart' ? stageTap : null
      let link: OpenedDutLink | null = null
      const openLink = async () => {
        const via = dutLink(plan) === 'interface-board'
        link = await this.guard(
          openDutLink(plan, bench, tapOfDut ? (line) => tapOfDut.pushDutLine(line, via) : undefined),
          'opening the DUT link'
        )
        closers.push(() => link!.close())
        this.virtualDut = link.virtual
      }
      // A virtual DUT is powered before the analyzer looks at it; a real one may be powered by the analyzer.
      if (plan.dut.kind === 'virtual') await openLink()

      let opened: (OpenedAnalyzer & { identity: RunInstrument['identity'] }) | null = null
      if (plan.analyzer) {
        const settings = this.analyzerSettings()
        opened = await this.guard(openAnalyzer(plan.analyzer.id, settings, bench), `opening ${plan.analyzer.id}`)
        const o = opened
        closers.push(() => o.close())
        instruments.push({ role: 'analyzer', identity: o.identity, settings, calibration: o.recordingFormat.calibration })
        this.store.setInstruments(this.id, instruments)
        const tap = new StreamTap(o.analyzer)
        this.tap = tap
        session = await CaptureSession.start(this.db, tap, { ...o.recordingFormat, supplyV: plan.supplyV, name: `${plan.name} — run ${this.id}`, tags: ['run', `run:${this.uuid}`] })
        const s = session
        this.state.recordingId = s.recordingId
        this.store.setRecording(this.id, { id: s.recordingId, uuid: s.writer.uuid })
        s.on('state', (st: string) => {
          if (st === 'interrupted') this.abort.abort(new AnalyzerLostError(`${o.identity.model} (${o.identity.id}) was lost: ${tap.lostReason ?? 'the device went away'}.`))
        })
        s.on('warning', (w: string) => this.emit('warning', w))
      }
      if (plan.dut.kind === 'serial') await openLink()

      const l = link as OpenedDutLink | null
      if (l) {
        const vendor = await this.guard(l.dut.name(), 'asking the DUT its name')
        const profile = await this.guard(l.dut.profile(), 'asking the DUT its profile')
        if (profile.model !== plan.model.name) notes.push(`The DUT reports model "${profile.model}"; the plan says "${plan.model.name}". The plan's MACs and parameters were used.`)
        instruments.push({
          role: 'dut',
          identity: { ...l.identity, model: `MLPerf Tiny DUT (${vendor})`, firmware: `${profile.profile}, model ${profile.model}` },
          settings: { baudRate: l.baudRate, viaInterfaceBoard: l.viaInterfaceBoard, mode: plan.mode, timestampMode: l.dut.timestampMode },
          calibration: null
        })
        if (l.viaInterfaceBoard) {
          instruments.push({
            role: 'interface-board',
            identity: { id: plan.dut.kind === 'virtual' ? 'virtual:mlperf-interface-board' : `mlperf-interface-board:${l.dut.path}`, kind: 'dut-link', family: 'mlperf-tiny', model: plan.dut.kind === 'virtual' ? INTERFACE_BOARD_NAME : 'MLPerf Tiny interface board', serial: null, firmware: null, location: l.dut.path, virtual: plan.dut.kind === 'virtual' },
            settings: { hostBaudRate: l.baudRate, dutBaudRate: plan.mode === 'energy' ? 9600 : 115200 },
            calibration: null
          })
        }
        this.store.setInstruments(this.id, instruments)
        const bytes = await planInputBytes(plan.input)
        if (bytes) {
          this.phase('loading', `Loading ${bytes.length} input bytes into the DUT`)
          await this.guard(l.dut.load(bytes), 'loading the input')
        }
      }

      const tap = this.tap
      const dt = tap?.samplePeriodS ?? 0
      if (tap && plan.idle.kind === 'before-first-window') {
        this.phase('idle', `Measuring the idle baseline (${plan.idle.durationS} s)`)
        const a = tap.nextIndex
        const b = a + Math.max(1, Math.round(plan.idle.durationS / dt))
        await tap.waitUntil(() => tap.nextIndex >= b, { signal: this.abort.signal, what: 'the idle baseline' })
        idle = { startS: a * dt, endS: b * dt }
      }

      if (plan.mode === 'capture') {
        const total = Math.round(plan.repetitions.captureDurationS! / dt)
        this.phase('capturing', `Recording for ${plan.repetitions.captureDurationS} s`)
        await tap!.waitUntil(() => tap!.nextIndex >= total, { signal: this.abort.signal, what: `${plan.repetitions.captureDurationS} s of samples` })
      } else {
        const { inferences: n, warmup: w, windows: count } = plan.repetitions
        for (let k = 0; k < count; k++) {
          // Before the progress event: whatever a listener sets off from here belongs to this window.
          stageTap?.beginWindow(k)
          this.phase('window', `Window ${k + 1} of ${count}: infer ${n} ${w}`, k + 1)
          const startIndex = tap?.nextIndex ?? 0
          const result = await this.guard(l!.dut.infer(n, w, { timeoutS: this.inferTimeoutS() }), `window ${k + 1} of ${count} (infer ${n} ${w})`)
          if (tap) {
            const doneAt = tap.nextIndex
            const settle = doneAt + Math.max(5, Math.round(SETTLE_S / dt))
            const giveUp = settle + Math.round(TIMESTAMP_GRACE_S / dt)
            const needMarks = plan.segmentation.kind === 'dut-timestamps' && plan.segmentation.source.kind === 'marks'
            await tap.waitUntil(() => tap.nextIndex >= settle && (!needMarks || tap.marksIn(startIndex).length >= 2 || tap.nextIndex >= giveUp), {
              signal: this.abort.signal,
              what: `the end of window ${k + 1}`
            })
          }
          windows.push({ index: k, startIndex, endIndex: tap?.nextIndex ?? 0, inferences: n, warmup: w, dutLatencyPerInferenceS: result.latencyPerInferenceS })
          this.state.inferencesDone += n
        }
      }
      if (cycleCount) {
        this.phase('cycles', `Counting cycles of ${probeStep?.cycles?.function ?? 'the region'}`)
        const cycles = await this.guard(cycleCount, 'reading cycle counts')
        const probe = instruments.find((i) => i.role === 'probe')
        if (probe && cycles) {
          probe.settings = { ...(probe.settings as object), cycles }
          this.store.setInstruments(this.id, instruments)
          notes.push(`${cycles.what}: ${cycles.mean.toFixed(0)} ${cycles.unit} on average over ${cycles.counts.length} call(s).`)
        }
      }
      if (session) recording = await (session as CaptureSession).stop()
    } catch (e) {
      failure = this.describeFailure(e as Error, windows.length)
    } finally {
      clearInterval(ticker)
      if (session && !recording) recording = await (session as CaptureSession).stop().catch(() => null)
      for (const c of closers.reverse()) await c().catch(() => {})
      await ownBench?.close().catch(() => {})
    }

    let analysis: RunAnalysis | null = null
    const worthAnalyzing = !failure || windows.length > 0
    if (worthAnalyzing) {
      this.state = { ...this.state, phase: 'analyzing', window: null, message: 'Analyzing the recording' }
      this.emit('progress', this.progress())
      try {
        const trace = recording ? RecordingStore.open(this.db).reader(recording.id) : null
        stageTap?.flush()
        analysis = analyzeRun(trace, {
          runStageLog: stageTap && plan.stages && plan.mode !== 'capture' ? { lines: stageTap.lines, format: stageLogFormat(plan.stages.format), source: stageTap.source, uartBaud: this.stageLogBaud() } : undefined,
          segmentation: plan.segmentation,
          supplyV: plan.supplyV,
          idle,
          subtractIdle: plan.subtractIdle,
          confidence: plan.confidence,
          windows: plan.mode === 'capture' ? undefined : windows,
          warmup: plan.mode === 'capture' ? plan.repetitions.warmup : undefined
        })
      } catch (e) {
        const kept = recording ? ` Recording ${recording.id} is kept: try another segmentation with joulebench analyze ${recording.id}.` : ''
        if (!failure) failure = { state: 'failed', reason: `The analysis failed: ${(e as Error).message}${kept}` }
        else notes.push(`The completed windows could not be analyzed: ${(e as Error).message}`)
      }
    }
    if (failure && recording) failure.reason += ` Recording ${recording.id} (${recording.uuid}) keeps everything captured.`
    const state: RunState = failure?.state ?? 'finished'
    if (stageTap) notes.push(...stageSourceNotes(stageTap))
    const stageLog = stageTap ? { source: stageTap.source, lines: stageTap.lines, overflow: stageTap.overflow } : null
    this.store.finish(this.id, { state, reason: failure?.reason ?? null, analysis, notes, stageLog })
    this.state = { ...this.state, phase: 'done', window: null, message: failure?.reason ?? 'Finished' }
    this.emit('progress', this.progress())
    this.emit('state', { runId: this.id, state, reason: failure?.reason ?? null } satisfies RunStateEvent)
    return this.store.detail(this.id)
  }

  /** Await a step, but give up on it at once when the run is cancelled or the analyzer is lost. */
  private guard<T>(step: Promise<T>, what: string): Promise<T> {
    const signal = this.abort.signal
    step.catch(() => {})
    if (signal.aborted) return Promise.reject(abortReason(signal))
    return new Promise<T>((resolve, reject) => {
      const onAbort = () => reject(abortReason(signal))
      signal.addEventListener('abort', onAbort, { once: true })
      step.then(
        (v) => {
          signal.removeEventListener('abort', onAbort)
          resolve(v)
        },
        (e: Error) => {
          signal.removeEventListener('abort', onAbort)
          reject(signal.aborted ? abortReason(signal) : Object.assign(e, { step: what }))
        }
      )
    })
  }

  private describeFailure(e: Error, windowsDone: number): { state: 'failed' | 'cancelled'; reason: string } {
    const at = this.state.phase === 'window' ? ` during window ${this.state.window} of ${this.plan.repetitions.windows}` : ` while ${this.state.message.toLowerCase()}`
    if (e instanceof CancelledError) return { state: 'cancelled', reason: `${e.message}${at}.` }
    if (e instanceof AnalyzerLostError) return { state: 'failed', reason: `${e.message.replace(/\.$/, '')}${at}. Reconnect it and start the run again.` }
    const step = (e as Error & { step?: string }).step
    if (e instanceof DutError) return { state: 'failed', reason: `The DUT did not complete ${step ?? 'a command'}${windowsDone ? ` (${windowsDone} window${windowsDone > 1 ? 's' : ''} completed)` : ''}: ${e.message}` }
    return { state: 'failed', reason: `${step ? `Failed ${step}: ` : ''}${e.message}` }
  }

  /**
   * The plan's stage-log source: a tap the DUT link feeds (dut-uart), or a separate serial port opened
   * now. A port that will not open is a warning on the run, not a failure: the inference figures
   * do not need it.
   */
  private async openStageLog(closers: Array<() => Promise<unknown>>, notes: string[]): Promise<StageLogTap | null> {
    const st = this.plan.stages
    if (!st || st.source.kind === 'none') return null
    const dutPort = this.plan.dut.kind === 'serial' ? this.plan.dut.port : null
    const tap = new StageLogTap(describeStageSource(st, dutPort))
    if (st.source.kind === 'serial') {
      const { port, baudRate } = st.source
      try {
        const transport = await openSerial(port, baudRate)
        transport.onData((chunk) => tap.pushBytes(chunk))
        transport.onClose((reason) => {
          if (!tap.lostReason) tap.lostReason = reason
        })
        closers.push(async () => {
          tap.lostReason ??= 'closed at the end of the run'
          await transport.close()
        })
      } catch (e) {
        notes.push(`Stage log: could not open ${port} (stages.source.port) at ${baudRate} baud: ${(e as Error).message} The run went on without stages; fix the port in the plan to get them.`)
        return null
      }
    }
    return tap
  }

  /** The rate the stage log is printed at, for the aligner's print-time estimate. */
  private stageLogBaud(): number | undefined {
    const st = this.plan.stages
    if (!st) return undefined
    if (st.uartBaud) return st.uartBaud
    if (st.source.kind === 'serial') return st.source.baudRate
    // The DUT's own UART runs at the DUT's rate (9600 behind an interface board in energy mode).
    return this.plan.mode === 'energy' ? 9600 : dutBaudRate(this.plan)
  }

  private analyzerSettings(): AnalyzerSettings {
    const a = this.plan.analyzer!
    const preset = this.plan.mode === 'energy' ? energyModeAnalyzerSettings(parseAnalyzerId(a.id).family) : {}
    return {
      supplyV: this.plan.supplyV,
      mode: a.mode,
      sampleRateHz: a.sampleRateHz ?? preset.sampleRateHz,
      extra: { ...preset.extra, ...a.settings }
    }
  }

  /** The plan's limit, or for a virtual DUT its known duration with room to spare; else the driver's default. */
  private inferTimeoutS(): number | undefined {
    const { inferences, warmup, timeoutS } = this.plan.repetitions
    if (timeoutS !== undefined) return timeoutS
    const d = this.plan.dut
    if (d.kind !== 'virtual') return undefined
    const busyS = (inferences + warmup) * (this.plan.model.macs * d.latencyPerMacS + d.gapS)
    return 10 + (2 * busyS + 5) / d.clockSpeed
  }
}

/** What went wrong with the stage-log source itself (not its content), as run notes. */
function stageSourceNotes(tap: StageLogTap): string[] {
  const out: string[] = []
  const lost = tap.lostReason && tap.lostReason !== 'closed at the end of the run' ? tap.lostReason : null
  if (lost) out.push(`Stage log (${tap.source}): the port went away during the run (${lost}); lines after that are missing. Reconnect it and run again for complete stages.`)
  if (tap.overflow) out.push(`Stage log (${tap.source}): ${tap.overflow} lines past the first ${tap.lines.length} were not kept: the source printed far more than stage lines (check the port and the baud rate).`)
  const odd = tap.anomalies
  if (odd.length) out.push(`Stage log (${tap.source}): ${odd[0]}${odd.length > 1 ? ` (and ${odd.length - 1} more such report${odd.length > 2 ? 's' : ''})` : ''}.`)
  return out
}
