import { realTimeClock, type BenchClock, type DutSignal } from '../../virtual-bench/dut-signal'
import {
  EMULATED_CALIBRATION,
  EmulatedFrontEnd,
  formatMetadata,
  type EmulatedCalibration,
  type FrontEndOptions
} from './emulator-model'
import { openDevicePort, type DevicePort } from './emulator-port'

/**
 * The virtual PPK2: a pseudo-terminal device that speaks the PPK2's bytes (reference/ppk2.md §2),
 * streams at 100 kS/s paced by a bench clock, draws its current and D0–D7 from a DutSignal, and can
 * misbehave on request. Its command table is its own, from the reference, not shared with our driver.
 */

const SAMPLE_PERIOD_S = 10e-6
/** Opcode → argument bytes, for the commands a PPK2 acts on. */
const ARGUMENT_BYTES: Record<number, number> = {
  0x06: 0, // AverageStart
  0x07: 0, // AverageStop
  0x0c: 1, // DeviceRunningSet
  0x0d: 2, // RegulatorSet (big-endian mV)
  0x11: 1, // SetPowerMode (1 ampere, 2 source)
  0x19: 0, // GetMetadata
  0x20: 0, // Reset
  0x25: 5 // SetUserGains (range, float32 LE)
}

export type Ppk2Fault =
  /**
   * The device produces `count` samples the host never receives; the counter still advances and the
   * stream keeps its real-time pace. With count = 64·k the counter shows nothing at all: only the host
   * clock can tell (clock-check.ts). A drop longer than one write carries on into the next ones.
   */
  | { kind: 'drop-samples'; atIndex?: number; count: number }
  /** `count` bytes vanish from the stream, starting at byte `byteOffset` of the word at atIndex. */
  | { kind: 'drop-bytes'; atIndex?: number; byteOffset?: number; count: number }
  /** Stray bytes appear in the stream before the word at atIndex. */
  | { kind: 'garbage'; atIndex?: number; bytes: number | Uint8Array }
  /** The word at atIndex carries a wrong counter (the app's "unstable counter"). */
  | { kind: 'glitch-counter'; atIndex?: number }
  /** The cable is pulled when the stream reaches atIndex. */
  | { kind: 'unplug'; atIndex?: number }

/** The most samples one write carries (about 0.33 s at 100 kS/s). */
const MAX_BATCH_SAMPLES = 32_768

/**
 * Faults of the bench around the unit, which the wiring guide must catch: the DUT's supply wire
 * missing, the supply shorted to ground, the DUT's trigger line not reaching D0–D7.
 */
export type Ppk2WiringFault = 'no-supply' | 'short' | 'silent-trigger'

/** What a shorted output reads: taken as the top of the published span (1 A); the unit's real limit is unverified. */
export const SHORT_CIRCUIT_A = 1

export interface Ppk2EmulatorOptions {
  devicePath: string
  signal: DutSignal
  clock?: BenchClock
  /** Device timebase relative to the clock: 10 streams ten times faster than real time; Infinity as fast as the port drains. */
  speed?: number
  metadata?: Partial<{ calibration: EmulatedCalibration; vddMv: number; mode: 1 | 2; calibrated: 0 | 1; hw: number; ia: number }>
  frontEnd?: Omit<FrontEndOptions, 'calibration'>
  faults?: Ppk2Fault[]
  /** What unplugging does to the host side (close the pty pair); without it the device just falls silent. */
  disconnect?: () => Promise<void>
  /** Keep the true current and the word of every produced sample (tests; grows with the recording). */
  recordTruth?: boolean
  /** How often a paced stream emits what is due, in milliseconds. */
  tickMs?: number
  /** A bench fault from the start (see Ppk2WiringFault); the handle's wiringFault changes it later. */
  wiringFault?: Ppk2WiringFault | null
}

/** What really happened, for tests to compare the driver against. */
export interface Ppk2EmulatorTruth {
  /** Sample slots produced since the first AverageStart (each advanced the counter). */
  samplesProduced: number
  /** Whole words written to the port. */
  wordsSent: number
  /** Slots whose word never left intact: dropped samples and words that lost bytes. */
  lostIndices: number[]
  droppedSamples: Array<{ index: number; count: number }>
  garbageBytes: number
  glitchedIndices: number[]
  /** Sum of the true current over every produced sample, and over those sent intact, in amperes. */
  sumCurrentA: number
  sumCurrentSentA: number
  /** Bench-clock times of the first AverageStart and the last AverageStop. */
  streamStartedS: number | null
  streamStoppedS: number | null
  /** With recordTruth: the word (before byte faults) and the true current of produced sample i. */
  wordAt(i: number): number | undefined
  currentAt(i: number): number | undefined
  /** Every command received, decoded, in order. */
  commands: string[]
  unknownBytes: number
}

