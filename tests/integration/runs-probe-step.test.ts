/**
 * A plan that loads firmware through a debug probe before the run and reads cycle counts after it,
 * through the core's run manager, on the virtual bench: a virtual DUT for the run itself and an emulated
 * CMSIS-DAP probe (its DWT_CYCCNT follows QEMU's executed instructions, so counts are exact:
 * jb_spin(n) is 2n + 2 instructions, per the firmware README).
 */
import { mkdtempSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { JoulebenchCore } from '../../src-main/api/core'
import { probeSessions } from '../../src-main/api/probes/session-manager'
import { buildBenchFirmware, FIRMWARE_SOURCE_DIR, type BenchFirmware } from '../../src-main/probes/qemu/bench-firmware'
import { startVirtualCmsisDap, type VirtualCmsisDap } from '../../src-main/probes/emulator/virtual-cmsis-dap'
import { defaultPlan } from '../../src-main/runs/plan-defaults'

let fw: BenchFirmware
let spinTurns: number
let probe: VirtualCmsisDap
let core: JoulebenchCore

beforeAll(async () => {
  fw = await buildBenchFirmware()
  spinTurns = Number(/volatile uint32_t jb_spin_turns = (\d+);/.exec(readFileSync(join(FIRMWARE_SOURCE_DIR, 'src/main-selftest.c'), 'utf8'))![1])
  probe = await startVirtualCmsisDap({ firmware: fw.selftest, cycleCounter: true, dap: { serial: 'JB-RUN-0001' } })
  core = new JoulebenchCore({ dbPath: join(mkdtempSync(join(tmpdir(), 'jb-run-probe-')), 'w.db'), host: 'test', discovery: { listSerialPorts: async () => [], listUsbDevices: async () => [] } })
  probeSessions(core).useUsb({ getDevices: async () => [probe.device] })
})
afterAll(async () => {
  await core?.close()
  await probe?.close()
})

describe('a run plan with a debug-probe step', () => {
  it('loads the firmware (verified), runs the benchmark, and stores the cycle counts with the probe', async () => {
    const plan = {
      ...defaultPlan('dut-only'),
      probe: { probe: 'cmsis-dap:JB-RUN-0001', flash: { firmware: fw.selftest, mode: 'load' as const }, cycles: { function: 'jb_spin', calls: 1 } }
    }
    const reply = await core.handle({ id: 1, method: 'runs.start', params: { plan } })
    expect(reply.ok, JSON.stringify(reply)).toBe(true)
    const run = core.runs.current!
    const detail = await run.done
    expect(detail.state, detail.stateReason ?? '').toBe('finished')
    const probeUsed = detail.instruments.find((i) => i.role === 'probe')!
    expect(probeUsed.identity).toMatchObject({ id: 'cmsis-dap:JB-RUN-0001', kind: 'debug-probe' })
    const settings = probeUsed.settings as { flash: { mode: string; verified: boolean }; cycles: { counts: number[]; unit: string } }
    expect(settings.flash).toMatchObject({ mode: 'load', verified: true })
    expect(settings.cycles.counts).toEqual([2 * spinTurns + 2])
    expect(settings.cycles.unit).toBe('cycles')
    expect(detail.notes.join('\n')).toMatch(/jb_spin .*: \d+ cycles on average over 1 call/)
  })

  it('refuses a probe step that names neither a function nor a whole region, naming the field', async () => {
    const plan = { ...defaultPlan('dut-only'), probe: { probe: 'virtual:cmsis-dap', cycles: { start: 0x100 } } }
    const reply = await core.handle({ id: 2, method: 'plans.validate', params: { plan } })
    expect(reply.ok).toBe(true)
    const r = (reply as { result: { ok: boolean; issues: Array<{ path: string; message: string }> } }).result
    expect(r.ok).toBe(false)
    expect(r.issues.some((i) => i.path.startsWith('probe.cycles') && /either a function, or a region/.test(i.message))).toBe(true)
  })
})
