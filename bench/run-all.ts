/**
 * Runs every benchmark in bench/ one after the other (each in its own process, so one's memory and JIT
 * state do not colour the next) and prints their figures. `npm run bench`; record results in BENCHMARKS.md.
 */
import { spawnSync } from 'node:child_process'
import { readdirSync } from 'node:fs'
import { join } from 'node:path'

const here = import.meta.dirname
const only = process.argv.slice(2)
const files = readdirSync(here)
  .filter((f) => f.endsWith('.ts') && f !== 'run-all.ts' && !f.startsWith('_'))
  .filter((f) => only.length === 0 || only.some((o) => f.includes(o)))
  .sort()

let failed = 0
for (const f of files) {
  console.log(`\n=== ${f}`)
  const r = spawnSync(process.execPath, ['--import', 'tsx', join(here, f)], { stdio: 'inherit' })
  if (r.status !== 0) {
    failed++
    console.log(`(${f} exited with ${r.status})`)
  }
}
process.exitCode = failed ? 1 : 0
