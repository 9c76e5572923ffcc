/**
 * A CoreBackend on a GDB stub — in practice QEMU running the benchmark firmware — so the CMSIS-DAP
 * emulator drives a core that really executes code. RSP is all-stop: the stub cannot touch memory while
 * the core runs, so an access during a run stops the core briefly (Ctrl-C), does the access and lets it
 * run on, which a real probe's background MEM-AP access does not need. QEMU's stub writes RAM only:
 * writes to peripheral registers through it are ignored.
 */
import { GdbErrorReply } from '../gdb/gdb-client'
import type { GdbTarget } from '../gdb/gdb-target'
import type { CycleCounter, HaltReason } from '../debug-target'
import type { CoreBackend, CoreHaltCause } from './core-backend'

const FOREVER_S = 20 * 86400

export class GdbBackedCore implements CoreBackend {
  readonly name: string
  private running = false
  private exited = false
  private cause: CoreHaltCause | undefined = 'request'
  private armed = new Set<number>()
  /** Bumped on every resume: a stop report from an earlier run is stale. */
  private run = 0
  instructionCount?: () => Promise<number>

  constructor(
    readonly target: GdbTarget,
    counter?: CycleCounter
  ) {
    this.name = `emulated core behind ${target.description}`
    if (counter) this.instructionCount = () => counter.read()
  }

  isHalted(): boolean {
    return !this.running
  }

  /** QEMU ends when the firmware exits through semihosting: to a probe that is a target without power. */
  isGone(): boolean {
    return this.exited
  }

  haltCause(): CoreHaltCause | undefined {
    return this.cause
  }

  private noteStop(reason: HaltReason): void {
    this.running = false
    if (reason.kind === 'exited') {
      this.exited = true
      this.cause = 'exited'
    } else if (reason.kind === 'breakpoint') this.cause = 'breakpoint'
    else if (reason.kind === 'step') this.cause = 'step'
    else this.cause = 'request'
  }

  private startRun(): void {
    this.running = true
    this.cause = undefined
    const run = ++this.run
    this.target.waitForHalt(FOREVER_S).then(
      (reason) => {
        if (run === this.run && this.running) this.noteStop(reason)
      },
      () => {
        if (run !== this.run) return
        // Connection gone: the core is as good as stopped for good.
        this.running = false
        this.exited = true
        this.cause = 'exited'
      }
    )
  }

  async halt(): Promise<void> {
    if (!this.running) return
    this.run++
    this.noteStop(await this.target.halt())
  }

  private async syncBreakpoints(wanted: number[]): Promise<void> {
    const want = new Set(wanted.map((a) => (a & ~1) >>> 0))
    for (const a of [...this.armed]) if (!want.has(a)) {
      await this.target.clearBreakpoint(a)
      this.armed.delete(a)
    }
    for (const a of want) if (!this.armed.has(a)) {
      await this.target.setBreakpoint(a)
      this.armed.add(a)
    }
  }

  async resume(breakpoints: number[]): Promise<void> {
    if (this.running || this.exited) return
    await this.syncBreakpoints(breakpoints)
    await this.target.resume()
    this.startRun()
  }

  async step(): Promise<void> {
    if (this.running || this.exited) return
    await this.target.step()
    this.cause = 'step'
  }

  async reset(haltAfter: boolean): Promise<void> {
    await this.whileStopped(async () => {
      await this.target.resetAndHalt()
      this.exited = false
    }, !haltAfter)
    if (haltAfter) this.cause = 'reset'
  }

  /** Runs `op` with the core stopped; a core that was running runs on afterwards (unless it stopped by itself meanwhile). */
  private async whileStopped<T>(op: () => Promise<T>, resumeAfter = this.running): Promise<T> {
    if (!this.running) {
      const result = await op()
      if (resumeAfter) await this.resume([...this.armed])
      return result
    }
    this.run++ // the stop we are about to cause is ours, not news for the watcher
    const reason = await this.target.halt()
    const ours = reason.kind === 'request'
    this.noteStop(reason)
    const result = await op()
    if (ours && resumeAfter) {
      await this.target.resume()
      this.startRun()
    }
    return result
  }

  readRegister(n: number): Promise<number> {
    return this.whileStopped(() => this.target.readRegister(n).catch(() => 0))
  }

  writeRegister(n: number, value: number): Promise<void> {
    return this.whileStopped(() => this.target.writeRegister(n, value).catch(() => undefined))
  }

  readMemory(address: number, length: number): Promise<Uint8Array | undefined> {
    if (this.exited) return Promise.resolve(undefined)
    return this.whileStopped(async () => {
      try {
        return await this.target.readMemory(address, length)
      } catch (e) {
        if (e instanceof GdbErrorReply) return undefined
        throw e
      }
    })
  }

  writeMemory(address: number, data: Uint8Array): Promise<boolean> {
    if (this.exited) return Promise.resolve(false)
    return this.whileStopped(async () => {
      try {
        await this.target.writeMemory(address, data)
        return true
      } catch (e) {
        if (e instanceof GdbErrorReply) return false
        throw e
      }
    })
  }
}
