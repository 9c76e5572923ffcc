#!/usr/bin/env node
// The `joulebench` command as installed: runs the built CLI, building it first when the checkout has no
// build yet or the sources changed since (so `npx joulebench` works right after `npm ci`, no step to remember).
import { spawnSync } from 'node:child_process'
import { existsSync, readdirSync, statSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..')
const built = join(root, 'out', 'main', 'cli.js')

function newestSource(dir) {
  let newest = 0
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, entry.name)
    newest = Math.max(newest, entry.isDirectory() ? newestSource(p) : statSync(p).mtimeMs)
  }
  return newest
}

const stale = !existsSync(built) || (existsSync(join(root, 'src-main')) && newestSource(join(root, 'src-main')) > statSync(built).mtimeMs)
if (stale) {
  const viteBin = join(root, 'node_modules', '.bin', 'electron-vite')
  if (!existsSync(viteBin)) {
    process.stderr.write('joulebench: the command line is not built and the build tools are missing. Run `npm ci` in the Joulebench folder first.\n')
    process.exit(1)
  }
  process.stderr.write('joulebench: building (first run after install or a change)…\n')
  const r = spawnSync(viteBin, ['build'], { cwd: root, stdio: ['ignore', 'ignore', 'inherit'] })
  if (r.status !== 0) {
    process.stderr.write('joulebench: the build failed; see the messages above.\n')
    process.exit(1)
  }
}
await import(pathToFileURL(built).href)
