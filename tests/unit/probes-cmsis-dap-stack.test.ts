/**
 * The whole CMSIS-DAP host stack (transport, pipelining, ADIv5, MEM-AP, Cortex-M) against the emulated
 * probe, with a simulated core behind it (no code runs; memory and registers are plain state).
 */
import { describe, expect, it } from 'vitest'
import { CmsisDapTarget, NoTargetError } from '../../src-main/probes/cmsis-dap/cmsis-dap-target'
import { EmulatedCmsisDap, type EmulatedDapOptions } from '../../src-main/probes/emulator/emulated-cmsis-dap'
import { SimulatedCore } from '../../src-main/probes/emulator/simulated-core'
import { SwdTarget, type SwdTargetOptions } from '../../src-main/probes/emulator/swd-target'
import { AdiAccessError } from '../../src-main/probes/adi/arm-debug-interface'
import { ProbeAccessError } from '../../src-main/probes/usb-errors'
import { CoreRegister } from '../../src-main/probes/debug-target'
import { prng, randomBytes } from '../helpers/prng'

function bench(dap: EmulatedDapOptions = {}, swd: SwdTargetOptions = {}) {
  const core = new SimulatedCore()
  const target = new SwdTarget(core, swd)
  const probe = new EmulatedCmsisDap(target, dap)
  return { core, target, probe }
}

