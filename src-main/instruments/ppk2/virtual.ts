import { mkdtempSync, rmSync, symlinkSync, unlinkSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { openPtyPair, type PtyPair } from '../../transports/pty-pair'
import { openSerial, type SerialTransport } from '../../transports/serial'
import type { BenchClock, DutSignal } from '../../virtual-bench/dut-signal'
import { virtualIdentity, type VirtualInstrument } from '../../virtual-bench/registry'
import { startPpk2Emulator, type Ppk2EmulatorHandle, type Ppk2EmulatorOptions } from './emulator'

export type VirtualPpk2Options = Omit<Ppk2EmulatorOptions, 'devicePath' | 'disconnect' | 'signal' | 'clock'>

/**
 * A PPK2 of the virtual bench: the emulator on one end of a pty pair, and a stable host path (a link
 * that survives unplug and replug, as /dev/serial/by-id does for a real unit) for the driver to open.
 */
export interface VirtualPpk2 {
  readonly hostPath: string
  /** The emulated unit now plugged in (a replug is a fresh unit with the same calibration). */
  readonly emulator: Ppk2EmulatorHandle
  /** Every unit plugged in so far, oldest first, for ground truth across a replug. */
  readonly history: readonly Ppk2EmulatorHandle[]
  readonly plugged: boolean
  /** Opens the host side as a driver would (also the reconnect `open`). */
  open(): Promise<SerialTransport>
  unplug(): Promise<void>
  replug(): Promise<void>
  close(): Promise<void>
}

export async function createVirtualPpk2(signal: DutSignal, clock?: BenchClock, options: VirtualPpk2Options = {}): Promise<VirtualPpk2> {
  const dir = mkdtempSync(join(tmpdir(), 'jb-ppk2-'))
  const hostPath = join(dir, 'ppk2')
  const history: Ppk2EmulatorHandle[] = []
  let pair: PtyPair | null = null
  let plugged = false

  const plugIn = async (): Promise<void> => {
    const p = await openPtyPair('ppk2')
    pair = p
    try {
      unlinkSync(hostPath)
    } catch {
      // first plug: no link yet
    }
    symlinkSync(p.hostPath, hostPath)
    const emulator = await startPpk2Emulator({
      ...options,
      // After a replug, faults and truth start afresh on the new unit.
      faults: history.length === 0 ? options.faults : [],
      devicePath: p.devicePath,
      signal,
      clock,
      disconnect: async () => {
        plugged = false
        await p.close()
      }
    })
    history.push(emulator)
    plugged = true
  }
  await plugIn()

  return {
    hostPath,
    get emulator() {
      return history[history.length - 1]
    },
    history,
    get plugged() {
      return plugged
    },
    open: () => openSerial(hostPath),
    async unplug() {
      if (plugged) await history[history.length - 1].unplug()
    },
    async replug() {
      if (plugged) await history[history.length - 1].unplug()
      await plugIn()
    },
    async close() {
      if (plugged) await history[history.length - 1].close()
      await (pair as PtyPair | null)?.close()
      plugged = false
      rmSync(dir, { recursive: true, force: true })
    }
  }
}

/** The Instruments list entry: an always-available emulated PPK2 behind a pty, on the bench's clock and DUT. */
export const ppk2VirtualInstrument: VirtualInstrument = {
  identity: virtualIdentity('ppk2', 'Nordic Power Profiler Kit II', 'power-analyzer'),
  description:
    'Emulated PPK2 on a pseudo-terminal: same commands and sample words, 100 kS/s with automatic ranging, switching spikes and D0–D7 from the virtual DUT',
  async start({ clock, signal }) {
    const v = await createVirtualPpk2(signal, clock)
    return { hostPath: v.hostPath, close: () => v.close() }
  }
}
