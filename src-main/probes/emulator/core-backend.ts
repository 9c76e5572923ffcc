/**
 * What an emulated debug port reaches through its MEM-AP: a core that can be halted, stepped, reset and
 * inspected, and its memory. The GDB-backed implementation puts QEMU behind it; the simulated one is
 * plain RAM and a register file for unit tests.
 */

export type CoreHaltCause = 'breakpoint' | 'step' | 'request' | 'reset' | 'exited'

export interface CoreBackend {
  readonly name: string
  isHalted(): boolean
  /** Why the core last halted (for DFSR). */
  haltCause(): CoreHaltCause | undefined
  halt(): Promise<void>
  /** Resume with these instruction addresses armed as breakpoints. */
  resume(breakpoints: number[]): Promise<void>
  step(): Promise<void>
  reset(haltAfter: boolean): Promise<void>
  readRegister(n: number): Promise<number>
  writeRegister(n: number, value: number): Promise<void>
  /** undefined = bus fault (unmapped). */
  readMemory(address: number, length: number): Promise<Uint8Array | undefined>
  /** false = bus fault. */
  writeMemory(address: number, data: Uint8Array): Promise<boolean>
  /** True once the target is gone (QEMU exited, power removed): the wires then carry no answers. */
  isGone?(): boolean
  /** Executed instructions so far, if the backend can count them (for an emulated DWT_CYCCNT). */
  instructionCount?(): Promise<number>
}