describe('CMSIS-DAP stack against the emulated probe', () => {
  it('connects over SWD: line reset, JTAG-to-SWD, DPIDR, power-up, AP scan, CPUID', async () => {
    const { probe } = bench()
    const t = await CmsisDapTarget.connect(probe.device)
    expect(t.dpidr.raw).toBe(0x2ba01477)
    expect(t.accessPorts).toEqual([{ apsel: 0, idr: 0x24770011, base: 0xe00ff003, memAp: true }])
    expect(t.cpu.name).toBe('Cortex-M4')
    expect(t.probe.info).toMatchObject({ packetSize: 512, packetCount: 4, transport: 'v2-bulk', serial: 'JB-EMU-0001', product: 'Joulebench emulated CMSIS-DAP v2' })
    expect(t.description).toMatch(/CMSIS-DAP probe .*JB-EMU-0001.* on a Cortex-M4/)
    await t.close()
  })

  it('moves memory at any alignment and across 1 KiB TAR boundaries, pipelining up to the packet count', async () => {
    const { probe, core } = bench({ packetCount: 3 })
    const t = await CmsisDapTarget.connect(probe.device)
    const rand = prng(41)
    for (const [address, length] of [
      [0x20000000, 4],
      [0x20000001, 3],
      [0x200003fe, 7], // straddles a 1 KiB boundary, unaligned both ends
      [0x20000100, 5000],
      [0x20001003, 9001]
    ]) {
      const data = randomBytes(rand, length)
      await t.writeMemory(address, data)
      expect(await core.readMemory(address, length)).toEqual(data) // what reached the "bus"
      expect(await t.readMemory(address, length)).toEqual(data)
    }
    await t.write32(0x20000010, 0xdeadbeef)
    expect(await t.read32(0x20000010)).toBe(0xdeadbeef)
    expect(t.probe.stats.maxInFlight).toBe(3)
    expect(probe.stats.maxBuffered).toBeLessThanOrEqual(3)
    await t.close()
  })

  it('reports a bus fault with the address and recovers for the next access', async () => {
    const { probe } = bench()
    const t = await CmsisDapTarget.connect(probe.device)
    await expect(t.readMemory(0x30000000, 8)).rejects.toThrow(AdiAccessError)
    await expect(t.readMemory(0x30000000, 8)).rejects.toThrow(/FAULT.*reading 8 bytes at 0x30000000/)
    await t.write32(0x20000000, 7)
    expect(await t.read32(0x20000000)).toBe(7)
    await t.close()
  })

  it('retries WAIT inside the probe and still completes', async () => {
    const { probe } = bench({}, { waitStates: 3 })
    const t = await CmsisDapTarget.connect(probe.device)
    await t.writeMemory(0x20000000, Uint8Array.of(1, 2, 3, 4, 5, 6, 7, 8))
    expect(await t.readMemory(0x20000000, 8)).toEqual(Uint8Array.of(1, 2, 3, 4, 5, 6, 7, 8))
    await t.close()
  })

  it('halts, reads and writes core registers, steps, and resets into the vector table', async () => {
    const { probe, core } = bench()
    await core.writeMemory(0, Uint8Array.of(0x00, 0x00, 0x04, 0x20, 0x41, 0x01, 0x00, 0x00)) // SP 0x20040000, reset 0x141
    const t = await CmsisDapTarget.connect(probe.device)
    await t.resume()
    expect(await t.isHalted()).toBe(false)
    expect(await t.halt()).toMatchObject({ kind: 'request' })
    await t.writeRegister(CoreRegister.r3, 0xcafe0003)
    await t.writeRegister(CoreRegister.pc, 0x200)
    expect(await t.readRegister(CoreRegister.r3)).toBe(0xcafe0003)
    expect(await core.readRegister(3)).toBe(0xcafe0003)
    expect(await t.step()).toBe(0x202)
    await t.resetAndHalt()
    expect(await t.readRegister(CoreRegister.pc)).toBe(0x140)
    expect(await t.readRegister(CoreRegister.sp)).toBe(0x20040000)
    await t.close()
  })

  it('programs FPB comparators the way the architecture encodes them', async () => {
    const { probe, core } = bench()
    const t = await CmsisDapTarget.connect(probe.device)
    expect(t.core.breakpoints.count).toBe(6)
    expect(t.canBreakAt(0x1000)).toBe(true)
    expect(t.canBreakAt(0x20000000)).toBe(false)
    await t.setBreakpoint(0x1234)
    await t.setBreakpoint(0x1236)
    // COMP = REPLACE(01 lower / 10 upper halfword) | address[28:2] | enable.
    expect(await t.read32(0xe0002008)).toBe(0x40001235)
    expect(await t.read32(0xe000200c)).toBe(0x80001235)
    await t.resume()
    expect(core.resumedWith.sort()).toEqual([0x1234, 0x1236])
    await t.halt()
    await t.clearBreakpoint(0x1234)
    await expect(t.setBreakpoint(0x20000100)).rejects.toThrow(/only covers code below 0x20000000/)
    await t.close()
  })

  it('has no cycle counter when the core reports NOCYCCNT', async () => {
    const { probe } = bench()
    const t = await CmsisDapTarget.connect(probe.device)
    expect(await t.cycleCounter()).toBeUndefined()
    await t.close()
  })

  it('works over the v1 HID transport with 64-byte reports', async () => {
    const { probe } = bench({ version: 'v1', packetCount: 2 })
    const t = await CmsisDapTarget.connect(probe.device)
    expect(t.probe.info).toMatchObject({ packetSize: 64, transport: 'v1-hid' })
    const data = randomBytes(prng(42), 3000)
    await t.writeMemory(0x20000800, data)
    expect(await t.readMemory(0x20000800, data.length)).toEqual(data)
    await t.close()
  })

  it('names the probe and the fix for permission, busy and no-target failures', async () => {
    const denied = bench({ faults: { permissionDenied: true } })
    const e1 = await CmsisDapTarget.connect(denied.probe.device).catch((e) => e)
    expect(e1).toBeInstanceOf(ProbeAccessError)
    expect(e1.message).toMatch(/Cannot open Joulebench CMSIS-DAP emulator \(serial JB-EMU-0001\): permission denied\. .*udev rules/)

    const busy = bench({ faults: { busy: true } })
    const e2 = await CmsisDapTarget.connect(busy.probe.device).catch((e) => e)
    expect(e2.message).toMatch(/JB-EMU-0001.*in use by another program\. Close OpenOCD/)
    expect(busy.probe.device.opened).toBe(false)

    const absent = bench({}, { absent: true })
    const e3 = await CmsisDapTarget.connect(absent.probe.device).catch((e) => e)
    expect(e3).toBeInstanceOf(NoTargetError)
    expect(e3.message).toMatch(/JB-EMU-0001.*no target answered on SWD.*Check the SWD wires.*powered/)
  })

  it('fails clearly when the probe is unplugged mid-session', async () => {
    const { probe } = bench()
    const t = await CmsisDapTarget.connect(probe.device)
    probe.device.unplug()
    await expect(t.readMemory(0x20000000, 4)).rejects.toThrow(/JB-EMU-0001.*no longer attached/)
  })
})

describe('emulated probe firmware under random requests', () => {
  it('answers every request (or none, for TransferAbort) without throwing', async () => {
    const { probe } = bench()
    const rand = prng(44)
    // Bring the line up first so transfers reach the DP/AP model too.
    const fw = probe.firmware
    await fw.process(Uint8Array.of(0x02, 0x01))
    await fw.process(Uint8Array.of(0x12, 56, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff))
    await fw.process(Uint8Array.of(0x12, 16, 0x9e, 0xe7))
    await fw.process(Uint8Array.of(0x12, 56, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff))
    for (let i = 0; i < 3000; i++) {
      const request = randomBytes(rand, 1 + Math.floor(rand() * 40))
      if (i % 2) request[0] = [0x00, 0x04, 0x05, 0x06, 0x08, 0x11, 0x12][i % 7]
      const reply = await fw.process(request)
      if (request[0] === 0x07) expect(reply).toBeUndefined()
      else expect(reply![0] === request[0] || (reply!.length === 1 && reply![0] === 0xff)).toBe(true)
    }
  })
})
