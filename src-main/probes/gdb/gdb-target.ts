/**
 * A DebugTarget over a GDB stub: the services (loading, flashing, RTT, cycle counts) run over OpenOCD,
 * pyOCD, J-Link's GDB server, probe-rs gdb or QEMU exactly as over our own probe stacks.
 */
import { CoreRegister, type CycleCounter, type DebugTarget, type HaltReason } from '../debug-target'
import { DwtCycleCounter } from '../cortex-m/dwt'
import { QemuIcountCounter } from '../qemu/qemu-icount'
import { GdbClient, GdbErrorReply, type GdbClientOptions, type StopEvent } from './gdb-client'
import { fetchRegisterLayout, type RegisterLayout } from './target-description'

/** Which server is on the other end: it decides the monitor commands for reset. */
export type GdbServerFlavour = 'qemu' | 'openocd' | 'pyocd' | 'jlink' | 'probe-rs' | 'generic'

const RESET_HALT_COMMANDS: Record<GdbServerFlavour, string[]> = {
  qemu: ['system_reset'],
  openocd: ['reset halt'],
  pyocd: ['reset halt'],
  jlink: ['reset', 'halt'],
  'probe-rs': ['reset'],
  generic: ['reset halt']
}

const DCRSR_TO_GDB_NAME: Record<number, string> = {
  [CoreRegister.sp]: 'sp',
  [CoreRegister.lr]: 'lr',
  [CoreRegister.pc]: 'pc',
  [CoreRegister.xpsr]: 'xpsr',
  [CoreRegister.msp]: 'msp',
  [CoreRegister.psp]: 'psp'
}

const SIGINT = 2
const SIGTRAP = 5

export interface GdbTargetOptions extends GdbClientOptions {
  flavour?: GdbServerFlavour
  /** QEMU only: it runs in icount record mode, so `info replay` counts instructions. */
  countsInstructions?: boolean
}

export class GdbTarget implements DebugTarget {
  readonly description: string
  private breakpoints = new Set<number>()

  private constructor(
    readonly client: GdbClient,
    readonly layout: RegisterLayout,
    readonly flavour: GdbServerFlavour,
    private readonly countsInstructions: boolean
  ) {
    this.description = `${flavour === 'generic' ? '' : flavour + ' '}${client.serverName}`
  }

  static async connect(host: string, port: number, options: GdbTargetOptions = {}): Promise<GdbTarget> {
    const client = await GdbClient.connect(host, port, options)
    try {
      const layout = await fetchRegisterLayout(client)
      return new GdbTarget(client, layout, options.flavour ?? 'generic', options.countsInstructions === true)
    } catch (e) {
      await client.close()
      throw e
    }
  }

  // ---- memory ----

  readMemory(address: number, length: number): Promise<Uint8Array> {
    return this.client.readMemory(address, length)
  }

  writeMemory(address: number, data: Uint8Array): Promise<void> {
    return this.client.writeMemory(address, data)
  }

  async read32(address: number): Promise<number> {
    const b = await this.client.readMemory(address, 4)
    return (b[0] | (b[1] << 8) | (b[2] << 16) | (b[3] << 24)) >>> 0
  }

  write32(address: number, value: number): Promise<void> {
    const b = new Uint8Array(4)
    new DataView(b.buffer).setUint32(0, value >>> 0, true)
    return this.client.writeMemory(address, b)
  }

  // ---- registers ----

  private regnum(register: number): number {
    if (register >= 0 && register <= 12) return this.layout.get(`r${register}`)?.regnum ?? register
    const name = DCRSR_TO_GDB_NAME[register]
    const info = name ? this.layout.get(name) : undefined
    if (!info) throw new Error(`${this.client.serverName} does not describe core register ${name ?? register}.`)
    return info.regnum
  }

  async readRegister(register: number): Promise<number> {
    const bytes = await this.client.readRegister(this.regnum(register))
    let v = 0
    for (let i = Math.min(bytes.length, 4) - 1; i >= 0; i--) v = v * 256 + bytes[i]
    return v >>> 0
  }

  async writeRegister(register: number, value: number): Promise<void> {
    const b = new Uint8Array(4)
    new DataView(b.buffer).setUint32(0, value >>> 0, true)
    await this.client.writeRegister(this.regnum(register), b)
  }

  // ---- run control ----

