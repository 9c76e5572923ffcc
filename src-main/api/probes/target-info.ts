/**
 * What the probe panel shows about a connected target, gathered from whatever the probe layer knows:
 * CPUID and DPIDR from the CMSIS-DAP and ST-LINK stacks (read through memory for GDB servers), the
 * cycle counter the latency services would use, and memory regions from the virtual board, its flash
 * algorithm, or a GDB server's memory map.
 */
import { readFileSync } from 'node:fs'
import { basename } from 'node:path'
import type { ProbeSession } from '../../probes/probe-session'
import type { DebugTarget } from '../../probes/debug-target'
import type { DpIdr } from '../../probes/adi/arm-debug-interface'
import { CPUID, decodeCpuId, type CpuIdInfo } from '../../probes/cortex-m/registers'
import { GdbTarget } from '../../probes/gdb/gdb-target'
import { parseFlashAlgorithm, type FlashAlgorithm } from '../../probes/services/flash/flash-algorithm'
import type { MemoryRegion, ProbeSessionInfo, ProbeTargetInfo } from '../methods/probes'

/** Fields the concrete targets carry beyond DebugTarget (CmsisDapTarget, StlinkTarget). */
interface TargetExtras {
  cpu?: CpuIdInfo
  dpidr?: DpIdr
  probe?: {
    info?: { vendor?: string | null; product?: string | null; serial?: string | null; firmwareVersion?: string | null }
    targetVoltageV?: number
    version?: { stlink: number; jtag: number }
    device?: USBDevice
  }
}

const ARM_IMPLEMENTER = 0x41

async function readCpu(target: DebugTarget): Promise<CpuIdInfo | null> {
  const known = (target as TargetExtras).cpu
  if (known) return known
  if (!(await target.isHalted())) return null
  try {
    const info = decodeCpuId(await target.read32(CPUID))
    return info.implementer === ARM_IMPLEMENTER ? info : null
  } catch {
    return null
  }
}

/** `<memory type="ram" start="0x20000000" length="0x8000"/>` entries of a GDB memory map (GDB manual, "Memory Map Format"). */
export function parseGdbMemoryMap(xml: string): MemoryRegion[] {
  const out: MemoryRegion[] = []
  for (const m of xml.matchAll(/<memory\s+([^>]*?)\/?>/g)) {
    const attr = (name: string) => new RegExp(`${name}\\s*=\\s*"([^"]*)"`).exec(m[1])?.[1]
    const type = attr('type')
    const start = Number(attr('start'))
    const length = Number(attr('length'))
    if ((type !== 'ram' && type !== 'flash' && type !== 'rom') || !Number.isFinite(start) || !(length > 0)) continue
    out.push({ kind: type, start, sizeBytes: length, name: `${type} at 0x${start.toString(16)}`, source: 'gdb-memory-map' })
  }
  return out
}

async function gdbMemoryMap(target: GdbTarget): Promise<MemoryRegion[]> {
  if (target.client.features.get('qXfer:memory-map:read') !== true || target.client.isRunning) return []
  try {
    return parseGdbMemoryMap(await target.client.readXfer('memory-map', ''))
  } catch {
    return []
  }
}

export function loadBoardAlgorithm(session: ProbeSession): FlashAlgorithm | null {
  if (!session.board) return null
  return parseFlashAlgorithm(readFileSync(session.board.flashAlgorithm), basename(session.board.flashAlgorithm))
}

export async function describeTarget(session: ProbeSession): Promise<ProbeTargetInfo> {
  const t = session.target
  const extras = t as TargetExtras
  const cpu = await readCpu(t)
  const counter = await t.cycleCounter().catch(() => undefined)
  const memory: MemoryRegion[] = []
  const algorithm = loadBoardAlgorithm(session)
  if (session.board) {
    const b = session.board.memory
    for (const r of b.ram) memory.push({ kind: 'ram', start: r.start, sizeBytes: r.size, name: r.start === b.algorithmRam.start ? 'block RAM (flash algorithm runs here)' : 'SRAM (firmware data, RTT)', source: 'board' })
  }
  if (algorithm) memory.push({ kind: 'flash', start: algorithm.flashStart, sizeBytes: algorithm.flashSize, name: algorithm.name, source: 'flash-algorithm' })
  if (t instanceof GdbTarget) memory.push(...(await gdbMemoryMap(t)))
  return {
    core: cpu?.name ?? null,
    cpuPartNumber: cpu?.partNumber ?? null,
    dpIdr: extras.dpidr?.raw ?? null,
    dwtCycleCounter: counter?.unit === 'cycles',
    cycleCounter: counter ? { unit: counter.unit, description: counter.description } : null,
    memory: memory.sort((a, b) => a.start - b.start),
    flashAlgorithm: algorithm ? { name: `${algorithm.name} (${algorithm.fileName})`, flashStart: algorithm.flashStart, flashSizeBytes: algorithm.flashSize, pageSizeBytes: algorithm.pageSize } : null,
    firmware: session.board ? basename(session.board.firmware) : null
  }
}

export function describeProbe(session: ProbeSession): ProbeSessionInfo['probe'] {
  const p = (session.target as TargetExtras).probe
  const info = p?.info
  const stlinkFirmware = p?.version ? `V${p.version.stlink}J${p.version.jtag}` : null
  return {
    vendor: info?.vendor ?? p?.device?.manufacturerName ?? null,
    product: info?.product ?? p?.device?.productName ?? null,
    serial: info?.serial ?? p?.device?.serialNumber ?? null,
    firmware: info?.firmwareVersion ?? stlinkFirmware,
    targetVoltageV: typeof p?.targetVoltageV === 'number' && p.targetVoltageV > 0 ? p.targetVoltageV : null
  }
}
