/**
 * ST-LINK command blocks against byte layouts from the public stlink-org sources, and the driver against
 * the emulated ST-LINK with a simulated core behind it.
 */
import { describe, expect, it } from 'vitest'
import {
  decodeLastRwStatus,
  decodeStatusWord,
  decodeTargetVoltage,
  decodeVersion,
  decodeVersionV3,
  encodeEnterSwd,
  encodeReadDebugReg,
  encodeReadMem32,
  encodeSetComFreqV3,
  encodeSwdSetFreqV2,
  encodeWriteDebugReg,
  encodeWriteMem8,
  StlinkError
} from '../../src-main/probes/stlink/commands'
import { StlinkTarget } from '../../src-main/probes/stlink/stlink-target'
import { EmulatedStlink, type EmulatedStlinkOptions } from '../../src-main/probes/emulator/emulated-stlink'
import { SimulatedCore } from '../../src-main/probes/emulator/simulated-core'
import { classifyProbe } from '../../src-main/probes/discovery'
import { CoreRegister } from '../../src-main/probes/debug-target'
import { prng, randomBytes } from '../helpers/prng'

const block = (...b: number[]) => {
  const out = new Uint8Array(16)
  out.set(b)
  return out
}

describe('ST-LINK command blocks', () => {
  it('lays out commands as 16-byte blocks with little-endian fields', () => {
    expect(encodeEnterSwd()).toEqual(block(0xf2, 0x30, 0xa3))
    expect(encodeReadDebugReg(0xe000edf0)).toEqual(block(0xf2, 0x36, 0xf0, 0xed, 0x00, 0xe0))
    expect(encodeWriteDebugReg(0xe000edf0, 0xa05f0003)).toEqual(block(0xf2, 0x35, 0xf0, 0xed, 0x00, 0xe0, 0x03, 0x00, 0x5f, 0xa0))
    expect(encodeReadMem32(0x20000400, 0x1800)).toEqual(block(0xf2, 0x07, 0x00, 0x04, 0x00, 0x20, 0x00, 0x18))
    expect(encodeWriteMem8(0x20000001, 3)).toEqual(block(0xf2, 0x0d, 0x01, 0x00, 0x00, 0x20, 0x03, 0x00))
    expect(encodeSwdSetFreqV2(1)).toEqual(block(0xf2, 0x43, 0x01, 0x00))
    expect(encodeSetComFreqV3(24000)).toEqual(block(0xf2, 0x61, 0x00, 0x00, 0xc0, 0x5d, 0x00, 0x00))
  })

  it('decodes versions, voltage, status words and read/write status', () => {
    // 0x26C0: stlink 2, jtag 27, swim 0; VID 0x0483, PID 0x374B.
    expect(decodeVersion(Uint8Array.of(0x26, 0xc0, 0x83, 0x04, 0x4b, 0x37))).toEqual({ stlink: 2, jtag: 27, swim: 0, vendorId: 0x0483, productId: 0x374b })
    expect(decodeVersionV3(Uint8Array.of(3, 0, 7, 0, 2, 0, 0, 0, 0x83, 0x04, 0x4f, 0x37))).toEqual({ stlink: 3, swim: 0, jtag: 7, vendorId: 0x0483, productId: 0x374f })
    expect(decodeTargetVoltage(Uint8Array.of(0x00, 0x10, 0, 0, 0xc0, 0x15, 0, 0))).toBeCloseTo((2 * 0x15c0 * 1.2) / 0x1000, 9)
    expect(decodeStatusWord('x', Uint8Array.of(0x80, 0, 0, 0, 0x41, 0xc2, 0x0f, 0x41))).toBe(0x410fc241)
    expect(() => decodeStatusWord('reading 0x30000000', Uint8Array.of(0x11, 0, 0, 0, 0, 0, 0, 0))).toThrow(/AP FAULT/)
    expect(decodeLastRwStatus(Uint8Array.of(0x11, 0, 0, 0, 0x00, 0x00, 0x00, 0x30, 0, 0, 0, 0))).toEqual({ ok: false, status: 0x11, faultAddress: 0x30000000 })
    expect(() => decodeVersion(Uint8Array.of(1, 2))).toThrow(StlinkError)
  })
})

