/**
 * Cycle-exact (or, on QEMU, instruction-exact) latency of a function call or a code region, measured
 * with breakpoints: halt at the entry, read the counter, run to the exit, read it again. Works over any
 * DebugTarget whose cycleCounter() is present (DWT_CYCCNT on hardware, QEMU's instruction count).
 * The breakpoint stop and the counter read happen while halted, so they add nothing to the count.
 */
import { CoreRegister, type CycleCounter, type DebugTarget } from '../debug-target'

export interface RegionTiming {
  /** Cycles or instructions from the entry instruction up to (not including) the exit instruction. */
  count: number
  unit: CycleCounter['unit']
  entryPc: number
  exitPc: number
  /** R0–R3 at the entry: a function's first four arguments. */
  args: [number, number, number, number]
}

export class RegionTimingError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'RegionTimingError'
  }
}

async function runTo(target: DebugTarget, address: number, timeoutS: number, what: string): Promise<void> {
  await target.resume()
  const reason = await target.waitForHalt(timeoutS)
  if (reason.kind === 'exited') throw new RegionTimingError(`The program exited (code ${reason.exitCode}) before reaching ${what} at 0x${address.toString(16)} on ${target.description}.`)
  if (reason.kind !== 'breakpoint' || reason.pc !== (address & ~1) >>> 0) {
    throw new RegionTimingError(`Expected to stop at ${what} (0x${address.toString(16)}) on ${target.description}, but the core stopped at 0x${'pc' in reason ? reason.pc.toString(16) : '?'} (${reason.kind}${reason.kind === 'exception' ? `: ${reason.detail}` : ''}).`)
  }
}

async function readArgs(target: DebugTarget): Promise<[number, number, number, number]> {
  return [
    await target.readRegister(CoreRegister.r0),
    await target.readRegister(CoreRegister.r1),
    await target.readRegister(CoreRegister.r2),
    await target.readRegister(CoreRegister.r3)
  ]
}

/**
 * Times the next call of the function at `functionAddress`: from its first instruction to the return
 * address in LR. The core must be halted; it is left halted at the return address.
 */
export async function timeNextCall(target: DebugTarget, counter: CycleCounter, functionAddress: number, options: { timeoutS?: number; alreadyAtEntry?: boolean } = {}): Promise<RegionTiming> {
  const timeoutS = options.timeoutS ?? 30
  const entry = (functionAddress & ~1) >>> 0
  if (!options.alreadyAtEntry) {
    await target.setBreakpoint(entry)
    try {
      await runTo(target, entry, timeoutS, 'the function entry')
    } finally {
      await target.clearBreakpoint(entry)
    }
  }
  const args = await readArgs(target)
  const exit = ((await target.readRegister(CoreRegister.lr)) & ~1) >>> 0
  const before = await counter.read()
  await target.setBreakpoint(exit)
  try {
    await runTo(target, exit, timeoutS, 'the return address')
  } finally {
    await target.clearBreakpoint(exit)
  }
  const after = await counter.read()
  return { count: counter.countBetween(before, after), unit: counter.unit, entryPc: entry, exitPc: exit, args }
}

/** Times the run from `start` to `end` (both instruction addresses), starting from a halted core. */
export async function timeRegion(target: DebugTarget, counter: CycleCounter, start: number, end: number, options: { timeoutS?: number } = {}): Promise<RegionTiming> {
  const timeoutS = options.timeoutS ?? 30
  await target.setBreakpoint(start)
  try {
    await runTo(target, start, timeoutS, 'the region start')
  } finally {
    await target.clearBreakpoint(start)
  }
  const args = await readArgs(target)
  const before = await counter.read()
  await target.setBreakpoint(end)
  try {
    await runTo(target, end, timeoutS, 'the region end')
  } finally {
    await target.clearBreakpoint(end)
  }
  const after = await counter.read()
  return { count: counter.countBetween(before, after), unit: counter.unit, entryPc: (start & ~1) >>> 0, exitPc: (end & ~1) >>> 0, args }
}

/** Counts instructions by single-stepping from the current PC until `stopAt`: slow, exact, probe-agnostic. */
export async function countInstructionsByStepping(target: DebugTarget, stopAt: number, limit = 1_000_000): Promise<number> {
  const end = (stopAt & ~1) >>> 0
  let pc = ((await target.readRegister(CoreRegister.pc)) & ~1) >>> 0
  let n = 0
  while (pc !== end) {
    if (n >= limit) throw new RegionTimingError(`Stepped ${limit} instructions on ${target.description} without reaching 0x${end.toString(16)}.`)
    pc = ((await target.step()) & ~1) >>> 0
    n++
  }
  return n
}
