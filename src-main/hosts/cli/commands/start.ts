import { spawn, spawnSync } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import { packageRoot } from '../../paths'
import type { CliCommand, CliContext } from '../command'
import { serveCommand } from './serve'

/** The Electron executable, downloading it first if the package has none yet; or why it is not there. */
function findElectron(): { path: string } | { reason: string } {
  if (process.platform === 'linux' && !process.env.DISPLAY && !process.env.WAYLAND_DISPLAY) {
    return { reason: 'there is no display (neither DISPLAY nor WAYLAND_DISPLAY is set)' }
  }
  let dir: string
  try {
    dir = dirname(createRequire(import.meta.url).resolve('electron/package.json'))
  } catch {
    return { reason: 'the electron package is not installed (run npm install)' }
  }
  const binary = () => {
    const pathFile = join(dir, 'path.txt')
    const p = existsSync(pathFile) ? join(dir, 'dist', readFileSync(pathFile, 'utf8').trim()) : null
    return p && existsSync(p) ? p : null
  }
  if (!binary()) {
    // Electron ≥ 42 fetches its binary on first use; do it now, quietly, and say so if it fails.
    const r = spawnSync(process.execPath, [join(dir, 'install.js')], { stdio: 'ignore', timeout: 300_000 })
    if (r.status !== 0 || !binary()) return { reason: 'the Electron binary is not installed and could not be downloaded' }
  }
  return { path: binary()! }
}

async function runElectron(ctx: CliContext, electron: string): Promise<string | null> {
  const main = join(packageRoot(), 'out', 'main', 'index.js')
  if (!existsSync(main)) return 'the app is not built (run npm run build)'
  return new Promise((resolve) => {
    const child = spawn(electron, [main, '--db', ctx.dbPath], { stdio: ['ignore', 'inherit', 'pipe'] })
    let stderr = ''
    const startedAt = Date.now()
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString()
      process.stderr.write(d)
    })
    child.on('error', (e) => resolve(`Electron could not be started: ${e.message}`))
    child.on('exit', (code) => {
      // A window that opened and was closed is a normal end; a crash at start means fall back.
      if (code !== 0 && Date.now() - startedAt < 10_000) resolve(`Electron exited at start (${stderr.trim().split('\n')[0] || `code ${code}`})`)
      else resolve(null)
    })
  })
}

export const startCommand: CliCommand = {
  name: 'start',
  summary: 'Open the desktop app, or browser mode where Electron cannot start',
  usage: '[--port N]',
  help: 'Opens the Joulebench window. Where Electron cannot start (no binary, no display) it says why in one line and serves browser mode instead, printing the URL to open.',
  options: { port: { type: 'string' } },
  async run(ctx, values, positionals) {
    const electron = findElectron()
    const failure = 'path' in electron ? await runElectron(ctx, electron.path) : electron.reason
    if (failure === null) return
    ctx.note(`Joulebench cannot open its window here: ${failure}. Starting browser mode instead.`)
    return serveCommand.run(ctx, values, positionals)
  }
}
