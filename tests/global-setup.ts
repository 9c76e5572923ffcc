import { spawnSync } from 'node:child_process'
import { join } from 'node:path'

/** End-to-end and build tests run against the real build (out/), so build once before any test runs. */
export default function setup() {
  const root = join(import.meta.dirname, '..')
  const r = spawnSync(join(root, 'node_modules', '.bin', 'electron-vite'), ['build'], { cwd: root, encoding: 'utf8' })
  if (r.status !== 0) throw new Error(`electron-vite build failed:\n${r.stdout}\n${r.stderr}`)
}
