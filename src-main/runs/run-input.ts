import { readFile } from 'node:fs/promises'
import { seededBytes } from '../virtual-bench/seeded-random'
import { MAX_INPUT_BYTES, type BenchmarkPlan } from './plan'

/**
 * The bytes a plan loads into the DUT with `db load N` / `db HEX` before inferring: none, seeded
 * pseudo-random bytes (the same every run), hex typed into the plan, or a file (a dataset sample).
 */
export async function planInputBytes(input: BenchmarkPlan['input']): Promise<Uint8Array | null> {
  switch (input.kind) {
    case 'none':
      return null
    case 'random':
      return seededBytes(input.bytes, input.seed)
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
