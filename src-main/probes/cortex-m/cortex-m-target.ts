/**
 * A Cortex-M core as a DebugTarget, whatever probe reaches it: memory goes to the probe's MemoryAccess
 * (a MEM-AP, the ST-LINK's memory commands), run control to the CortexM layer on top of it, the cycle
 * counter to the DWT where the core has one. A probe family adds how it connects and how it lets go.
 */
import type { CycleCounter, DebugTarget, HaltReason, MemoryAccess } from '../debug-target'
import { CortexM } from './cortex-m'
import { DwtCycleCounter } from './dwt'
import type { CpuIdInfo } from './registers'

export abstract class CortexMTarget implements DebugTarget {
  readonly description: string

  protected constructor(
    private readonly memory: MemoryAccess,
    readonly core: CortexM,
    readonly cpu: CpuIdInfo,
    probeLabel: string
  ) {
    this.description = `${probeLabel} (SWD) on a ${cpu.name}`
  }

  /** Attaches to the core behind `memory`: CPUID, halting debug on, the FPB reset. */
  protected static async attachCore(memory: MemoryAccess, probeLabel: string): Promise<{ core: CortexM; cpu: CpuIdInfo }> {
    const core = new CortexM(memory, probeLabel)
    return { core, cpu: await core.attach() }
  }

  /** Called before every reset, for probes that cache target state a reset makes stale. */
  protected beforeReset(): void {}

  abstract close(): Promise<void>

  readMemory(address: number, length: number): Promise<Uint8Array> {
    return this.memory.readMemory(address, length)
  }
  writeMemory(address: number, data: Uint8Array): Promise<void> {
    return this.memory.writeMemory(address, data)
  }
  read32(address: number): Promise<number> {
    return this.memory.read32(address)
  }
  write32(address: number, value: number): Promise<void> {
    return this.memory.write32(address, value)
  }
  halt(): Promise<HaltReason> {
    return this.core.halt()
  }
  resume(): Promise<void> {
    return this.core.resume()
  }
  step(): Promise<number> {
    return this.core.step()
  }
  isHalted(): Promise<boolean> {
    return this.core.isHalted()
  }
  waitForHalt(timeoutS: number): Promise<HaltReason> {
    return this.core.waitForHalt(timeoutS)
  }
  resetAndHalt(): Promise<void> {
    this.beforeReset()
    return this.core.resetAndHalt()
  }
  reset(): Promise<void> {
    this.beforeReset()
    return this.core.reset()
  }
  readRegister(register: number): Promise<number> {
    return this.core.readRegister(register)
  }
  writeRegister(register: number, value: number): Promise<void> {
    return this.core.writeRegister(register, value)
  }
  setBreakpoint(address: number): Promise<void> {
    return this.core.setBreakpoint(address)
  }
  clearBreakpoint(address: number): Promise<void> {
    return this.core.clearBreakpoint(address)
  }
  canBreakAt(address: number): boolean {
    return this.core.canBreakAt(address)
  }

  /** The DWT cycle counter, unless the core is Armv6-M (none) or the counter does not count. */
  async cycleCounter(): Promise<CycleCounter | undefined> {
    if (this.cpu.armv6m) return undefined
    const dwt = new DwtCycleCounter(this.memory)
    return (await dwt.works()) ? dwt : undefined
  }
}
