/**
 * Shared pieces of the CMSIS-DAP command codec (ARM CMSIS-DAP reference, "Commands"): command IDs,
 * status bytes, and the typed error every decoder throws on a reply it cannot accept.
 */

export const DapCommand = {
  Info: 0x00,
  HostStatus: 0x01,
  Connect: 0x02,
  Disconnect: 0x03,
  TransferConfigure: 0x04,
  Transfer: 0x05,
  TransferBlock: 0x06,
  TransferAbort: 0x07,
  WriteAbort: 0x08,
  Delay: 0x09,
  ResetTarget: 0x0a,
  SwjPins: 0x10,
  SwjClock: 0x11,
  SwjSequence: 0x12,
  SwdConfigure: 0x13,
  SwdSequence: 0x1d,
  QueueCommands: 0x7e,
  ExecuteCommands: 0x7f
} as const

export const DAP_OK = 0x00
export const DAP_ERROR = 0xff
/** The single-byte reply to a command ID the probe does not implement. */
export const DAP_INVALID = 0xff

export class DapProtocolError extends Error {
  constructor(
    readonly command: string,
    detail: string
  ) {
    super(`CMSIS-DAP ${command}: ${detail}`)
    this.name = 'DapProtocolError'
  }
}

/** Checks the echoed command ID and the minimum length; returns a reader positioned after the ID. */
export function expectReply(command: string, id: number, reply: Uint8Array, minLength: number): DataView {
  if (reply.length === 0) throw new DapProtocolError(command, 'empty reply')
  if (reply[0] !== id) {
    if (reply[0] === DAP_INVALID && id !== DAP_INVALID) throw new DapProtocolError(command, 'the probe does not implement this command (reply 0xFF)')
    throw new DapProtocolError(command, `reply starts with 0x${reply[0].toString(16).padStart(2, '0')}, expected the command ID 0x${id.toString(16).padStart(2, '0')} (replies out of order?)`)
  }
  if (reply.length < minLength) throw new DapProtocolError(command, `reply of ${reply.length} bytes, expected at least ${minLength}`)
  return new DataView(reply.buffer, reply.byteOffset, reply.byteLength)
}

/** Commands that answer with one status byte: OK (0x00) or ERROR (0xFF). */
export function decodeStatus(command: string, id: number, reply: Uint8Array): void {
  expectReply(command, id, reply, 2)
  if (reply[1] !== DAP_OK) throw new DapProtocolError(command, `the probe answered DAP_ERROR (0x${reply[1].toString(16)})`)
}

export function u16(v: number): number[] {
  return [v & 0xff, (v >>> 8) & 0xff]
}

export function u32(v: number): number[] {
  return [v & 0xff, (v >>> 8) & 0xff, (v >>> 16) & 0xff, (v >>> 24) & 0xff]
}
