/**
 * probes.flash: an image from the file picker (bytes) or a path, programmed with the flash algorithm
 * (the board's own on the virtual bench, the device's .FLM elsewhere) or loaded straight into RAM, with
 * progress events throttled to what a progress bar can show.
 */
import { readFileSync } from 'node:fs'
import { basename } from 'node:path'
import { parseFirmwareImage, readFirmwareImage, type FirmwareImage } from '../../probes/image/firmware-image'
import { parseFlashAlgorithm, type FlashAlgorithm } from '../../probes/services/flash/flash-algorithm'
import { FlmFlasher, type RamRegion } from '../../probes/services/flash/flasher'
import { verifyMemory } from '../../probes/services/load'
import type { ApiEvents, ApiParsedParams } from '../contract'
import type { ProbeFlashResult, ProbeProgress } from '../methods/probes'
import type { ManagedProbe } from './managed-probe'
import { loadBoardAlgorithm } from './target-info'

type FlashParams = ApiParsedParams<'probes.flash'>
type FileParam = FlashParams['firmware']
type Emit = <K extends keyof ApiEvents>(event: K, data: ApiEvents[K]) => void

/** Progress events at most this often (plus every phase change and the end). */
const PROGRESS_INTERVAL_S = 0.05
/** RAM loads report progress per piece of this size. */
const LOAD_PIECE_BYTES = 4096

export class ProgressThrottle {
  private lastS = -Infinity
  private lastPhase: string | undefined

  constructor(private readonly send: (p: ProbeProgress) => void) {}

  report(p: ProbeProgress, nowS = performance.now() / 1000): void {
    if (p.phase === this.lastPhase && p.done < p.total && nowS - this.lastS < PROGRESS_INTERVAL_S) return
    this.lastS = nowS
    this.lastPhase = p.phase
    this.send(p)
  }
}

function readImage(file: FileParam, params: FlashParams): FirmwareImage {
  const options = { binBaseAddress: params.baseAddress, format: params.format }
  return 'bytes' in file ? parseFirmwareImage(file.bytes, file.name, options) : readFirmwareImage(file.path, options)
}

function readAlgorithm(file: FileParam): FlashAlgorithm {
  if ('bytes' in file) return parseFlashAlgorithm(file.bytes, basename(file.name))
  let bytes: Uint8Array
  try {
    bytes = readFileSync(file.path)
  } catch (e) {
    throw new Error(`Cannot read the flash algorithm ${file.path}: ${(e as Error).message}. Check the path.`)
  }
  return parseFlashAlgorithm(bytes, basename(file.path))
}

export async function flashThroughProbe(probe: ManagedProbe, params: FlashParams, emit: Emit, stopRtt: () => void): Promise<ProbeFlashResult> {
  const image = readImage(params.firmware, params)
  const mode = params.mode ?? 'flash'
  const verify = params.verify !== false
  const operation = mode
  const throttle = new ProgressThrottle((p) => emit('probes.progress', p))
  const progress = (phase: ProbeProgress['phase'], done: number, total: number) =>
    throttle.report({ sessionId: probe.sessionId, operation, phase, done, total, fraction: total > 0 ? done / total : 1 })

  let algorithm: FlashAlgorithm | null = null
  let ram: RamRegion | undefined
  if (mode === 'flash') {
    algorithm = params.algorithm ? readAlgorithm(params.algorithm) : loadBoardAlgorithm(probe.session)
    ram = params.algorithmRam ? { start: params.algorithmRam.start, size: params.algorithmRam.sizeBytes } : probe.session.board?.memory.algorithmRam
    if (!algorithm || !ram) {
      throw new Error(
        `Flashing through ${probe.label} needs the device's flash algorithm and the RAM it may run in: choose the .FLM from the device's CMSIS-Pack and give its RAM (start and size, e.g. 0x20000000 and 0x8000). To write an image into RAM instead, use mode "load".`
      )
    }
  }

  // The image is about to change under any RTT stream: its control block may move or vanish.
  stopRtt()
  const started = performance.now()
  const report = await probe.exclusive(async () => {
    const t = probe.target
    if (!(await t.isHalted())) await t.halt()
    if (algorithm && ram) {
      const flasher = new FlmFlasher(t, algorithm, ram)
      progress('erase', 0, 1)
      return flasher.flash(image.chunks, { verify, onProgress: (done, total, phase) => progress(phase, done, total) })
    }
    const total = image.sizeBytes * (verify ? 2 : 1)
    let done = 0
    progress('load', 0, total)
    for (const chunk of image.chunks) {
      for (let i = 0; i < chunk.data.length; i += LOAD_PIECE_BYTES) {
        const piece = chunk.data.subarray(i, i + LOAD_PIECE_BYTES)
        await t.writeMemory(chunk.address + i, piece)
        progress('load', (done += piece.length), total)
      }
    }
    if (verify) {
      for (const chunk of image.chunks) {
        await verifyMemory(t, chunk.address, chunk.data, t.description)
        progress('verify', (done += chunk.data.length), total)
      }
    }
    return { bytes: image.sizeBytes, sectorsErased: 0, pagesProgrammed: 0, verified: verify }
  })
  if (params.run) await probe.exclusive(() => probe.target.reset())
  probe.lastImage = image
  const durationS = (performance.now() - started) / 1000
  progress('done', 1, 1)
  return {
    mode,
    image: { fileName: image.fileName, format: image.format, sizeBytes: image.sizeBytes, chunks: image.chunks.length, entry: image.entry ?? null },
    algorithm: algorithm ? algorithm.fileName : null,
    bytes: report.bytes,
    sectorsErased: report.sectorsErased,
    pagesProgrammed: report.pagesProgrammed,
    verified: report.verified,
    durationS,
    bytesPerS: durationS > 0 ? image.sizeBytes / durationS : 0,
    running: params.run === true
  }
}
