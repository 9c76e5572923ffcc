/**
 * Cortex-M run control over plain memory access (ARMv6-M/ARMv7-M debug, as probe-rs armv7m.rs and
 * pyOCD do it): halt, resume, step and reset through DHCSR/AIRCR/DEMCR, core registers through
 * DCRSR/DCRDR, hardware breakpoints through the FPB. Works over any MemoryAccess: a MEM-AP, ST-LINK.
 */
import { CoreRegister, TargetTimeoutError, type CoreControl, type HaltReason, type MemoryAccess } from '../debug-target'
import { FlashPatchBreakpoints } from './fpb'
import {
  AIRCR,
  AIRCR_SYSRESETREQ,
  AIRCR_VECTKEY,
  CPUID,
  DCRDR,
  DCRSR,
  DCRSR_REGWNR,
  decodeCpuId,
  DEMCR,
  DEMCR_VC_CORERESET,
  DFSR,
  DFSR_BKPT,
  DFSR_HALTED,
  DFSR_VCATCH,
  DHCSR,
  DHCSR_C_DEBUGEN,
  DHCSR_C_HALT,
  DHCSR_C_MASKINTS,
  DHCSR_C_STEP,
  DHCSR_DBGKEY,
  DHCSR_S_HALT,
  DHCSR_S_LOCKUP,
  DHCSR_S_REGRDY,
  DHCSR_S_RESET_ST,
  type CpuIdInfo
} from './registers'

const POLL_INTERVAL_MS = 1

export class CortexM implements CoreControl {
  cpu: CpuIdInfo | undefined
  readonly breakpoints: FlashPatchBreakpoints

  constructor(
    readonly memory: MemoryAccess,
    readonly label: string
  ) {
    this.breakpoints = new FlashPatchBreakpoints(memory, label)
  }

  /** Reads CPUID, enables halting debug, and resets the FPB. */
  async attach(): Promise<CpuIdInfo> {
    this.cpu = decodeCpuId(await this.memory.read32(CPUID))
    const dhcsr = await this.memory.read32(DHCSR)
    await this.memory.write32(DHCSR, (DHCSR_DBGKEY | (dhcsr & DHCSR_C_HALT) | DHCSR_C_DEBUGEN) >>> 0)
    await this.breakpoints.init()
    return this.cpu
  }

  private async pollDhcsr(bits: number, timeoutS: number, what: string): Promise<number> {
    const deadline = performance.now() + timeoutS * 1000
    for (;;) {
      const dhcsr = await this.memory.read32(DHCSR)
      if ((dhcsr & bits) === bits) return dhcsr
      if (dhcsr & DHCSR_S_LOCKUP) throw new Error(`${this.label}: the core is locked up (a fault inside a fault handler) while ${what}. Reset the target.`)
      if (performance.now() > deadline) throw new TargetTimeoutError(`${this.label}: the core did not ${what} within ${timeoutS} s (DHCSR = 0x${(dhcsr >>> 0).toString(16)}).`)
      await new Promise((r) => setTimeout(r, POLL_INTERVAL_MS))
    }
  }

  async isHalted(): Promise<boolean> {
    return ((await this.memory.read32(DHCSR)) & DHCSR_S_HALT) !== 0
  }

  private async haltReason(): Promise<HaltReason> {
    const dfsr = await this.memory.read32(DFSR)
    await this.memory.write32(DFSR, dfsr) // the bits are write-one-to-clear
    const pc = await this.readRegister(CoreRegister.pc)
    if (dfsr & DFSR_BKPT || this.breakpoints.has(pc)) return { kind: 'breakpoint', pc }
    if (dfsr & DFSR_VCATCH) return { kind: 'exception', pc, detail: 'vector catch (reset or fault)' }
    if (dfsr & DFSR_HALTED) return { kind: 'request', pc }
    return { kind: 'request', pc }
  }

  async halt(timeoutS = 1): Promise<HaltReason> {
    await this.memory.write32(DHCSR, (DHCSR_DBGKEY | DHCSR_C_DEBUGEN | DHCSR_C_HALT) >>> 0)
    await this.pollDhcsr(DHCSR_S_HALT, timeoutS, 'halt')
    return this.haltReason()
  }

