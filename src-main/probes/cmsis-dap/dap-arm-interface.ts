/**
 * ADIv5 register access through a CMSIS-DAP probe: a program of DP/AP operations becomes DAP_Transfer
 * and DAP_TransferBlock commands (SELECT written only when the AP or bank changes, commands packed to the
 * probe's packet size), sent as one pipelined burst. A failed transfer clears the sticky errors with
 * DAP_WriteABORT before the error is reported, so the next program starts clean.
 */
import { AdiAccessError, ABORT_CLEAR_ALL, DP_SELECT, type AdiOperation, type ArmDebugInterface } from '../adi/arm-debug-interface'
import {
  decodeTransfer,
  decodeTransferBlock,
  decodeWriteAbort,
  encodeTransfer,
  encodeTransferBlock,
  encodeWriteAbort,
  TransferAck,
  transferFailure,
  transferSizes,
  TRANSFER_REPLY_HEADER,
  TRANSFER_REQUEST_HEADER,
  type RegisterTransfer
} from './commands/transfer'
import type { CmsisDapProbe } from './dap-probe'

type Planned =
  | { kind: 'transfer'; transfers: RegisterTransfer[]; /** op index for each transfer, or -1 for inserted SELECT writes */ owners: number[] }
  | { kind: 'block'; read: boolean; register: number; words: number[] | number; owner: number; offset: number }

function reasonOf(ack: number, protocolError: boolean): AdiAccessError['reason'] {
  if (protocolError) return 'protocol'
  if (ack === TransferAck.Wait) return 'wait'
  if (ack === TransferAck.Fault) return 'fault'
  if (ack === TransferAck.NoAck) return 'no-ack'
  return 'other'
}

export class DapArmInterface implements ArmDebugInterface {
  readonly description: string
  private select: number | undefined

  constructor(readonly probe: CmsisDapProbe) {
    this.description = probe.label
  }

  /** Forget the cached SELECT (after a reset or line reset). */
  invalidate(): void {
    this.select = undefined
  }

  private plan(program: AdiOperation[]): Planned[] {
    const packet = this.probe.info.packetSize
    const planned: Planned[] = []
    let current: Extract<Planned, { kind: 'transfer' }> | undefined
    let requestBytes = 0
    let replyBytes = 0
    const push = (t: RegisterTransfer, owner: number) => {
      const size = transferSizes(t)
      if (!current || current.transfers.length >= 255 || requestBytes + size.request > packet || replyBytes + size.reply > packet) {
        current = { kind: 'transfer', transfers: [], owners: [] }
        planned.push(current)
        requestBytes = TRANSFER_REQUEST_HEADER
        replyBytes = TRANSFER_REPLY_HEADER
      }
      current.transfers.push(t)
      current.owners.push(owner)
      requestBytes += size.request
      replyBytes += size.reply
    }
    const selectFor = (apsel: number, address: number, owner: number) => {
      const wanted = (((apsel & 0xff) << 24) | (address & 0xf0)) >>> 0
      if (this.select !== wanted) {
        push({ ap: false, read: false, register: DP_SELECT, value: wanted }, -1 - owner)
        this.select = wanted
      }
    }
    program.forEach((op, index) => {
      if (op.kind === 'read' || op.kind === 'write') {
        if (op.port === 'ap') selectFor(op.apsel ?? 0, op.address, index)
        else if (op.address === DP_SELECT && op.kind === 'write') this.select = op.value >>> 0
        push({ ap: op.port === 'ap', read: op.kind === 'read', register: op.address & 0xc, value: op.kind === 'write' ? op.value >>> 0 : undefined }, index)
        return
      }
      selectFor(op.apsel, op.address, index)
      current = undefined
      const perCommand = op.kind === 'read-block' ? Math.floor((packet - 4) / 4) : Math.floor((packet - 5) / 4)
      const total = op.kind === 'read-block' ? op.count : op.words.length
      for (let offset = 0; offset < total; offset += perCommand) {
        const n = Math.min(perCommand, total - offset)
        planned.push(
          op.kind === 'read-block'
            ? { kind: 'block', read: true, register: op.address & 0xc, words: n, owner: index, offset }
            : { kind: 'block', read: false, register: op.address & 0xc, words: Array.from(op.words.subarray(offset, offset + n)), owner: index, offset }
        )
      }
    })
    return planned
  }

  async run(program: AdiOperation[]): Promise<Array<number | Uint32Array | undefined>> {
    const results: Array<number | Uint32Array | undefined> = program.map((op) => (op.kind === 'read-block' ? new Uint32Array(op.count) : undefined))
    if (program.length === 0) return results
    const planned = this.plan(program)
    const requests = planned.map((p) =>
      p.kind === 'transfer' ? encodeTransfer(p.transfers) : encodeTransferBlock(p.register, true, p.read, p.read ? (p.words as number) : (p.words as number[]))
    )
    let replies: Uint8Array[]
    try {
      replies = await this.probe.transact(requests)
    } catch (e) {
      this.select = undefined
      throw e
    }
    let failure: AdiAccessError | undefined
    for (let i = 0; i < planned.length && !failure; i++) {
      const p = planned[i]
      if (p.kind === 'transfer') {
        const r = decodeTransfer(replies[i], p.transfers)
        let readIndex = 0
        for (let t = 0; t < r.executed; t++) {
          const owner = p.owners[t]
          if (p.transfers[t].read && owner >= 0 && readIndex < r.reads.length) results[owner] = r.reads[readIndex]
          if (p.transfers[t].read) readIndex++
        }
        const problem = transferFailure(r, p.transfers.length)
        if (problem) {
          const owner = p.owners[Math.min(r.executed, p.owners.length - 1)]
          const op = program[owner < 0 ? -1 - owner : owner]
          failure = new AdiAccessError(`${this.description}: ${describeOp(op)} failed: ${problem}.`, reasonOf(r.ack, r.protocolError))
        }
      } else {
        const r = decodeTransferBlock(replies[i], p.read)
        const expected = p.read ? (p.words as number) : (p.words as number[]).length
        if (p.read) (results[p.owner] as Uint32Array).set(r.words.subarray(0, expected), p.offset)
        const problem = transferFailure({ executed: r.executed, ack: r.ack, protocolError: r.protocolError, valueMismatch: false }, expected)
        if (problem) failure = new AdiAccessError(`${this.description}: ${describeOp(program[p.owner])} failed after ${p.offset + r.executed} words: ${problem}.`, reasonOf(r.ack, r.protocolError))
      }
    }
    if (failure) {
      this.select = undefined
      if (failure.reason !== 'no-ack') {
        try {
          decodeWriteAbort(await this.probe.command(encodeWriteAbort(ABORT_CLEAR_ALL)))
        } catch {
          // The original error is the one to report.
        }
      }
      throw failure
    }
    return results
  }
}

function describeOp(op: AdiOperation): string {
  const where = (port: 'dp' | 'ap', apsel: number | undefined, address: number) => (port === 'dp' ? `DP register 0x${address.toString(16)}` : `AP${apsel ?? 0} register 0x${address.toString(16).padStart(2, '0')}`)
  switch (op.kind) {
    case 'read':
      return `reading ${where(op.port, op.apsel, op.address)}`
    case 'write':
      return `writing ${where(op.port, op.apsel, op.address)}`
    case 'read-block':
      return `reading ${op.count} words from AP${op.apsel} register 0x${op.address.toString(16)}`
    case 'write-block':
      return `writing ${op.words.length} words to AP${op.apsel} register 0x${op.address.toString(16)}`
  }
}
