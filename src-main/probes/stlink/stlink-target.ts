/**
 * An ST-LINK V2/V2-1/V3 probe over a WebUSB USBDevice, and a Cortex-M target behind it. ST-LINK speaks
 * memory and debug-register commands rather than raw DP/AP, so it provides MemoryAccess directly and the
 * Cortex-M layer (halt, registers via DCRSR, FPB, DWT) sits on top unchanged — as in probe-rs.
 */
import type { MemoryAccess } from '../debug-target'
import type { InstrumentIdentity } from '../../instruments/identity'
import type { CortexM } from '../cortex-m/cortex-m'
import { CortexMTarget } from '../cortex-m/cortex-m-target'
import type { CpuIdInfo } from '../cortex-m/registers'
import { STLINK_PIDS } from '../discovery'
import { claimProbeInterface } from '../usb-claim'
import { describeUsbFailure } from '../usb-errors'
import { probeLabel } from '../cmsis-dap/transport'
import {
  checkStatus,
  decodeCurrentMode,
  decodeLastRwStatus,
  decodeStatusWord,
  decodeTargetVoltage,
  decodeVersion,
  decodeVersionV3,
  encodeDebugExit,
  encodeDfuExit,
  encodeDriveNrst,
  encodeEnterSwd,
  encodeGetCurrentMode,
  encodeGetTargetVoltage,
  encodeGetVersion,
  encodeGetVersionV3,
  encodeLastRwStatus,
  encodeReadDebugReg,
  encodeReadMem32,
  encodeReadMem8,
  encodeSetComFreqV3,
  encodeSwdSetFreqV2,
  encodeWriteDebugReg,
  encodeWriteMem32,
  encodeWriteMem8,
  statusText,
  StlinkError,
  StlinkMode,
  V2_SWD_DIVISORS,
  type StlinkVersion
} from './commands'

/** probe-rs keeps reads at or below 6144 bytes; TAR auto-increment is split at 1 KiB like the MEM-AP path. */
const MAX_READ_BYTES = 6144
const BLOCK_BYTES = 1024

export class StlinkProbe implements MemoryAccess {
  readonly label: string
  version!: StlinkVersion
  targetVoltageV = 0
  private queue: Promise<unknown> = Promise.resolve()

  private constructor(
    readonly device: USBDevice,
    readonly generation: 'v2' | 'v2-1' | 'v3',
    private readonly outEp: number,
    private readonly inEp: number,
    private readonly iface: number
  ) {
    this.label = `ST-LINK/${generation.toUpperCase()} ${probeLabel(device)}`
  }

  get description(): string {
    return this.label
  }

  identity(): InstrumentIdentity {
    const d = this.device
    return {
      id: `stlink:${d.serialNumber ?? `usb-${d.vendorId.toString(16).padStart(4, '0')}-${d.productId.toString(16).padStart(4, '0')}`}`,
      kind: 'debug-probe',
      family: 'stlink',
      model: `ST-LINK/${this.generation.toUpperCase()}`,
      serial: d.serialNumber,
      firmware: this.version ? `V${this.version.stlink}J${this.version.jtag}${this.version.swim ? `S${this.version.swim}` : ''}` : null,
      location: null,
      virtual: false
    }
  }

  static async open(device: USBDevice): Promise<StlinkProbe> {
    const generation = STLINK_PIDS[device.productId]
    if (!generation || generation === 'v1' || generation === 'v3-loader') {
      throw new Error(`${probeLabel(device)} is an ST-LINK ${generation ?? 'of unknown kind'} (PID 0x${device.productId.toString(16)}), which Joulebench does not drive. Use an ST-LINK/V2 or V3, or its GDB server.`)
    }
    await claimProbeInterface(device, probeLabel(device), 0)
    // V2 sends commands on EP 2 OUT; V2-1 and V3 on EP 1 OUT. Replies come on EP 1 IN (0x81) for all.
    const probe = new StlinkProbe(device, generation, generation === 'v2' ? 2 : 1, 1, 0)
    return probe
  }

  private run<T>(op: () => Promise<T>): Promise<T> {
    const next = this.queue.then(op, op)
    this.queue = next.catch(() => undefined)
    return next
  }

  private async send(command: Uint8Array, data?: Uint8Array, readLength = 0): Promise<Uint8Array> {
    try {
      const r = await this.device.transferOut(this.outEp, command as Uint8Array<ArrayBuffer>)
      if (r.status !== 'ok') throw new Error(`status ${r.status}`)
      if (data) {
        const w = await this.device.transferOut(this.outEp, data as Uint8Array<ArrayBuffer>)
        if (w.status !== 'ok') throw new Error(`status ${w.status}`)
      }
      if (readLength === 0) return new Uint8Array(0)
      const result = await this.device.transferIn(this.inEp, readLength)
      if (result.status !== 'ok' || !result.data) throw new Error(`status ${result.status}`)
      return new Uint8Array(result.data.buffer, result.data.byteOffset, result.data.byteLength)
    } catch (e) {
      if (e instanceof StlinkError) throw e
      throw describeUsbFailure(this.label, 'talk to', e)
    }
  }

