/**
 * What the services (flashing, RTT, cycle counts, loading) need from a target, whatever the probe:
 * memory access and control of one Cortex-M core. The CMSIS-DAP stack, the ST-LINK driver and the GDB
 * client each provide one, so every service runs unchanged over all of them (the probe-rs layering).
 */

export interface MemoryAccess {
  /** Reads `length` bytes; any alignment. */
  readMemory(address: number, length: number): Promise<Uint8Array>
  writeMemory(address: number, data: Uint8Array): Promise<void>
  read32(address: number): Promise<number>
  write32(address: number, value: number): Promise<void>
}

/** Core register numbers as DCRSR numbers them (also what every probe layer here accepts). */
export const CoreRegister = {
  r0: 0,
  r1: 1,
  r2: 2,
  r3: 3,
  r9: 9,
  r12: 12,
  sp: 13,
  lr: 14,
  pc: 15,
  xpsr: 16,
  msp: 17,
  psp: 18
} as const

export type HaltReason =
  | { kind: 'breakpoint'; pc: number }
  | { kind: 'step'; pc: number }
  | { kind: 'request'; pc: number }
  | { kind: 'exception'; pc: number; detail: string }
  | { kind: 'exited'; exitCode: number }

export interface CoreControl {
  halt(): Promise<HaltReason>
  /** Let the core run; follow with waitForHalt. */
  resume(): Promise<void>
  /** Executes one instruction and returns the new PC. */
  step(): Promise<number>
  isHalted(): Promise<boolean>
  /** Waits until the core halts (breakpoint, BKPT, exit); rejects after timeoutS naming the probe. */
  waitForHalt(timeoutS: number): Promise<HaltReason>
  /** Reset the core and stop it before the first instruction of the reset handler. */
  resetAndHalt(): Promise<void>
  /** Reset and let it run. */
  reset(): Promise<void>
  readRegister(register: number): Promise<number>
  writeRegister(register: number, value: number): Promise<void>
  setBreakpoint(address: number): Promise<void>
  clearBreakpoint(address: number): Promise<void>
  /** False where the hardware cannot break (FPB v1 covers only the code region below 0x20000000). */
  canBreakAt(address: number): boolean
}

/** A counter that advances with the core's cycles (DWT) or instructions (QEMU under -icount), read while halted. */
export interface CycleCounter {
  readonly unit: 'cycles' | 'instructions'
  readonly description: string
  /** Prepare the counter (enable DWT, start a timer); call while halted. */
  start(): Promise<void>
  /** A raw reading, taken while halted; only differences mean something (see countBetween). */
  read(): Promise<number>
  /** Cycles or instructions between two readings (handles the counter's wrap-around once). */
  countBetween(earlier: number, later: number): number
}

export interface DebugTarget extends MemoryAccess, CoreControl {
  /** Names the probe and target in messages: "CMSIS-DAP probe 0001A (SWD) on a Cortex-M4". */
  readonly description: string
  /** A counter for latency measurements, if the target has one that works. */
  cycleCounter(): Promise<CycleCounter | undefined>
  close(): Promise<void>
}

export class TargetTimeoutError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'TargetTimeoutError'
  }
}
