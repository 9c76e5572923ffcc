/** General commands: DAP_Info, DAP_HostStatus, DAP_Connect, DAP_Disconnect, DAP_Delay, DAP_ResetTarget. */
import { DapCommand, DapProtocolError, decodeStatus, expectReply, u16 } from './command'

export const DapInfoId = {
  Vendor: 0x01,
  Product: 0x02,
  SerialNumber: 0x03,
  ProtocolVersion: 0x04,
  TargetVendor: 0x05,
  TargetName: 0x06,
  BoardVendor: 0x07,
  BoardName: 0x08,
  FirmwareVersion: 0x09,
  Capabilities: 0xf0,
  TestDomainTimer: 0xf1,
  SwoBufferSize: 0xfd,
  PacketCount: 0xfe,
  PacketSize: 0xff
} as const

export function encodeInfo(id: number): Uint8Array {
  return Uint8Array.of(DapCommand.Info, id)
}

/** The raw info bytes (length-prefixed in the reply); empty when the probe has no such information. */
export function decodeInfo(reply: Uint8Array): Uint8Array {
  expectReply('DAP_Info', DapCommand.Info, reply, 2)
  const length = reply[1]
  if (reply.length < 2 + length) throw new DapProtocolError('DAP_Info', `announces ${length} bytes but the reply holds ${reply.length - 2}`)
  return reply.subarray(2, 2 + length)
}

export function decodeInfoString(reply: Uint8Array): string | null {
  const bytes = decodeInfo(reply)
  if (bytes.length === 0) return null
  const end = bytes.indexOf(0)
  return new TextDecoder().decode(end >= 0 ? bytes.subarray(0, end) : bytes)
}

export function decodeInfoU8(reply: Uint8Array, what: string): number {
  const b = decodeInfo(reply)
  if (b.length < 1) throw new DapProtocolError('DAP_Info', `${what} missing`)
  return b[0]
}

export function decodeInfoU16(reply: Uint8Array, what: string): number {
  const b = decodeInfo(reply)
  if (b.length < 2) throw new DapProtocolError('DAP_Info', `${what} needs 2 bytes, got ${b.length}`)
  return b[0] | (b[1] << 8)
}

export interface DapCapabilities {
  swd: boolean
  jtag: boolean
  swoUart: boolean
  swoManchester: boolean
  atomicCommands: boolean
  testDomainTimer: boolean
  swoStreaming: boolean
  uart: boolean
}

export function decodeCapabilities(reply: Uint8Array): DapCapabilities {
  const b = decodeInfo(reply)
  const c = b[0] ?? 0
  return {
    swd: (c & 0x01) !== 0,
    jtag: (c & 0x02) !== 0,
    swoUart: (c & 0x04) !== 0,
    swoManchester: (c & 0x08) !== 0,
    atomicCommands: (c & 0x10) !== 0,
    testDomainTimer: (c & 0x20) !== 0,
    swoStreaming: (c & 0x40) !== 0,
    uart: (c & 0x80) !== 0
  }
}

export const DapPort = { Default: 0, Swd: 1, Jtag: 2 } as const

export function encodeConnect(port: number): Uint8Array {
  return Uint8Array.of(DapCommand.Connect, port)
}

/** The port the probe connected with; throws when it answers 0 (connect failed). */
export function decodeConnect(reply: Uint8Array): number {
  expectReply('DAP_Connect', DapCommand.Connect, reply, 2)
  if (reply[1] === 0) throw new DapProtocolError('DAP_Connect', 'the probe could not initialise the requested port (reply 0)')
  return reply[1]
}

export function encodeDisconnect(): Uint8Array {
  return Uint8Array.of(DapCommand.Disconnect)
}

export function decodeDisconnect(reply: Uint8Array): void {
  decodeStatus('DAP_Disconnect', DapCommand.Disconnect, reply)
}

export function encodeHostStatus(type: 0 | 1, on: boolean): Uint8Array {
  return Uint8Array.of(DapCommand.HostStatus, type, on ? 1 : 0)
}

export function decodeHostStatus(reply: Uint8Array): void {
  decodeStatus('DAP_HostStatus', DapCommand.HostStatus, reply)
}

export function encodeDelay(microseconds: number): Uint8Array {
  return Uint8Array.of(DapCommand.Delay, ...u16(Math.min(0xffff, Math.max(0, Math.round(microseconds)))))
}

export function decodeDelay(reply: Uint8Array): void {
  decodeStatus('DAP_Delay', DapCommand.Delay, reply)
}

export function encodeResetTarget(): Uint8Array {
  return Uint8Array.of(DapCommand.ResetTarget)
}

/** Whether the probe has a device-specific reset sequence (it executed one). */
export function decodeResetTarget(reply: Uint8Array): { executed: boolean } {
  expectReply('DAP_ResetTarget', DapCommand.ResetTarget, reply, 3)
  if (reply[1] !== 0) throw new DapProtocolError('DAP_ResetTarget', `the probe answered DAP_ERROR (0x${reply[1].toString(16)})`)
  return { executed: reply[2] === 1 }
}
