/**
 * The CMSIS-DAP command codec against byte vectors written from the CMSIS-DAP command reference
 * (request: command ID then parameters, little-endian; reply: command ID echoed first).
 */
import { describe, expect, it } from 'vitest'
import { DapProtocolError } from '../../src-main/probes/cmsis-dap/commands/command'
import {
  decodeCapabilities,
  decodeConnect,
  decodeInfoString,
  decodeInfoU16,
  decodeInfoU8,
  decodeResetTarget,
  encodeConnect,
  encodeDelay,
  encodeInfo
} from '../../src-main/probes/cmsis-dap/commands/general'
import { decodeSwjPins, encodeSwdConfigure, encodeSwjClock, encodeSwjPins, encodeSwjSequence, JTAG_TO_SWD } from '../../src-main/probes/cmsis-dap/commands/swj'
import {
  decodeTransfer,
  decodeTransferBlock,
  encodeTransfer,
  encodeTransferBlock,
  encodeTransferConfigure,
  encodeWriteAbort,
  transferFailure,
  type RegisterTransfer
} from '../../src-main/probes/cmsis-dap/commands/transfer'
import { mutate, prng, randomBytes } from '../helpers/prng'

const bytes = (...b: number[]) => Uint8Array.from(b)

describe('general commands', () => {
  it('encodes DAP_Info and decodes strings, packet size and count', () => {
    expect(encodeInfo(0xff)).toEqual(bytes(0x00, 0xff))
    expect(decodeInfoString(bytes(0x00, 6, 0x41, 0x42, 0x43, 0x31, 0x32, 0x00))).toBe('ABC12')
    expect(decodeInfoString(bytes(0x00, 0))).toBeNull()
    expect(decodeInfoU16(bytes(0x00, 2, 0x00, 0x02), 'packet size')).toBe(512)
    expect(decodeInfoU8(bytes(0x00, 1, 4), 'packet count')).toBe(4)
    expect(decodeCapabilities(bytes(0x00, 1, 0x13))).toMatchObject({ swd: true, jtag: true, swoUart: false, atomicCommands: true })
  })

  it('encodes DAP_Connect and rejects a failed connect (port 0)', () => {
    expect(encodeConnect(1)).toEqual(bytes(0x02, 0x01))
    expect(decodeConnect(bytes(0x02, 0x01))).toBe(1)
    expect(() => decodeConnect(bytes(0x02, 0x00))).toThrow(/could not initialise/)
  })

  it('encodes DAP_Delay with a u16 and decodes DAP_ResetTarget', () => {
    expect(encodeDelay(0x1234)).toEqual(bytes(0x09, 0x34, 0x12))
    expect(decodeResetTarget(bytes(0x0a, 0x00, 0x01))).toEqual({ executed: true })
  })

  it('names replies that are short, out of order, or "not implemented"', () => {
    expect(() => decodeInfoU16(bytes(0x00, 1, 0x40), 'packet size')).toThrow(/needs 2 bytes/)
    expect(() => decodeConnect(bytes(0x05, 0x01))).toThrow(/expected the command ID 0x02/)
    expect(() => decodeConnect(bytes(0xff))).toThrow(/does not implement/)
    expect(() => decodeInfoString(bytes(0x00, 9, 0x41))).toThrow(/announces 9 bytes/)
  })
})

describe('SWJ commands', () => {
  it('encodes clock, pins, sequences and SWD configuration', () => {
    expect(encodeSwjClock(1_000_000)).toEqual(bytes(0x11, 0x40, 0x42, 0x0f, 0x00))
    expect(encodeSwjPins(0x80, 0x80, 1000)).toEqual(bytes(0x10, 0x80, 0x80, 0xe8, 0x03, 0x00, 0x00))
    expect(decodeSwjPins(bytes(0x10, 0x82))).toBe(0x82)
    // 0xE79E sent LSB first is the bytes 9E E7.
    expect(encodeSwjSequence(JTAG_TO_SWD.bits, JTAG_TO_SWD.data)).toEqual(bytes(0x12, 16, 0x9e, 0xe7))
    expect(encodeSwjSequence(256, new Uint8Array(32).fill(0xff))[1]).toBe(0)
    expect(() => encodeSwjSequence(257, new Uint8Array(40))).toThrow(DapProtocolError)
    expect(encodeSwdConfigure(2, true)).toEqual(bytes(0x13, 0x05))
  })
})

