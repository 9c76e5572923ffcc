/**
 * One open probe session as the core holds it: the ProbeSession, a lock that keeps the API's requests
 * and the RTT poller from interleaving their transactions on the probe, and what the session learnt
 * (the last image written, for its RTT symbol). A GDB server is all-stop: it cannot touch memory while
 * the core runs, so accesses during a run halt the core for a moment and let it run on.
 */
import type { ProbeSession } from '../../probes/probe-session'
import type { FirmwareImage } from '../../probes/image/firmware-image'
import { CoreRegister, type DebugTarget } from '../../probes/debug-target'
import { GdbTarget } from '../../probes/gdb/gdb-target'
import type { ProbeSessionInfo, ProbeStatus } from '../methods/probes'

export class ManagedProbe {
  private queue: Promise<unknown> = Promise.resolve()
  /** The last image flashed or loaded through this session (its ELF locates the RTT control block). */
  lastImage: FirmwareImage | undefined
  /** Up channels streaming now (kept by the RTT streamer). */
  rttChannels: () => number[] = () => []

  constructor(
    readonly sessionId: string,
    readonly session: ProbeSession,
    public info: Omit<ProbeSessionInfo, keyof ProbeStatus>
  ) {}

  get target(): DebugTarget {
    return this.session.target
  }

  get label(): string {
    return `${this.session.id} (${this.target.description})`
  }

  /** Runs `op` with the probe to itself; operations queue in the order they were asked for. */
  exclusive<T>(op: () => Promise<T>): Promise<T> {
    const next = this.queue.then(op, op)
    this.queue = next.catch(() => undefined)
    return next
  }

  /** Resolves once everything queued so far has finished. */
  idle(): Promise<void> {
    return this.queue.then(() => undefined)
  }

  /** `op` with memory reachable: on a GDB server a running core is halted for it, then resumed. */
  async withMemory<T>(op: () => Promise<T>): Promise<T> {
    const t = this.target
    if (!(t instanceof GdbTarget) || !t.client.isRunning) return op()
    const reason = await t.halt()
    try {
      return await op()
    } finally {
      // Stopped by our request: let it run on. A breakpoint or exit that came first stays.
      if (reason.kind === 'request') await t.resume()
    }
  }

  async status(): Promise<ProbeStatus> {
    const halted = await this.target.isHalted()
    const pc = halted ? await this.target.readRegister(CoreRegister.pc).catch(() => null) : null
    return { sessionId: this.sessionId, halted, pc, rttChannels: this.rttChannels() }
  }
}
