/**
 * The probe sessions a core owns: opened by probes.connect, closed by probes.disconnect, by a lost
 * link, and all of them when the core closes (so no QEMU, socket or claimed USB interface outlives it).
 */
import { listProbes, openProbeSession, VIRTUAL_PROBE_IDS, type ProbeSession } from '../../probes/probe-session'
import type { ApiEvents } from '../contract'
import type { JoulebenchCore } from '../core'
import type { ProbeEntry, ProbeList, ProbeSessionInfo } from '../methods/probes'
import { ManagedProbe } from './managed-probe'
import { RttStreamer } from './rtt-streamer'
import { describeProbe, describeTarget } from './target-info'

export type EmitProbeEvent = <K extends keyof ApiEvents>(event: K, data: ApiEvents[K]) => void

export interface ProbeSessionManagerOptions {
  emit: EmitProbeEvent
  /** A WebUSB object to list and open USB probes from (default: the `usb` package; tests give an emulated one). */
  usb?: { getDevices(): Promise<USBDevice[]> }
}

const VIRTUAL_ENTRIES: Record<(typeof VIRTUAL_PROBE_IDS)[number], Pick<ProbeEntry, 'family' | 'model' | 'serial' | 'description' | 'detail'>> = {
  'virtual:cmsis-dap': {
    family: 'cmsis-dap',
    model: 'Emulated CMSIS-DAP v2',
    serial: 'JB-EMU-0001',
    description: 'an emulated CMSIS-DAP v2 probe in front of QEMU (mps2-an386, Cortex-M4) running the benchmark firmware',
    detail: 'v2 (bulk), SWD'
  },
  'virtual:stlink': {
    family: 'stlink',
    model: 'Emulated ST-LINK/V2-1',
    serial: 'JB-EMU-STLINK',
    description: 'an emulated ST-LINK/V2-1 in front of QEMU (mps2-an386, Cortex-M4) running the benchmark firmware',
    detail: 'v2-1, SWD'
  },
  'virtual:qemu': {
    family: 'gdb',
    model: 'QEMU GDB server',
    serial: null,
    description: "QEMU's own GDB server (mps2-an386, Cortex-M4) running the benchmark firmware; the board for kernel latency against MACs",
    detail: 'GDB remote protocol'
  }
}

const GDB_HINT = 'GDB servers (OpenOCD, pyOCD, SEGGER J-Link GDB Server, probe-rs gdb, QEMU) are not listed: connect them by address, e.g. gdb:openocd@localhost:3333.'

export class ProbeSessionManager {
  private readonly sessions = new Map<string, ManagedProbe>()
  private readonly opening = new Map<string, Promise<ManagedProbe>>()
  private readonly streamers = new Map<string, RttStreamer>()
  /** Work outside a session (kernel latency boards) that closing must end. */
  private readonly tasks = new Set<{ stop(): Promise<void> }>()
  private nextId = 1
  private closed = false

  constructor(private readonly options: ProbeSessionManagerOptions) {}

  /** Lists and opens USB probes through this WebUSB object from now on (tests give an emulated one). */
  useUsb(usb: { getDevices(): Promise<USBDevice[]> }): void {
    this.options.usb = usb
  }

