/** Memory layout facts of the emulated mps2-an385/an386 board that flashing and RTT need. */
import type { RamRegion } from '../services/flash/flasher'

export interface BoardMemory {
  name: string
  /** RAM the probe may scan (RTT) and check pointers against. */
  ram: RamRegion[]
  /** Where a flash algorithm runs: the 64 KiB block RAM at 0x01000000 sits in the code region, so FPB breakpoints reach it. */
  algorithmRam: RamRegion
  /** RAM the benchmark firmware uses (RTT control block, buffers). */
  firmwareRam: RamRegion
}

export const MPS2_BOARD: BoardMemory = {
  name: 'Arm MPS2 AN385/AN386 (QEMU)',
  ram: [
    { start: 0x01000000, size: 0x10000 },
    { start: 0x20000000, size: 0x400000 }
  ],
  algorithmRam: { start: 0x01000000, size: 0x10000 },
  firmwareRam: { start: 0x20000000, size: 0x40000 }
}
