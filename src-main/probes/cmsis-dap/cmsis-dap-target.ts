/**
 * A Cortex-M target behind a CMSIS-DAP probe: the SWD bring-up (connect, clock, line reset, JTAG-to-SWD,
 * DPIDR, power-up), the MEM-AP for memory and the Cortex-M layer for run control, as one DebugTarget.
 */
import { AdiAccessError } from '../adi/arm-debug-interface'
import { powerUpDebugPort, scanAccessPorts, type AccessPortInfo } from '../adi/debug-port'
import { MemAp } from '../adi/mem-ap'
import type { CortexM } from '../cortex-m/cortex-m'
import { CortexMTarget } from '../cortex-m/cortex-m-target'
import type { CpuIdInfo } from '../cortex-m/registers'
import type { DpIdr } from '../adi/arm-debug-interface'
import { DapProtocolError } from './commands/command'
import { decodeConnect, decodeDisconnect, DapPort, encodeConnect, encodeDisconnect, encodeHostStatus, decodeHostStatus } from './commands/general'
import { decodeSwdConfigure, decodeSwjClock, decodeSwjSequence, encodeSwdConfigure, encodeSwjClock, encodeSwjSequence, IDLE_CYCLES, JTAG_TO_SWD, LINE_RESET } from './commands/swj'
import { decodeTransferConfigure, encodeTransferConfigure } from './commands/transfer'
import { DapArmInterface } from './dap-arm-interface'
import { CmsisDapProbe } from './dap-probe'

export interface ConnectOptions {
  /** SWD clock in Hz (default 1 MHz: safe on long wires). */
  clockHz?: number
  transport?: 'auto' | 'v2' | 'v1'
}

export class NoTargetError extends Error {
  constructor(probe: string, detail: string) {
    super(
      `${probe} is attached but no target answered on SWD (${detail}). Check the SWD wires (SWDIO, SWCLK, GND), that the target is powered (VTref), that no other debugger holds it, and try a lower clock (--clock 100000).`
    )
    this.name = 'NoTargetError'
  }
}

export class CmsisDapTarget extends CortexMTarget {
  private constructor(
    readonly probe: CmsisDapProbe,
    readonly adi: DapArmInterface,
    readonly memAp: MemAp,
    core: CortexM,
    readonly dpidr: DpIdr,
    readonly accessPorts: AccessPortInfo[],
    cpu: CpuIdInfo
  ) {
    super(memAp, core, cpu, probe.label)
  }

  static async connect(device: USBDevice, options: ConnectOptions = {}): Promise<CmsisDapTarget> {
    const probe = await CmsisDapProbe.open(device, { transport: options.transport })
    try {
      if (!probe.info.capabilities.swd) throw new Error(`${probe.label} does not offer SWD (capabilities say JTAG only); Joulebench drives Cortex-M targets over SWD.`)
      const replies = await probe.transact([
        encodeConnect(DapPort.Swd),
        encodeSwjClock(options.clockHz ?? 1_000_000),
        encodeTransferConfigure(0, 80, 0),
        encodeSwdConfigure(1, false),
        encodeSwjSequence(LINE_RESET.bits, LINE_RESET.data),
        encodeSwjSequence(JTAG_TO_SWD.bits, JTAG_TO_SWD.data),
        encodeSwjSequence(LINE_RESET.bits, LINE_RESET.data),
        encodeSwjSequence(IDLE_CYCLES.bits, IDLE_CYCLES.data),
        encodeHostStatus(0, true)
      ])
      decodeConnect(replies[0])
      decodeSwjClock(replies[1])
      decodeTransferConfigure(replies[2])
      decodeSwdConfigure(replies[3])
      for (const r of replies.slice(4, 8)) decodeSwjSequence(r)
      decodeHostStatus(replies[8])

      const adi = new DapArmInterface(probe)
      let dpidr: DpIdr
      try {
        dpidr = await powerUpDebugPort(adi)
      } catch (e) {
        if (e instanceof AdiAccessError && (e.reason === 'no-ack' || e.reason === 'protocol')) throw new NoTargetError(probe.label, e.reason === 'no-ack' ? 'no ACK to the DPIDR read' : 'garbled replies')
        throw e
      }
      const aps = await scanAccessPorts(adi)
      const mem = aps.find((a) => a.memAp)
      if (!mem) throw new NoTargetError(probe.label, `the debug port (DPIDR 0x${dpidr.raw.toString(16)}) has no MEM-AP among ${aps.length} access ports`)
      const memAp = new MemAp(adi, mem.apsel)
      const { core, cpu } = await CortexMTarget.attachCore(memAp, probe.label)
      return new CmsisDapTarget(probe, adi, memAp, core, dpidr, aps, cpu)
    } catch (e) {
      await probe.close()
      if (e instanceof DapProtocolError) throw new Error(`${probe.label} answered in a way the CMSIS-DAP protocol does not allow: ${e.message}. Update the probe's firmware.`)
      throw e
    }
  }

  protected override beforeReset(): void {
    // The debug port's SELECT is cached; after a reset the cached value may be wrong.
    this.adi.invalidate()
  }

  async close(): Promise<void> {
    try {
      const replies = await this.probe.transact([encodeHostStatus(0, false), encodeDisconnect()])
      decodeHostStatus(replies[0])
      decodeDisconnect(replies[1])
    } catch {
      // Closing anyway: the probe may already be gone.
    }
    await this.probe.close()
  }
}
