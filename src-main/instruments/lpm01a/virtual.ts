/**
 * The LPM01A of the virtual bench: an emulated board on the device end of a fresh pty pair, sampling
 * the bench's DutSignal. Open `hostPath` with openSerial() and hand it to Lpm01aDriver.open(), exactly as
 * for a board on /dev/ttyACM0; `emulator.unplug()` closes the pair, which is what a pulled cable looks like.
 */
import { openPtyPair } from '../../transports/pty-pair'
import type { BenchClock, DutSignal } from '../../virtual-bench/dut-signal'
import { virtualIdentity, type VirtualInstrument } from '../../virtual-bench/registry'
import { startLpm01aEmulator, type Lpm01aEmulator, type Lpm01aEmulatorOptions } from './emulator'

export interface VirtualLpm01a {
  hostPath: string
  emulator: Lpm01aEmulator
  close(): Promise<void>
}

export async function createVirtualLpm01a(
  signal: DutSignal,
  clock?: BenchClock,
  options: Omit<Lpm01aEmulatorOptions, 'devicePath' | 'signal' | 'clock' | 'onUnplug'> = {}
): Promise<VirtualLpm01a> {
  const pair = await openPtyPair('lpm01a')
  try {
    const emulator = await startLpm01aEmulator({ ...options, devicePath: pair.devicePath, signal, clock, onUnplug: () => pair.close() })
    return {
      hostPath: pair.hostPath,
      emulator,
      async close() {
        await emulator.close()
        await pair.close()
      }
    }
  } catch (error) {
    await pair.close()
    throw error
  }
}

/** The Instruments list entry: an always-available emulated LPM01A behind a pty, on the bench's clock and DUT. */
export const lpm01aVirtualInstrument: VirtualInstrument = {
  identity: virtualIdentity('lpm01a', 'ST X-NUCLEO-LPM01A (PowerShield)', 'power-analyzer', '1.0.7'),
  description: 'Emulated PowerShield on a pseudo-terminal: same commands and bytes, 1 Hz–100 kHz, D7 events from the virtual DUT',
  async start({ clock, signal }) {
    const v = await createVirtualLpm01a(signal, clock, { boardId: 'VIRTUAL-LPM01A' })
    return { hostPath: v.hostPath, close: () => v.close() }
  }
}
