/**
 * Raw access to an ADIv5 debug port and its access ports: what a MEM-AP (and so memory, Cortex-M
 * control and every service) is built on. The CMSIS-DAP driver implements it with DAP_Transfer and
 * DAP_TransferBlock; programs of operations are executed in order and may be pipelined by the probe.
 */

export type AdiOperation =
  /** Single register accesses. DP: address 0x0–0xC. AP: the full 8-bit address (bank in bits 7:4). */
  | { kind: 'read'; port: 'dp' | 'ap'; apsel?: number; address: number }
  | { kind: 'write'; port: 'dp' | 'ap'; apsel?: number; address: number; value: number }
  /** `count` reads of one AP register (DRW with auto-increment: a memory block). */
  | { kind: 'read-block'; apsel: number; address: number; count: number }
  | { kind: 'write-block'; apsel: number; address: number; words: Uint32Array }

export interface ArmDebugInterface {
  readonly description: string
  /** Executes the operations in order. Returns one entry per operation: the value read, the words read, or undefined. */
  run(program: AdiOperation[]): Promise<Array<number | Uint32Array | undefined>>
}

export class AdiAccessError extends Error {
  constructor(
    message: string,
    /** 'fault' (sticky error, e.g. bus error on the AP), 'wait', 'no-ack' (no target), 'protocol'. */
    readonly reason: 'fault' | 'wait' | 'no-ack' | 'protocol' | 'other'
  ) {
    super(message)
    this.name = 'AdiAccessError'
  }
}

// Debug port registers (SWD, DPBANKSEL 0).
export const DP_DPIDR = 0x0
export const DP_ABORT = 0x0
export const DP_CTRL_STAT = 0x4
export const DP_SELECT = 0x8
export const DP_RDBUFF = 0xc

export const ABORT_DAPABORT = 1 << 0
export const ABORT_STKCMPCLR = 1 << 1
export const ABORT_STKERRCLR = 1 << 2
export const ABORT_WDERRCLR = 1 << 3
export const ABORT_ORUNERRCLR = 1 << 4
export const ABORT_CLEAR_ALL = ABORT_STKCMPCLR | ABORT_STKERRCLR | ABORT_WDERRCLR | ABORT_ORUNERRCLR

export const CTRL_CSYSPWRUPACK = 1 << 31
export const CTRL_CSYSPWRUPREQ = 1 << 30
export const CTRL_CDBGPWRUPACK = 1 << 29
export const CTRL_CDBGPWRUPREQ = 1 << 28
export const CTRL_STICKYERR = 1 << 5
export const CTRL_STICKYCMP = 1 << 4
export const CTRL_STICKYORUN = 1 << 1

// MEM-AP registers.
export const AP_CSW = 0x00
export const AP_TAR = 0x04
export const AP_DRW = 0x0c
export const AP_CFG = 0xf4
export const AP_BASE = 0xf8
export const AP_IDR = 0xfc

export interface DpIdr {
  raw: number
  designer: number
  version: number
  partNumber: number
  revision: number
}

export function decodeDpIdr(raw: number): DpIdr {
  return { raw: raw >>> 0, designer: (raw >>> 1) & 0x7ff, version: (raw >>> 12) & 0xf, partNumber: (raw >>> 20) & 0xff, revision: raw >>> 28 }
}

/** IDR class 0x8 (bits 16:13) is a MEM-AP; type 0x1 an AMBA AHB-AP (ADIv5.2 C1). */
export function isMemAp(idr: number): boolean {
  return ((idr >>> 13) & 0xf) === 0x8
}