describe('transfers', () => {
  it('encodes DAP_Transfer request bytes from APnDP, RnW and A[3:2]', () => {
    const transfers: RegisterTransfer[] = [
      { ap: false, read: true, register: 0x0 }, // DPIDR read: 0b0010
      { ap: false, read: false, register: 0x8, value: 0x01000000 }, // SELECT write: 0b1000
      { ap: true, read: false, register: 0x4, value: 0x20000000 }, // TAR write: 0b0101
      { ap: true, read: true, register: 0xc } // DRW read: 0b1111
    ]
    expect(encodeTransfer(transfers)).toEqual(bytes(0x05, 0x00, 4, 0x02, 0x08, 0x00, 0x00, 0x00, 0x01, 0x05, 0x00, 0x00, 0x00, 0x20, 0x0f))
  })

  it('decodes read data and the ACK, and explains failures', () => {
    const transfers: RegisterTransfer[] = [
      { ap: false, read: true, register: 0x0 },
      { ap: true, read: true, register: 0xc }
    ]
    const ok = decodeTransfer(bytes(0x05, 2, 0x01, 0x77, 0x14, 0xa0, 0x2b, 0x78, 0x56, 0x34, 0x12), transfers)
    expect(ok).toEqual({ executed: 2, ack: 1, protocolError: false, valueMismatch: false, reads: [0x2ba01477, 0x12345678] })
    expect(transferFailure(ok, 2)).toBeUndefined()
    // One transfer succeeded, the second got FAULT and carries no data.
    const fault = decodeTransfer(bytes(0x05, 1, 0x04, 0x77, 0x14, 0xa0, 0x2b), transfers)
    expect(fault.reads).toEqual([0x2ba01477])
    expect(transferFailure(fault, 2)).toMatch(/FAULT/)
    expect(transferFailure(decodeTransfer(bytes(0x05, 0, 0x07), transfers), 2)).toMatch(/no target answered/)
    expect(transferFailure(decodeTransfer(bytes(0x05, 0, 0x09), transfers), 2)).toMatch(/protocol error/)
    expect(() => decodeTransfer(bytes(0x05, 2, 0x01, 0x77), transfers)).toThrow(/before the data of read 1/)
    expect(() => decodeTransfer(bytes(0x05, 3, 0x01), transfers)).toThrow(/3 transfers executed of 2/)
  })

  it('encodes and decodes DAP_TransferBlock', () => {
    expect(encodeTransferBlock(0xc, true, true, 3)).toEqual(bytes(0x06, 0x00, 0x03, 0x00, 0x0f))
    expect(encodeTransferBlock(0xc, true, false, [0x11223344])).toEqual(bytes(0x06, 0x00, 0x01, 0x00, 0x0d, 0x44, 0x33, 0x22, 0x11))
    const r = decodeTransferBlock(bytes(0x06, 0x02, 0x00, 0x01, 1, 0, 0, 0, 2, 0, 0, 0), true)
    expect(Array.from(r.words)).toEqual([1, 2])
    expect(() => decodeTransferBlock(bytes(0x06, 0x02, 0x00, 0x01, 1, 0, 0, 0), true)).toThrow(/holds 1/)
  })

  it('encodes TransferConfigure and WriteABORT', () => {
    expect(encodeTransferConfigure(0, 80, 0)).toEqual(bytes(0x04, 0x00, 0x50, 0x00, 0x00, 0x00))
    expect(encodeWriteAbort(0x1e)).toEqual(bytes(0x08, 0x00, 0x1e, 0x00, 0x00, 0x00))
  })
})

describe('decoders under random and mutated replies', () => {
  it('throw only DapProtocolError', () => {
    const rand = prng(31)
    const transfers: RegisterTransfer[] = [
      { ap: true, read: true, register: 0xc },
      { ap: false, read: false, register: 0x8, value: 0 },
      { ap: true, read: true, register: 0x4 }
    ]
    const seeds = [bytes(0x05, 3, 1, 1, 2, 3, 4, 5, 6, 7, 8), bytes(0x06, 2, 0, 1, 1, 2, 3, 4, 5, 6, 7, 8), bytes(0x00, 2, 0x00, 0x02), bytes(0x02, 1)]
    const decoders = [
      (b: Uint8Array) => decodeTransfer(b, transfers),
      (b: Uint8Array) => decodeTransferBlock(b, true),
      (b: Uint8Array) => decodeInfoU16(b, 'packet size'),
      (b: Uint8Array) => decodeInfoString(b),
      (b: Uint8Array) => decodeConnect(b)
    ]
    for (let i = 0; i < 5000; i++) {
      const input = i % 2 ? randomBytes(rand, Math.floor(rand() * 24)) : mutate(rand, seeds[i % seeds.length], 1 + Math.floor(rand() * 3))
      for (const decode of decoders) {
        try {
          decode(input)
        } catch (e) {
          expect(e).toBeInstanceOf(DapProtocolError)
        }
      }
    }
  })
})
