import { z } from 'zod'
import type { InstrumentIdentity } from '../../instruments/identity'
import type { LinearFit } from '../../analysis/regression'
import type { ConvShape, KernelKind } from '../../probes/services/kernel-latency'

/** Largest memory read in one request: a screenful of hex many times over, small enough for one message. */
export const MAX_PROBE_READ_BYTES = 64 * 1024
/** Firmware sent as bytes travels in one WebSocket message (16 MiB at most, with room for the header). */
export const MAX_FIRMWARE_BYTES = 15 * 1024 * 1024
/** Text sent down an RTT channel in one request. */
export const MAX_RTT_WRITE_CHARS = 4096

const sessionId = z.string().min(1).max(100)
const address = z.number().int().min(0).max(0xffffffff)
const channel = z.number().int().min(0).max(31)
const fileBytes = z
  .custom<Uint8Array>((v) => v instanceof Uint8Array, 'bytes must be a Uint8Array (the file contents)')
  .refine((b) => b.byteLength <= MAX_FIRMWARE_BYTES, `Files up to ${MAX_FIRMWARE_BYTES / 1048576} MiB can be sent as bytes; give the file's path instead.`)
/** A file from a picker (name + bytes; browser mode has no paths) or a path on the core's machine. */
const FileSchema = z.union([
  z.object({ name: z.string().min(1).max(255), bytes: fileBytes }).strict(),
  z.object({ path: z.string().min(1).max(4096) }).strict()
])
const RangeSchema = z.object({ start: address, sizeBytes: z.number().int().min(4).max(0x10000000) }).strict()

export const probeParams = {
  'probes.list': z.object({}).strict(),
  'probes.sessions': z.object({}).strict(),
  /** `cmsis-dap:SERIAL`, `stlink:SERIAL`, `gdb:[FLAVOUR@]HOST:PORT`, `virtual:cmsis-dap|stlink|qemu`. */
  'probes.connect': z.object({ id: z.string().min(1).max(300), clockHz: z.number().int().min(1000).max(100_000_000).optional() }).strict(),
  'probes.disconnect': z.object({ sessionId }).strict(),
  'probes.status': z.object({ sessionId }).strict(),
  'probes.reset': z.object({ sessionId, halt: z.boolean().optional() }).strict(),
  'probes.halt': z.object({ sessionId }).strict(),
  'probes.resume': z.object({ sessionId }).strict(),
  'probes.read': z
    .object({
      sessionId,
      address,
      length: z.number().int().min(1).max(MAX_PROBE_READ_BYTES, `Read at most ${MAX_PROBE_READ_BYTES} bytes (64 KiB) per request; read larger areas in parts.`)
    })
    .strict()
    .refine((p) => p.address + p.length <= 0x100000000, 'The read runs past the end of the 32-bit address space.'),
  /**
   * Program an ELF, HEX or BIN image. `mode: 'flash'` (default) runs the flash algorithm (the virtual
   * bench has its own; real targets need the device's .FLM and the RAM it may use); `mode: 'load'`
   * writes the image straight into RAM, as GDB's load does.
   */
  'probes.flash': z
    .object({
      sessionId,
      firmware: FileSchema,
      format: z.enum(['elf', 'hex', 'bin']).optional(),
      /** Where a raw binary goes (BIN files carry no address). */
      baseAddress: address.optional(),
      mode: z.enum(['flash', 'load']).optional(),
      algorithm: FileSchema.optional(),
      algorithmRam: RangeSchema.optional(),
      verify: z.boolean().optional(),
      /** Reset the target and let it run afterwards. */
      run: z.boolean().optional()
    })
    .strict(),
  /** Start streaming an RTT up channel as `probes.rtt` events. The control block comes from the last flashed ELF, the virtual board's firmware, or a RAM scan. */
  'probes.rtt.start': z
    .object({
      sessionId,
      channel: channel.optional(),
      controlBlockAddress: address.optional(),
      scan: RangeSchema.optional(),
      /** Let a halted core run (default true): RTT output needs a running program. */
      resume: z.boolean().optional()
    })
    .strict(),
  'probes.rtt.stop': z.object({ sessionId, channel: channel.optional() }).strict(),
  'probes.rtt.write': z.object({ sessionId, channel: channel.optional(), text: z.string().max(MAX_RTT_WRITE_CHARS) }).strict(),
  /**
   * Cycle counts of the next `calls` calls of a function (symbol or address), or of a region from
   * `start` to `end`, between breakpoints. Symbols come from `elf`, the last image flashed as ELF through
   * the session, or the virtual board's firmware.
   */
  'probes.cycles': z
    .object({
      sessionId,
      function: z.union([z.string().min(1).max(200), address]).optional(),
      start: z.union([z.string().min(1).max(200), address]).optional(),
      end: z.union([z.string().min(1).max(200), address]).optional(),
      calls: z.number().int().min(1).max(1000).optional(),
      elf: FileSchema.optional(),
      timeoutS: z.number().gt(0).max(3600).optional(),
      /** Let a core that was running run on afterwards (default true). */
      resume: z.boolean().optional()
    })
    .strict()
    .refine((p) => (p.function !== undefined) !== (p.start !== undefined && p.end !== undefined) && (p.start === undefined) === (p.end === undefined), 'Give either a function, or a region as start and end.'),
  /**
   * Times every convolution-kernel call of the benchmark selftest on a fresh emulated board (QEMU in
   * instruction-counting mode) and fits instructions against MACs per kernel kind.
   */
  'probes.kernelLatency': z.object({ board: z.enum(['mps2-an385', 'mps2-an386']).optional(), level: z.number().gt(0.5).lt(1).optional() }).strict()
}

