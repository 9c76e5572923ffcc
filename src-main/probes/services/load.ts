/** Writes an image into target RAM (what GDB's `load` does) and optionally reads it back to verify. */
import type { FirmwareImage } from '../image/firmware-image'
import type { MemoryAccess } from '../debug-target'

export interface LoadReport {
  bytes: number
  chunks: number
  verified: boolean
  durationS: number
}

export class VerifyError extends Error {
  constructor(
    readonly address: number,
    readonly expected: number,
    readonly actual: number,
    where: string
  ) {
    super(
      `Verify failed on ${where} at 0x${address.toString(16).padStart(8, '0')}: wrote 0x${expected.toString(16).padStart(2, '0')}, read back 0x${actual.toString(16).padStart(2, '0')}. The memory there may be read-only (flash needs \`joulebench flash\`), absent, or in use by the running program: halt the core and retry.`
    )
    this.name = 'VerifyError'
  }
}

/** Index of the first differing byte, or -1. */
export function firstDifference(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length)
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return i
  return a.length === b.length ? -1 : n
}

export async function verifyMemory(memory: MemoryAccess, address: number, expected: Uint8Array, where: string): Promise<void> {
  const actual = await memory.readMemory(address, expected.length)
  const i = firstDifference(expected, actual)
  if (i >= 0) throw new VerifyError(address + i, expected[i], actual[i] ?? -1, where)
}

export async function loadImage(memory: MemoryAccess & { description?: string }, image: Pick<FirmwareImage, 'chunks'>, options: { verify?: boolean } = {}): Promise<LoadReport> {
  const started = performance.now()
  let bytes = 0
  for (const chunk of image.chunks) {
    await memory.writeMemory(chunk.address, chunk.data)
    bytes += chunk.data.length
  }
  if (options.verify) {
    for (const chunk of image.chunks) await verifyMemory(memory, chunk.address, chunk.data, memory.description ?? 'the target')
  }
  return { bytes, chunks: image.chunks.length, verified: options.verify === true, durationS: (performance.now() - started) / 1000 }
}