  async list(): Promise<ProbeList> {
    const { probes, hint } = await listProbes({ usb: this.options.usb })
    const byProbe = new Map([...this.sessions.values()].map((m) => [m.session.id, m.sessionId]))
    const attached: ProbeEntry[] = probes.map((p) => ({
      id: p.id,
      kind: 'debug-probe',
      family: p.family,
      model: p.model,
      serial: p.serial,
      firmware: null,
      location: null,
      virtual: false,
      description: p.family === 'jlink' ? 'a SEGGER J-Link: connect it through its GDB server' : 'attached over USB',
      detail: p.detail,
      sessionId: byProbe.get(p.id) ?? null
    }))
    // Sessions on GDB servers are not discoverable: list them so they can be seen and disconnected.
    const servers: ProbeEntry[] = [...this.sessions.values()]
      .filter((m) => m.session.kind === 'gdb')
      .map((m) => ({ id: m.session.id, kind: 'debug-probe', family: 'gdb', model: 'GDB server', serial: null, firmware: null, location: m.session.id.slice(4), virtual: false, description: m.target.description, detail: 'GDB remote protocol', sessionId: m.sessionId }))
    const virtual: ProbeEntry[] = VIRTUAL_PROBE_IDS.map((id) => ({ id, kind: 'debug-probe', firmware: null, location: null, virtual: true, sessionId: byProbe.get(id) ?? null, ...VIRTUAL_ENTRIES[id] }))
    // The probe layer words its hint for the command line (--probe ID); the list is read in the app too.
    const usbHint = hint?.replace(/ \(--probe ([^)]+)\)/g, ' ($1)')
    return { probes: [...attached, ...servers, ...virtual], hints: [...(usbHint ? [usbHint] : []), GDB_HINT] }
  }

  sessionList(): ManagedProbe[] {
    return [...this.sessions.values()]
  }

  /** Opens the probe (or returns its open session: a USB probe can be claimed only once). */
  async connect(id: string, clockHz?: number): Promise<ManagedProbe> {
    if (this.closed) throw new Error('Joulebench is shutting down; no probe can be connected now.')
    const probeId = id === 'virtual' ? 'virtual:cmsis-dap' : id
    const open = [...this.sessions.values()].find((m) => m.session.id === probeId)
    if (open) return open
    let pending = this.opening.get(probeId)
    if (!pending) {
      pending = this.open(probeId, clockHz).finally(() => this.opening.delete(probeId))
      this.opening.set(probeId, pending)
    }
    return pending
  }

  private async open(probeId: string, clockHz: number | undefined): Promise<ManagedProbe> {
    let session: ProbeSession
    try {
      session = await openProbeSession(probeId, { clockHz, usb: this.options.usb })
    } catch (e) {
      const message = (e as Error).message || String(e)
      throw new Error(message.includes(probeId) ? message : `Cannot connect to ${probeId}: ${message}`)
    }
    try {
      const target = await describeTarget(session)
      const virtual = probeId.startsWith('virtual:')
      const notes: string[] = []
      if (session.kind === 'gdb' || probeId === 'virtual:qemu') notes.push('A GDB server cannot read memory while the core runs: memory reads and RTT polls halt the core for a moment and let it run on.')
      if (probeId === 'virtual:qemu') notes.push('Kernel latency against MACs runs on a fresh QEMU board in instruction-counting mode, beside this session.')
      const info: Omit<ProbeSessionInfo, 'sessionId' | 'halted' | 'pc' | 'rttChannels'> = {
        probeId: session.id,
        kind: session.kind,
        virtual,
        description: session.target.description,
        probe: describeProbe(session),
        target,
        notes
      }
      const managed = new ManagedProbe(`probe-${this.nextId++}`, session, info)
      if (this.closed) throw new Error('Joulebench is shutting down; the probe was closed again.')
      this.sessions.set(managed.sessionId, managed)
      const rtt = new RttStreamer(managed, this.options.emit, (reason) => void this.lost(managed, reason))
      this.streamers.set(managed.sessionId, rtt)
      managed.rttChannels = () => rtt.channels()
      return managed
    } catch (e) {
      await session.close().catch(() => undefined)
      throw e
    }
  }

  get(sessionId: string): ManagedProbe {
    const m = this.sessions.get(sessionId)
    if (m) return m
    const open = [...this.sessions.values()].map((s) => `${s.sessionId} (${s.session.id})`)
    throw new Error(`There is no probe session "${sessionId}": it was disconnected, lost, or never opened. Connect the probe again (probes.connect).${open.length ? ` Open sessions: ${open.join(', ')}.` : ''}`)
  }

  rtt(sessionId: string): RttStreamer {
    this.get(sessionId)
    return this.streamers.get(sessionId)!
  }

  async info(m: ManagedProbe): Promise<ProbeSessionInfo> {
    return { ...m.info, ...(await m.exclusive(() => m.status())) }
  }

  async disconnect(sessionId: string, reason = 'disconnected'): Promise<boolean> {
    const m = this.sessions.get(sessionId)
    if (!m) return false
    this.sessions.delete(sessionId)
    const rtt = this.streamers.get(sessionId)
    this.streamers.delete(sessionId)
    rtt?.stopAll(null)
    // Let a request in progress finish (briefly), then close under it regardless.
    await Promise.race([m.idle(), new Promise((r) => setTimeout(r, 2000).unref())])
    await m.session.close().catch(() => undefined)
    this.options.emit('probes.closed', { sessionId, probeId: m.session.id, reason })
    return true
  }

  private async lost(m: ManagedProbe, reason: string): Promise<void> {
    if (this.sessions.get(m.sessionId) === m) await this.disconnect(m.sessionId, reason)
  }

  /** Keeps `task` stoppable by close() while it runs. */
  async track<T>(task: { stop(): Promise<void> }, run: () => Promise<T>): Promise<T> {
    if (this.closed) throw new Error('Joulebench is shutting down.')
    this.tasks.add(task)
    try {
      return await run()
    } finally {
      this.tasks.delete(task)
    }
  }

  async closeAll(): Promise<void> {
    this.closed = true
    await Promise.allSettled([...this.opening.values()])
    for (const t of [...this.tasks]) await t.stop().catch(() => undefined)
    for (const id of [...this.sessions.keys()]) await this.disconnect(id, 'Joulebench closed')
  }
}

const managers = new WeakMap<JoulebenchCore, ProbeSessionManager>()

/** The core's probe sessions (made on first use). */
export function probeSessions(core: JoulebenchCore): ProbeSessionManager {
  let m = managers.get(core)
  if (!m) managers.set(core, (m = new ProbeSessionManager({ emit: (event, data) => core.emit(event, data) })))
  return m
}

/** Closes every probe session of the core: called by JoulebenchCore.close(). */
export async function closeProbeSessions(core: JoulebenchCore): Promise<void> {
  await managers.get(core)?.closeAll()
}
