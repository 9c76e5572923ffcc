import { openSerial, type SerialTransport } from '../../transports/serial'
import { openPtyPair } from '../../transports/pty-pair'
import { realTimeClock, type BenchClock, type DutSignal } from '../../virtual-bench/dut-signal'
import { MlperfFirmware, type FirmwareStep, type TimestampMode } from './firmware'
import { planInference, type PlannedStage, type VirtualModel } from './inference-model'
import { PowerTimeline, type TruthInference } from './power-timeline'

/**
 * A virtual MLPerf Tiny DUT on the device end of a pseudo-terminal: the reference firmware's protocol
 * (firmware.ts) run in bench time, with a power signal an emulated analyzer samples. Its inferences
 * raise the current by the model's MAC cost; its timestamps print m-lap-us-N (performance mode) or
 * pull D0 low (energy mode), exactly when they happen on the bench clock.
 */

export interface VirtualDutOptions {
  /** The pty end the DUT owns (PtyPair.devicePath); the driver opens the other end. */
  devicePath: string
  mode: TimestampMode
  model: VirtualModel
  clock?: BenchClock
  vendor?: string
  /** UART rate: printing a line takes 10 bit times a character. Default 115200 (performance), 9600 (energy). */
  baudRate?: number
  /** The board's draw when not inferring. Default 1 mA. */
  idleCurrentA?: number
  /** Supply voltage the analyzer gives the DUT (used to turn joules per MAC into current). Default 3.3 V. */
  supplyV?: number
  /** Digital line of the timestamp pin. Default 0 (D0). */
  timestampLine?: number
  /** How long the timestamp pin stays low; the spec asks ≥ 1 µs, an analyzer sampling at 100 kS/s needs ≥ 10 µs. Default 100 µs. */
  timestampHoldS?: number
  /** A line held high during each inference (for GPIO segmentation), or none. */
  inferenceLine?: number | null
  /** Hold the inference line during this stage only (firmware that toggles it around the accelerator's run). Default: the whole inference. */
  inferenceLineStage?: PlannedStage['stage']
  /**
   * Lines the firmware prints on its UART after each inference (a μNPU board's stage times), CR LF
   * ended; they take their UART time before the next inference starts. Default: none (the MLPerf Tiny
   * reference firmware prints nothing between inferences).
   */
  stageLog?: (stages: readonly PlannedStage[]) => string[]
  /** Idle time between consecutive inferences of one batch. Default 0 (back to back, as th_infer runs). */
  gapS?: number
  /** Value of the DUT's microsecond counter at boot (to exercise the 32-bit wrap). Default 0. */
  lapCounterAtBootUs?: number
  noiseA?: number
  seed?: number
  results?: (input: Uint8Array) => number[]
}

export interface TruthTimestamp {
  timeS: number
  /** Performance mode: the counter value printed. */
  lapUs?: number
}

/** One `infer` command: its two timestamps and what lies between them, exactly. */
export interface TruthBatch {
  batch: number
  count: number
  warmups: number
  startTimestampS: number
  endTimestampS: number
  windowChargeC: number
  windowEnergyJ: number
}

export interface VirtualDutTruth {
  bootS: number
  inferences: TruthInference[]
  timestamps: TruthTimestamp[]
  batches: TruthBatch[]
}

export interface VirtualDut {
  readonly devicePath: string
  readonly signal: DutSignal
  readonly supplyV: number
  truth(): VirtualDutTruth
  /** Resolves once everything scheduled so far has been written to the port. */
  drained(): Promise<void>
  close(): Promise<void>
}

/** Keep this much past activity for analyzers that render slightly behind the DUT. */
const RETENTION_S = 120
/**
 * The emulator keeps one truth record per inference, so it will not lay out more than this per
 * command; a real DUT would just be busy for hours. Above it the virtual DUT answers with an e-[…].
 */
export const MAX_VIRTUAL_INFERENCES_PER_COMMAND = 100_000

export async function startVirtualDut(options: VirtualDutOptions): Promise<VirtualDut> {
  const transport = await openSerial(options.devicePath, options.baudRate ?? (options.mode === 'energy' ? 9600 : 115200))
  return new VirtualDutRunner(transport, options)
}