export interface Ppk2EmulatorHandle {
  readonly truth: Ppk2EmulatorTruth
  readonly streaming: boolean
  readonly supplyMv: number
  readonly mode: 'ampere' | 'source'
  readonly dutPowered: boolean
  readonly userGains: number[]
  /** Set or clear a bench fault; it applies from the next samples produced. */
  wiringFault: Ppk2WiringFault | null
  inject(fault: Ppk2Fault): void
  /** Pull the cable: streaming stops mid-flight and the port goes away. */
  unplug(): Promise<void>
  close(): Promise<void>
}

export async function startPpk2Emulator(options: Ppk2EmulatorOptions): Promise<Ppk2EmulatorHandle> {
  const port = openDevicePort(options.devicePath)
  return new Ppk2Emulator(port, options)
}

class Ppk2Emulator implements Ppk2EmulatorHandle {
  readonly truth: Ppk2EmulatorTruth = {
    samplesProduced: 0,
    wordsSent: 0,
    lostIndices: [],
    droppedSamples: [],
    garbageBytes: 0,
    glitchedIndices: [],
    sumCurrentA: 0,
    sumCurrentSentA: 0,
    streamStartedS: null,
    streamStoppedS: null,
    wordAt: (i) => (i < this.recorded ? this.recordedWords[i] : undefined),
    currentAt: (i) => (i < this.recorded ? this.recordedCurrent[i] : undefined),
    commands: [],
    unknownBytes: 0
  }
  streaming = false
  supplyMv: number
  modeCode: 1 | 2
  dutPowered = false
  readonly userGains = [1, 1, 1, 1, 1]
  wiringFault: Ppk2WiringFault | null = null
  private readonly calibration: EmulatedCalibration
  private readonly frontEnd: EmulatedFrontEnd
  private readonly clock: BenchClock
  private readonly speed: number
  private readonly faults: Array<Ppk2Fault & { atIndex: number }> = []
  private pendingCommand: number[] = []
  private timer: NodeJS.Timeout | null = null
  private streamT0 = 0
  private streamSlot0 = 0
  private closed = false
  private pumping = false
  private writing = false
  private recorded = 0
  private recordedWords = new Uint32Array(0)
  private recordedCurrent = new Float64Array(0)
  private straySeed = 12345

  constructor(
    private readonly port: DevicePort,
    private readonly options: Ppk2EmulatorOptions
  ) {
    this.calibration = options.metadata?.calibration ?? EMULATED_CALIBRATION
    this.frontEnd = new EmulatedFrontEnd({ ...options.frontEnd, calibration: this.calibration })
    this.clock = options.clock ?? realTimeClock
    this.speed = options.speed ?? 1
    this.supplyMv = options.metadata?.vddMv ?? 3300
    this.modeCode = options.metadata?.mode ?? 2
    this.wiringFault = options.wiringFault ?? null
    for (const f of options.faults ?? []) this.inject(f)
    port.onData((chunk) => this.receive(chunk))
  }

  get mode(): 'ampere' | 'source' {
    return this.modeCode === 1 ? 'ampere' : 'source'
  }

  inject(fault: Ppk2Fault): void {
    const atIndex = fault.atIndex ?? this.truth.samplesProduced
    this.faults.push({ ...fault, atIndex })
    this.faults.sort((a, b) => a.atIndex - b.atIndex)
  }

  async unplug(): Promise<void> {
    if (this.closed) return
    this.closed = true
    this.stopTimer()
    this.streaming = false
    await this.port.close()
    await this.options.disconnect?.()
  }

  async close(): Promise<void> {
    if (this.closed) return
    this.closed = true
    this.stopTimer()
    this.streaming = false
    await this.port.close()
  }

  private receive(chunk: Buffer): void {
    for (const byte of chunk) {
      this.pendingCommand.push(byte)
      const op = this.pendingCommand[0]
      const args = ARGUMENT_BYTES[op]
      if (args === undefined) {
        this.truth.unknownBytes++
        this.pendingCommand = []
        continue
      }
      if (this.pendingCommand.length < 1 + args) continue
      const command = this.pendingCommand
      this.pendingCommand = []
      this.execute(command)
    }
  }

