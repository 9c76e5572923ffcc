import { readFile } from 'node:fs/promises'
import { MAX_INPUT_BYTES, type BenchmarkPlan } from './plan'

/**
 * The bytes a plan loads into the DUT with `db load N` / `db HEX` before inferring: none, seeded
 * pseudo-random bytes (the same every run), hex typed into the plan, or a file (a dataset sample).
 */
export async function planInputBytes(input: BenchmarkPlan['input']): Promise<Uint8Array | null> {
  switch (input.kind) {
    case 'none':
      return null
    case 'random': {
      const out = new Uint8Array(input.bytes)
      let s = input.seed >>> 0
      for (let i = 0; i < out.length; i++) {
        // mulberry32: small, seedable, and good enough for filler input.
        s = (s + 0x6d2b79f5) >>> 0
        let t = s
        t = Math.imul(t ^ (t >>> 15), t | 1)
        t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
        out[i] = ((t ^ (t >>> 14)) >>> 0) & 0xff
      }
      return out
    }
    case 'hex':
      return Uint8Array.from(input.hex.match(/../g)!.map((h) => parseInt(h, 16)))
    case 'file': {
      let bytes: Uint8Array
      try {
        bytes = new Uint8Array(await readFile(input.path))
      } catch (e) {
        const code = (e as NodeJS.ErrnoException).code
        throw new Error(`Cannot read the input file ${input.path} (input.path): ${code === 'ENOENT' ? 'no such file' : (e as Error).message}. Check the path in the plan.`)
      }
      if (bytes.length === 0 || bytes.length > MAX_INPUT_BYTES) {
        throw new Error(`The input file ${input.path} holds ${bytes.length} bytes; an MLPerf Tiny DUT takes 1 to ${MAX_INPUT_BYTES} bytes (96×96×3). Give the model's raw input tensor.`)
      }
      return bytes
    }
  }
}
