/**
 * The LPM01A of the virtual bench: an emulated board on the device end of a fresh pty pair, sampling
 * the bench's DutSignal. Open `hostPath` with openSerial() and hand it to Lpm01aDriver.open(), exactly as
 * for a board on /dev/ttyACM0; `emulator.unplug()` closes the pair, which is what a pulled cable looks like.
 */
import { openPtyPair } from '../../transports/pty-pair'
import type { BenchClock, DutSignal } from '../../virtual-bench/dut-signal'
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
