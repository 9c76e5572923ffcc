/** Armv6-M / Armv7-M debug registers in the System Control Space (ARM DDI 0403, C1), as probe-rs and pyOCD use them. */

export const DHCSR = 0xe000edf0
export const DCRSR = 0xe000edf4
export const DCRDR = 0xe000edf8
export const DEMCR = 0xe000edfc
export const AIRCR = 0xe000ed0c
export const CPUID = 0xe000ed00
export const DFSR = 0xe000ed30

export const DHCSR_DBGKEY = 0xa05f0000
export const DHCSR_C_DEBUGEN = 1 << 0
export const DHCSR_C_HALT = 1 << 1
export const DHCSR_C_STEP = 1 << 2
export const DHCSR_C_MASKINTS = 1 << 3
export const DHCSR_S_REGRDY = 1 << 16
export const DHCSR_S_HALT = 1 << 17
export const DHCSR_S_SLEEP = 1 << 18
export const DHCSR_S_LOCKUP = 1 << 19
export const DHCSR_S_RETIRE_ST = 1 << 24
export const DHCSR_S_RESET_ST = 1 << 25

export const DCRSR_REGWNR = 1 << 16

export const DEMCR_VC_CORERESET = 1 << 0
export const DEMCR_TRCENA = 1 << 24

export const AIRCR_VECTKEY = 0x05fa0000
export const AIRCR_SYSRESETREQ = 1 << 2

export const DFSR_HALTED = 1 << 0
export const DFSR_BKPT = 1 << 1
export const DFSR_VCATCH = 1 << 3

export const DWT_CTRL = 0xe0001000
export const DWT_CYCCNT = 0xe0001004
export const DWT_CTRL_CYCCNTENA = 1 << 0
export const DWT_CTRL_NOCYCCNT = 1 << 25

/** Flash Patch and Breakpoint unit. */
export const FP_CTRL = 0xe0002000
export const FP_COMP0 = 0xe0002008
export const FP_CTRL_ENABLE = 1 << 0
export const FP_CTRL_KEY = 1 << 1

/** FP_CTRL: number of code comparators (NUM_CODE[6:4] low bits, [14:12] high bits) and the revision. */
export function fpbComparatorCount(fpCtrl: number): number {
  return ((fpCtrl >>> 4) & 0xf) | (((fpCtrl >>> 12) & 0x7) << 4)
}

export function fpbRevision(fpCtrl: number): number {
  return (fpCtrl >>> 28) & 0xf
}

/**
 * The FP_COMPn value that breaks on a Thumb instruction at `address`.
 * Revision 0 (Armv6-M, Armv7-M): only addresses below 0x20000000; COMP holds address[28:2] and
 * REPLACE[31:30] picks the lower (01) or upper (10) halfword. Revision 1 (Armv8-M, Cortex-M7's FPBv2):
 * any address, BPADDR[31:1] with bit 0 as enable.
 */
export function fpbComparatorValue(address: number, revision: number): number | undefined {
  if (revision === 0) {
    if (address >= 0x20000000) return undefined
    const replace = address & 2 ? 0b10 : 0b01
    return ((replace << 30) | (address & 0x1ffffffc) | 1) >>> 0
  }
  return (((address & ~1) >>> 0) | 1) >>> 0
}

export interface CpuIdInfo {
  implementer: number
  partNumber: number
  variant: number
  revision: number
  /** "Cortex-M4", … or a hex part number. */
  name: string
  /** Armv6-M cores have no DWT_CYCCNT (NOCYCCNT reads 1). */
  armv6m: boolean
}

const PART_NAMES: Record<number, string> = {
  0xc20: 'Cortex-M0',
  0xc60: 'Cortex-M0+',
  0xc21: 'Cortex-M1',
  0xc23: 'Cortex-M3',
  0xc24: 'Cortex-M4',
  0xc27: 'Cortex-M7',
  0xd20: 'Cortex-M23',
  0xd21: 'Cortex-M33',
  0xd22: 'Cortex-M55',
  0xd23: 'Cortex-M85'
}

export function decodeCpuId(value: number): CpuIdInfo {
  const partNumber = (value >>> 4) & 0xfff
  return {
    implementer: value >>> 24,
    variant: (value >>> 20) & 0xf,
    partNumber,
    revision: value & 0xf,
    name: PART_NAMES[partNumber] ?? `part 0x${partNumber.toString(16)}`,
    armv6m: partNumber === 0xc20 || partNumber === 0xc60 || partNumber === 0xc21
  }
}