  private async toHaltReason(event: StopEvent): Promise<HaltReason> {
    if (event.kind === 'exited') return { kind: 'exited', exitCode: event.exitCode }
    if (event.kind === 'terminated') return { kind: 'exception', pc: 0, detail: `terminated by signal ${event.signal}` }
    const pcInfo = this.layout.get('pc')
    const sent = pcInfo ? event.registers.get(pcInfo.regnum) : undefined
    const pc = sent && sent.length >= 4 ? new DataView(sent.buffer, sent.byteOffset).getUint32(0, true) : await this.readRegister(CoreRegister.pc)
    if (event.signal === SIGINT) return { kind: 'request', pc }
    if (event.signal === SIGTRAP) return this.breakpoints.has(pc) || event.reason === 'swbreak' || event.reason === 'hwbreak' ? { kind: 'breakpoint', pc } : { kind: 'step', pc }
    return { kind: 'exception', pc, detail: `signal ${event.signal}` }
  }

  async halt(): Promise<HaltReason> {
    return this.toHaltReason(await this.client.interrupt())
  }

  async resume(): Promise<void> {
    // Stubs leave stepping over a breakpoint at the current PC to the client (GDB does the same dance).
    if (this.breakpoints.size > 0 && !this.client.isRunning) {
      const pc = await this.readRegister(CoreRegister.pc)
      if (this.breakpoints.has(pc)) {
        await this.client.removeBreakpoint(pc, 0).catch(() => this.client.removeBreakpoint(pc, 1))
        const event = await this.client.step()
        await this.client.insertBreakpoint(pc, 0).catch(() => this.client.insertBreakpoint(pc, 1))
        if (event.kind !== 'stopped') return
        const now = await this.readRegister(CoreRegister.pc)
        if (this.breakpoints.has(now)) return // stepped straight onto another breakpoint: stay halted there
      }
    }
    return this.client.resume()
  }

  async step(): Promise<number> {
    const event = await this.client.step()
    const reason = await this.toHaltReason(event)
    if (reason.kind === 'exited') throw new Error(`The target behind ${this.client.serverName} exited with code ${reason.exitCode} while stepping.`)
    return reason.pc
  }

  async isHalted(): Promise<boolean> {
    return !this.client.isRunning
  }

  async waitForHalt(timeoutS: number): Promise<HaltReason> {
    return this.toHaltReason(await this.client.waitForStop(timeoutS))
  }

  async resetAndHalt(): Promise<void> {
    if (this.client.isRunning) await this.client.interrupt()
    let commands = RESET_HALT_COMMANDS[this.flavour]
    for (let attempt = 0; attempt < 2; attempt++) {
      try {
        let unknown = false
        for (const c of commands) {
          const out = await this.client.monitor(c)
          if (/unknown command|invalid command|not found/i.test(out)) unknown = true
        }
        if (!unknown) return
      } catch (e) {
        if (!(e instanceof GdbErrorReply)) throw e
      }
      // A generic server that did not know "reset halt" may be QEMU.
      if (this.flavour !== 'generic' || attempt > 0) break
      commands = RESET_HALT_COMMANDS.qemu
    }
    throw new Error(`${this.client.serverName} has no reset command we know (tried monitor ${RESET_HALT_COMMANDS[this.flavour].join(', ')}). Reset the target from the server's side, or name the server: --probe gdb:openocd@HOST:PORT.`)
  }

  async reset(): Promise<void> {
    await this.resetAndHalt()
    await this.resume()
  }

  async setBreakpoint(address: number): Promise<void> {
    const a = (address & ~1) >>> 0
    try {
      await this.client.insertBreakpoint(a, 0)
    } catch (e) {
      if (!(e instanceof GdbErrorReply)) throw e
      await this.client.insertBreakpoint(a, 1)
    }
    this.breakpoints.add(a)
  }

  async clearBreakpoint(address: number): Promise<void> {
    const a = (address & ~1) >>> 0
    try {
      await this.client.removeBreakpoint(a, 0)
    } catch (e) {
      if (!(e instanceof GdbErrorReply)) throw e
      await this.client.removeBreakpoint(a, 1)
    }
    this.breakpoints.delete(a)
  }

  canBreakAt(): boolean {
    return true
  }

  async cycleCounter(): Promise<CycleCounter | undefined> {
    if (this.flavour === 'qemu') return this.countsInstructions ? new QemuIcountCounter(this.client) : undefined
    const dwt = new DwtCycleCounter(this)
    return (await dwt.works()) ? dwt : undefined
  }

  async close(): Promise<void> {
    await this.client.close()
  }
}
