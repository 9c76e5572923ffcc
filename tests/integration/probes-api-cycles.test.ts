/**
 * Cycle counts through the probes API (probes.cycles) and the run-plan hook (flash before a run, read
 * counts), on the virtual bench. The emulated CMSIS-DAP probe's DWT_CYCCNT follows QEMU's executed-
 * instruction count here, so counts are exact: jb_spin(n) is 2n + 2 instructions (firmware README), and
 * a kernel call counts the same as the kernel-latency board counts it.
 */
import { mkdtempSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeAll, describe, expect, it } from 'vitest'
import type { ApiEvent } from '../../src-main/api/contract'
import { JoulebenchCore } from '../../src-main/api/core'
import { probeSessions } from '../../src-main/api/probes/session-manager'
import { prepareProbeForRun, ProbeRunStepSchema, readRunCycleCounts } from '../../src-main/api/probes/run-steps'
import { buildBenchFirmware, FIRMWARE_SOURCE_DIR, type BenchFirmware } from '../../src-main/probes/qemu/bench-firmware'
import { startVirtualCmsisDap, type VirtualCmsisDap } from '../../src-main/probes/emulator/virtual-cmsis-dap'
import { call, noHardware, refusal } from '../helpers/api'

let fw: BenchFirmware
let spinTurns: number
beforeAll(async () => {
  fw = await buildBenchFirmware()
  // The initial value of jb_spin_turns, read from the firmware's source.
  spinTurns = Number(/volatile uint32_t jb_spin_turns = (\d+);/.exec(readFileSync(join(FIRMWARE_SOURCE_DIR, 'src/main-selftest.c'), 'utf8'))![1])
})

describe('cycle counts and run steps', () => {
  const cores: JoulebenchCore[] = []
  const benches: VirtualCmsisDap[] = []
  let events: ApiEvent[] = []
  afterEach(async () => {
    for (const c of cores.splice(0)) await c.close()
    for (const b of benches.splice(0)) await b.close()
  })
  const open = () => {
    const core = new JoulebenchCore({ dbPath: join(mkdtempSync(join(tmpdir(), 'jb-probes-cycles-')), 'w.db'), host: 'test', discovery: noHardware })
    cores.push(core)
    events = []
    core.onEvent((e) => events.push(e))
    return core
  }

  it('counts a function exactly through a probe with a cycle counter, and agrees with the kernel-latency board', async () => {
    const bench = await startVirtualCmsisDap({ firmware: fw.selftest, cycleCounter: true, dap: { serial: 'JB-CYC-0001' } })
    benches.push(bench)
    const core = open()
    probeSessions(core).useUsb({ getDevices: async () => [bench.device] })
    const s = await call(core, 'probes.connect', { id: 'cmsis-dap:JB-CYC-0001' })
    expect(s.target).toMatchObject({ dwtCycleCounter: true, cycleCounter: { unit: 'cycles' } })

    // Symbols need an ELF: none is known for a USB probe until one is given or flashed.
    expect((await refusal(core, 'probes.cycles', { sessionId: s.sessionId, function: 'jb_spin' })).message).toMatch(/no firmware ELF is known/)
    const spin = await call(core, 'probes.cycles', { sessionId: s.sessionId, function: 'jb_spin', elf: { path: fw.selftest } })
    expect(spin).toMatchObject({ counts: [2 * spinTurns + 2], unit: 'cycles', elf: 'selftest.elf' })
    expect(spin.what).toMatch(/^jb_spin \(0x[0-9a-f]+\)$/)

    const std = await call(core, 'probes.cycles', { sessionId: s.sessionId, function: 'jb_conv_std_s8', calls: 2, elf: { name: 'selftest.elf', bytes: new Uint8Array(readFileSync(fw.selftest)) } })
    expect(std.counts).toHaveLength(2)
    expect(std.mean).toBe((std.counts[0] + std.counts[1]) / 2)
    const board = await call(core, 'probes.kernelLatency', {})
    expect(std.counts).toEqual(board.calls.filter((c) => c.kind === 'standard').slice(0, 2).map((c) => c.count))
    expect((await call(core, 'probes.status', { sessionId: s.sessionId })).halted).toBe(true)

    const both = await refusal(core, 'probes.cycles', { sessionId: s.sessionId, function: 'jb_spin', start: 0, end: 4 })
    expect(both.code).toBe('invalid-params')
    expect(both.issues![0].message).toMatch(/either a function, or a region/)
  })

  it('says so when the target has no cycle counter', async () => {
    const core = open()
    const s = await call(core, 'probes.connect', { id: 'virtual:cmsis-dap' })
    expect(s.target.dwtCycleCounter).toBe(false)
    expect((await refusal(core, 'probes.cycles', { sessionId: s.sessionId, function: 'model_infer' })).message).toMatch(/virtual:cmsis-dap .* has no working cycle counter.*kernel latency view/)
  })

  it('prepares a probe for a run: loads or flashes the firmware, verifies it and lets it run', async () => {
    const core = open()
    expect(() => ProbeRunStepSchema.parse({ probe: 'virtual:cmsis-dap', flash: {} })).toThrow()
    expect(() => ProbeRunStepSchema.parse({ probe: 'virtual:cmsis-dap', cycles: { calls: 3 } })).toThrow(/either a function, or a region/)
    const step = ProbeRunStepSchema.parse({ probe: 'virtual:cmsis-dap', flash: { firmware: fw.dut, mode: 'load' } })
    const { sessionId, flash } = await prepareProbeForRun(core, step)
    expect(flash).toMatchObject({ mode: 'load', verified: true, running: true })
    expect((await call(core, 'probes.status', { sessionId })).halted).toBe(false)
    // The loaded DUT firmware runs: its RTT terminal says it is ready.
    await call(core, 'probes.rtt.start', { sessionId })
    const text = () => events.map((e) => (e.event === 'probes.rtt' ? e.data.text : '')).join('')
    while (!text().includes('m-init-done')) await new Promise((r) => setTimeout(r, 20))
    expect(await readRunCycleCounts(core, step, sessionId)).toBeNull()

    // The same probe again (the session is shared), flashing the bench image this time.
    const again = await prepareProbeForRun(core, ProbeRunStepSchema.parse({ probe: 'virtual:cmsis-dap', flash: { firmware: fw.flashImageElf } }))
    expect(again.sessionId).toBe(sessionId)
    expect(again.flash).toMatchObject({ mode: 'flash', verified: true, algorithm: 'jb-emuflash.flm' })
  })
})
