/**
 * Latency against MACs for the firmware's int8 convolution kernels on QEMU (mps2-an386, Cortex-M4),
 * counted in executed instructions (QEMU -icount record mode; QEMU has no cycle model). The counts are
 * deterministic: they do not depend on machine load. Also times the breakpoint-to-breakpoint overhead
 * of the host side (wall clock, indicative).
 * Run: npx tsx bench/probes-kernel-icount.ts
 */
import { buildBenchFirmware } from '../src-main/probes/qemu/bench-firmware'
import { launchQemu } from '../src-main/probes/qemu/qemu-machine'
import { GdbTarget } from '../src-main/probes/gdb/gdb-target'
import { readFirmwareImage } from '../src-main/probes/image/firmware-image'
import { loadImage } from '../src-main/probes/services/load'
import { fitByKind, timeKernelCalls } from '../src-main/probes/services/kernel-latency'

const fw = await buildBenchFirmware()
const qemu = await launchQemu({ uart: 'none', countInstructions: true })
const target = await GdbTarget.connect(qemu.gdbHost, qemu.gdbPort, { flavour: 'qemu', countsInstructions: true })
const image = readFirmwareImage(fw.selftest)
await loadImage(target, image)
await target.resetAndHalt()
const t0 = performance.now()
const calls = await timeKernelCalls(target, image.elf!)
const wallS = (performance.now() - t0) / 1000
await target.close()
await qemu.stop()

console.log('Kernel instruction counts on QEMU mps2-an386 (Cortex-M4, firmware built -O2 for cortex-m3)\n')
console.log('kernel            shape (HxWxCin->Cout, k)   MACs      instructions  instr/MAC')
for (const c of calls) {
  const s = c.shape
  console.log(
    `${c.kind.padEnd(17)} ${`${s.h}x${s.w}x${s.cin}->${s.cout}, k${s.k}`.padEnd(26)} ${String(c.macs).padStart(7)}  ${String(c.count).padStart(12)}  ${(c.count / c.macs).toFixed(2).padStart(9)}`
  )
}
console.log('\nLinear fit per kernel: instructions = intercept + slope × MACs')
for (const [kind, fit] of fitByKind(calls)) {
  console.log(`${kind.padEnd(17)} slope ${fit.slope.toFixed(3)} instr/MAC   intercept ${fit.intercept.toFixed(0).padStart(6)} instr   R² ${fit.r2.toFixed(6)}   (${fit.points} points)`)
}
console.log(`\nHost time to run and time all ${calls.length} calls with breakpoints: ${wallS.toFixed(2)} s (wall clock, busy shared machine)`)
