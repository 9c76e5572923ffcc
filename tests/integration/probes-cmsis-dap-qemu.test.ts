/**
 * The CMSIS-DAP stack end to end: our driver → emulated CMSIS-DAP probe (USBDevice) → SWD/ADIv5 model →
 * QEMU's Cortex-M4 running our firmware, reached over GDB. Flashing uses our own FLM-style algorithm
 * against the board's emulated flash (a RAM region with NOR semantics), not a vendor's.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { buildBenchFirmware, type BenchFirmware } from '../../src-main/probes/qemu/bench-firmware'
import { startVirtualCmsisDap, type VirtualCmsisDap } from '../../src-main/probes/emulator/virtual-cmsis-dap'
import { CmsisDapTarget } from '../../src-main/probes/cmsis-dap/cmsis-dap-target'
import { readFirmwareImage } from '../../src-main/probes/image/firmware-image'
import { parseFlashAlgorithm } from '../../src-main/probes/services/flash/flash-algorithm'
import { FlashError, FlmFlasher } from '../../src-main/probes/services/flash/flasher'
import { RttClient } from '../../src-main/probes/services/rtt'
import { timeNextCall } from '../../src-main/probes/services/region-timing'
import { loadImage } from '../../src-main/probes/services/load'
import { MPS2_BOARD } from '../../src-main/probes/qemu/mps2-target'
import { CoreRegister } from '../../src-main/probes/debug-target'
import { prng, randomBytes } from '../helpers/prng'

let outDir: string
let fw: BenchFirmware
const benches: VirtualCmsisDap[] = []
const targets: CmsisDapTarget[] = []

beforeAll(async () => {
  outDir = mkdtempSync(join(tmpdir(), 'jb-probes-dap-'))
  fw = await buildBenchFirmware(outDir)
})
afterEach(async () => {
  for (const t of targets.splice(0)) await t.close().catch(() => undefined)
  for (const b of benches.splice(0)) await b.close()
})
afterAll(() => rmSync(outDir, { recursive: true, force: true }))

async function connect(options: Parameters<typeof startVirtualCmsisDap>[0] = {}) {
  const bench = await startVirtualCmsisDap({ firmware: fw.selftest, ...options })
  benches.push(bench)
  const target = await CmsisDapTarget.connect(bench.device)
  targets.push(target)
  return { bench, target }
}

async function runToCheckpoint(target: CmsisDapTarget, address: number, stage: number): Promise<void> {
  await target.setBreakpoint(address)
  await target.resume()
  const reason = await target.waitForHalt(30)
  expect(reason).toMatchObject({ kind: 'breakpoint', pc: address })
  expect(await target.readRegister(CoreRegister.r0)).toBe(stage)
  await target.clearBreakpoint(address)
}

describe('CMSIS-DAP driver through the emulated probe to QEMU', () => {
  it('connects, halts, and reads and writes 64 KiB with verify', async () => {
    // The DUT firmware runs until told otherwise (the selftest would exit before we halt it).
    const { target } = await connect({ firmware: fw.dut })
    expect(target.cpu.name).toBe('Cortex-M4') // QEMU's CPUID, read through MEM-AP
    await target.resume()
    expect(await target.isHalted()).toBe(false)
    expect(await target.halt()).toMatchObject({ kind: 'request' })
    const data = randomBytes(prng(51), 64 * 1024)
    await target.writeMemory(0x20100000, data)
    expect(await target.readMemory(0x20100000, data.length)).toEqual(data)
    // And the bytes really are in QEMU's RAM: read them back through GDB, not through the probe.
    const bench = benches[0]
    expect(await bench.gdb.readMemory(0x20100000 + 60000, 16)).toEqual(data.subarray(60000, 60016))
    expect(target.probe.stats.maxInFlight).toBe(target.probe.info.packetCount)
  })

  it('flashes ELF, HEX and BIN images with the flash algorithm and verifies them', async () => {
    const { target, bench } = await connect()
    const algorithm = parseFlashAlgorithm(readFileSync(fw.flashAlgorithm), 'jb-emuflash.flm')
    expect(algorithm).toMatchObject({ flashStart: 0x00200000, flashSize: 0x40000, pageSize: 1024, erasedValue: 0xff, sectors: [{ size: 0x1000, offset: 0 }] })
    const flasher = new FlmFlasher(target, algorithm, MPS2_BOARD.algorithmRam)
    const images = [
      readFirmwareImage(fw.flashImageElf),
      readFirmwareImage(fw.flashImageHex),
      readFirmwareImage(fw.flashImageBin, { binBaseAddress: 0x00200000 })
    ]
    for (const [i, image] of images.entries()) {
      // Junk where the image goes: only erase-then-program (NOR semantics) gives the image back.
      await bench.gdb.writeMemory(0x00200000, randomBytes(prng(60 + i), 8192))
      const report = await flasher.flash(image.chunks, { verify: true })
      expect(report.bytes).toBe(image.sizeBytes)
      expect(report.sectorsErased).toBe(Math.ceil(image.sizeBytes / 4096))
      expect(report.pagesProgrammed).toBe(Math.ceil(image.sizeBytes / 1024))
      for (const c of image.chunks) expect(await bench.gdb.readMemory(c.address, c.data.length)).toEqual(Uint8Array.from(c.data))
      // Erased bytes after the image inside its last sector read 0xFF.
      const end = 0x00200000 + image.sizeBytes
      const tail = await bench.gdb.readMemory(end, 0x00200000 + report.sectorsErased * 4096 - end)
      expect(tail.every((b) => b === 0xff)).toBe(true)
    }
    await expect(flasher.flash([{ address: 0x20000000, data: new Uint8Array(4) }])).rejects.toThrow(FlashError)
    await expect(flasher.flash([{ address: 0x20000000, data: new Uint8Array(4) }])).rejects.toThrow(/outside the flash 0x200000–0x240000/)
  })

  it('reads and writes RTT channels, found by ELF symbol and by RAM scan, across a ring wrap', async () => {
    const { target } = await connect()
    const elf = readFirmwareImage(fw.selftest).elf!
    const checkpoint = elf.address('jb_checkpoint')
    await runToCheckpoint(target, checkpoint, 1)
    const bySymbol = await RttClient.attach(target, { elf, ram: MPS2_BOARD.ram })
    const byScan = await RttClient.attach(target, { scan: [MPS2_BOARD.firmwareRam] })
    expect(byScan.controlBlockAddress).toBe(bySymbol.controlBlockAddress)
    expect(bySymbol.up.map((c) => [c.index, c.name, c.size])).toEqual([
      [0, 'Terminal', 1024],
      [1, 'Joulebench', 256]
    ])
    expect(bySymbol.down.map((c) => [c.index, c.name, c.size])).toEqual([[0, 'Terminal', 64]])
    const lines = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => `rtt line ${from + i}\n`).join('')
    expect(new TextDecoder().decode(await bySymbol.read(0))).toBe(lines(0, 70))
    expect((await bySymbol.read(0)).length).toBe(0)
    await runToCheckpoint(target, checkpoint, 2)
    expect(new TextDecoder().decode(await bySymbol.read(0))).toBe(lines(70, 140))
    expect(await bySymbol.write(0, new TextEncoder().encode('ping from host'))).toBe(14)
    await runToCheckpoint(target, checkpoint, 3)
    expect(new TextDecoder().decode(await bySymbol.read(1))).toBe('echo: ping from host\n')
  })

  it('counts cycles with DWT_CYCCNT (emulated from QEMU instruction counts) between breakpoints', async () => {
    const { target } = await connect({ cycleCounter: true })
    const elf = readFirmwareImage(fw.selftest).elf!
    const counter = await target.cycleCounter()
    expect(counter?.unit).toBe('cycles')
    await counter!.start()
    await runToCheckpoint(target, elf.address('main'), 0)
    await target.write32(elf.address('jb_spin_turns'), 321)
    const timing = await timeNextCall(target, counter!, elf.address('jb_spin'))
    expect(timing.args[0]).toBe(321)
    expect(timing.count).toBe(2 * 321 + 2)
  })

  it('loads a program through the probe and runs it', async () => {
    const { target, bench } = await connect({ firmware: undefined })
    const image = readFirmwareImage(fw.selftest)
    await target.halt()
    await loadImage(target, image, { verify: true })
    await target.resetAndHalt()
    expect(await target.readRegister(CoreRegister.pc)).toBe((image.elf!.entry & ~1) >>> 0)
    await target.resume()
    // The selftest ends with a semihosting exit, which QEMU reports to its GDB client.
    await expect.poll(() => bench.gdb.client.exitCode, { timeout: 30_000 }).toBe(42)
  })
})
