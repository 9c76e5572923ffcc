/**
 * `joulebench probe|flash|rtt` as a user runs them, against the virtual bench (QEMU + emulated probes)
 * and a QEMU GDB server. Expected values come from the firmware files themselves.
 */
import { readFileSync } from 'node:fs'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { cli } from '../helpers/cli'
import { buildBenchFirmware, type BenchFirmware } from '../../src-main/probes/qemu/bench-firmware'
import { launchQemu, type QemuMachine } from '../../src-main/probes/qemu/qemu-machine'
import { ElfFile } from '../../src-main/probes/elf/elf-file'

let fw: BenchFirmware
let resetVector: number
let vectorBytes: string

beforeAll(async () => {
  fw = await buildBenchFirmware() // the folder the virtual bench uses
  const elf = new ElfFile(readFileSync(fw.dut))
  const text = elf.sectionData(elf.section('.text')!)
  vectorBytes = Buffer.from(text.subarray(0, 16)).toString('hex')
  resetVector = (new DataView(text.buffer, text.byteOffset).getUint32(4, true) & ~1) >>> 0
})

const hex32 = (n: number) => `0x${n.toString(16).padStart(8, '0')}`

describe('joulebench probe', () => {
  it('lists the virtual probes', async () => {
    const r = await cli(['probe', 'list', '--json'])
    expect(r.code).toBe(0)
    expect(r.json().virtual).toEqual(['virtual:cmsis-dap', 'virtual:stlink', 'virtual:qemu'])
  })

  it('describes the virtual CMSIS-DAP probe and its halted Cortex-M4', async () => {
    const r = await cli(['probe', 'info', '--probe', 'virtual:cmsis-dap', '--json'])
    expect(r.code, r.stdout + r.stderr).toBe(0)
    const doc = r.json()
    expect(doc.probe).toMatchObject({ id: 'virtual:cmsis-dap', kind: 'virtual', info: { packetSize: 512, packetCount: 4, serial: 'JB-EMU-0001' } })
    expect(doc.target).toEqual({ cpu: 'Cortex-M4', dpidr: '0x2ba01477', halted: true, pc: hex32(resetVector) })
  })

  it('reads memory and resets through each virtual probe kind', async () => {
    for (const probe of ['virtual:qemu', 'virtual:stlink']) {
      const read = await cli(['probe', 'read', '0x0', '16', '--probe', probe, '--json'])
      expect(read.code, read.stderr).toBe(0)
      expect(read.json()).toMatchObject({ address: '0x00000000', length: 16, hex: vectorBytes })
      const reset = await cli(['probe', 'reset', '--halt', '--probe', probe, '--json'])
      expect(reset.json()).toMatchObject({ reset: 'halt', pc: hex32(resetVector) })
    }
    const text = await cli(['probe', 'read', '0', '16', '--probe', 'virtual:cmsis-dap'])
    expect(text.stdout).toMatch(new RegExp(`^0x00000000  ${vectorBytes.match(/../g)!.join(' ')}`))
  })

  it('explains bad arguments and unreachable probes in one line', async () => {
    const missing = await cli(['probe', 'read', '0x20000000'])
    expect(missing.code).toBe(2)
    expect(missing.stderr).toMatch(/Missing LEN/)
    const noAction = await cli(['probe'])
    expect(noAction.stderr).toMatch(/needs an action: list, info, reset or read/)
    const refused = await cli(['probe', 'info', '--probe', 'gdb:127.0.0.1:1', '--json'])
    expect(refused.code).toBe(1)
    expect(refused.json().error).toMatch(/Nothing is listening at 127.0.0.1:1/)
    const unknown = await cli(['probe', 'info', '--probe', 'virtual:jtag'])
    expect(unknown.stderr).toMatch(/No virtual probe "virtual:jtag".*virtual:cmsis-dap/)
  })
})

describe('joulebench flash', () => {
  it('programs and verifies HEX and ELF images on the virtual board', async () => {
    for (const [file, probe] of [
      [fw.flashImageHex, 'virtual:cmsis-dap'],
      [fw.flashImageElf, 'virtual:stlink']
    ]) {
      const r = await cli(['flash', file, '--probe', probe, '--json'])
      expect(r.code, r.stderr).toBe(0)
      expect(r.json()).toMatchObject({ verified: true, bytes: 4076, sectorsErased: 1, pagesProgrammed: 4, algorithm: { file: 'jb-emuflash.flm', flashStart: 0x200000 } })
    }
    const bin = await cli(['flash', fw.flashImageBin, '--probe', 'virtual:cmsis-dap'])
    expect(bin.code).toBe(1)
    expect(bin.stderr).toMatch(/raw binary.*--base/)
    const withBase = await cli(['flash', fw.flashImageBin, '--base', '0x00200000', '--probe', 'virtual:cmsis-dap'])
    expect(withBase.code, withBase.stderr).toBe(0)
    expect(withBase.stdout).toMatch(/^Flashed selftest-flash.bin \(4076 bytes, 1 sectors, 4 pages\) with jb-emuflash.flm .*verified/)
  })

  describe('through a GDB server', () => {
    let qemu: QemuMachine
    beforeAll(async () => {
      // With firmware in it: a GDB client's detach lets the core run, and QEMU quits on a lockup of an empty board.
      qemu = await launchQemu({ uart: 'none', kernel: fw.dut })
    })
    afterAll(async () => qemu.stop())

    it('asks for the flash algorithm and RAM when the board is not known', async () => {
      const r = await cli(['flash', fw.flashImageHex, '--probe', `gdb:qemu@127.0.0.1:${qemu.gdbPort}`])
      expect(r.code).toBe(1)
      expect(r.stderr).toMatch(/needs the device's flash algorithm .*--algorithm .*--ram START:SIZE/)
    })

    it('flashes with an explicit algorithm and RAM region over GDB', async () => {
      const r = await cli(['flash', fw.flashImageHex, '--probe', `gdb:qemu@127.0.0.1:${qemu.gdbPort}`, '--algorithm', fw.flashAlgorithm, '--ram', '0x01000000:0x10000', '--json'])
      expect(r.code, r.stdout).toBe(0)
      expect(r.json()).toMatchObject({ verified: true, bytes: 4076 })
    })
  })
})

describe('joulebench rtt', () => {
  it('reads the DUT firmware terminal and talks MLPerf Tiny through the down channel', async () => {
    const r = await cli(['rtt', '--probe', 'virtual:cmsis-dap', '--duration', '1.5', '--send', 'name%', '--json'])
    expect(r.code, r.stderr).toBe(0)
    const doc = r.json()
    expect(doc.channel).toEqual({ index: 0, name: 'Terminal', sizeBytes: 1024 })
    expect(doc.text).toContain('m-init-done\r\nm-ready\r\n')
    expect(doc.text).toContain('m-name-dut-[joulebench-qemu-mps2]\r\nm-ready\r\n')
    const noDuration = await cli(['rtt', '--probe', 'virtual:cmsis-dap', '--json'])
    expect(noDuration.code).toBe(2)
  })
})
