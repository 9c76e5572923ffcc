/** SWJ and SWD configuration: DAP_SWJ_Pins, DAP_SWJ_Clock, DAP_SWJ_Sequence, DAP_SWD_Configure. */
import { DapCommand, DapProtocolError, decodeStatus, expectReply, u32 } from './command'

export const SwjPin = { SWCLK_TCK: 1 << 0, SWDIO_TMS: 1 << 1, TDI: 1 << 2, TDO: 1 << 3, nTRST: 1 << 5, nRESET: 1 << 7 } as const

export function encodeSwjPins(output: number, select: number, waitMicroseconds: number): Uint8Array {
  return Uint8Array.of(DapCommand.SwjPins, output & 0xff, select & 0xff, ...u32(waitMicroseconds))
}

export function decodeSwjPins(reply: Uint8Array): number {
  expectReply('DAP_SWJ_Pins', DapCommand.SwjPins, reply, 2)
  return reply[1]
}

export function encodeSwjClock(hz: number): Uint8Array {
  return Uint8Array.of(DapCommand.SwjClock, ...u32(Math.round(hz)))
}

export function decodeSwjClock(reply: Uint8Array): void {
  decodeStatus('DAP_SWJ_Clock', DapCommand.SwjClock, reply)
}

/** Sends `bitCount` (1–256) bits from `bits`, least significant bit of the first byte first. */
export function encodeSwjSequence(bitCount: number, bits: Uint8Array): Uint8Array {
  if (bitCount < 1 || bitCount > 256) throw new DapProtocolError('DAP_SWJ_Sequence', `bit count ${bitCount} outside 1–256`)
  const bytes = Math.ceil(bitCount / 8)
  if (bits.length < bytes) throw new DapProtocolError('DAP_SWJ_Sequence', `${bitCount} bits need ${bytes} bytes, got ${bits.length}`)
  return Uint8Array.of(DapCommand.SwjSequence, bitCount === 256 ? 0 : bitCount, ...bits.subarray(0, bytes))
}

export function decodeSwjSequence(reply: Uint8Array): void {
  decodeStatus('DAP_SWJ_Sequence', DapCommand.SwjSequence, reply)
}

/** The standard sequences (ADIv5.2 B5.2): line reset (>= 50 ones) and the JTAG-to-SWD switch 0xE79E. */
export const LINE_RESET = { bits: 56, data: Uint8Array.of(0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff) }
export const JTAG_TO_SWD = { bits: 16, data: Uint8Array.of(0x9e, 0xe7) }
export const IDLE_CYCLES = { bits: 8, data: Uint8Array.of(0x00) }

/** turnaround: 1–4 clock cycles; dataPhase: always generate a data phase on WAIT/FAULT. */
export function encodeSwdConfigure(turnaround = 1, dataPhase = false): Uint8Array {
  return Uint8Array.of(DapCommand.SwdConfigure, ((turnaround - 1) & 3) | (dataPhase ? 4 : 0))
}

export function decodeSwdConfigure(reply: Uint8Array): void {
  decodeStatus('DAP_SWD_Configure', DapCommand.SwdConfigure, reply)
}
