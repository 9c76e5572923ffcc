import { spawn, type ChildProcess } from 'node:child_process'
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

export interface ServedApp {
  url: string
  port: number
  token: string
  dbPath: string
  process: ChildProcess
  stop(): Promise<void>
}

const root = join(import.meta.dirname, '..', '..')

/** Starts the built `joulebench serve` as a real child process, as a user would, and waits for its URL. */
export async function serveBuiltApp(extraArgs: string[] = [], dbPath = join(mkdtempSync(join(tmpdir(), 'jb-e2e-')), 'workspace.db')): Promise<ServedApp> {
  const child = spawn(process.execPath, [join(root, 'out/main/cli.js'), 'serve', '--port', '0', '--json', '--db', dbPath, ...extraArgs], {
    stdio: ['ignore', 'pipe', 'pipe']
  })
  let stdout = ''
  let stderr = ''
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()))
  const info = await new Promise<{ url: string; port: number; token: string }>((resolve, reject) => {
    child.stdout!.on('data', (d: Buffer) => {
      stdout += d.toString()
      try {
        resolve(JSON.parse(stdout))
      } catch {
        /* not complete yet */
      }
    })
    child.once('exit', (code) => reject(new Error(`joulebench serve exited with ${code}: ${stderr}`)))
  })
  return {
    ...info,
    dbPath,
    process: child,
    async stop() {
      if (child.exitCode !== null) return
      const exited = new Promise((r) => child.once('exit', r))
      child.kill('SIGTERM')
      await exited
    }
  }
}
