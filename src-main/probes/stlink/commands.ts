/**
 * ST-LINK V2/V3 command set (stlink-org src/stlink-lib/commands.h and usb.c; probe-rs stlink/constants.rs):
 * 16-byte command blocks on the bulk OUT endpoint, replies and read data on bulk IN, write data as a
 * separate OUT transfer after the command. Multi-byte fields are little-endian except the GET_VERSION
 * word. Status byte 0x80 means OK.
 */

export const StlinkCmd = {
  GetVersion: 0xf1,
  Debug: 0xf2,
  Dfu: 0xf3,
  GetCurrentMode: 0xf5,
  GetTargetVoltage: 0xf7,
  GetVersionApiV3: 0xfb
} as const

export const StlinkDebug = {
  ReadMem32: 0x07,
  WriteMem32: 0x08,
  ReadMem8: 0x0c,
  WriteMem8: 0x0d,
  Exit: 0x21,
  ApiV2Enter: 0x30,
  ApiV2ReadIdCodes: 0x31,
  ApiV2ResetSys: 0x32,
  ApiV2ReadReg: 0x33,
  ApiV2WriteReg: 0x34,
  ApiV2WriteDebugReg: 0x35,
  ApiV2ReadDebugReg: 0x36,
  ApiV2GetLastRwStatus2: 0x3e,
  ApiV2DriveNrst: 0x3c,
  ApiV2SwdSetFreq: 0x43,
  ReadMem16: 0x47,
  WriteMem16: 0x48,
  ApiV3SetComFreq: 0x61,
  EnterSwd: 0xa3
} as const

export const DFU_EXIT = 0x07

export const StlinkMode = { Dfu: 0, Mass: 1, Debug: 2, Swim: 3, Bootloader: 4 } as const

export const STLINK_OK = 0x80
export const STLINK_FAULT = 0x81

const STATUS_TEXT: Record<number, string> = {
  0x81: 'the target reported a fault',
  0x09: 'could not read the target IDCODE (no target?)',
  0x0c: 'write error',
  0x0d: 'write verify error',
  0x10: 'AP WAIT (target busy)',
  0x11: 'AP FAULT (bus error: unmapped address?)',
  0x12: 'AP error',
  0x13: 'AP parity error',
  0x14: 'DP WAIT',
  0x15: 'DP FAULT',
  0x16: 'DP error',
  0x17: 'DP parity error',
  0x18: 'AP write data error',
  0x19: 'AP sticky error',
  0x1a: 'AP sticky overrun error',
  0x1d: 'bad AP'
}

export class StlinkError extends Error {
  constructor(
    readonly command: string,
    readonly status: number | undefined,
    detail: string
  ) {
    super(`ST-LINK ${command}: ${detail}`)
    this.name = 'StlinkError'
  }
}

export function statusText(status: number): string {
  return STATUS_TEXT[status] ?? `status 0x${status.toString(16).padStart(2, '0')}`
}

function block(...bytes: number[]): Uint8Array {
  const b = new Uint8Array(16)
  b.set(bytes)
  return b
}

const le32 = (v: number) => [v & 0xff, (v >>> 8) & 0xff, (v >>> 16) & 0xff, (v >>> 24) & 0xff]
const le16 = (v: number) => [v & 0xff, (v >>> 8) & 0xff]

