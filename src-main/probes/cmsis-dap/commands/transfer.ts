/**
 * Register transfers: DAP_TransferConfigure, DAP_Transfer, DAP_TransferBlock, DAP_WriteABORT.
 * A transfer request byte is APnDP (bit 0), RnW (bit 1), A[3:2] (bits 2–3), value match (bit 4),
 * match mask (bit 5), timestamp (bit 7). The reply carries the count executed, the last ACK (OK 1,
 * WAIT 2, FAULT 4, NO_ACK 7) with protocol-error (bit 3) and value-mismatch (bit 4) flags, then read data.
 */
import { DapCommand, DapProtocolError, decodeStatus, expectReply, u16, u32 } from './command'

export const TransferAck = { Ok: 1, Wait: 2, Fault: 4, NoAck: 7 } as const

export interface RegisterTransfer {
  ap: boolean
  read: boolean
  /** Register address: 0x0, 0x4, 0x8 or 0xC (A[3:2]). */
  register: number
  /** Value to write; for reads with matchValue, the value to wait for. */
  value?: number
  /** Read: retry until (value & mask) equals `value` (the mask is set by a separate match-mask write). */
  matchValue?: boolean
}

export function transferRequestByte(t: RegisterTransfer): number {
  return (t.ap ? 1 : 0) | (t.read ? 2 : 0) | ((t.register >> 2) & 3) << 2 | (t.matchValue ? 0x10 : 0)
}

/** Bytes a transfer takes in a DAP_Transfer request and its reply. */
export function transferSizes(t: RegisterTransfer): { request: number; reply: number } {
  const carriesValue = !t.read || t.matchValue === true
  return { request: 1 + (carriesValue ? 4 : 0), reply: t.read && !t.matchValue ? 4 : 0 }
}

export const TRANSFER_REQUEST_HEADER = 3
export const TRANSFER_REPLY_HEADER = 3

export function encodeTransferConfigure(idleCycles: number, waitRetry: number, matchRetry: number): Uint8Array {
  return Uint8Array.of(DapCommand.TransferConfigure, idleCycles & 0xff, ...u16(waitRetry), ...u16(matchRetry))
}

export function decodeTransferConfigure(reply: Uint8Array): void {
  decodeStatus('DAP_TransferConfigure', DapCommand.TransferConfigure, reply)
}

export function encodeTransfer(transfers: RegisterTransfer[], dapIndex = 0): Uint8Array {
  if (transfers.length === 0 || transfers.length > 255) throw new DapProtocolError('DAP_Transfer', `${transfers.length} transfers (1–255 allowed)`)
  const out: number[] = [DapCommand.Transfer, dapIndex, transfers.length]
  for (const t of transfers) {
    out.push(transferRequestByte(t))
    if (!t.read || t.matchValue) out.push(...u32(t.value ?? 0))
  }
  return Uint8Array.from(out)
}

export interface TransferResult {
  /** Transfers the probe executed (all of them when ack is OK). */
  executed: number
  ack: number
  protocolError: boolean
  valueMismatch: boolean
  /** Values of the executed reads, in order. */
  reads: number[]
}

/** Decodes a DAP_Transfer reply for the given request; does not judge the ACK (see transferFailure). */
export function decodeTransfer(reply: Uint8Array, transfers: RegisterTransfer[]): TransferResult {
  const view = expectReply('DAP_Transfer', DapCommand.Transfer, reply, 3)
  const executed = reply[1]
  const response = reply[2]
  if (executed > transfers.length) throw new DapProtocolError('DAP_Transfer', `reports ${executed} transfers executed of ${transfers.length} requested`)
  const reads: number[] = []
  let offset = 3
  // The count covers the transfers that succeeded; a failing one (if any) is the next and carries no data.
  for (let i = 0; i < executed; i++) {
    const t = transfers[i]
    if (t.read && !t.matchValue) {
      if (offset + 4 > reply.length) throw new DapProtocolError('DAP_Transfer', `reply ends after ${reply.length} bytes, before the data of read ${i + 1}`)
      reads.push(view.getUint32(offset, true))
      offset += 4
    }
  }
  return { executed, ack: response & 7, protocolError: (response & 8) !== 0, valueMismatch: (response & 16) !== 0, reads }
}

/** A readable description of a failed transfer, or undefined when all went through. */
export function transferFailure(result: { executed: number; ack: number; protocolError: boolean; valueMismatch: boolean }, requested: number): string | undefined {
  if (result.ack === TransferAck.Ok && result.executed === requested && !result.protocolError && !result.valueMismatch) return undefined
  if (result.protocolError) return 'SWD protocol error (parity or framing): lower the SWD clock or shorten the wires'
  if (result.valueMismatch) return 'value mismatch: the polled register never reached the expected value'
  switch (result.ack) {
    case TransferAck.Wait:
      return 'the target kept answering WAIT (it is busy or in a low-power state)'
    case TransferAck.Fault:
      return 'the target answered FAULT (an access error is pending, e.g. an unmapped address)'
    case TransferAck.NoAck:
      return 'no target answered (NO ACK)'
    case TransferAck.Ok:
      return `only ${result.executed} of ${requested} transfers were executed`
    default:
      return `unexpected ACK value ${result.ack}`
  }
}

export function encodeTransferBlock(register: number, ap: boolean, read: boolean, countOrData: number | number[], dapIndex = 0): Uint8Array {
  const count = typeof countOrData === 'number' ? countOrData : countOrData.length
  if (count < 1 || count > 0xffff) throw new DapProtocolError('DAP_TransferBlock', `${count} words (1–65535 allowed)`)
  const head = [DapCommand.TransferBlock, dapIndex, ...u16(count), (ap ? 1 : 0) | (read ? 2 : 0) | (((register >> 2) & 3) << 2)]
  if (read) return Uint8Array.from(head)
  const data = countOrData as number[]
  const out = new Uint8Array(head.length + 4 * count)
  out.set(head)
  const view = new DataView(out.buffer)
  for (let i = 0; i < count; i++) view.setUint32(head.length + 4 * i, data[i] >>> 0, true)
  return out
}

export interface TransferBlockResult {
  executed: number
  ack: number
  protocolError: boolean
  words: Uint32Array
}

export function decodeTransferBlock(reply: Uint8Array, read: boolean): TransferBlockResult {
  const view = expectReply('DAP_TransferBlock', DapCommand.TransferBlock, reply, 4)
  const executed = view.getUint16(1, true)
  const response = reply[3]
  let words = new Uint32Array(0)
  if (read) {
    const available = Math.floor((reply.length - 4) / 4)
    if ((response & 7) === TransferAck.Ok && available < executed) {
      throw new DapProtocolError('DAP_TransferBlock', `reports ${executed} words read but the reply holds ${available}`)
    }
    const n = Math.min(executed, available)
    words = new Uint32Array(n)
    for (let i = 0; i < n; i++) words[i] = view.getUint32(4 + 4 * i, true)
  }
  return { executed, ack: response & 7, protocolError: (response & 8) !== 0, words }
}

export function encodeWriteAbort(value: number, dapIndex = 0): Uint8Array {
  return Uint8Array.of(DapCommand.WriteAbort, dapIndex, ...u32(value))
}

export function decodeWriteAbort(reply: Uint8Array): void {
  decodeStatus('DAP_WriteABORT', DapCommand.WriteAbort, reply)
}
