/**
 * The virtual CMSIS-DAP bench: QEMU (mps2-an386) running our firmware, a GDB client on its stub, and the
 * emulated CMSIS-DAP probe in front of it as a USBDevice. What a newcomer gets without hardware, and
 * what the end-to-end tests drive the CMSIS-DAP stack through.
 */
import { GdbTarget } from '../gdb/gdb-target'
import { launchQemu, type QemuMachine, type QemuOptions } from '../qemu/qemu-machine'
import { readFirmwareImage } from '../image/firmware-image'
import { loadImage } from '../services/load'
import { EmulatedCmsisDap, type EmulatedDapOptions } from './emulated-cmsis-dap'
import { GdbBackedCore } from './gdb-core'
import { SwdTarget, type SwdTargetOptions } from './swd-target'

export interface VirtualCmsisDapOptions {
  /** An ELF to load before the probe is handed out (the core is left halted at its reset vector). */
  firmware?: string
  /** Emulate DWT_CYCCNT from QEMU's instruction count (record mode: UART input is then held back). */
  cycleCounter?: boolean
  qemu?: QemuOptions
  dap?: EmulatedDapOptions
  swd?: SwdTargetOptions
}

export interface VirtualCmsisDap {
  device: USBDevice
  probe: EmulatedCmsisDap
  qemu: QemuMachine
  gdb: GdbTarget
  close(): Promise<void>
}

export async function startVirtualCmsisDap(options: VirtualCmsisDapOptions = {}): Promise<VirtualCmsisDap> {
  const qemu = await launchQemu({ uart: 'none', ...options.qemu, countInstructions: options.cycleCounter ?? options.qemu?.countInstructions })
  let gdb: GdbTarget | undefined
  try {
    gdb = await GdbTarget.connect(qemu.gdbHost, qemu.gdbPort, { flavour: 'qemu', countsInstructions: qemu.countsInstructions })
    if (options.firmware) {
      await loadImage(gdb, readFirmwareImage(options.firmware))
      await gdb.resetAndHalt()
    }
    const core = new GdbBackedCore(gdb, qemu.countsInstructions ? await gdb.cycleCounter() : undefined)
    const probe = new EmulatedCmsisDap(new SwdTarget(core, options.swd), options.dap)
    const g = gdb
    return {
      device: probe.device,
      probe,
      qemu,
      gdb: g,
      async close() {
        await g.close().catch(() => undefined)
        await qemu.stop()
      }
    }
  } catch (e) {
    await gdb?.close().catch(() => undefined)
    await qemu.stop()
    throw e
  }
}