  async waitForHalt(timeoutS: number): Promise<HaltReason> {
    await this.pollDhcsr(DHCSR_S_HALT, timeoutS, 'halt (breakpoint or end of a run)')
    return this.haltReason()
  }

  async step(): Promise<number> {
    const pc = await this.readRegister(CoreRegister.pc)
    const restore = await this.breakpoints.suspend(pc)
    try {
      // Interrupts stay masked while stepping, so a step executes the instruction at PC and not a handler.
      await this.memory.write32(DHCSR, (DHCSR_DBGKEY | DHCSR_C_DEBUGEN | DHCSR_C_MASKINTS | DHCSR_C_HALT) >>> 0)
      await this.memory.write32(DHCSR, (DHCSR_DBGKEY | DHCSR_C_DEBUGEN | DHCSR_C_MASKINTS | DHCSR_C_STEP) >>> 0)
      await this.pollDhcsr(DHCSR_S_HALT, 1, 'complete a single step')
      await this.memory.write32(DHCSR, (DHCSR_DBGKEY | DHCSR_C_DEBUGEN | DHCSR_C_HALT) >>> 0)
    } finally {
      await restore()
    }
    return this.readRegister(CoreRegister.pc)
  }

  async resume(): Promise<void> {
    // A breakpoint on the instruction at PC would fire again at once: step over it first.
    const pc = await this.readRegister(CoreRegister.pc)
    if (this.breakpoints.has(pc)) {
      const now = await this.step()
      if (this.breakpoints.has(now)) return
    }
    await this.memory.read32(DFSR).then((d) => this.memory.write32(DFSR, d))
    await this.memory.write32(DHCSR, (DHCSR_DBGKEY | DHCSR_C_DEBUGEN) >>> 0)
  }

  private async resetWith(haltAfter: boolean): Promise<void> {
    const demcr = await this.memory.read32(DEMCR)
    await this.memory.write32(DEMCR, haltAfter ? (demcr | DEMCR_VC_CORERESET) >>> 0 : (demcr & ~DEMCR_VC_CORERESET) >>> 0)
    await this.memory.read32(DHCSR) // clears a stale S_RESET_ST
    await this.memory.write32(AIRCR, (AIRCR_VECTKEY | AIRCR_SYSRESETREQ) >>> 0)
    await this.pollDhcsr(DHCSR_S_RESET_ST, 1, 'go through reset').catch(async (e) => {
      // Some cores clear S_RESET_ST before we look; a halted core at the reset vector is as good.
      if (!haltAfter || !(await this.isHalted())) throw e
    })
    if (haltAfter) {
      await this.pollDhcsr(DHCSR_S_HALT, 1, 'halt after reset')
      await this.memory.write32(DEMCR, (demcr & ~DEMCR_VC_CORERESET) >>> 0)
      await this.memory.read32(DFSR).then((d) => this.memory.write32(DFSR, d))
    }
    // A system reset clears the FPB: put our breakpoints back.
    await this.breakpoints.restore()
  }

  resetAndHalt(): Promise<void> {
    return this.resetWith(true)
  }

  reset(): Promise<void> {
    return this.resetWith(false)
  }

  async readRegister(register: number): Promise<number> {
    await this.memory.write32(DCRSR, register & 0x7f)
    await this.pollDhcsr(DHCSR_S_REGRDY, 0.5, `transfer core register ${register}`)
    return this.memory.read32(DCRDR)
  }

  async writeRegister(register: number, value: number): Promise<void> {
    await this.memory.write32(DCRDR, value >>> 0)
    await this.memory.write32(DCRSR, (DCRSR_REGWNR | (register & 0x7f)) >>> 0)
    await this.pollDhcsr(DHCSR_S_REGRDY, 0.5, `transfer core register ${register}`)
  }

  setBreakpoint(address: number): Promise<void> {
    return this.breakpoints.set(address)
  }

  clearBreakpoint(address: number): Promise<void> {
    return this.breakpoints.clear(address)
  }

  canBreakAt(address: number): boolean {
    return this.breakpoints.canBreakAt(address)
  }
}
