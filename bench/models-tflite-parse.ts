/**
 * How fast model files are read: TFLite parse + per-layer facts for the MLPerf Tiny models, ELF sizes
 * of a host executable. Prints the best of several runs (the machine is shared; best-of is the figure
 * least disturbed by other load) and load-independent counts.
 *
 *   npx tsx bench/models-tflite-parse.ts
 */
import { readFileSync } from 'node:fs'
import { performance } from 'node:perf_hooks'
import { readElfSizes } from '../src-main/models/elf-sizes'
import { readTflite } from '../src-main/models/tflite-reader'
import { modelFacts } from '../src-main/models/tflite-facts'

function best(runs: number, inner: number, f: () => void): number {
  let bestS = Infinity
  for (let r = 0; r < runs; r++) {
    const t0 = performance.now()
    for (let i = 0; i < inner; i++) f()
    bestS = Math.min(bestS, (performance.now() - t0) / 1000 / inner)
  }
  return bestS
}

for (const name of ['kws_ref_model.tflite', 'ad01_int8.tflite']) {
  const bytes = new Uint8Array(readFileSync(`/work/shared/data/mlperf-tiny/${name}`))
  const facts = modelFacts(readTflite(bytes))
  const s = best(7, 200, () => modelFacts(readTflite(bytes, name)))
  console.log(
    `${name.padEnd(22)} ${String(bytes.length).padStart(7)} B  ${String(facts.layerCount).padStart(3)} layers  ` +
      `parse+facts ${(s * 1e6).toFixed(1).padStart(7)} µs  (${(bytes.length / s / 1e6).toFixed(0)} MB/s)`
  )
}

const elf = new Uint8Array(readFileSync('/usr/bin/true'))
const sizes = readElfSizes(elf)
const s = best(7, 2000, () => readElfSizes(elf))
console.log(`/usr/bin/true           ${String(elf.length).padStart(7)} B  ${String(sizes.sections.length).padStart(3)} sections  sizes ${(s * 1e6).toFixed(1).padStart(7)} µs`)
