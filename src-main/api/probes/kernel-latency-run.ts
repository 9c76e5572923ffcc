/**
 * probes.kernelLatency: the benchmark selftest on a fresh emulated board whose QEMU counts executed
 * instructions (record mode), every convolution-kernel call timed between breakpoints, and a straight
 * line of instructions against MACs per kernel kind with standard errors. The board is its own, so a
 * session's running firmware is left alone; closing the core stops it.
 */
import { basename } from 'node:path'
import { fitLine, RegressionError } from '../../analysis/regression'
import { GdbTarget } from '../../probes/gdb/gdb-target'
import { readFirmwareImage } from '../../probes/image/firmware-image'
import { buildBenchFirmware } from '../../probes/qemu/bench-firmware'
import { launchQemu, type QemuBoard } from '../../probes/qemu/qemu-machine'
import { KERNEL_SYMBOLS, timeKernelCalls, type KernelKind } from '../../probes/services/kernel-latency'
import { loadImage } from '../../probes/services/load'
import type { KernelFit, KernelLatencyResult, ProbeProgress } from '../methods/probes'

export interface KernelLatencyOptions {
  board?: QemuBoard
  level?: number
  progress?: (phase: ProbeProgress['phase'], done: number, total: number) => void
  /** Called with a stopper once the board runs, so the caller can end it early (core close). */
  onBoard?: (stop: () => Promise<void>) => void
}

export async function measureKernelLatency(options: KernelLatencyOptions = {}): Promise<KernelLatencyResult> {
  const board = options.board ?? 'mps2-an386'
  const progress = options.progress ?? (() => undefined)
  const started = performance.now()
  progress('start', 0, 3)
  const fw = await buildBenchFirmware()
  const qemu = await launchQemu({ board, uart: 'none', countInstructions: true })
  options.onBoard?.(() => qemu.stop())
  let target: GdbTarget | undefined
  try {
    target = await GdbTarget.connect(qemu.gdbHost, qemu.gdbPort, { flavour: 'qemu', countsInstructions: true })
    const image = readFirmwareImage(fw.selftest)
    await loadImage(target, image)
    await target.resetAndHalt()
    progress('run', 1, 3)
    const timed = await timeKernelCalls(target, image.elf!)
    const fits: KernelFit[] = []
    for (const kind of Object.keys(KERNEL_SYMBOLS) as KernelKind[]) {
      const points = timed.filter((c) => c.kind === kind).map((c) => ({ x: c.macs, y: c.count }))
      try {
        fits.push({ kind, fit: fitLine(points, options.level ?? 0.95) })
      } catch (e) {
        if (!(e instanceof RegressionError)) throw e
      }
    }
    progress('done', 3, 3)
    return {
      board: `QEMU ${board} (${board === 'mps2-an385' ? 'Cortex-M3' : 'Cortex-M4'}), instructions counted with -icount`,
      firmware: basename(fw.selftest),
      unit: 'instructions',
      calls: timed.map((c) => ({ kind: c.kind, shape: c.shape, macs: c.macs, count: c.count })),
      fits,
      durationS: (performance.now() - started) / 1000
    }
  } finally {
    await target?.close().catch(() => undefined)
    await qemu.stop()
  }
}
