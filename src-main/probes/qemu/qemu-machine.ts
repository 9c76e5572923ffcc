/**
 * Launches Debian's qemu-system-arm as an emulated Cortex-M board (mps2-an385 = M3, mps2-an386 = M4),
 * halted (-S), with a GDB stub on a loopback TCP port and UART0 on a pseudo-terminal. Under
 * `-icount shift=N` every instruction advances the virtual clock by exactly 2^N ns, which is what makes
 * instruction counts (and the firmware's microsecond timestamps) deterministic.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

export type QemuBoard = 'mps2-an385' | 'mps2-an386'

export interface QemuOptions {
  board?: QemuBoard
  /** Instructions cost 2^shift ns of virtual time; undefined runs without -icount (not deterministic). */
  icountShift?: number
  /**
   * Run in record mode (-icount …,rr=record) so that `monitor info replay` reports the exact number of
   * executed instructions (QemuIcountCounter). Implies -icount (shift 0 unless icountShift says otherwise).
   */
  countInstructions?: boolean
  /** Where semihosting goes: to the GDB client as File-I/O packets, to QEMU's stdio, or nowhere. */
  semihosting?: 'gdb' | 'native' | 'off'
  /** Put UART0 on a pseudo-terminal (the DUT link), or leave it unconnected. */
  uart?: 'pty' | 'none'
  /** Load this ELF at start (otherwise load it over GDB). */
  kernel?: string
  qemuBinary?: string
}

export interface QemuMachine {
  readonly board: QemuBoard
  readonly gdbHost: string
  readonly gdbPort: number
  /** The pseudo-terminal carrying UART0, when uart is 'pty'. */
  readonly uartPath: string | undefined
  readonly icountShift: number | undefined
  readonly countsInstructions: boolean
  /** QEMU's own stdout+stderr so far (native semihosting lands here). */
  output(): string
  /** Resolves with QEMU's exit status when it ends (semihosting exit, crash, stop()). */
  readonly exited: Promise<number | null>
  stop(): Promise<void>
}

export class QemuLaunchError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'QemuLaunchError'
  }
}

export function freeTcpPort(host = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.once('error', reject)
    server.listen(0, host, () => {
      const address = server.address()
      const port = typeof address === 'object' && address ? address.port : 0
      server.close(() => resolve(port))
    })
  })
}

export async function launchQemu(options: QemuOptions = {}): Promise<QemuMachine> {
  let lastError: Error | undefined
  // The free port may be taken between our check and QEMU's bind; try a few.
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      return await launchOnce(options, await freeTcpPort())
    } catch (e) {
      lastError = e as Error
      if (!/Address already in use|Failed to bind/i.test(lastError.message)) throw lastError
    }
  }
  throw lastError
}

async function launchOnce(options: QemuOptions, port: number): Promise<QemuMachine> {
  const board = options.board ?? 'mps2-an386'
  const host = '127.0.0.1'
  const args = ['-M', board, '-display', 'none', '-monitor', 'none', '-S', '-gdb', `tcp:${host}:${port}`]
  args.push('-serial', options.uart === 'none' ? 'null' : 'pty')
  // The record log lands in a private temporary folder, removed with the machine.
  const recordDir = options.countInstructions ? mkdtempSync(join(tmpdir(), 'jb-qemu-rr-')) : undefined
  const icountShift = options.icountShift ?? (options.countInstructions ? 0 : undefined)
  if (icountShift !== undefined) {
    args.push('-icount', `shift=${icountShift},align=off${recordDir ? `,rr=record,rrfile=${join(recordDir, 'replay.bin')}` : ''}`)
  }
  const semihosting = options.semihosting ?? 'gdb'
  if (semihosting !== 'off') args.push('-semihosting-config', `enable=on,target=${semihosting}`)
  if (options.kernel) args.push('-kernel', options.kernel)

  const binary = options.qemuBinary ?? 'qemu-system-arm'
  let child: ChildProcess
  try {
    child = spawn(binary, args, { stdio: ['ignore', 'pipe', 'pipe'] })
  } catch (e) {
    throw new QemuLaunchError(`Cannot start ${binary}: ${(e as Error).message}. Install it with: sudo apt-get install qemu-system-arm`)
  }
  let output = ''
  child.stdout?.on('data', (d: Buffer) => (output += d.toString()))
  child.stderr?.on('data', (d: Buffer) => (output += d.toString()))
  // A binary that cannot be spawned (ENOENT) emits 'error' and 'close' but never 'exit'.
  const exited = new Promise<number | null>((resolve) => {
    const done = (code: number | null, signal: NodeJS.Signals | null) => resolve(code ?? (signal ? -1 : null))
    child.once('exit', done)
    child.once('close', done)
  })
  const spawnError = new Promise<Error>((resolve) => child.once('error', resolve))

  const wantPty = options.uart !== 'none'
  const ready = async (): Promise<string | undefined> => {
    const deadline = Date.now() + 10_000
    for (;;) {
      const pty = /char device redirected to (\/dev\/pts\/\d+)/.exec(output)?.[1]
      const listening = await canConnect(host, port)
      if (listening && (!wantPty || pty)) return pty
      if (Date.now() > deadline) throw new QemuLaunchError(`QEMU (${board}) did not open its GDB port ${port} within 10 s. Its output: ${output.trim().slice(0, 400)}`)
      await new Promise((r) => setTimeout(r, 20))
    }
  }
  const result = await Promise.race([
    ready(),
    exited.then((code) => new QemuLaunchError(`QEMU (${board}) exited with status ${code} at start: ${output.trim().slice(0, 400)}`)),
    spawnError.then((e) =>
      (e as NodeJS.ErrnoException).code === 'ENOENT'
        ? new QemuLaunchError(`${binary} is not installed. Install it with: sudo apt-get install qemu-system-arm`)
        : new QemuLaunchError(`Cannot start ${binary}: ${e.message}`)
    )
  ]).catch((e: Error) => e)
  const cleanUp = () => {
    if (recordDir) rmSync(recordDir, { recursive: true, force: true })
  }
  if (result instanceof Error) {
    if (child.exitCode === null) child.kill('SIGKILL')
    await exited
    cleanUp()
    throw result
  }

  let stopped = false
  return {
    board,
    gdbHost: host,
    gdbPort: port,
    uartPath: result,
    icountShift,
    countsInstructions: recordDir !== undefined,
    output: () => output,
    exited,
    async stop() {
      if (stopped) return
      stopped = true
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM')
        const timer = setTimeout(() => child.kill('SIGKILL'), 2000)
        await exited
        clearTimeout(timer)
      }
      cleanUp()
    }
  }
}

async function canConnect(host: string, port: number): Promise<boolean> {
  const { connect } = await import('node:net')
  return new Promise((resolve) => {
    const s = connect({ host, port })
    s.once('connect', () => {
      s.destroy()
      resolve(true)
    })
    s.once('error', () => resolve(false))
  })
}
