/**
 * Opening a probe by the id a user types: `cmsis-dap:SERIAL`, `stlink:SERIAL` (or the ids `joulebench
 * devices` prints), `gdb:[FLAVOUR@]HOST:PORT` for any GDB server, and the virtual bench's
 * `virtual:cmsis-dap`, `virtual:stlink` and `virtual:qemu` (QEMU running our firmware). The CLI and the
 * API use this; everything after it is a DebugTarget.
 */
import { existsSync } from 'node:fs'
import type { DebugTarget } from './debug-target'
import { CmsisDapTarget } from './cmsis-dap/cmsis-dap-target'
import { StlinkTarget } from './stlink/stlink-target'
import { GdbTarget, type GdbServerFlavour } from './gdb/gdb-target'
import { findProbes, matchesProbeId, type ProbeCandidate } from './discovery'
import { buildBenchFirmware } from './qemu/bench-firmware'
import { launchQemu } from './qemu/qemu-machine'
import { MPS2_BOARD, type BoardMemory } from './qemu/mps2-target'
import { startVirtualCmsisDap } from './emulator/virtual-cmsis-dap'
import { EmulatedStlink } from './emulator/emulated-stlink'
import { GdbBackedCore } from './emulator/gdb-core'
import { readFirmwareImage } from './image/firmware-image'
import { loadImage } from './services/load'

export interface ProbeSession {
  id: string
  kind: 'cmsis-dap' | 'stlink' | 'gdb' | 'virtual'
  target: DebugTarget
  /** What the virtual bench knows about its board: memory layout, flash algorithm, loaded firmware. */
  board?: { memory: BoardMemory; flashAlgorithm: string; firmware: string }
  close(): Promise<void>
}

export interface OpenProbeOptions {
  clockHz?: number
  /** A WebUSB object to list devices from (default: the `usb` package). */
  usb?: { getDevices(): Promise<USBDevice[]> }
  /** Firmware for virtual probes (default: the benchmark DUT firmware, built on demand). */
  virtualFirmware?: string
}

export class ProbeNotFoundError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'ProbeNotFoundError'
  }
}

export const VIRTUAL_PROBE_IDS = ['virtual:cmsis-dap', 'virtual:stlink', 'virtual:qemu'] as const

const FLAVOURS: GdbServerFlavour[] = ['qemu', 'openocd', 'pyocd', 'jlink', 'probe-rs', 'generic']

export function parseGdbProbeId(id: string): { flavour: GdbServerFlavour; host: string; port: number } | undefined {
  const m = /^gdb:(?:([a-z-]+)@)?(?:([^:]+):)?(\d+)$/.exec(id)
  if (!m) return undefined
  const flavour = (m[1] ?? 'generic') as GdbServerFlavour
  if (!FLAVOURS.includes(flavour)) throw new ProbeNotFoundError(`Unknown GDB server kind "${m[1]}" in ${id}. Use one of: ${FLAVOURS.join(', ')} (e.g. gdb:openocd@localhost:3333).`)
  return { flavour, host: m[2] ?? '127.0.0.1', port: Number(m[3]) }
}

export async function systemUsb(): Promise<{ getDevices(): Promise<USBDevice[]> }> {
  if (process.platform === 'linux' && !existsSync('/sys/bus/usb/devices')) {
    throw new ProbeNotFoundError('This machine has no USB bus (/sys/bus/usb/devices is missing), so no USB probe can be attached. Use a GDB server (--probe gdb:HOST:PORT) or the virtual bench (--probe virtual:cmsis-dap).')
  }
  const { WebUSB } = await import('usb')
  return new WebUSB({ allowAllDevices: true })
}

export async function listProbes(options: OpenProbeOptions = {}): Promise<{ probes: ProbeCandidate[]; hint: string | null }> {
  try {
    const usb = options.usb ?? (await systemUsb())
    return { probes: await findProbes(usb), hint: null }
  } catch (e) {
    return { probes: [], hint: (e as Error).message }
  }
}