function bench(options: EmulatedStlinkOptions = {}) {
  const core = new SimulatedCore()
  const probe = new EmulatedStlink(core, options)
  return { core, probe }
}

describe('ST-LINK driver against the emulated probe', () => {
  it('is recognised as an ST-LINK/V2-1 and connects over SWD', async () => {
    const { probe } = bench()
    expect(classifyProbe(probe.device)).toMatchObject({ family: 'stlink', id: 'stlink:JB-EMU-STLINK', detail: 'v2-1' })
    const t = await StlinkTarget.connect(probe.device)
    expect(t.cpu.name).toBe('Cortex-M4')
    expect(t.probe.version.jtag).toBe(37)
    expect(t.probe.targetVoltageV).toBeCloseTo(3.3, 2)
    await t.close()
  })

  it('reads and writes memory at any alignment, across 1 KiB blocks and the 6 KiB read limit', async () => {
    const { probe, core } = bench()
    const t = await StlinkTarget.connect(probe.device)
    const rand = prng(71)
    for (const [address, length] of [
      [0x20000001, 1],
      [0x20000003, 6],
      [0x200003fd, 9],
      [0x20001000, 7000],
      [0x20004002, 200]
    ]) {
      const data = randomBytes(rand, length)
      await t.writeMemory(address, data)
      expect(await core.readMemory(address, length)).toEqual(data)
      expect(await t.readMemory(address, length)).toEqual(data)
    }
    await expect(t.readMemory(0x30000000, 8)).rejects.toThrow(/AP FAULT .* at 0x30000000/)
    await t.close()
  })

  it('runs the Cortex-M layer over ST-LINK memory commands: halt, registers, step, reset', async () => {
    const { probe, core } = bench()
    await core.writeMemory(0, Uint8Array.of(0x00, 0x00, 0x02, 0x20, 0x01, 0x02, 0x00, 0x00))
    const t = await StlinkTarget.connect(probe.device)
    await t.resume()
    expect(await t.isHalted()).toBe(false)
    await t.halt()
    await t.writeRegister(CoreRegister.r1, 0x12345678)
    expect(await core.readRegister(1)).toBe(0x12345678)
    await t.writeRegister(CoreRegister.pc, 0x400)
    expect(await t.step()).toBe(0x402)
    await t.resetAndHalt()
    expect(await t.readRegister(CoreRegister.pc)).toBe(0x200)
    await t.close()
  })

  it('names the probe and the fix when there is no target, no permission, or another program holds it', async () => {
    const absent = bench({ absent: true, targetVoltageV: 0 })
    await expect(StlinkTarget.connect(absent.probe.device)).rejects.toThrow(/ST-LINK\/V2-1 STM32 STLink \(serial JB-EMU-STLINK\) found no target on SWD.*sees no target supply/)
    const busy = bench({ faults: { busy: true } })
    await expect(StlinkTarget.connect(busy.probe.device)).rejects.toThrow(/JB-EMU-STLINK.*in use by another program/)
    const denied = bench({ faults: { permissionDenied: true } })
    await expect(StlinkTarget.connect(denied.probe.device)).rejects.toThrow(/JB-EMU-STLINK.*permission denied.*udev/)
    const old = bench({ jtagVersion: 20 })
    await expect(StlinkTarget.connect(old.probe.device)).rejects.toThrow(/firmware J20.*J26 or newer/)
  })
})

describe('ST-LINK decoders under random replies', () => {
  it('throw only StlinkError', async () => {
    const { prng: seeded, randomBytes: bytesOf } = await import('../helpers/prng')
    const rand = seeded(73)
    const decoders = [decodeVersion, decodeVersionV3, decodeTargetVoltage, decodeLastRwStatus, (b: Uint8Array) => decodeStatusWord('x', b)]
    for (let i = 0; i < 3000; i++) {
      const input = bytesOf(rand, Math.floor(rand() * 16))
      for (const d of decoders) {
        try {
          d(input)
        } catch (e) {
          expect(e).toBeInstanceOf(StlinkError)
        }
      }
    }
  })
})