  private execute(command: number[]): void {
    const [op, ...args] = command
    switch (op) {
      case 0x06:
        this.truth.commands.push('AverageStart')
        if (!this.streaming) this.startStream()
        break
      case 0x07:
        this.truth.commands.push('AverageStop')
        if (this.streaming) this.stopStream()
        break
      case 0x0c:
        this.dutPowered = args[0] === 1
        this.truth.commands.push(`DeviceRunningSet ${args[0]}`)
        break
      case 0x0d:
        this.supplyMv = (args[0] << 8) | args[1]
        this.truth.commands.push(`RegulatorSet ${this.supplyMv}`)
        break
      case 0x11:
        if (args[0] === 1 || args[0] === 2) this.modeCode = args[0]
        this.truth.commands.push(`SetPowerMode ${args[0]}`)
        break
      case 0x19:
        this.truth.commands.push('GetMetadata')
        void this.port.write(this.metadataText()).catch(() => {})
        break
      case 0x20:
        // A real unit reboots; the emulated one stops and forgets its settings.
        this.truth.commands.push('Reset')
        if (this.streaming) this.stopStream()
        this.dutPowered = false
        break
      case 0x25: {
        const gain = Buffer.from(args.slice(1)).readFloatLE(0)
        if (args[0] <= 4) this.userGains[args[0]] = gain
        this.truth.commands.push(`SetUserGains ${args[0]} ${gain.toFixed(4)}`)
        break
      }
    }
  }

  private metadataText(): string {
    const m = this.options.metadata ?? {}
    return formatMetadata({
      calibration: this.calibration,
      ug: this.userGains,
      vddMv: this.supplyMv,
      mode: this.modeCode,
      calibrated: m.calibrated ?? 1,
      hw: m.hw ?? 9173,
      ia: m.ia ?? 56
    })
  }

  private startStream(): void {
    this.streaming = true
    this.streamT0 = this.clock.nowS()
    this.streamSlot0 = this.truth.samplesProduced
    this.truth.streamStartedS ??= this.streamT0
    const now = new Float64Array(1)
    this.options.signal.render(this.streamT0, SAMPLE_PERIOD_S, now, new Uint8Array(1))
    this.applyWiringFault(now, new Uint8Array(1))
    this.frontEnd.settle(now[0], this.dutPowered && this.wiringFault !== 'no-supply')
    if (Number.isFinite(this.speed)) {
      this.timer = setInterval(() => this.emitDue(), this.options.tickMs ?? 4)
    } else {
      void this.pumpUnpaced()
    }
  }

  private stopStream(): void {
    // What was due up to the stop command still goes out, as from a device that samples continuously.
    if (Number.isFinite(this.speed)) this.emitDue(true)
    this.streaming = false
    this.stopTimer()
    this.truth.streamStoppedS = this.clock.nowS()
  }

  private stopTimer(): void {
    if (this.timer) clearInterval(this.timer)
    this.timer = null
  }

  private emitDue(final = false): void {
    // Like the unit's USB FIFO: nothing new goes out while the last batch is still on its way, so a
    // slow host sees samples arrive late, never an unbounded queue behind a stop command.
    if (!this.streaming || this.closed || (this.writing && !final)) return
    const elapsed = (this.clock.nowS() - this.streamT0) * this.speed
    const due = Math.floor(elapsed / SAMPLE_PERIOD_S) - (this.truth.samplesProduced - this.streamSlot0)
    // At most one FIFO's worth per write: a host that cannot keep up sees the stream lag, and the
    // emulator never renders megabytes in one go (which starves a loaded machine further).
    if (due > 0) this.produce(final ? due : Math.min(due, MAX_BATCH_SAMPLES))
  }

  private async pumpUnpaced(): Promise<void> {
    if (this.pumping) return
    this.pumping = true
    try {
      while (this.streaming && !this.closed) {
        const write = this.produce(4096)
        await write
        // Let commands (AverageStop) and the host's reads in between.
        await new Promise((resolve) => setImmediate(resolve))
      }
    } finally {
      this.pumping = false
    }
  }

  private applyWiringFault(current: Float64Array, digital: Uint8Array): void {
    if (this.wiringFault === 'short') current.fill(SHORT_CIRCUIT_A)
    else if (this.wiringFault === 'silent-trigger') digital.fill(0)
  }