async function openVirtual(id: string, options: OpenProbeOptions): Promise<ProbeSession> {
  const fw = await buildBenchFirmware()
  const firmware = options.virtualFirmware ?? fw.dut
  const board = { memory: MPS2_BOARD, flashAlgorithm: fw.flashAlgorithm, firmware }
  if (id === 'virtual:cmsis-dap') {
    const bench = await startVirtualCmsisDap({ firmware })
    try {
      const target = await CmsisDapTarget.connect(bench.device, { clockHz: options.clockHz })
      return { id, kind: 'virtual', target, board, close: async () => (await target.close(), await bench.close()) }
    } catch (e) {
      await bench.close()
      throw e
    }
  }
  const qemu = await launchQemu({ uart: 'none' })
  try {
    const gdb = await GdbTarget.connect(qemu.gdbHost, qemu.gdbPort, { flavour: 'qemu' })
    await loadImage(gdb, readFirmwareImage(firmware))
    await gdb.resetAndHalt()
    if (id === 'virtual:qemu') return { id, kind: 'virtual', target: gdb, board, close: async () => (await gdb.close(), await qemu.stop()) }
    const stlink = new EmulatedStlink(new GdbBackedCore(gdb), { serial: 'JB-EMU-STLINK' })
    const target = await StlinkTarget.connect(stlink.device, { clockHz: options.clockHz })
    return { id, kind: 'virtual', target, board, close: async () => (await target.close(), await gdb.close(), await qemu.stop()) }
  } catch (e) {
    await qemu.stop()
    throw e
  }
}

/** Opens the probe `id` (or the only attached probe when id is undefined) and connects to its target. */
export async function openProbeSession(id: string | undefined, options: OpenProbeOptions = {}): Promise<ProbeSession> {
  if (id === 'virtual') id = 'virtual:cmsis-dap'
  if (id && (VIRTUAL_PROBE_IDS as readonly string[]).includes(id)) return openVirtual(id, options)
  if (id?.startsWith('virtual:')) throw new ProbeNotFoundError(`No virtual probe "${id}". The virtual bench has ${VIRTUAL_PROBE_IDS.join(', ')}.`)
  const gdb = id ? parseGdbProbeId(id) : undefined
  if (gdb) {
    const target = await GdbTarget.connect(gdb.host, gdb.port, { flavour: gdb.flavour })
    return { id: id!, kind: 'gdb', target, close: () => target.close() }
  }
  if (id?.startsWith('gdb:')) throw new ProbeNotFoundError(`"${id}" is not a GDB server address. Write gdb:HOST:PORT or gdb:FLAVOUR@HOST:PORT, e.g. gdb:openocd@localhost:3333.`)
  const usb = options.usb ?? (await systemUsb())
  const probes = await findProbes(usb)
  const list = probes.length ? ` Attached: ${probes.map((p) => p.id).join(', ')}.` : ' No probe is attached: check the USB cable, and on Linux the udev rules (resources/udev/60-joulebench.rules).'
  let chosen: ProbeCandidate | undefined
  if (id) {
    chosen = probes.find((p) => matchesProbeId(p, id!))
    if (!chosen) throw new ProbeNotFoundError(`No probe "${id}".${list} Virtual ones: ${VIRTUAL_PROBE_IDS.join(', ')}.`)
  } else {
    if (probes.length !== 1) throw new ProbeNotFoundError(`${probes.length === 0 ? 'No probe found' : 'Several probes found'}; choose one with --probe.${list} Virtual ones: ${VIRTUAL_PROBE_IDS.join(', ')}.`)
    chosen = probes[0]
  }
  if (chosen.family === 'jlink') throw new ProbeNotFoundError(`${chosen.id} is a J-Link. Joulebench drives J-Links through SEGGER's GDB server: start JLinkGDBServer and use --probe gdb:jlink@localhost:2331.`)
  const target = chosen.family === 'stlink' ? await StlinkTarget.connect(chosen.device, { clockHz: options.clockHz }) : await CmsisDapTarget.connect(chosen.device, { clockHz: options.clockHz })
  return { id: chosen.id, kind: chosen.family, target, close: () => target.close() }
}
