/**
 * Transfer rates of the debug-probe stacks. Prints, per path: KiB/s for reading and writing a block, and
 * the load-independent figures (USB commands per KiB, most commands in flight).
 *   1. CMSIS-DAP stack → emulated probe → simulated RAM core: the host stack's own cost.
 *   2. CMSIS-DAP stack → emulated probe → QEMU over GDB: the end-to-end virtual bench.
 *   3. GDB client → QEMU directly.
 *   4. Flashing an image with the FLM algorithm through the emulated CMSIS-DAP probe.
 * Run: npx tsx bench/probes-dap-transfer.ts   (timings depend on machine load; the best of 3 runs is shown)
 */
import { readFileSync } from 'node:fs'
import { CmsisDapTarget } from '../src-main/probes/cmsis-dap/cmsis-dap-target'
import { EmulatedCmsisDap } from '../src-main/probes/emulator/emulated-cmsis-dap'
import { SimulatedCore } from '../src-main/probes/emulator/simulated-core'
import { SwdTarget } from '../src-main/probes/emulator/swd-target'
import { startVirtualCmsisDap } from '../src-main/probes/emulator/virtual-cmsis-dap'
import { buildBenchFirmware } from '../src-main/probes/qemu/bench-firmware'
import { launchQemu } from '../src-main/probes/qemu/qemu-machine'
import { GdbTarget } from '../src-main/probes/gdb/gdb-target'
import { readFirmwareImage } from '../src-main/probes/image/firmware-image'
import { parseFlashAlgorithm } from '../src-main/probes/services/flash/flash-algorithm'
import { FlmFlasher } from '../src-main/probes/services/flash/flasher'
import { MPS2_BOARD } from '../src-main/probes/qemu/mps2-target'
import type { MemoryAccess } from '../src-main/probes/debug-target'

const RUNS = 3

function pattern(n: number): Uint8Array {
  return Uint8Array.from({ length: n }, (_, i) => (i * 131 + 7) & 0xff)
}

async function best(fn: () => Promise<void>): Promise<number> {
  let bestS = Infinity
  for (let i = 0; i < RUNS; i++) {
    const t0 = performance.now()
    await fn()
    bestS = Math.min(bestS, (performance.now() - t0) / 1000)
  }
  return bestS
}

async function rates(label: string, memory: MemoryAccess, address: number, bytes: number, counters?: () => { commands: number; maxInFlight: number }) {
  const data = pattern(bytes)
  const c0 = counters?.()
  const writeS = await best(() => memory.writeMemory(address, data))
  const c1 = counters?.()
  const readS = await best(async () => {
    const back = await memory.readMemory(address, bytes)
    if (back[bytes - 1] !== data[bytes - 1]) throw new Error('read back differs')
  })
  const c2 = counters?.()
  const kib = bytes / 1024
  const perKib = (a?: { commands: number }, b?: { commands: number }) => (a && b ? ((b.commands - a.commands) / RUNS / kib).toFixed(2) : '-')
  console.log(
    `${label.padEnd(58)} write ${(kib / writeS).toFixed(0).padStart(6)} KiB/s  read ${(kib / readS).toFixed(0).padStart(6)} KiB/s   commands/KiB w ${perKib(c0, c1)} r ${perKib(c1, c2)}   max in flight ${c2?.maxInFlight ?? '-'}`
  )
}

console.log(`Debug-probe transfer rates (best of ${RUNS}; busy shared machine, so timings are indicative)\n`)

for (const [version, packetCount] of [
  ['v2', 1],
  ['v2', 4],
  ['v1', 1],
  ['v1', 4]
] as const) {
  const core = new SimulatedCore([{ start: 0x20000000, size: 2 << 20 }])
  const probe = new EmulatedCmsisDap(new SwdTarget(core), { version, packetCount })
  const t = await CmsisDapTarget.connect(probe.device)
  await rates(`CMSIS-DAP ${version} (${t.probe.info.packetSize} B packets, count ${packetCount}) → RAM core, 1 MiB`, t, 0x20000000, 1 << 20, () => ({ ...t.probe.stats }))
  await t.close()
}

const fw = await buildBenchFirmware()
{
  const bench = await startVirtualCmsisDap({ firmware: fw.selftest })
  const t = await CmsisDapTarget.connect(bench.device)
  await rates('CMSIS-DAP v2 (512 B, count 4) → QEMU over GDB, 64 KiB', t, 0x20100000, 64 * 1024, () => ({ ...t.probe.stats }))
  const algorithm = parseFlashAlgorithm(readFileSync(fw.flashAlgorithm), 'jb-emuflash.flm')
  const flasher = new FlmFlasher(t, algorithm, MPS2_BOARD.algorithmRam)
  // A 64 KiB image of our own in the emulated flash: 16 sectors, 64 pages.
  const image = [{ address: 0x00200000, data: pattern(64 * 1024) }]
  let report = await flasher.flash(image)
  const flashS = await best(async () => {
    report = await flasher.flash(image)
  })
  console.log(
    `${'FLM flash 64 KiB through CMSIS-DAP → QEMU (erase+program+verify)'.padEnd(58)} ${((64 * 1024) / 1024 / flashS).toFixed(1).padStart(6)} KiB/s   erase ${report.eraseS.toFixed(3)} s  program ${report.programS.toFixed(3)} s  verify ${report.verifyS.toFixed(3)} s`
  )
  await t.close()
  await bench.close()
}
{
  const qemu = await launchQemu({ uart: 'none' })
  const g = await GdbTarget.connect(qemu.gdbHost, qemu.gdbPort, { flavour: 'qemu' })
  await rates(`GDB client → QEMU gdbstub (PacketSize ${g.client.packetSize}), 64 KiB`, g, 0x20100000, 64 * 1024)
  await g.close()
  await qemu.stop()
}
