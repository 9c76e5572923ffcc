/**
 * RTT up channels of one session as `probes.rtt` text events: one poller reads every streaming channel
 * under the session's lock, and a TextBatcher per channel turns what it reads into at most ten events a
 * second, however fast the target writes. A poll that fails stops the streams and says why.
 */
import { readFileSync } from 'node:fs'
import { ElfFile } from '../../probes/elf/elf-file'
import { GdbConnectionError } from '../../probes/gdb/gdb-client'
import { RttClient, RttError, type RamRange } from '../../probes/services/rtt'
import { ProbeAccessError } from '../../probes/usb-errors'
import type { ApiEvents } from '../contract'
import type { RttStarted } from '../methods/probes'
import type { ManagedProbe } from './managed-probe'
import { TextBatcher } from './text-batcher'

type Emit = <K extends keyof ApiEvents>(event: K, data: ApiEvents[K]) => void

/** USB probes read memory in the background; a GDB server halts the core per poll, so poll it less. */
const POLL_S_USB = 0.02
const POLL_S_GDB = 0.1
const BATCH_INTERVAL_S = 0.1
const BATCH_MAX_BYTES = 16 * 1024
/** The firmware sets its control block up at start: keep trying to attach for this long. */
const ATTACH_WINDOW_S = 3

export interface RttStartOptions {
  channel: number
  controlBlockAddress?: number
  scan?: RamRange
  resume: boolean
}

export function isLinkLost(e: unknown): boolean {
  return e instanceof GdbConnectionError || (e instanceof ProbeAccessError && e.reason === 'gone')
}

export class RttStreamer {
  private client: RttClient | undefined
  private readonly streams = new Map<number, TextBatcher>()
  private timer: NodeJS.Timeout | undefined
  private polling = false

  constructor(
    private readonly probe: ManagedProbe,
    private readonly emit: Emit,
    private readonly onLinkLost: (reason: string) => void
  ) {}

  channels(): number[] {
    return [...this.streams.keys()].sort((a, b) => a - b)
  }

  private elfCandidates(): ElfFile[] {
    const out: ElfFile[] = []
    const last = this.probe.lastImage?.elf
    if (last?.symbol('_SEGGER_RTT')) out.push(last)
    const board = this.probe.session.board
    if (board) out.push(new ElfFile(readFileSync(board.firmware), board.firmware))
    return out
  }

  private async attach(options: RttStartOptions): Promise<RttClient> {
    const t = this.probe.target
    const board = this.probe.session.board
    const ram = board?.memory.ram
    const ways: Array<() => Promise<RttClient>> = []
    if (options.controlBlockAddress !== undefined) ways.push(() => RttClient.attach(t, { address: options.controlBlockAddress, ram }))
    else if (options.scan) ways.push(() => RttClient.attach(t, { scan: [options.scan!], ram }))
    else {
      for (const elf of this.elfCandidates()) ways.push(() => RttClient.attach(t, { elf, ram }))
      const scan = board ? [board.memory.firmwareRam] : this.probe.info.target.memory.filter((r) => r.kind === 'ram').map((r) => ({ start: r.start, size: Math.min(r.sizeBytes, 0x10000) }))
      if (scan.length) ways.push(() => RttClient.attach(t, { scan, ram }))
    }
    if (ways.length === 0) {
      throw new RttError(`${this.probe.label} has no known RAM to look for the RTT control block in. Give its address (the _SEGGER_RTT symbol of the firmware) or a RAM range to scan.`)
    }
    const deadline = performance.now() + ATTACH_WINDOW_S * 1000
    for (;;) {
      let last: unknown
      for (const way of ways) {
        try {
          return await this.probe.exclusive(() => this.probe.withMemory(way))
        } catch (e) {
          if (!(e instanceof RttError)) throw e
          last = e
        }
      }
      if (performance.now() > deadline) throw last
      await new Promise((r) => setTimeout(r, 50))
    }
  }

  async start(options: RttStartOptions): Promise<RttStarted> {
    const t = this.probe.target
    if (options.resume) await this.probe.exclusive(async () => (await t.isHalted()) && t.resume())
    if (!this.client || options.controlBlockAddress !== undefined || options.scan) this.client = await this.attach(options)
    const client = this.client
    const up = client.up.find((c) => c.index === options.channel)
    if (!up) {
      throw new RttError(`${this.probe.label} has no RTT up channel ${options.channel}; it has ${client.up.map((c) => `${c.index}${c.name ? ` (${c.name})` : ''}`).join(', ') || 'none'}.`)
    }
    if (!this.streams.has(options.channel)) this.streams.set(options.channel, new TextBatcher({ intervalS: BATCH_INTERVAL_S, maxBytes: BATCH_MAX_BYTES }))
    this.schedule()
    const info = (c: { index: number; name: string | null; size: number }) => ({ index: c.index, name: c.name, sizeBytes: c.size })
    return { channel: options.channel, controlBlockAddress: client.controlBlockAddress, up: client.up.map(info), down: client.down.map(info) }
  }

  async write(channel: number, text: string): Promise<{ written: number; bytes: number }> {
    const client = this.client ?? (await this.attach({ channel: 0, resume: false }))
    this.client = client
    const data = new TextEncoder().encode(text)
    const written = await this.probe.exclusive(() => this.probe.withMemory(() => client.write(channel, data)))
    return { written, bytes: data.length }
  }

  /** Stops one channel (or all); what was read and not yet sent goes out first. */
  stop(channel?: number): number[] {
    const stopped = channel === undefined ? this.channels() : this.streams.has(channel) ? [channel] : []
    for (const c of stopped) {
      this.flush(c, true)
      this.streams.delete(c)
      this.emit('probes.rtt.stopped', { sessionId: this.probe.sessionId, channel: c, error: null })
    }
    if (this.streams.size === 0) this.halt()
    return stopped
  }

  /** Ends every stream, with `error` when it was not asked for; forgets the control block. */
  stopAll(error: string | null): void {
    for (const c of this.channels()) {
      this.flush(c, true)
      this.streams.delete(c)
      this.emit('probes.rtt.stopped', { sessionId: this.probe.sessionId, channel: c, error })
    }
    this.client = undefined
    this.halt()
  }

  private halt(): void {
    clearTimeout(this.timer)
    this.timer = undefined
  }

  private schedule(): void {
    if (this.timer || this.polling || this.streams.size === 0) return
    const period = this.probe.session.kind === 'gdb' || this.probe.session.id === 'virtual:qemu' ? POLL_S_GDB : POLL_S_USB
    this.timer = setTimeout(() => {
      this.timer = undefined
      void this.poll()
    }, period * 1000)
  }

  private flush(channel: number, force: boolean): void {
    const batch = this.streams.get(channel)?.take(performance.now() / 1000, force)
    if (batch) this.emit('probes.rtt', { sessionId: this.probe.sessionId, channel, ...batch })
  }

  private async poll(): Promise<void> {
    const client = this.client
    if (!client || this.streams.size === 0) return
    this.polling = true
    try {
      const channels = this.channels()
      const reads = await this.probe.exclusive(() =>
        this.probe.withMemory(async () => {
          const out: Array<[number, Uint8Array]> = []
          for (const c of channels) out.push([c, await client.read(c)])
          return out
        })
      )
      for (const [c, data] of reads) {
        this.streams.get(c)?.push(data)
        this.flush(c, false)
      }
    } catch (e) {
      const message = `RTT stopped on ${this.probe.label}: ${(e as Error).message}`
      this.stopAll(message)
      if (isLinkLost(e)) this.onLinkLost(message)
      return
    } finally {
      this.polling = false
    }
    this.schedule()
  }
}