export type ProbeFamilyName = 'cmsis-dap' | 'stlink' | 'jlink' | 'gdb'

export interface ProbeEntry extends InstrumentIdentity {
  family: ProbeFamilyName
  /** What it is and how it is reached: "emulated CMSIS-DAP v2 in front of QEMU mps2-an386". */
  description: string
  /** Transports (CMSIS-DAP), generation (ST-LINK) or how to use it (J-Link). */
  detail: string
  /** The open session on this probe, if any. */
  sessionId: string | null
}

export interface ProbeList {
  probes: ProbeEntry[]
  /** Why no USB probe could be listed, and what to do. */
  hints: string[]
}

export interface MemoryRegion {
  kind: 'ram' | 'flash' | 'rom'
  start: number
  sizeBytes: number
  name: string
  /** Where the fact comes from. */
  source: 'board' | 'flash-algorithm' | 'gdb-memory-map'
}

export interface ProbeTargetInfo {
  /** "Cortex-M4", or null when the probe cannot read CPUID. */
  core: string | null
  /** CPUID.PARTNO (0xc24 for a Cortex-M4). */
  cpuPartNumber: number | null
  /** The SWD debug port's DPIDR (CMSIS-DAP), null where the probe hides it (ST-LINK, GDB servers). */
  dpIdr: number | null
  /** True when a working DWT_CYCCNT counts core cycles. */
  dwtCycleCounter: boolean
  /** The counter latency measurements would use (DWT cycles, or QEMU instructions), if any. */
  cycleCounter: { unit: 'cycles' | 'instructions'; description: string } | null
  memory: MemoryRegion[]
  /** Flashing needs an algorithm; the virtual bench brings its own. */
  flashAlgorithm: { name: string; flashStart: number; flashSizeBytes: number; pageSizeBytes: number } | null
  /** The firmware the virtual bench loaded (a file name), or null. */
  firmware: string | null
}

export interface ProbeStatus {
  sessionId: string
  halted: boolean
  /** Program counter while halted. */
  pc: number | null
  rttChannels: number[]
}

