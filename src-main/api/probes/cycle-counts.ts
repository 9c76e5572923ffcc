/**
 * probes.cycles: cycle counts of a function's next calls, or of a code region, on a connected target,
 * between breakpoints (DWT_CYCCNT on hardware; on QEMU, instructions). Symbols come from an ELF given
 * with the request, the image last flashed through the session, or the virtual board's firmware.
 * The core is halted for the measurement; a core that was running is let run again afterwards.
 */
import { readFileSync } from 'node:fs'
import { basename } from 'node:path'
import { ElfFile } from '../../probes/elf/elf-file'
import { timeNextCall, timeRegion } from '../../probes/services/region-timing'
import type { ApiParsedParams } from '../contract'
import type { CycleCountResult } from '../methods/probes'
import type { ManagedProbe } from './managed-probe'

type CycleParams = Omit<ApiParsedParams<'probes.cycles'>, 'sessionId'>

function elfFor(probe: ManagedProbe, params: CycleParams): ElfFile | undefined {
  if (params.elf) {
    if ('bytes' in params.elf) return new ElfFile(params.elf.bytes, basename(params.elf.name))
    let bytes: Uint8Array
    try {
      bytes = readFileSync(params.elf.path)
    } catch (e) {
      throw new Error(`Cannot read the ELF ${params.elf.path}: ${(e as Error).message}. Check the path.`)
    }
    return new ElfFile(bytes, basename(params.elf.path))
  }
  if (probe.lastImage?.elf) return probe.lastImage.elf
  const board = probe.session.board
  return board ? new ElfFile(readFileSync(board.firmware), basename(board.firmware)) : undefined
}

/** A symbol or an address: "model_infer", "0x08001234", 1234. */
function resolve(where: string | number, elf: ElfFile | undefined, probe: ManagedProbe): number {
  if (typeof where === 'number') return where
  if (/^0x[0-9a-f]+$/i.test(where)) return parseInt(where, 16)
  if (!elf) throw new Error(`Cannot find "${where}" for ${probe.label}: no firmware ELF is known. Give the ELF with the request, flash an ELF through this session, or use addresses.`)
  return elf.address(where)
}

export async function countCycles(probe: ManagedProbe, params: CycleParams): Promise<CycleCountResult> {
  const needsSymbols = [params.function, params.start, params.end].some((w) => typeof w === 'string' && !/^0x[0-9a-f]+$/i.test(w))
  const elf = needsSymbols ? elfFor(probe, params) : undefined
  const t = probe.target
  const timeoutS = params.timeoutS ?? 30
  return probe.exclusive(async () => {
    const counter = await t.cycleCounter()
    if (!counter) {
      throw new Error(
        `${probe.label} has no working cycle counter: the core has no DWT_CYCCNT (Cortex-M0/M0+), or it is QEMU without instruction counting. On the virtual bench, measure kernels with the kernel latency view (probes.kernelLatency), which runs QEMU counting instructions.`
      )
    }
    const wasRunning = !(await t.isHalted())
    if (wasRunning) await t.halt()
    await counter.start()
    const counts: number[] = []
    let what: string
    if (params.function !== undefined) {
      const address = resolve(params.function, elf, probe)
      what = `${params.function} (0x${address.toString(16)})`
      for (let i = 0; i < (params.calls ?? 1); i++) counts.push((await timeNextCall(t, counter, address, { timeoutS })).count)
    } else {
      const start = resolve(params.start!, elf, probe)
      const end = resolve(params.end!, elf, probe)
      what = `0x${start.toString(16)} → 0x${end.toString(16)}`
      for (let i = 0; i < (params.calls ?? 1); i++) counts.push((await timeRegion(t, counter, start, end, { timeoutS })).count)
    }
    if (wasRunning && params.resume !== false) await t.resume()
    const mean = counts.reduce((a, b) => a + b, 0) / counts.length
    return { what, unit: counter.unit, counter: counter.description, counts, mean, min: Math.min(...counts), max: Math.max(...counts), elf: elf?.fileName ?? null }
  })
}
