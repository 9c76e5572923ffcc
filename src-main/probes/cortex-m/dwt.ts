/**
 * DWT_CYCCNT as a cycle counter, over any memory access. Armv6-M parts (M0/M0+) have none and say so
 * with DWT_CTRL.NOCYCCNT; QEMU models no DWT at all (reads as 0). `works()` tells these apart from a
 * real counter without running the core: a real CYCCNT is writable.
 */
import type { CycleCounter, MemoryAccess } from '../debug-target'
import { DEMCR, DEMCR_TRCENA, DWT_CTRL, DWT_CTRL_CYCCNTENA, DWT_CTRL_NOCYCCNT, DWT_CYCCNT } from './registers'

export class DwtCycleCounter implements CycleCounter {
  readonly unit = 'cycles' as const
  readonly description = 'DWT_CYCCNT (32-bit core cycle counter)'

  constructor(private readonly memory: MemoryAccess) {}

  /** False on M0/M0+ (NOCYCCNT) and on targets whose CYCCNT does not hold a written value (QEMU). */
  async works(): Promise<boolean> {
    const demcr = await this.memory.read32(DEMCR)
    await this.memory.write32(DEMCR, (demcr | DEMCR_TRCENA) >>> 0)
    const ctrl = await this.memory.read32(DWT_CTRL)
    if (ctrl & DWT_CTRL_NOCYCCNT) return false
    const before = await this.memory.read32(DWT_CYCCNT)
    const probe = 0x5a5a1234
    await this.memory.write32(DWT_CYCCNT, probe)
    const back = await this.memory.read32(DWT_CYCCNT)
    await this.memory.write32(DWT_CYCCNT, before)
    return back === probe
  }

  async start(): Promise<void> {
    const demcr = await this.memory.read32(DEMCR)
    await this.memory.write32(DEMCR, (demcr | DEMCR_TRCENA) >>> 0)
    const ctrl = await this.memory.read32(DWT_CTRL)
    if (ctrl & DWT_CTRL_NOCYCCNT) throw new Error('This core has no DWT cycle counter (DWT_CTRL.NOCYCCNT is set, as on Cortex-M0/M0+). Time regions with a timer or GPIO edges instead.')
    await this.memory.write32(DWT_CYCCNT, 0)
    await this.memory.write32(DWT_CTRL, (ctrl | DWT_CTRL_CYCCNTENA) >>> 0)
  }

  read(): Promise<number> {
    return this.memory.read32(DWT_CYCCNT)
  }

  countBetween(earlier: number, later: number): number {
    return (later - earlier) >>> 0
  }
}