function tooLong(steps: FirmwareStep[]): FirmwareStep[] | null {
  const total = steps.reduce((n, s) => n + (s.kind === 'infer' ? s.count : 0), 0)
  if (total <= MAX_VIRTUAL_INFERENCES_PER_COMMAND) return null
  return [
    { kind: 'print', text: `e-[virtual DUT: ${total} inferences in one command is more than the ${MAX_VIRTUAL_INFERENCES_PER_COMMAND} it emulates]\r\n` },
    { kind: 'print', text: 'm-ready\r\n' }
  ]
}

class VirtualDutRunner implements VirtualDut {
  readonly devicePath: string
  readonly signal: PowerTimeline
  readonly supplyV: number
  private readonly clock: BenchClock
  private readonly firmware: MlperfFirmware
  private readonly baud: number
  private readonly idleA: number
  private readonly tsLine: number
  private readonly holdS: number
  private cursorS: number
  private readonly bootS: number
  private readonly timestamps: TruthTimestamp[] = []
  private readonly batches: TruthBatch[] = []
  private batchCount = 0
  private outbox: Array<{ atS: number; text: string }> = []
  private timer: NodeJS.Timeout | null = null
  private writing: Promise<void> = Promise.resolve()
  private waiters: Array<() => void> = []
  private closed = false

  constructor(
    private readonly transport: SerialTransport,
    private readonly options: VirtualDutOptions
  ) {
    this.devicePath = options.devicePath
    this.clock = options.clock ?? realTimeClock
    this.baud = options.baudRate ?? (options.mode === 'energy' ? 9600 : 115200)
    this.idleA = options.idleCurrentA ?? 1e-3
    this.supplyV = options.supplyV ?? 3.3
    this.tsLine = options.timestampLine ?? 0
    this.holdS = options.timestampHoldS ?? 100e-6
    this.firmware = new MlperfFirmware({ mode: options.mode, model: options.model.name, vendor: options.vendor, results: options.results })
    this.signal = new PowerTimeline({
      idleCurrentA: this.idleA,
      supplyV: this.supplyV,
      restingLines: 1 << this.tsLine,
      noiseA: options.noiseA,
      seed: options.seed
    })
    this.bootS = this.clock.nowS()
    this.cursorS = this.bootS
    transport.onData((chunk) => {
      const arrival = this.clock.nowS()
      for (const steps of this.firmware.receive(chunk)) this.execute(tooLong(steps) ?? steps, arrival)
    })
    transport.onClose(() => this.stop())
    this.execute(this.firmware.boot(), this.bootS)
  }

  truth(): VirtualDutTruth {
    return {
      bootS: this.bootS,
      inferences: this.signal.inferences.map((i) => ({ ...i, stages: i.stages.map((s) => ({ ...s })) })),
      timestamps: this.timestamps.map((t) => ({ ...t })),
      batches: this.batches.map((b) => ({ ...b }))
    }
  }

  drained(): Promise<void> {
    if (this.outbox.length === 0) return this.writing
    return new Promise<void>((resolve) => this.waiters.push(resolve)).then(() => this.writing)
  }

  async close(): Promise<void> {
    this.stop()
    await this.writing.catch(() => {})
    await this.transport.close()
  }

  private stop(): void {
    this.closed = true
    if (this.timer) clearTimeout(this.timer)
    this.timer = null
    for (const w of this.waiters.splice(0)) w()
  }

  /** Lay one command's steps out on the bench timeline, starting when the DUT is free. */
  private execute(steps: FirmwareStep[], arrivalS: number): void {
    this.cursorS = Math.max(this.cursorS, arrivalS)
    this.signal.forget(arrivalS - RETENTION_S)
    const batchStamps: number[] = []
    let warmups = 0
    let count = 0
    let isBatch = false
    const batch = this.batchCount
    for (const step of steps) {
      if (step.kind === 'print') this.print(step.text)
      else if (step.kind === 'timestamp') batchStamps.push(this.timestamp())
      else {
        isBatch = true
        if (step.warmup) warmups = step.count
        else count = step.count
        this.runInferences(step.count, step.warmup, batch)
      }
    }
    if (isBatch) {
      this.batchCount++
      const [t1, t2] = batchStamps
      const w = this.signal.integrate(t1, t2)
      this.batches.push({ batch, count, warmups, startTimestampS: t1, endTimestampS: t2, windowChargeC: w.chargeC, windowEnergyJ: w.energyJ })
    }
    this.pump()
  }

