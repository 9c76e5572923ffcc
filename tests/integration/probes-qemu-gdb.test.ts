/**
 * The GDB client against a real emulated target: Debian's qemu-system-arm (mps2-an386, Cortex-M4)
 * running firmware built here with gcc-arm-none-eabi. Expected values come from the firmware's
 * documented behaviour, from binutils (nm, objcopy) and from independent models in the test.
 */
import { execFileSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { buildBenchFirmware, type BenchFirmware } from '../../src-main/probes/qemu/bench-firmware'
import { launchQemu, type QemuMachine } from '../../src-main/probes/qemu/qemu-machine'
import { GdbTarget } from '../../src-main/probes/gdb/gdb-target'
import { GdbConnectionError } from '../../src-main/probes/gdb/gdb-client'
import { readFirmwareImage } from '../../src-main/probes/image/firmware-image'
import { loadImage } from '../../src-main/probes/services/load'
import { CoreRegister } from '../../src-main/probes/debug-target'
import { countInstructionsByStepping, timeNextCall } from '../../src-main/probes/services/region-timing'
import { convMacs, fitByKind, timeKernelCalls } from '../../src-main/probes/services/kernel-latency'
import { openSerial, type SerialTransport } from '../../src-main/transports/serial'
import { jbconv01 } from '../helpers/probes-jbconv01'
import { RttClient } from '../../src-main/probes/services/rtt'
import { MlperfDut } from '../../src-main/dut/mlperf-tiny/driver'
import { prng } from '../helpers/prng'

let outDir: string
let fw: BenchFirmware
const machines: QemuMachine[] = []
const targets: GdbTarget[] = []

beforeAll(async () => {
  outDir = mkdtempSync(join(tmpdir(), 'jb-probes-fw-'))
  fw = await buildBenchFirmware(outDir)
})

afterEach(async () => {
  for (const t of targets.splice(0)) await t.close().catch(() => undefined)
  for (const m of machines.splice(0)) await m.stop()
})

afterAll(() => rmSync(outDir, { recursive: true, force: true }))

async function start(options: Parameters<typeof launchQemu>[0] = {}): Promise<{ qemu: QemuMachine; target: GdbTarget }> {
  const qemu = await launchQemu({ uart: 'none', ...options })
  machines.push(qemu)
  const target = await GdbTarget.connect(qemu.gdbHost, qemu.gdbPort, { flavour: 'qemu', countsInstructions: qemu.countsInstructions })
  targets.push(target)
  return { qemu, target }
}

function le32(bytes: Uint8Array, offset: number): number {
  return new DataView(bytes.buffer, bytes.byteOffset).getUint32(offset, true)
}

describe('firmware images against binutils', () => {
  it('finds every global symbol at the address arm-none-eabi-nm reports', () => {
    const image = readFirmwareImage(fw.selftest)
    const nm = execFileSync('arm-none-eabi-nm', ['--defined-only', fw.selftest], { encoding: 'utf8' })
    let checked = 0
    for (const line of nm.trim().split('\n')) {
      const [value, type, name] = line.trim().split(/\s+/)
      if (!name || !/[TDBR]/.test(type)) continue
      // nm prints Thumb functions without the Thumb bit that st_value carries.
      const ours = image.elf!.symbol(name)!.value
      expect(type === 'T' ? ours & ~1 : ours, name).toBe(parseInt(value, 16))
      checked++
    }
    expect(checked).toBeGreaterThan(20)
  })

  it('reads the objcopy HEX and BIN of an image as the same bytes as its ELF load segments', () => {
    const elf = readFirmwareImage(fw.flashImageElf)
    const hex = readFirmwareImage(fw.flashImageHex)
    const bin = readFirmwareImage(fw.flashImageBin, { binBaseAddress: 0x00200000 })
    const flat = (chunks: { address: number; data: Uint8Array }[]) => {
      const lo = Math.min(...chunks.map((c) => c.address))
      const hi = Math.max(...chunks.map((c) => c.address + c.data.length))
      const out = new Uint8Array(hi - lo)
      for (const c of chunks) out.set(c.data, c.address - lo)
      return { lo, out }
    }
    expect(flat(hex.chunks)).toEqual(flat(elf.chunks))
    expect(flat(bin.chunks)).toEqual(flat(elf.chunks))
    expect(flat(elf.chunks).lo).toBe(0x00200000)
  })
})

describe('GDB client against QEMU', () => {
  it('loads an ELF, resets into its vector table, runs to a breakpoint, reads and writes memory, and collects semihosting output and the exit code', async () => {
    const { target } = await start()
    const image = readFirmwareImage(fw.selftest)
    const elf = image.elf!
    const report = await loadImage(target, image, { verify: true })
    expect(report.bytes).toBe(image.sizeBytes)

    await target.resetAndHalt()
    const vectors = readFileSync(fw.selftest).subarray(elf.segments.find((s) => s.physicalAddress === 0 && s.type === 1)!.fileOffset)
    expect(await target.readRegister(CoreRegister.sp)).toBe(le32(vectors, 0))
    expect(await target.readRegister(CoreRegister.pc)).toBe(le32(vectors, 4) & ~1)

    const checkpoint = elf.address('jb_checkpoint')
    await target.setBreakpoint(checkpoint)
    await target.resume()
    expect(await target.waitForHalt(20)).toEqual({ kind: 'breakpoint', pc: checkpoint })
    expect(await target.readRegister(CoreRegister.r0)).toBe(1)
    // jb_exit_code starts at 42 (its initialiser); replace it with a value of our choosing.
    expect(await target.read32(elf.address('jb_exit_code'))).toBe(42)
    const exitCode = 1 + Math.floor(prng(7)() * 120)
    await target.write32(elf.address('jb_exit_code'), exitCode)
    // Bulk memory: a 4 KiB random pattern in free RAM reads back the same.
    const pattern = Uint8Array.from({ length: 4096 }, (_, i) => (i * 31 + 7) & 0xff)
    await target.writeMemory(0x20100000, pattern)
    expect(await target.readMemory(0x20100000, pattern.length)).toEqual(pattern)

    await target.clearBreakpoint(checkpoint)
    await target.resume()
    expect(await target.waitForHalt(30)).toEqual({ kind: 'exited', exitCode })
    const lines = target.client.semihostingOutput.split('\n')
    expect(lines[0]).toBe('joulebench selftest: start')
    expect(lines[1]).toMatch(/^joulebench selftest: checksum 0x[0-9a-f]{8}$/)
    expect(lines[2]).toBe('joulebench selftest: done')
  })

  it('passes monitor commands through and reports unknown ones as output', async () => {
    const { target } = await start()
    expect(await target.client.monitor('info status')).toMatch(/VM status: paused/)
  })

  it('counts instructions exactly: the reference loop takes 2n+2, and stepping agrees with the counter on a kernel call', async () => {
    const { target } = await start({ countInstructions: true })
    const image = readFirmwareImage(fw.selftest)
    const elf = image.elf!
    await loadImage(target, image)
    await target.resetAndHalt()
    const counter = (await target.cycleCounter())!
    expect(counter.unit).toBe('instructions')
    await counter.start()

    const main = elf.address('main')
    await target.setBreakpoint(main)
    await target.resume()
    await target.waitForHalt(10)
    await target.clearBreakpoint(main)
    const turns = 500 + Math.floor(prng(8)() * 1000)
    await target.write32(elf.address('jb_spin_turns'), turns)
    const spin = await timeNextCall(target, counter, elf.address('jb_spin'))
    expect(spin.args[0]).toBe(turns)
    expect(spin.count).toBe(2 * turns + 2)

    // The first kernel call is the tiny depthwise case: count it twice, by the counter and by stepping.
    const dw = elf.address('jb_conv_dw_s8')
    await target.setBreakpoint(dw)
    await target.resume()
    await target.waitForHalt(10)
    await target.clearBreakpoint(dw)
    const returnAddress = (await target.readRegister(CoreRegister.lr)) & ~1
    const before = await counter.read()
    const stepped = await countInstructionsByStepping(target, returnAddress, 50_000)
    const after = await counter.read()
    expect(counter.countBetween(before, after)).toBe(stepped)
    expect(stepped).toBeGreaterThan(100)
  })

  it('times every kernel case and finds latency linear in MACs', async () => {
    const { target } = await start({ countInstructions: true })
    const image = readFirmwareImage(fw.selftest)
    await loadImage(target, image)
    await target.resetAndHalt()
    const calls = await timeKernelCalls(target, image.elf!)
    // The case table in the firmware, read independently from the ELF file.
    const table = image.elf!.sectionData(image.elf!.sections.find((s) => s.name === '.text')!)
    const tableOffset = image.elf!.address('jb_bench_cases') - image.elf!.sections.find((s) => s.name === '.text')!.address
    const count = le32(table, image.elf!.address('jb_bench_case_count') - image.elf!.sections.find((s) => s.name === '.text')!.address)
    expect(calls).toHaveLength(count)
    for (let i = 0; i < count; i++) {
      const o = tableOffset + 12 * i
      const v = new DataView(table.buffer, table.byteOffset + o, 12)
      const shape = { h: v.getUint16(0, true), w: v.getUint16(2, true), cin: v.getUint16(4, true), cout: v.getUint16(6, true), k: table[o + 8], rshift: table[o + 9] }
      const kind = (['', 'standard', 'depthwise', 'shift-pointwise'] as const)[table[o + 10]]
      expect(calls[i].kind).toBe(kind)
      expect(calls[i].shape).toEqual(shape)
      expect(calls[i].macs).toBe(convMacs(calls[i].kind, shape))
    }
    const fits = fitByKind(calls)
    for (const kind of ['standard', 'depthwise', 'shift-pointwise'] as const) {
      const fit = fits.get(kind)!
      // Plain C loops: a few instructions per MAC, and nearly all of the time is in the MACs.
      expect(fit.slope).toBeGreaterThan(2)
      expect(fit.slope).toBeLessThan(40)
      expect(fit.r2).toBeGreaterThan(0.99)
    }
  })

  it('names the server when nothing listens or the server goes away', async () => {
    const { qemu, target } = await start()
    await expect(GdbTarget.connect('127.0.0.1', 1, { flavour: 'qemu' })).rejects.toThrow(/Nothing is listening at 127.0.0.1:1.*Start the GDB server/)
    await qemu.stop()
    await expect(target.readMemory(0, 4)).rejects.toThrow(GdbConnectionError)
    await expect(target.readMemory(0, 4)).rejects.toThrow(new RegExp(`GDB server at 127.0.0.1:${qemu.gdbPort}`))
  })
})

describe('MLPerf Tiny DUT firmware on the emulated board', () => {
  class DutLink {
    private buffer = ''
    private waiters: Array<() => void> = []
    constructor(private readonly port: SerialTransport) {
      port.onData((chunk) => {
        this.buffer += chunk.toString('latin1')
        for (const w of this.waiters.splice(0)) w()
      })
    }
    /** Sends one command and returns the reply lines up to and including m-ready. */
    async command(cmd: string): Promise<string[]> {
      await this.port.write(cmd + '%')
      return this.untilReady()
    }
    async untilReady(): Promise<string[]> {
      for (;;) {
        const end = this.buffer.indexOf('m-ready\r\n')
        if (end >= 0) {
          const text = this.buffer.slice(0, end + 9)
          this.buffer = this.buffer.slice(end + 9)
          return text.split('\r\n').filter((l) => l !== '')
        }
        await new Promise<void>((r) => this.waiters.push(r))
      }
    }
  }

  it('answers name, profile, db load, db, db print, infer and results with the values of an independent model', async () => {
    // Not in record mode: QEMU's record mode holds back UART input until a timer checkpoint.
    const { qemu, target } = await start({ uart: 'pty', icountShift: 0 })
    const port = await openSerial(qemu.uartPath!, 115200)
    try {
      const link = new DutLink(port)
      const image = readFirmwareImage(fw.dut)
      await loadImage(target, image)
      await target.resetAndHalt()
      await target.resume()
      expect(await link.untilReady()).toEqual(['m-timestamp-mode-performance', 'm-init-done', 'm-ready'])
      expect(await link.command('name')).toEqual(['m-name-dut-[joulebench-qemu-mps2]', 'm-ready'])
      expect(await link.command('profile')).toEqual(['m-profile-[ULPMark for tinyML Firmware V0.0.1]', 'm-model-[jbconv01]', 'm-ready'])

      const rand = prng(21)
      const input = Uint8Array.from({ length: 768 }, () => Math.floor(rand() * 256))
      expect(await link.command('db load 768')).toEqual(['m-[Expecting 768 bytes]', 'm-ready'])
      const hex = Buffer.from(input).toString('hex')
      let last: string[] = []
      for (let i = 0; i < hex.length; i += 62) last = await link.command(`db ${hex.slice(i, i + 62)}`)
      expect(last).toEqual(['m-load-done', 'm-ready'])
      const printed = await link.command('db print')
      const bytes = printed.filter((l) => l.startsWith('m-buffer-')).flatMap((l) => l.slice(9).split('-').map((h) => parseInt(h, 16)))
      expect(Uint8Array.from(bytes)).toEqual(input)

      const reply = await link.command('infer 5 1')
      expect(reply.slice(0, 3)).toEqual(['m-warmup-start-1', 'm-warmup-done', 'm-infer-start-5'])
      const laps = reply.filter((l) => l.startsWith('m-lap-us-')).map((l) => Number(l.slice(9)))
      expect(laps).toHaveLength(2)
      expect(reply).toContain('m-infer-done')
      const results = reply.find((l) => l.startsWith('m-results-['))!
      const values = results.slice(11, -1).split(',').map(Number)
      expect(values.map((v) => v * 128)).toEqual(jbconv01(input))
      expect(await link.command('results')).toEqual([results, 'm-ready'])
      expect(await link.command('bogus')).toEqual(['e-[Unknown command: bogus]', 'm-ready'])

      // A structured image (random pixels average out to small outputs): a diagonal gradient.
      const gradient = Uint8Array.from({ length: 768 }, (_, i) => ((Math.floor(i / 48) + (Math.floor(i / 3) % 16)) * 8 + (i % 3) * 40) & 0xff)
      await link.command('db load 768')
      const gradientHex = Buffer.from(gradient).toString('hex')
      for (let i = 0; i < gradientHex.length; i += 62) await link.command(`db ${gradientHex.slice(i, i + 62)}`)
      const second = (await link.command('infer 1 0')).find((l) => l.startsWith('m-results-['))!
      const expected = jbconv01(gradient)
      expect(expected.some((v) => Math.abs(v) > 8)).toBe(true)
      expect(second.slice(11, -1).split(',').map((v) => Number(v) * 128)).toEqual(expected)

      expect(laps[1]).toBeGreaterThan(laps[0])
    } finally {
      await port.close()
    }
  })

  it('reports m-lap-us on the virtual clock: five inferences take five times the instructions of one (under -icount shift=0, 1 instruction = 1 ns)', async () => {
    const image = readFirmwareImage(fw.dut)
    // Run A: lap times over the UART (no record mode, so UART input flows).
    const a = await start({ uart: 'pty', icountShift: 0 })
    const port = await openSerial(a.qemu.uartPath!, 115200)
    let laps: number[]
    try {
      const link = new DutLink(port)
      await loadImage(a.target, image)
      await a.target.resetAndHalt()
      await a.target.resume()
      await link.untilReady()
      laps = (await link.command('infer 5 0')).filter((l) => l.startsWith('m-lap-us-')).map((l) => Number(l.slice(9)))
    } finally {
      await port.close()
    }
    // Run B: the instructions of one model_infer call, counted in record mode; the command goes in over RTT.
    const b = await start({ countInstructions: true })
    await loadImage(b.target, image)
    await b.target.resetAndHalt()
    const elf = image.elf!
    await b.target.setBreakpoint(elf.address('dut_run'))
    await b.target.resume()
    await b.target.waitForHalt(10)
    await b.target.clearBreakpoint(elf.address('dut_run'))
    const rtt = await RttClient.attach(b.target, { elf })
    await rtt.write(0, new TextEncoder().encode('infer 1 0%'))
    const counter = (await b.target.cycleCounter())!
    const one = await timeNextCall(b.target, counter, elf.address('model_infer'))
    const lapInstructions = (laps[1] - laps[0]) * 1000
    expect(one.count).toBeGreaterThan(100_000)
    // The second timestamp is taken after the fifth inference; the first lap line's printing lies in between.
    expect(lapInstructions).toBeGreaterThanOrEqual(5 * one.count - 1000)
    expect(lapInstructions).toBeLessThan(5 * one.count + 20_000)
  })

  it("works with the DUT-link driver (src-main/dut): load, infer and results of the emulated board", async () => {
    const { qemu, target } = await start({ uart: 'pty', icountShift: 0 })
    const port = await openSerial(qemu.uartPath!, 115200)
    const dut = new MlperfDut(port)
    try {
      await loadImage(target, readFirmwareImage(fw.dut))
      await target.resetAndHalt()
      await target.resume()
      await dut.settle(0.2, 3)
      expect(await dut.name()).toBe('joulebench-qemu-mps2')
      expect((await dut.profile()).model).toBe('jbconv01')
      const input = Uint8Array.from({ length: 768 }, (_, i) => (i * 37 + (i >> 4) * 11) & 0xff)
      await dut.load(input)
      const r = await dut.infer(3, 1)
      expect(r.results!.map((v) => v * 128)).toEqual(jbconv01(input))
      expect(r.latencyPerInferenceS).toBeGreaterThan(0)
    } finally {
      await dut.close()
    }
  })
})
