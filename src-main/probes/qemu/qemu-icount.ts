/**
 * Instruction counts on QEMU. QEMU has no cycle model and its DWT_CYCCNT reads 0, but with
 * `-icount shift=N,rr=record` it keeps an exact count of executed instructions, which the monitor
 * command `info replay` prints ("… instruction count = 12488"). The host reads it over GDB (qRcmd) while
 * the core is halted at the entry and exit breakpoints of a region.
 *
 * Why not the virtual clock through a board timer? While the VM is stopped under GDB and at each
 * resume, QEMU's icount "warp" lets some real time leak into the virtual clock (we measured 20–25 µs
 * per resume), so timer readings taken at breakpoints drift by a few hundred instructions. Why not
 * single-stepping? It is exact but costs one RSP round trip per instruction (kernels run 10^5–10^6
 * instructions); the tests use it as an independent cross-check on a small case.
 */
import type { CycleCounter } from '../debug-target'
import type { GdbClient } from '../gdb/gdb-client'

export class QemuIcountCounter implements CycleCounter {
  readonly unit = 'instructions' as const
  readonly description = "QEMU's executed-instruction count (-icount, record mode), not cycles"

  constructor(private readonly client: GdbClient) {}

  async start(): Promise<void> {
    await this.read()
  }

  async read(): Promise<number> {
    const text = await this.client.monitor('info replay')
    const match = /instruction count\s*=\s*(\d+)/.exec(text)
    if (!match) {
      throw new Error(
        `${this.client.serverName} does not report an instruction count ("info replay" said: ${text.trim().slice(0, 80) || 'nothing'}). Start QEMU with -icount shift=N,rr=record,rrfile=FILE (launchQemu({ countInstructions: true })).`
      )
    }
    return Number(match[1])
  }

  countBetween(earlier: number, later: number): number {
    return later - earlier
  }
}