  /** Reads the version, leaves DFU or a stale debug session, enters SWD at the given clock. */
  async connect(clockHz = 1_000_000): Promise<void> {
    await this.run(async () => {
      this.version = this.generation === 'v3' ? decodeVersionV3(await this.send(encodeGetVersionV3(), undefined, 12)) : decodeVersion(await this.send(encodeGetVersion(), undefined, 6))
      const minimum = this.generation === 'v3' ? 3 : 26
      if (this.version.jtag < minimum) {
        throw new Error(`${this.label} runs firmware J${this.version.jtag}; Joulebench needs J${minimum} or newer. Update it with ST's STLinkUpgrade tool.`)
      }
      const mode = decodeCurrentMode(await this.send(encodeGetCurrentMode(), undefined, 2))
      if (mode === StlinkMode.Dfu) await this.send(encodeDfuExit())
      if (mode === StlinkMode.Debug) await this.send(encodeDebugExit())
      this.targetVoltageV = decodeTargetVoltage(await this.send(encodeGetTargetVoltage(), undefined, 8))
      const khz = Math.round(clockHz / 1000)
      if (this.generation === 'v3') {
        checkStatus('SET_COM_FREQ', await this.send(encodeSetComFreqV3(khz), undefined, 8))
      } else {
        const divisor = (V2_SWD_DIVISORS.find(([f]) => f <= khz) ?? V2_SWD_DIVISORS[V2_SWD_DIVISORS.length - 1])[1]
        checkStatus('SWD_SET_FREQ', await this.send(encodeSwdSetFreqV2(divisor), undefined, 2))
      }
      const enter = await this.send(encodeEnterSwd(), undefined, 2)
      if (enter[0] !== 0x80) {
        throw new Error(
          `${this.label} found no target on SWD (${statusText(enter[0])}; target voltage ${this.targetVoltageV.toFixed(2)} V). Check the SWD wires and that the target is powered${this.targetVoltageV < 1 ? ' — the probe sees no target supply' : ''}.`
        )
      }
    })
  }

  private async rwStatus(command: string, address: number): Promise<void> {
    const s = decodeLastRwStatus(await this.send(encodeLastRwStatus(), undefined, 12))
    if (!s.ok) throw new StlinkError(command, s.status, `${statusText(s.status)} at 0x${(s.faultAddress || address).toString(16)} on ${this.label}`)
  }

  read32(address: number): Promise<number> {
    return this.run(async () => decodeStatusWord(`reading 0x${address.toString(16)}`, await this.send(encodeReadDebugReg(address), undefined, 8)))
  }

  write32(address: number, value: number): Promise<void> {
    return this.run(async () => checkStatus(`writing 0x${address.toString(16)}`, await this.send(encodeWriteDebugReg(address, value), undefined, 2)))
  }

  private get max8BitBytes(): number {
    return this.generation === 'v3' ? 512 : 64
  }

  readMemory(address: number, length: number): Promise<Uint8Array> {
    return this.run(async () => {
      const out = new Uint8Array(length)
      let a = address >>> 0
      let i = 0
      const bytes = async (n: number) => {
        // A one-byte read returns two bytes on V2 firmware: ask for two, keep one.
        const data = await this.send(encodeReadMem8(a, n), undefined, Math.max(n, 2))
        await this.rwStatus('READMEM_8BIT', a)
        out.set(data.subarray(0, n), i)
        a += n
        i += n
      }
      if (a & 3) await bytes(Math.min(4 - (a & 3), length))
      while (length - i >= 4) {
        const n = Math.min(MAX_READ_BYTES, BLOCK_BYTES - (a % BLOCK_BYTES), (length - i) & ~3)
        const data = await this.send(encodeReadMem32(a, n), undefined, n)
        if (data.length < n) throw new StlinkError('READMEM_32BIT', undefined, `${this.label} returned ${data.length} of ${n} bytes`)
        await this.rwStatus('READMEM_32BIT', a)
        out.set(data.subarray(0, n), i)
        a += n
        i += n
      }
      if (i < length) await bytes(length - i)
      return out
    })
  }

  writeMemory(address: number, data: Uint8Array): Promise<void> {
    return this.run(async () => {
      let a = address >>> 0
      let i = 0
      const bytes = async (n: number) => {
        for (let done = 0; done < n; ) {
          const k = Math.min(this.max8BitBytes, n - done)
          await this.send(encodeWriteMem8(a, k), data.slice(i, i + k))
          await this.rwStatus('WRITEMEM_8BIT', a)
          a += k
          i += k
          done += k
        }
      }
      if (a & 3) await bytes(Math.min(4 - (a & 3), data.length))
      while (data.length - i >= 4) {
        const n = Math.min(MAX_READ_BYTES, BLOCK_BYTES - (a % BLOCK_BYTES), (data.length - i) & ~3)
        await this.send(encodeWriteMem32(a, n), data.slice(i, i + n))
        await this.rwStatus('WRITEMEM_32BIT', a)
        a += n
        i += n
      }
      if (i < data.length) await bytes(data.length - i)
    })
  }

  /** Pulses NRST (a hardware reset). */
  pulseReset(): Promise<void> {
    return this.run(async () => checkStatus('DRIVE_NRST', await this.send(encodeDriveNrst(2), undefined, 2)))
  }

  async close(): Promise<void> {
    await this.run(async () => {
      await this.send(encodeDebugExit()).catch(() => undefined)
    })
    await this.device.releaseInterface(this.iface).catch(() => undefined)
    await this.device.close().catch(() => undefined)
  }
}

export class StlinkTarget extends CortexMTarget {
  private constructor(
    readonly probe: StlinkProbe,
    core: CortexM,
    cpu: CpuIdInfo
  ) {
    super(probe, core, cpu, probe.label)
  }

  static async connect(device: USBDevice, options: { clockHz?: number } = {}): Promise<StlinkTarget> {
    const probe = await StlinkProbe.open(device)
    try {
      await probe.connect(options.clockHz)
      const { core, cpu } = await CortexMTarget.attachCore(probe, probe.label)
      return new StlinkTarget(probe, core, cpu)
    } catch (e) {
      await probe.close()
      throw e
    }
  }

  close(): Promise<void> {
    return this.probe.close()
  }
}