  /** Makes `count` samples, applies the faults due among them, and writes them. */
  private produce(count: number): Promise<void> {
    const first = this.truth.samplesProduced
    const current = new Float64Array(count)
    const digital = new Uint8Array(count)
    this.options.signal.render(this.streamT0 + (first - this.streamSlot0) * SAMPLE_PERIOD_S, SAMPLE_PERIOD_S, current, digital)
    this.applyWiringFault(current, digital)
    const words = new Uint32Array(count)
    const powered = this.dutPowered && this.wiringFault !== 'no-supply'
    this.frontEnd.encode(current, digital, this.supplyMv, powered, words)
    const bytes = new Uint8Array(words.buffer)

    // Faults become edits of the byte stream: stray bytes inserted, byte ranges removed.
    const edits: Array<{ at: number; insert?: Uint8Array; removeTo?: number }> = []
    const lost = new Set<number>()
    let produced = count
    while (this.faults.length > 0 && this.faults[0].atIndex < first + count) {
      const fault = this.faults.shift()!
      const k = Math.max(0, fault.atIndex - first)
      switch (fault.kind) {
        case 'drop-samples': {
          const n = Math.min(fault.count, count - k)
          edits.push({ at: 4 * k, removeTo: 4 * (k + n) })
          for (let j = k; j < k + n; j++) lost.add(j)
          const before = this.truth.droppedSamples[this.truth.droppedSamples.length - 1]
          if (before && before.index + before.count === first + k) before.count += n
          else this.truth.droppedSamples.push({ index: first + k, count: n })
          if (n < fault.count) this.inject({ kind: 'drop-samples', atIndex: first + count, count: fault.count - n })
          break
        }
        case 'drop-bytes': {
          const from = 4 * k + (fault.byteOffset ?? 0)
          const to = Math.min(bytes.length, from + fault.count)
          edits.push({ at: from, removeTo: to })
          for (let b = from; b < to; b++) lost.add(b >> 2)
          break
        }
        case 'garbage': {
          const data = typeof fault.bytes === 'number' ? this.strayBytes(fault.bytes) : fault.bytes
          edits.push({ at: 4 * k, insert: data })
          this.truth.garbageBytes += data.length
          break
        }
        case 'glitch-counter': {
          const c = (words[k] >>> 18) & 63
          words[k] = ((words[k] & ~(63 << 18)) | (((c + 17) & 63) << 18)) >>> 0
          this.truth.glitchedIndices.push(first + k)
          break
        }
        case 'unplug':
          produced = Math.min(produced, k)
          break
      }
    }
    const end = 4 * produced
    edits.sort((x, y) => x.at - y.at || (x.insert ? -1 : 1))
    const out: Uint8Array[] = []
    let cursor = 0
    for (const edit of edits) {
      if (edit.at >= end) break
      if (edit.at > cursor) {
        out.push(bytes.subarray(cursor, edit.at))
        cursor = edit.at
      }
      if (edit.insert) out.push(edit.insert)
      else cursor = Math.max(cursor, Math.min(edit.removeTo!, end))
    }
    if (cursor < end) out.push(bytes.subarray(cursor, end))

    for (let j = 0; j < produced; j++) {
      const truthA = powered ? Math.max(0, current[j]) : 0
      this.truth.sumCurrentA += truthA
      if (lost.has(j)) this.truth.lostIndices.push(first + j)
      else {
        this.truth.sumCurrentSentA += truthA
        this.truth.wordsSent++
      }
    }
    if (this.options.recordTruth) this.record(words.subarray(0, produced), current.subarray(0, produced), powered)
    this.truth.samplesProduced += produced
    this.writing = true
    const write = this.port
      .write(Buffer.concat(out))
      .catch(() => {})
      .finally(() => {
        this.writing = false
      })
    if (produced < count) {
      // The cable goes after the bytes already on their way: let them reach the host first.
      this.streaming = false
      this.stopTimer()
      return write.then(() => new Promise<void>((resolve) => setTimeout(resolve, 50))).then(() => this.unplug())
    }
    return write
  }

  private record(words: Uint32Array, current: Float64Array, powered: boolean): void {
    const need = this.recorded + words.length
    if (need > this.recordedWords.length) {
      const size = Math.max(need, 2 * this.recordedWords.length, 1 << 16)
      const w = new Uint32Array(size)
      w.set(this.recordedWords.subarray(0, this.recorded))
      const c = new Float64Array(size)
      c.set(this.recordedCurrent.subarray(0, this.recorded))
      this.recordedWords = w
      this.recordedCurrent = c
    }
    this.recordedWords.set(words, this.recorded)
    for (let j = 0; j < current.length; j++) this.recordedCurrent[this.recorded + j] = powered ? Math.max(0, current[j]) : 0
    this.recorded = need
  }

  private strayBytes(n: number): Uint8Array {
    const out = new Uint8Array(n)
    for (let k = 0; k < n; k++) {
      this.straySeed = (Math.imul(this.straySeed, 1103515245) + 12345) >>> 0
      out[k] = this.straySeed >>> 24
    }
    return out
  }
}