export interface ProbeSessionInfo extends ProbeStatus {
  probeId: string
  kind: 'cmsis-dap' | 'stlink' | 'gdb' | 'virtual'
  virtual: boolean
  /** Names probe and target: "CMSIS-DAP probe JB-EMU-0001 (SWD) on a Cortex-M4". */
  description: string
  /** DAP_Info and the like, where the probe reports them. */
  probe: { vendor: string | null; product: string | null; serial: string | null; firmware: string | null; targetVoltageV: number | null }
  target: ProbeTargetInfo
  /** RTT over a GDB server stops the core briefly for every poll (all-stop protocol). */
  notes: string[]
}

export interface ProbeRead {
  address: number
  bytes: Uint8Array
}

export interface ProbeFlashResult {
  mode: 'flash' | 'load'
  image: { fileName: string; format: 'elf' | 'hex' | 'bin'; sizeBytes: number; chunks: number; entry: number | null }
  algorithm: string | null
  bytes: number
  sectorsErased: number
  pagesProgrammed: number
  verified: boolean
  durationS: number
  bytesPerS: number
  running: boolean
}

export interface RttChannelInfo {
  index: number
  name: string | null
  sizeBytes: number
}

export interface RttStarted {
  channel: number
  controlBlockAddress: number
  up: RttChannelInfo[]
  down: RttChannelInfo[]
}

export interface CycleCountResult {
  /** The function or region, with its address. */
  what: string
  unit: 'cycles' | 'instructions'
  /** Which counter: "DWT_CYCCNT (32-bit core cycle counter)", QEMU's instruction count. */
  counter: string
  /** One count per call (or pass through the region), in order. */
  counts: number[]
  mean: number
  min: number
  max: number
  /** The ELF the symbols came from. */
  elf: string | null
}

export interface KernelCall {
  kind: KernelKind
  shape: ConvShape
  macs: number
  count: number
}

export interface KernelFit {
  kind: KernelKind
  /** Instructions against MACs: slope in instructions per MAC, with standard errors and a confidence band. */
  fit: LinearFit
}

export interface KernelLatencyResult {
  board: string
  firmware: string
  unit: 'instructions'
  calls: KernelCall[]
  fits: KernelFit[]
  durationS: number
}

export interface ProbeResults {
  'probes.list': ProbeList
  'probes.sessions': { sessions: ProbeSessionInfo[] }
  'probes.connect': ProbeSessionInfo
  'probes.disconnect': { closed: boolean }
  'probes.status': ProbeStatus
  'probes.reset': ProbeStatus
  'probes.halt': ProbeStatus & { reason: string }
  'probes.resume': ProbeStatus
  'probes.read': ProbeRead
  'probes.flash': ProbeFlashResult
  'probes.rtt.start': RttStarted
  'probes.rtt.stop': { stopped: number[] }
  'probes.rtt.write': { written: number; bytes: number }
  'probes.cycles': CycleCountResult
  'probes.kernelLatency': KernelLatencyResult
}

export interface ProbeProgress {
  /** The session, or null for work outside one (kernel latency on its own board). */
  sessionId: string | null
  operation: 'flash' | 'load' | 'kernel-latency'
  phase: 'erase' | 'program' | 'verify' | 'load' | 'start' | 'run' | 'done'
  done: number
  total: number
  /** 0..1 over the whole operation. */
  fraction: number
}

export interface ProbeRttText {
  sessionId: string
  channel: number
  text: string
  /** Bytes read from the target for this batch. */
  bytes: number
  /** Bytes read but not sent because the target wrote faster than the console shows (oldest dropped). */
  droppedBytes: number
}

export interface ProbeRttStopped {
  sessionId: string
  channel: number
  /** Why it stopped, when not asked to (the target was reset into other firmware, the probe went away). */
  error: string | null
}

export interface ProbeSessionClosed {
  sessionId: string
  probeId: string
  reason: string
}

export interface ProbeEvents {
  'probes.progress': ProbeProgress
  'probes.rtt': ProbeRttText
  'probes.rtt.stopped': ProbeRttStopped
  'probes.closed': ProbeSessionClosed
}
