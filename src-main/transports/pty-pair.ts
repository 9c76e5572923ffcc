import { spawn, type ChildProcess } from 'node:child_process'
import { existsSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

/**
 * A pair of linked pseudo-terminals made by socat: what one end writes, the other reads.
 * Emulators sit on `devicePath`; drivers open `hostPath` exactly as they would open /dev/ttyACM0.
 */
export interface PtyPair {
  hostPath: string
  devicePath: string
  close(): Promise<void>
}

export class SocatMissingError extends Error {
  constructor() {
    super('socat is not installed, so virtual instruments cannot get a serial port. Install it with: sudo apt-get install socat')
    this.name = 'SocatMissingError'
  }
}

export async function openPtyPair(name = 'jb'): Promise<PtyPair> {
  const dir = mkdtempSync(join(tmpdir(), `${name}-pty-`))
  const hostPath = join(dir, 'host')
  const devicePath = join(dir, 'device')
  let child: ChildProcess
  try {
    child = spawn('socat', [`pty,raw,echo=0,link=${hostPath}`, `pty,raw,echo=0,link=${devicePath}`], {
      stdio: ['ignore', 'ignore', 'pipe']
    })
  } catch {
    throw new SocatMissingError()
  }
  let stderr = ''
  child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()))
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)))
  const spawnError = new Promise<Error>((resolve) => child.once('error', resolve))

  const deadline = Date.now() + 5000
  while (!(existsSync(hostPath) && existsSync(devicePath))) {
    const early = await Promise.race([
      exited.then((code) => new Error(`socat exited (${code}) before the pty pair was ready: ${stderr.trim()}`)),
      spawnError.then((e) => ((e as NodeJS.ErrnoException).code === 'ENOENT' ? new SocatMissingError() : e)),
      new Promise<null>((r) => setTimeout(() => r(null), 10))
    ])
    if (early) {
      rmSync(dir, { recursive: true, force: true })
      throw early
    }
    if (Date.now() > deadline) {
      child.kill('SIGKILL')
      rmSync(dir, { recursive: true, force: true })
      throw new Error(`socat did not create the pty pair within 5 s: ${stderr.trim()}`)
    }
  }
  let closed = false
  return {
    hostPath,
    devicePath,
    async close() {
      if (closed) return
      closed = true
      if (child.exitCode === null && child.signalCode === null) {
        // socat defers SIGTERM while it is blocked writing into a full pty (nobody reading the other
        // end), so a pulled cable could wait forever: give it a moment, then kill it outright.
        child.kill('SIGTERM')
        const killer = setTimeout(() => child.kill('SIGKILL'), 1000)
        await exited
        clearTimeout(killer)
      }
      rmSync(dir, { recursive: true, force: true })
    }
  }
}
