/**
 * The debug registers of the System Control Space, modelled on top of a CoreBackend (ARMv7-M C1): DHCSR,
 * DCRSR/DCRDR, DEMCR, DFSR, AIRCR resets, the FPB (revision 1 rules: comparators cover code below
 * 0x20000000) and DWT_CYCCNT. QEMU implements none of the halting-debug registers, so the emulator does,
 * the way the architecture describes them. Other SCS addresses pass through to the backend's memory.
 */
import type { CoreBackend } from './core-backend'

const DHCSR = 0xe000edf0
const DCRSR = 0xe000edf4
const DCRDR = 0xe000edf8
const DEMCR = 0xe000edfc
const DFSR = 0xe000ed30
const AIRCR = 0xe000ed0c
const FP_CTRL = 0xe0002000
const FP_REMAP = 0xe0002004
const FP_COMP0 = 0xe0002008
const DWT_CTRL = 0xe0001000
const DWT_CYCCNT = 0xe0001004

const FP_CODE_COMPARATORS = 6
const FP_LITERAL_COMPARATORS = 2

export class ScsModel {
  private debugEnabled = false
  private maskInts = false
  private resetSticky = false
  private dcrdr = 0
  private demcr = 0
  private dfsr = 0
  private fpEnabled = false
  private fpComp = new Array<number>(FP_CODE_COMPARATORS + FP_LITERAL_COMPARATORS).fill(0)
  private dwtCtrl = 0
  private cycBase = 0
  private lastCycles = 0

  constructor(private readonly core: CoreBackend) {}

  handles(address: number): boolean {
    return (
      (address >= DHCSR && address <= DEMCR + 3) ||
      address === DFSR ||
      address === AIRCR ||
      (address >= FP_CTRL && address < FP_COMP0 + 4 * this.fpComp.length) ||
      address === DWT_CTRL ||
      address === DWT_CYCCNT
    )
  }

  /** Addresses the FPB would stop at (enabled comparators; REPLACE picks the halfword). */
  breakpoints(): number[] {
    if (!this.fpEnabled) return []
    const out: number[] = []
    for (const comp of this.fpComp.slice(0, FP_CODE_COMPARATORS)) {
      if (!(comp & 1)) continue
      const base = comp & 0x1ffffffc
      const replace = comp >>> 30
      if (replace === 1 || replace === 3) out.push(base)
      if (replace === 2 || replace === 3) out.push(base + 2)
    }
    return out
  }

  private noteHalt(): void {
    const cause = this.core.haltCause()
    if (cause === 'breakpoint') this.dfsr |= 1 << 1
    else if (cause === 'reset') this.dfsr |= 1 << 3
    else this.dfsr |= 1 << 0
  }

  async read(address: number): Promise<number> {
    switch (address) {
      case DHCSR: {
        const halted = this.core.isHalted()
        let v = (this.debugEnabled ? 1 : 0) | (halted ? 2 : 0) | (this.maskInts ? 8 : 0)
        v |= 1 << 16 // S_REGRDY: register transfers complete at once here
        if (halted) v |= 1 << 17
        if (this.resetSticky) v |= 1 << 25
        this.resetSticky = false
        return v >>> 0
      }
      case DCRSR:
        return 0
      case DCRDR:
        return this.dcrdr
      case DEMCR:
        return this.demcr
      case DFSR:
        return this.dfsr
      case AIRCR:
        return 0xfa050000
      case FP_CTRL:
        return (((FP_LITERAL_COMPARATORS & 0xf) << 8) | ((FP_CODE_COMPARATORS & 0xf) << 4) | (this.fpEnabled ? 1 : 0)) >>> 0
      case FP_REMAP:
        return 0
      case DWT_CTRL:
        // Four comparators; NOCYCCNT when the backend cannot count.
        return ((4 << 28) | (this.core.instructionCount ? 0 : 1 << 25) | (this.dwtCtrl & 1)) >>> 0
      case DWT_CYCCNT:
        return this.cycles()
    }
    if (address >= FP_COMP0 && address < FP_COMP0 + 4 * this.fpComp.length) return this.fpComp[(address - FP_COMP0) / 4]
    return 0
  }

  private async cycles(): Promise<number> {
    if (!this.core.instructionCount || !(this.dwtCtrl & 1) || !(this.demcr & (1 << 24))) return this.lastCycles
    // The count only advances while the core runs; reading it needs a halted core on QEMU.
    if (this.core.isHalted()) this.lastCycles = ((await this.core.instructionCount()) - this.cycBase) >>> 0
    return this.lastCycles
  }

  async write(address: number, value: number): Promise<void> {
    value >>>= 0
    switch (address) {
      case DHCSR: {
        if (value >>> 16 !== 0xa05f) return // writes without DBGKEY are ignored
        const wasEnabled = this.debugEnabled
        this.debugEnabled = (value & 1) !== 0
        const cHalt = (value & 2) !== 0
        const cStep = (value & 4) !== 0
        if (this.core.isHalted()) this.maskInts = (value & 8) !== 0
        if (!this.debugEnabled) {
          if (wasEnabled && this.core.isHalted()) await this.core.resume([])
          return
        }
        if (cHalt && !this.core.isHalted()) {
          await this.core.halt()
          this.noteHalt()
        } else if (!cHalt && this.core.isHalted()) {
          if (cStep) {
            await this.core.step()
            this.noteHalt()
          } else {
            await this.core.resume(this.breakpoints())
          }
        }
        return
      }
      case DCRSR: {
        const sel = value & 0x7f
        if (value & (1 << 16)) await this.core.writeRegister(sel, this.dcrdr)
        else this.dcrdr = (await this.core.readRegister(sel)) >>> 0
        return
      }
      case DCRDR:
        this.dcrdr = value
        return
      case DEMCR:
        this.demcr = value & 0x010f07f1
        return
      case DFSR:
        this.dfsr &= ~value
        return
      case AIRCR:
        if (value >>> 16 === 0x05fa && value & (1 << 2)) {
          this.resetSticky = true
          const catchReset = this.debugEnabled && (this.demcr & 1) !== 0
          await this.core.reset(catchReset)
          // A system reset clears the FPB and DWT enables; DEMCR and DHCSR survive (they reset with power-on only).
          this.fpEnabled = false
          this.fpComp.fill(0)
          this.dwtCtrl = 0
          if (catchReset) this.noteHalt()
        }
        return
      case FP_CTRL:
        if (value & 2) this.fpEnabled = (value & 1) !== 0
        return
      case DWT_CTRL:
        if ((value & 1) && !(this.dwtCtrl & 1) && this.core.instructionCount && this.core.isHalted()) {
          this.cycBase = ((await this.core.instructionCount()) - this.lastCycles) >>> 0
        }
        this.dwtCtrl = value
        return
      case DWT_CYCCNT:
        this.lastCycles = value
        if (this.core.instructionCount && this.core.isHalted()) this.cycBase = ((await this.core.instructionCount()) - value) >>> 0
        return
    }
    if (address >= FP_COMP0 && address < FP_COMP0 + 4 * this.fpComp.length) this.fpComp[(address - FP_COMP0) / 4] = value
  }
}
