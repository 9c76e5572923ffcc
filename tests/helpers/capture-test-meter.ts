/**
 * A deliberately tiny analyzer for capture-manager tests, standing in for hardware at the transport
 * boundary: an emulator on the device end of a real pty pair and a driver on the host end.
 *
 * Its byte protocol (ours, for tests only): the host sends 'S' to start streaming and 'X' to stop;
 * while streaming the device sends 5-byte frames, float32 LE current in amperes then one byte of D0–D7,
 * at 10 kS/s paced by the wall clock. Sample i carries 10 mA with D0 high for i mod 1000 < 100, else 1 mA.
 */
import { registerInstrumentControls, type InstrumentControls, type InstrumentSettings } from '../../src-main/capture/instrument-controls'
import type { AnalyzerFamily } from '../../src-main/instruments/analyzers'
import type { SampleSink } from '../../src-main/capture/sample-block'
import type { InstrumentIdentity } from '../../src-main/instruments/identity'
import type { PowerAnalyzer } from '../../src-main/instruments/power-analyzer'
import { openPtyPair, type PtyPair } from '../../src-main/transports/pty-pair'
import { openSerial, type SerialTransport } from '../../src-main/transports/serial'
import type { VirtualInstrument } from '../../src-main/virtual-bench/registry'

export const METER_PERIOD_S = 1e-4
export const meterCurrentA = (i: number) => Math.fround(i % 1000 < 100 ? 0.01 : 0.001)
export const meterDigital = (i: number) => (i % 1000 < 100 ? 1 : 0)

/** The device end: reads commands, streams frames in real time. */
export class TestMeterEmulator {
  sent = 0
  streaming = false
  private timer: NodeJS.Timeout | null = null
  private startedMs = 0

  private constructor(
    readonly pair: PtyPair,
    private readonly port: SerialTransport
  ) {
    port.onData((chunk) => {
      for (const b of chunk) {
        if (b === 0x53 && !this.streaming) {
          this.streaming = true
          this.startedMs = performance.now() - this.sent * METER_PERIOD_S * 1000
        } else if (b === 0x58) this.streaming = false
      }
    })
    this.timer = setInterval(() => this.tick(), 5)
  }

  static async start(pair: PtyPair): Promise<TestMeterEmulator> {
    return new TestMeterEmulator(pair, await openSerial(pair.devicePath))
  }

  private tick(): void {
    if (!this.streaming || !this.port.isOpen) return
    const due = Math.floor((performance.now() - this.startedMs) / 1000 / METER_PERIOD_S)
    const count = Math.min(due - this.sent, 2000)
    if (count <= 0) return
    const out = Buffer.alloc(count * 5)
    for (let k = 0; k < count; k++) {
      out.writeFloatLE(meterCurrentA(this.sent + k), k * 5)
      out[k * 5 + 4] = meterDigital(this.sent + k)
    }
    this.sent += count
    void this.port.write(out).catch(() => {})
  }

  /** The cable is pulled: the pty pair disappears. */
  async unplug(): Promise<void> {
    if (this.timer) clearInterval(this.timer)
    this.timer = null
    await this.pair.close()
    await this.port.close().catch(() => {})
  }
}

class TestMeterDriver implements PowerAnalyzer, InstrumentControls {
  readonly samplePeriodS = METER_PERIOD_S
  readonly ranges = []
  readonly capabilities = { modes: [], supplyV: { min: 1, max: 5 }, dutPower: true, spikeFilter: null, userGains: null }
  private current: InstrumentSettings = { supplyV: 3, dutPower: true }
  private sink: SampleSink | null = null
  private index = 0
  private pending = Buffer.alloc(0)
  private readonly lost: Array<(reason: string) => void> = []

  readonly identity: InstrumentIdentity

  constructor(
    private readonly transport: SerialTransport,
    virtual: boolean
  ) {
    this.identity = {
      id: `test-meter:${transport.path}`,
      kind: 'power-analyzer',
      family: 'test-meter',
      model: 'Test Meter',
      serial: 'TM-1',
      firmware: null,
      location: transport.path,
      virtual
    }
    transport.onData((chunk) => this.data(chunk))
    transport.onClose((reason) => {
      for (const l of this.lost) l(reason)
    })
  }

  get supplyV(): number {
    return this.current.supplyV!
  }

  settings(): InstrumentSettings {
    return { ...this.current }
  }

  async configure(change: InstrumentSettings): Promise<void> {
    this.current = { ...this.current, ...change }
  }

  private data(chunk: Buffer): void {
    if (!this.sink) return
    const buf = this.pending.length ? Buffer.concat([this.pending, chunk]) : chunk
    const n = Math.floor(buf.length / 5)
    const currentA = new Float32Array(n)
    const digital = new Uint8Array(n)
    for (let k = 0; k < n; k++) {
      currentA[k] = buf.readFloatLE(k * 5)
      digital[k] = buf[k * 5 + 4]
    }
    this.pending = Buffer.from(buf.subarray(n * 5))
    if (n) this.sink.samples({ startIndex: this.index, currentA, digital })
    this.index += n
  }

  async start(sink: SampleSink): Promise<void> {
    this.sink = sink
    await this.transport.write('S')
  }

  async stop(): Promise<void> {
    if (this.transport.isOpen) await this.transport.write('X').catch(() => {})
    await new Promise((r) => setTimeout(r, 30))
    this.sink = null
  }

  async close(): Promise<void> {
    this.sink = null
  }

  onDisconnect(listener: (reason: string) => void): void {
    this.lost.push(listener)
  }
}

export const testMeterFamily: AnalyzerFamily = {
  family: 'test-meter',
  baudRate: 115200,
  async open(transport, settings, virtual) {
    const d = new TestMeterDriver(transport, virtual)
    if (settings.supplyV !== undefined) await d.configure({ supplyV: settings.supplyV })
    return { analyzer: d, recordingFormat: { rawFormat: null, calibration: null } }
  }
}

/** The panel reaches the test meter's settings directly: it implements InstrumentControls itself. */
export function registerTestMeter(): void {
  registerInstrumentControls('test-meter', (a: TestMeterDriver) => a)
}

/** A virtual-bench entry for the test meter; `emulators` collects each one started, for unplugging. */
export function testMeterVirtual(emulators: TestMeterEmulator[]): VirtualInstrument {
  return {
    identity: {
      id: 'virtual:test-meter',
      kind: 'power-analyzer',
      family: 'test-meter',
      model: 'Test Meter',
      serial: 'TM-1',
      firmware: null,
      location: 'virtual bench',
      virtual: true
    },
    description: 'a 10 kS/s test analyzer',
    async start() {
      const pair = await openPtyPair('tm')
      const emu = await TestMeterEmulator.start(pair)
      emulators.push(emu)
      return {
        hostPath: pair.hostPath,
        close: () => emu.unplug()
      }
    }
  }
}
