import { demoBoardSignal } from './demo-board'
import { applyBenchFault, type BenchFault } from './bench-fault'
import { realTimeClock, type BenchClock, type DutSignal } from './dut-signal'
import { findVirtualInstrument, VIRTUAL_INSTRUMENTS } from './index'
import type { RunningVirtualInstrument } from './registry'

/**
 * One virtual bench: a clock, the DUT every virtual analyzer measures, and the emulators started on it.
 * With no virtual DUT plugged in, the analyzers see the demo board (the convolution study's loop), so a
 * newcomer's first capture already shows inferences.
 */
export class VirtualBench {
  private dut: DutSignal = demoBoardSignal()
  private readonly running = new Set<RunningVirtualInstrument>()
  /** A staged wiring fault (see bench-fault.ts): a virtual-bench control for the wiring guide. */
  fault: BenchFault = 'none'
  /** What the emulators sample; forwards to whichever DUT is plugged in at the time, through the staged fault. */
  readonly signal: DutSignal = {
    render: (t0S, periodS, currentA, digital) => {
      this.dut.render(t0S, periodS, currentA, digital)
      applyBenchFault(this.fault, currentA, digital)
    }
  }

  constructor(readonly clock: BenchClock = realTimeClock) {}

  /** Plug a DUT (a virtual MLPerf Tiny DUT, a test waveform) into the bench; null puts the demo board back. */
  plugDut(signal: DutSignal | null): void {
    this.dut = signal ?? demoBoardSignal()
  }

  /** Start the emulator of a virtual instrument (`virtual:ppk2` or `ppk2`) behind a fresh pty pair. */
  async start(id: string): Promise<RunningVirtualInstrument> {
    const entry = findVirtualInstrument(id.replace(/^virtual:/, ''))
    if (!entry) {
      const known = VIRTUAL_INSTRUMENTS.map((v) => v.identity.id).join(', ')
      throw new Error(`There is no virtual instrument "${id}". The virtual bench has: ${known}.`)
    }
    const started = await entry.start({ clock: this.clock, signal: this.signal })
    const tracked: RunningVirtualInstrument = {
      hostPath: started.hostPath,
      close: async () => {
        this.running.delete(tracked)
        await started.close()
      }
    }
    this.running.add(tracked)
    return tracked
  }

  async close(): Promise<void> {
    await Promise.all([...this.running].map((r) => r.close()))
  }
}