export const encodeGetVersion = () => block(StlinkCmd.GetVersion)
export const encodeGetVersionV3 = () => block(StlinkCmd.GetVersionApiV3)
export const encodeGetCurrentMode = () => block(StlinkCmd.GetCurrentMode)
export const encodeDfuExit = () => block(StlinkCmd.Dfu, DFU_EXIT)
export const encodeDebugExit = () => block(StlinkCmd.Debug, StlinkDebug.Exit)
export const encodeGetTargetVoltage = () => block(StlinkCmd.GetTargetVoltage)
export const encodeEnterSwd = () => block(StlinkCmd.Debug, StlinkDebug.ApiV2Enter, StlinkDebug.EnterSwd)
export const encodeReadDebugReg = (address: number) => block(StlinkCmd.Debug, StlinkDebug.ApiV2ReadDebugReg, ...le32(address))
export const encodeWriteDebugReg = (address: number, value: number) => block(StlinkCmd.Debug, StlinkDebug.ApiV2WriteDebugReg, ...le32(address), ...le32(value))
export const encodeReadReg = (index: number) => block(StlinkCmd.Debug, StlinkDebug.ApiV2ReadReg, index)
export const encodeWriteReg = (index: number, value: number) => block(StlinkCmd.Debug, StlinkDebug.ApiV2WriteReg, index, ...le32(value))
export const encodeReadMem32 = (address: number, length: number) => block(StlinkCmd.Debug, StlinkDebug.ReadMem32, ...le32(address), ...le16(length))
export const encodeWriteMem32 = (address: number, length: number) => block(StlinkCmd.Debug, StlinkDebug.WriteMem32, ...le32(address), ...le16(length))
export const encodeReadMem8 = (address: number, length: number) => block(StlinkCmd.Debug, StlinkDebug.ReadMem8, ...le32(address), ...le16(length))
export const encodeWriteMem8 = (address: number, length: number) => block(StlinkCmd.Debug, StlinkDebug.WriteMem8, ...le32(address), ...le16(length))
export const encodeLastRwStatus = () => block(StlinkCmd.Debug, StlinkDebug.ApiV2GetLastRwStatus2)
/** 0 drives NRST low, 1 releases it, 2 pulses it. */
export const encodeDriveNrst = (state: 0 | 1 | 2) => block(StlinkCmd.Debug, StlinkDebug.ApiV2DriveNrst, state)
export const encodeSwdSetFreqV2 = (divisor: number) => block(StlinkCmd.Debug, StlinkDebug.ApiV2SwdSetFreq, divisor & 0xff, (divisor >>> 8) & 0xff)
export const encodeSetComFreqV3 = (khz: number) => block(StlinkCmd.Debug, StlinkDebug.ApiV3SetComFreq, 0x00, 0x00, ...le32(khz))

/** V2 SWD clock divisors by frequency in kHz (stlink-org usb.c). */
export const V2_SWD_DIVISORS: Array<[khz: number, divisor: number]> = [
  [4000, 0],
  [1800, 1],
  [1200, 2],
  [950, 3],
  [480, 7],
  [240, 15],
  [125, 31],
  [100, 40],
  [50, 79],
  [25, 158],
  [15, 265],
  [5, 798]
]

export interface StlinkVersion {
  stlink: number
  jtag: number
  swim: number
  vendorId: number
  productId: number
}

function need(command: string, reply: Uint8Array, n: number): DataView {
  if (reply.length < n) throw new StlinkError(command, undefined, `reply of ${reply.length} bytes, expected ${n}`)
  return new DataView(reply.buffer, reply.byteOffset, reply.byteLength)
}

/** GET_VERSION: a big-endian word (stlink[15:12], jtag[11:6], swim[5:0]), then VID and PID little-endian. */
export function decodeVersion(reply: Uint8Array): StlinkVersion {
  const v = need('GET_VERSION', reply, 6)
  const word = v.getUint16(0, false)
  return { stlink: word >>> 12, jtag: (word >>> 6) & 0x3f, swim: word & 0x3f, vendorId: v.getUint16(2, true), productId: v.getUint16(4, true) }
}

/** GET_VERSION_APIV3: one byte each for stlink, swim, jtag, msd, bridge; VID/PID at 8 and 10. */
export function decodeVersionV3(reply: Uint8Array): StlinkVersion {
  const v = need('GET_VERSION_APIV3', reply, 12)
  return { stlink: reply[0], swim: reply[1], jtag: reply[2], vendorId: v.getUint16(8, true), productId: v.getUint16(10, true) }
}

export function decodeCurrentMode(reply: Uint8Array): number {
  need('GET_CURRENT_MODE', reply, 2)
  return reply[0]
}

/** Target voltage: 2 × a1 × 1.2 V / a0 from the two ADC words. */
export function decodeTargetVoltage(reply: Uint8Array): number {
  const v = need('GET_TARGET_VOLTAGE', reply, 8)
  const a0 = v.getUint32(0, true)
  const a1 = v.getUint32(4, true)
  return a0 === 0 ? 0 : (2 * a1 * 1.2) / a0
}

export function checkStatus(command: string, reply: Uint8Array): void {
  need(command, reply, 2)
  if (reply[0] !== STLINK_OK) throw new StlinkError(command, reply[0], statusText(reply[0]))
}

/** READDEBUGREG / READREG: status, 3 padding bytes, then the value. */
export function decodeStatusWord(command: string, reply: Uint8Array): number {
  const v = need(command, reply, 8)
  if (reply[0] !== STLINK_OK) throw new StlinkError(command, reply[0], statusText(reply[0]))
  return v.getUint32(4, true)
}

/** GETLASTRWSTATUS2: status, then (on error) the faulting address at offset 4. */
export function decodeLastRwStatus(reply: Uint8Array): { ok: boolean; status: number; faultAddress: number } {
  const v = need('GETLASTRWSTATUS2', reply, 12)
  return { ok: reply[0] === STLINK_OK, status: reply[0], faultAddress: v.getUint32(4, true) }
}
