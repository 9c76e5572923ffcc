/** Hardware breakpoints with the Flash Patch and Breakpoint unit: one comparator per address. */
import type { MemoryAccess } from '../debug-target'
import { FP_COMP0, FP_CTRL, FP_CTRL_ENABLE, FP_CTRL_KEY, fpbComparatorCount, fpbComparatorValue, fpbRevision } from './registers'

export class FlashPatchBreakpoints {
  private slots: Array<number | undefined> = []
  revision = 0

  constructor(
    private readonly memory: MemoryAccess,
    private readonly label: string
  ) {}

  async init(): Promise<void> {
    const ctrl = await this.memory.read32(FP_CTRL)
    this.revision = fpbRevision(ctrl)
    this.slots = new Array(fpbComparatorCount(ctrl)).fill(undefined)
    for (let i = 0; i < this.slots.length; i++) await this.memory.write32(FP_COMP0 + 4 * i, 0)
    await this.memory.write32(FP_CTRL, FP_CTRL_KEY | FP_CTRL_ENABLE)
  }

  /** After a reset cleared the unit: enable it again and rewrite the comparators we hold. */
  async restore(): Promise<void> {
    for (let i = 0; i < this.slots.length; i++) {
      const a = this.slots[i]
      await this.memory.write32(FP_COMP0 + 4 * i, a === undefined ? 0 : fpbComparatorValue(a, this.revision)!)
    }
    await this.memory.write32(FP_CTRL, FP_CTRL_KEY | FP_CTRL_ENABLE)
  }

  get count(): number {
    return this.slots.length
  }

  canBreakAt(address: number): boolean {
    return this.slots.length > 0 && fpbComparatorValue(address, this.revision) !== undefined
  }

  has(address: number): boolean {
    return this.slots.includes((address & ~1) >>> 0)
  }

  async set(address: number): Promise<void> {
    const a = (address & ~1) >>> 0
    if (this.slots.includes(a)) return
    const value = fpbComparatorValue(a, this.revision)
    if (value === undefined) {
      throw new Error(`${this.label} cannot set a hardware breakpoint at 0x${a.toString(16)}: this FPB (revision ${this.revision + 1}) only covers code below 0x20000000.`)
    }
    const free = this.slots.indexOf(undefined)
    if (free < 0) throw new Error(`${this.label} has no free hardware breakpoint (all ${this.slots.length} FPB comparators are in use). Clear one first.`)
    await this.memory.write32(FP_COMP0 + 4 * free, value)
    this.slots[free] = a
  }

  async clear(address: number): Promise<void> {
    const i = this.slots.indexOf((address & ~1) >>> 0)
    if (i < 0) return
    await this.memory.write32(FP_COMP0 + 4 * i, 0)
    this.slots[i] = undefined
  }

  /** Temporarily disables the comparator at `address` (to step over it); returns a function that restores it. */
  async suspend(address: number): Promise<() => Promise<void>> {
    const i = this.slots.indexOf((address & ~1) >>> 0)
    if (i < 0) return async () => undefined
    await this.memory.write32(FP_COMP0 + 4 * i, 0)
    return async () => this.memory.write32(FP_COMP0 + 4 * i, fpbComparatorValue((address & ~1) >>> 0, this.revision)!)
  }
}