  private print(text: string): void {
    this.cursorS += (text.length * 10) / this.baud
    this.outbox.push({ atS: this.cursorS, text })
  }

  private timestamp(): number {
    const t = this.cursorS
    if (this.options.mode === 'energy') {
      this.signal.addLine({ line: this.tsLine, startS: t, endS: t + this.holdS, level: 0 })
      this.timestamps.push({ timeS: t })
      this.cursorS += this.holdS
    } else {
      const lapUs = (Math.floor((t - this.bootS) * 1e6) + (this.options.lapCounterAtBootUs ?? 0)) % 2 ** 32
      this.timestamps.push({ timeS: t, lapUs })
      this.print(`m-lap-us-${lapUs}\r\n`)
    }
    return t
  }

  private runInferences(count: number, warmup: boolean, batch: number): void {
    const plan = planInference(this.options.model, this.idleA, this.supplyV)
    const gap = this.options.gapS ?? 0
    for (let k = 0; k < count; k++) {
      if (k > 0) this.cursorS += gap
      const index = this.signal.inferences.length
      const startS = this.cursorS
      const stages = plan.map((p) => {
        const s = { stage: p.stage, startS: this.cursorS, endS: this.cursorS + p.durationS, currentA: p.currentA, energyJ: p.currentA * p.durationS * this.supplyV }
        this.signal.addActivity({ startS: s.startS, endS: s.endS, currentA: p.currentA, stage: p.stage, inference: index })
        this.cursorS = s.endS
        return s
      })
      const chargeC = stages.reduce((a, s) => a + s.currentA * (s.endS - s.startS), 0)
      const durationS = this.cursorS - startS
      this.signal.addInference({
        index,
        batch,
        warmup,
        startS,
        endS: this.cursorS,
        chargeC,
        energyJ: chargeC * this.supplyV,
        netEnergyJ: (chargeC - this.idleA * durationS) * this.supplyV,
        stages
      })
      if (this.options.inferenceLine != null) {
        const only = this.options.inferenceLineStage ? stages.find((s) => s.stage === this.options.inferenceLineStage) : undefined
        this.signal.addLine({ line: this.options.inferenceLine, startS: only?.startS ?? startS, endS: only?.endS ?? this.cursorS, level: 1 })
      }
      for (const line of this.options.stageLog?.(plan) ?? []) this.print(line)
    }
  }

  /** Write each scheduled line once the bench clock reaches its time. */
  private pump(): void {
    if (this.closed || this.timer) return
    const now = this.clock.nowS()
    let text = ''
    while (this.outbox.length > 0 && this.outbox[0].atS <= now) text += this.outbox.shift()!.text
    if (text) {
      this.writing = this.writing.then(() => (this.transport.isOpen ? this.transport.write(text) : undefined)).catch(() => {})
    }
    if (this.outbox.length === 0) {
      const waiters = this.waiters.splice(0)
      if (waiters.length) void this.writing.then(() => waiters.forEach((w) => w()))
      return
    }
    // Poll rather than sleep the whole wait: the bench clock may run faster (or slower) than real time.
    const waitMs = Math.min(20, Math.max(0, (this.outbox[0].atS - now) * 1000))
    this.timer = setTimeout(() => {
      this.timer = null
      this.pump()
    }, waitMs)
  }
}

export interface RunningVirtualDut extends VirtualDut {
  /** The port a driver opens, as it would open /dev/ttyACM0. */
  readonly hostPath: string
}

/** A virtual DUT on a fresh pseudo-terminal pair (for the virtual bench, demos and the CLI). */
export async function startVirtualDutOnPty(options: Omit<VirtualDutOptions, 'devicePath'>): Promise<RunningVirtualDut> {
  const pair = await openPtyPair('jb-dut')
  let dut: VirtualDut
  try {
    dut = await startVirtualDut({ ...options, devicePath: pair.devicePath })
  } catch (e) {
    await pair.close()
    throw e
  }
  return {
    hostPath: pair.hostPath,
    devicePath: dut.devicePath,
    signal: dut.signal,
    supplyV: dut.supplyV,
    truth: () => dut.truth(),
    drained: () => dut.drained(),
    async close() {
      await dut.close()
      await pair.close()
    }
  }
}
