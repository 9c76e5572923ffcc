/**
 * The probes API as a client drives it, through JoulebenchCore.handle on a real workspace file, against
 * the virtual bench: QEMU running the benchmark firmware behind the emulated CMSIS-DAP and ST-LINK
 * probes and QEMU's own GDB server. Expected bytes come from binutils (objcopy, nm) and from a HEX
 * reader written here, not from the code under test.
 */
import { execFileSync } from 'node:child_process'
import { mkdtempSync, readFileSync } from 'node:fs'
import { connect } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeAll, describe, expect, it } from 'vitest'
import type { ApiEvent } from '../../src-main/api/contract'
import { JoulebenchCore } from '../../src-main/api/core'
import { probeSessions } from '../../src-main/api/probes/session-manager'
import { buildBenchFirmware, type BenchFirmware } from '../../src-main/probes/qemu/bench-firmware'
import { startVirtualCmsisDap, type VirtualCmsisDap } from '../../src-main/probes/emulator/virtual-cmsis-dap'
import { launchQemu } from '../../src-main/probes/qemu/qemu-machine'
import { call, noHardware, refusal } from '../helpers/api'
import { mutate, prng, randomBytes } from '../helpers/prng'

let fw: BenchFirmware
let text: Uint8Array
let rttAddress: number
let workDir: string

/** Data records of an Intel HEX file as address → byte (types 00, 02 and 04; the public format). */
function hexBytes(source: string): Map<number, number> {
  const out = new Map<number, number>()
  let base = 0
  for (const line of source.split(/\r?\n/)) {
    if (!line.startsWith(':')) continue
    const b = Buffer.from(line.slice(1), 'hex')
    const count = b[0]
    const offset = (b[1] << 8) | b[2]
    const type = b[3]
    const data = b.subarray(4, 4 + count)
    if (type === 0) data.forEach((v, i) => out.set(base + offset + i, v))
    else if (type === 2) base = ((data[0] << 8) | data[1]) * 16
    else if (type === 4) base = ((data[0] << 8) | data[1]) * 65536
  }
  return out
}

beforeAll(async () => {
  fw = await buildBenchFirmware() // the folder the virtual bench loads from
  workDir = mkdtempSync(join(tmpdir(), 'jb-probes-api-'))
  const bin = join(workDir, 'dut-text.bin')
  execFileSync('arm-none-eabi-objcopy', ['-O', 'binary', '-j', '.text', fw.dut, bin])
  text = readFileSync(bin)
  const nm = execFileSync('arm-none-eabi-nm', [fw.dut], { encoding: 'utf8' })
  rttAddress = parseInt(/^([0-9a-f]+) \w _SEGGER_RTT$/m.exec(nm)![1], 16)
})

describe('probes API on the virtual bench', () => {
  const cores: JoulebenchCore[] = []
  const benches: VirtualCmsisDap[] = []
  let events: ApiEvent[] = []
  afterEach(async () => {
    for (const c of cores.splice(0)) await c.close()
    for (const b of benches.splice(0)) await b.close()
  })

  const open = () => {
    const core = new JoulebenchCore({ dbPath: join(mkdtempSync(join(tmpdir(), 'jb-probes-api-db-')), 'w.db'), host: 'test', discovery: noHardware })
    cores.push(core)
    events = []
    core.onEvent((e) => events.push(e))
    return core
  }
  /** RTT text of a session's channel so far. */
  const rttText = (sessionId: string, channel = 0) =>
    events
      .filter((e) => e.event === 'probes.rtt' && e.data.sessionId === sessionId && e.data.channel === channel)
      .map((e) => (e.event === 'probes.rtt' ? e.data.text : ''))
      .join('')
  /** Waits (without a clock of its own: the test timeout bounds it) until `predicate` holds. */
  async function until(predicate: () => boolean): Promise<void> {
    while (!predicate()) await new Promise((r) => setTimeout(r, 20))
  }
  const le32 = (b: Uint8Array, o: number) => new DataView(b.buffer, b.byteOffset).getUint32(o, true)

  it('lists the virtual probes, marked virtual, and says why no USB probe is listed on a machine without USB', async () => {
    const core = open()
    const list = await call(core, 'probes.list', {})
    expect(list.probes.map((p) => [p.id, p.virtual, p.kind])).toEqual([
      ['virtual:cmsis-dap', true, 'debug-probe'],
      ['virtual:stlink', true, 'debug-probe'],
      ['virtual:qemu', true, 'debug-probe']
    ])
    expect(list.probes.every((p) => p.sessionId === null)).toBe(true)
    expect(list.hints.join('\n')).toMatch(/no USB bus/)
    expect(list.hints.join('\n')).toMatch(/gdb:openocd@localhost:3333/)
  })

  it('connects the virtual CMSIS-DAP probe, describes its target, and reads back what the firmware put in memory', async () => {
    const core = open()
    const s = await call(core, 'probes.connect', { id: 'virtual:cmsis-dap' })
    expect(s).toMatchObject({ probeId: 'virtual:cmsis-dap', kind: 'virtual', virtual: true, halted: true, rttChannels: [] })
    // Halted at the reset handler that the vector table (objcopy's .text, word 1) names.
    expect(s.pc).toBe(le32(text, 4) & ~1)
    expect(s.description).toMatch(/CMSIS-DAP probe .*JB-EMU-0001.* on a Cortex-M4/)
    expect(s.probe).toMatchObject({ serial: 'JB-EMU-0001', vendor: 'Joulebench' })
    // ARM's SW-DP of Cortex-M3/M4 parts: designer 0x23B (JEP106 ARM), DPv1, part 0xBA.
    const dp = s.target.dpIdr!
    expect([(dp >>> 1) & 0x7ff, (dp >>> 12) & 0xf, (dp >>> 20) & 0xff]).toEqual([0x23b, 1, 0xba])
    expect(s.target).toMatchObject({ core: 'Cortex-M4', cpuPartNumber: 0xc24, dwtCycleCounter: false, firmware: 'dut.elf' })
    // The firmware README: 256 KiB of emulated flash at 0x00200000, 1 KiB pages; data RAM at 0x20000000.
    expect(s.target.flashAlgorithm).toMatchObject({ flashStart: 0x00200000, flashSizeBytes: 256 * 1024, pageSizeBytes: 1024 })
    expect(s.target.memory.some((r) => r.kind === 'ram' && r.start === 0x20000000)).toBe(true)

    const listed = await call(core, 'probes.list', {})
    expect(listed.probes.find((p) => p.id === 'virtual:cmsis-dap')!.sessionId).toBe(s.sessionId)
    // Connecting again gives the same session (a probe is claimed once).
    expect((await call(core, 'probes.connect', { id: 'virtual:cmsis-dap' })).sessionId).toBe(s.sessionId)

    const code = await call(core, 'probes.read', { sessionId: s.sessionId, address: 0, length: 256 })
    expect(code.bytes).toBeInstanceOf(Uint8Array)
    expect(Buffer.from(code.bytes)).toEqual(Buffer.from(text.subarray(0, 256)))
    // An unaligned read across a word boundary.
    const odd = await call(core, 'probes.read', { sessionId: s.sessionId, address: 0x43, length: 7 })
    expect(Buffer.from(odd.bytes)).toEqual(Buffer.from(text.subarray(0x43, 0x4a)))

    // Run the firmware: it sets up its RTT control block, which the halted core then shows.
    await call(core, 'probes.resume', { sessionId: s.sessionId })
    expect((await call(core, 'probes.status', { sessionId: s.sessionId })).halted).toBe(false)
    // Read while it runs until the firmware has written the control block's ID (CMSIS-DAP reads in the background).
    for (;;) {
      const id = await call(core, 'probes.read', { sessionId: s.sessionId, address: rttAddress, length: 16 })
      if (Buffer.from(id.bytes).toString('latin1') === 'SEGGER RTT\0\0\0\0\0\0') break
      await new Promise((r) => setTimeout(r, 20))
    }
    const halted = await call(core, 'probes.halt', { sessionId: s.sessionId })
    expect(halted.halted).toBe(true)
    expect(halted.pc).not.toBeNull()
    const reset = await call(core, 'probes.reset', { sessionId: s.sessionId, halt: true })
    expect(reset).toMatchObject({ halted: true, pc: le32(text, 4) & ~1 })

    expect(await call(core, 'probes.disconnect', { sessionId: s.sessionId })).toEqual({ closed: true })
    expect(events.some((e) => e.event === 'probes.closed' && e.data.sessionId === s.sessionId)).toBe(true)
    expect((await refusal(core, 'probes.read', { sessionId: s.sessionId, address: 0, length: 4 })).message).toMatch(/no probe session "probe-1".*Connect the probe again/)
  })

  it('streams RTT text as batched events and writes to the down channel', async () => {
    const core = open()
    const s = await call(core, 'probes.connect', { id: 'virtual:cmsis-dap' })
    const started = await call(core, 'probes.rtt.start', { sessionId: s.sessionId, channel: 0 })
    expect(started.controlBlockAddress).toBe(rttAddress)
    expect(started.up[0]).toEqual({ index: 0, name: 'Terminal', sizeBytes: 1024 })
    expect((await call(core, 'probes.status', { sessionId: s.sessionId })).rttChannels).toEqual([0])
    // The DUT firmware mirrors its MLPerf Tiny replies to RTT up channel 0 and takes commands on down channel 0.
    await until(() => rttText(s.sessionId).includes('m-init-done\r\nm-ready\r\n'))
    expect(await call(core, 'probes.rtt.write', { sessionId: s.sessionId, text: 'name%' })).toEqual({ written: 5, bytes: 5 })
    await until(() => rttText(s.sessionId).includes('m-name-dut-[joulebench-qemu-mps2]\r\nm-ready\r\n'))
    const batches = events.filter((e) => e.event === 'probes.rtt')
    for (const b of batches) if (b.event === 'probes.rtt') expect(b.data.droppedBytes).toBe(0)
    // Batched: far fewer events than the 20 ms polls or the lines they carry.
    expect(batches.length).toBeLessThan(rttText(s.sessionId).split('\n').length)

    expect((await refusal(core, 'probes.rtt.start', { sessionId: s.sessionId, channel: 5 })).message).toMatch(/has no RTT up channel 5; it has 0 \(Terminal\)/)
    expect(await call(core, 'probes.rtt.stop', { sessionId: s.sessionId })).toEqual({ stopped: [0] })
    expect(events.some((e) => e.event === 'probes.rtt.stopped' && e.data.channel === 0 && e.data.error === null)).toBe(true)
    expect((await call(core, 'probes.status', { sessionId: s.sessionId })).rttChannels).toEqual([])
  })

  it('flashes the bench image sent as bytes, with progress, and reads it back from flash', async () => {
    const core = open()
    const s = await call(core, 'probes.connect', { id: 'virtual:cmsis-dap' })
    const hexText = readFileSync(fw.flashImageHex, 'utf8')
    const image = hexBytes(hexText)
    const addresses = [...image.keys()].sort((a, b) => a - b)
    const pages = new Set(addresses.map((a) => Math.floor(a / 1024)))
    const sectors = new Set(addresses.map((a) => Math.floor(a / 4096)))

    // A stream running when the image changes is stopped, and says why.
    await call(core, 'probes.rtt.start', { sessionId: s.sessionId })
    const r = await call(core, 'probes.flash', { sessionId: s.sessionId, firmware: { name: 'selftest-flash.hex', bytes: new Uint8Array(Buffer.from(hexText)) } })
    expect(events.find((e) => e.event === 'probes.rtt.stopped')).toMatchObject({ data: { sessionId: s.sessionId, channel: 0, error: expect.stringMatching(/image changed.*start RTT again/) } })
    expect(r).toMatchObject({ mode: 'flash', verified: true, bytes: image.size, pagesProgrammed: pages.size, sectorsErased: sectors.size, algorithm: 'jb-emuflash.flm', running: false })
    expect(r.image).toMatchObject({ fileName: 'selftest-flash.hex', format: 'hex', sizeBytes: image.size })

    const progress = events.filter((e) => e.event === 'probes.progress').map((e) => (e.event === 'probes.progress' ? e.data : null)!)
    expect(progress.every((p) => p.sessionId === s.sessionId && p.operation === 'flash')).toBe(true)
    expect(progress.map((p) => p.phase)).toEqual(expect.arrayContaining(['erase', 'program', 'verify', 'done']))
    expect(progress.at(-1)).toMatchObject({ phase: 'done', fraction: 1 })
    const program = progress.filter((p) => p.phase === 'program').map((p) => p.done)
    expect(program).toEqual([...program].sort((a, b) => a - b))

    const lo = addresses[0]
    const back = await call(core, 'probes.read', { sessionId: s.sessionId, address: lo, length: addresses.at(-1)! - lo + 1 })
    for (const a of addresses) if (back.bytes[a - lo] !== image.get(a)) throw new Error(`flash at 0x${a.toString(16)} reads 0x${back.bytes[a - lo].toString(16)}, the HEX file says 0x${image.get(a)!.toString(16)}`)

    // A raw binary needs its address; by path, with and without one.
    expect((await refusal(core, 'probes.flash', { sessionId: s.sessionId, firmware: { path: fw.flashImageBin } })).message).toMatch(/raw binary.*load address/)
    const bin = await call(core, 'probes.flash', { sessionId: s.sessionId, firmware: { path: fw.flashImageBin }, baseAddress: 0x00200000 })
    expect(bin).toMatchObject({ verified: true, bytes: readFileSync(fw.flashImageBin).length })
    // An image linked for RAM is outside the flash: flashing says so, loading puts it in RAM.
    expect((await refusal(core, 'probes.flash', { sessionId: s.sessionId, firmware: { path: fw.dut } })).message).toMatch(/outside the flash 0x200000/)
    const load = await call(core, 'probes.flash', { sessionId: s.sessionId, firmware: { path: fw.dut }, mode: 'load', run: true })
    expect(load).toMatchObject({ mode: 'load', verified: true, algorithm: null, running: true })
    expect(events.some((e) => e.event === 'probes.progress' && e.data.operation === 'load' && e.data.phase === 'verify')).toBe(true)
  })

  it('lists and opens an attached CMSIS-DAP probe by its USB id', async () => {
    const bench = await startVirtualCmsisDap({ firmware: fw.dut, dap: { serial: 'JB-API-0042' } })
    benches.push(bench)
    const core = open()
    probeSessions(core).useUsb({ getDevices: async () => [bench.device] })
    const list = await call(core, 'probes.list', {})
    expect(list.probes[0]).toMatchObject({ id: 'cmsis-dap:JB-API-0042', family: 'cmsis-dap', serial: 'JB-API-0042', virtual: false, detail: 'v2 (bulk)' })
    expect(list.hints.join('\n')).not.toMatch(/no USB bus/)
    const s = await call(core, 'probes.connect', { id: 'cmsis-dap:JB-API-0042', clockHz: 4_000_000 })
    expect(s).toMatchObject({ probeId: 'cmsis-dap:JB-API-0042', kind: 'cmsis-dap', virtual: false, target: { core: 'Cortex-M4', firmware: null, flashAlgorithm: null } })
    const code = await call(core, 'probes.read', { sessionId: s.sessionId, address: 0, length: 64 })
    expect(Buffer.from(code.bytes)).toEqual(Buffer.from(text.subarray(0, 64)))
    // No board facts: flashing asks for the device's algorithm, RTT without a block address scans nothing it knows.
    expect((await refusal(core, 'probes.flash', { sessionId: s.sessionId, firmware: { path: fw.flashImageHex } })).message).toMatch(/needs the device's flash algorithm and the RAM it may run in/)
    const flashed = await call(core, 'probes.flash', { sessionId: s.sessionId, firmware: { path: fw.flashImageHex }, algorithm: { path: fw.flashAlgorithm }, algorithmRam: { start: 0x01000000, sizeBytes: 0x10000 } })
    expect(flashed.verified).toBe(true)
    expect((await call(core, 'probes.list', {})).probes[0].sessionId).toBe(s.sessionId)
  })

  it('reads memory of a running core through a GDB server by halting it briefly, and describes the ST-LINK target', async () => {
    const core = open()
    const q = await call(core, 'probes.connect', { id: 'virtual:qemu' })
    expect(q).toMatchObject({ kind: 'virtual', target: { core: 'Cortex-M4', dpIdr: null } })
    expect(q.notes.join(' ')).toMatch(/halt the core for a moment/)
    await call(core, 'probes.resume', { sessionId: q.sessionId })
    const vectors = await call(core, 'probes.read', { sessionId: q.sessionId, address: 0, length: 16 })
    expect(Buffer.from(vectors.bytes)).toEqual(Buffer.from(text.subarray(0, 16)))
    expect((await call(core, 'probes.status', { sessionId: q.sessionId })).halted).toBe(false)
    // RTT over the GDB server, polled with brief halts.
    await call(core, 'probes.rtt.start', { sessionId: q.sessionId })
    await until(() => rttText(q.sessionId).includes('m-ready'))

    const st = await call(core, 'probes.connect', { id: 'virtual:stlink' })
    expect(st).toMatchObject({ probeId: 'virtual:stlink', target: { core: 'Cortex-M4', dpIdr: null }, probe: { serial: 'JB-EMU-STLINK' } })
    expect(st.description).toMatch(/ST-LINK/)

    // Closing the core closes every session: QEMU's GDB port stops answering.
    const port = Number(/:(\d+)/.exec(q.description)![1])
    await cores.pop()!.close()
    const refused = await new Promise<boolean>((resolve) => {
      const sock = connect({ host: '127.0.0.1', port })
      sock.once('connect', () => (sock.destroy(), resolve(false)))
      sock.once('error', () => resolve(true))
    })
    expect(refused).toBe(true)
  })

  it('ends the session and says why when the GDB server goes away mid-stream (a pulled cable)', async () => {
    const qemu = await launchQemu({ uart: 'none', kernel: fw.dut })
    try {
      const core = open()
      const id = `gdb:qemu@127.0.0.1:${qemu.gdbPort}`
      const s = await call(core, 'probes.connect', { id })
      expect(s).toMatchObject({ kind: 'gdb', virtual: false, target: { core: 'Cortex-M4', flashAlgorithm: null, memory: [] } })
      expect((await call(core, 'probes.list', {})).probes.find((p) => p.id === id)).toMatchObject({ family: 'gdb', sessionId: s.sessionId })
      // No board facts: RTT needs the control block's address (here from nm).
      expect((await refusal(core, 'probes.rtt.start', { sessionId: s.sessionId, resume: false })).message).toMatch(/no known RAM to look for the RTT control block in/)
      await call(core, 'probes.rtt.start', { sessionId: s.sessionId, controlBlockAddress: rttAddress })
      await until(() => rttText(s.sessionId).includes('m-ready'))
      await qemu.stop()
      await until(() => events.some((e) => e.event === 'probes.closed' && e.data.sessionId === s.sessionId))
      const stopped = events.find((e) => e.event === 'probes.rtt.stopped' && e.data.sessionId === s.sessionId)
      expect(stopped?.event === 'probes.rtt.stopped' && stopped.data.error).toMatch(new RegExp(`RTT stopped on ${id}.*GDB server at 127.0.0.1:${qemu.gdbPort}`))
      expect((await refusal(core, 'probes.status', { sessionId: s.sessionId })).message).toMatch(/no probe session/)
      expect((await call(core, 'probes.list', {})).probes.some((p) => p.id === id)).toBe(false)
    } finally {
      await qemu.stop()
    }
  })

  it('answers random and mutated requests with an error reply, never a throw', async () => {
    const core = open()
    const rand = prng(77)
    const methods = ['probes.list', 'probes.connect', 'probes.disconnect', 'probes.status', 'probes.reset', 'probes.halt', 'probes.resume', 'probes.read', 'probes.flash', 'probes.rtt.start', 'probes.rtt.stop', 'probes.rtt.write', 'probes.sessions']
    const values = [null, 0, -1, 1.5, 2 ** 32, 'probe-1', '', 'x'.repeat(5000), true, [], {}, { path: '/nonexistent/fw.elf' }, { name: 'a.hex', bytes: randomBytes(rand, 64) }, randomBytes(rand, 16)]
    const keys = ['sessionId', 'id', 'address', 'length', 'channel', 'text', 'firmware', 'halt', 'mode', 'format', 'baseAddress', 'scan', 'extra']
    for (let i = 0; i < 300; i++) {
      const params: Record<string, unknown> = {}
      for (let k = Math.floor(rand() * 4); k > 0; k--) params[keys[Math.floor(rand() * keys.length)]] = values[Math.floor(rand() * values.length)]
      const method = methods[Math.floor(rand() * methods.length)]
      if (method === 'probes.connect' && typeof params.id === 'string' && params.id.startsWith('virtual')) continue
      const reply = await core.handle({ id: i, method, params })
      if (!reply.ok) {
        expect(['invalid-params', 'failed']).toContain(reply.error.code)
        expect(reply.error.message.length).toBeGreaterThan(10)
      }
    }
    // A flash of random bytes into a real session is a clear error about the file, not a crash.
    const s = await call(core, 'probes.connect', { id: 'virtual:cmsis-dap' })
    for (let i = 0; i < 10; i++) {
      const junk = mutate(rand, readFileSync(fw.flashImageElf).subarray(0, 256), 8)
      const name = ['junk.elf', 'junk.hex', 'junk.bin'][i % 3]
      const e = await refusal(core, 'probes.flash', { sessionId: s.sessionId, firmware: { name, bytes: junk } })
      expect(e.code).toBe('failed')
      expect(e.message).toMatch(/junk|raw binary|ELF|HEX|flash/)
    }
    expect((await call(core, 'probes.status', { sessionId: s.sessionId })).halted).toBe(true)
  })

  it('explains bad ids, missing sessions and oversized requests', async () => {
    const core = open()
    expect((await refusal(core, 'probes.connect', { id: 'virtual:jtag' })).message).toMatch(/No virtual probe "virtual:jtag".*virtual:cmsis-dap/)
    expect((await refusal(core, 'probes.connect', { id: 'gdb:127.0.0.1:1' })).message).toMatch(/Nothing is listening at 127.0.0.1:1.*Start the GDB server/)
    expect((await refusal(core, 'probes.connect', { id: 'gdb:banana' })).message).toMatch(/not a GDB server address.*gdb:HOST:PORT/)
    expect((await refusal(core, 'probes.connect', { id: 'cmsis-dap:0001A' })).message).toMatch(/cmsis-dap:0001A.*no USB bus.*virtual:cmsis-dap/)
    expect((await refusal(core, 'probes.status', { sessionId: 'probe-99' })).message).toMatch(/no probe session "probe-99"/)
    expect((await refusal(core, 'probes.rtt.start', { sessionId: 'probe-99' })).message).toMatch(/no probe session "probe-99"/)
    const big = await refusal(core, 'probes.read', { sessionId: 'probe-1', address: 0, length: 65537 })
    expect(big.code).toBe('invalid-params')
    expect(big.issues![0]).toMatchObject({ path: 'length' })
    expect(big.issues![0].message).toMatch(/at most 65536 bytes/)
    const wrap = await refusal(core, 'probes.read', { sessionId: 'probe-1', address: 0xfffffff0, length: 32 })
    expect(wrap.issues![0].message).toMatch(/past the end of the 32-bit address space/)
    expect((await refusal(core, 'probes.flash', { sessionId: 'probe-1', firmware: { name: 'x.hex', bytes: 'not bytes' } })).code).toBe('invalid-params')
  })

  it('counts kernel instructions on a fresh QEMU board and fits them against MACs', async () => {
    const core = open()
    const r = await call(core, 'probes.kernelLatency', {})
    expect(r.unit).toBe('instructions')
    expect(r.calls.length).toBeGreaterThanOrEqual(9)
    for (const c of r.calls) {
      const { h, w, cin, cout, k } = c.shape
      const macs = c.kind === 'standard' ? (h - k + 1) * (w - k + 1) * cout * k * k * cin : c.kind === 'depthwise' ? (h - k + 1) * (w - k + 1) * cin * k * k : h * w * cout * cin
      expect(c.macs).toBe(macs)
      expect(c.count).toBeGreaterThan(c.macs)
    }
    expect(r.fits.map((f) => f.kind).sort()).toEqual(['depthwise', 'shift-pointwise', 'standard'])
    for (const f of r.fits) {
      // Least squares worked out here from the calls.
      const pts = r.calls.filter((c) => c.kind === f.kind)
      const mx = pts.reduce((a, c) => a + c.macs, 0) / pts.length
      const my = pts.reduce((a, c) => a + c.count, 0) / pts.length
      const slope = pts.reduce((a, c) => a + (c.macs - mx) * (c.count - my), 0) / pts.reduce((a, c) => a + (c.macs - mx) ** 2, 0)
      expect(f.fit.slope).toBeCloseTo(slope, 6)
      expect(f.fit.intercept).toBeCloseTo(my - slope * mx, 3)
      expect(f.fit.n).toBe(pts.length)
      expect(f.fit.r2!).toBeGreaterThan(0.99)
    }
    const phases = events.filter((e) => e.event === 'probes.progress').map((e) => (e.event === 'probes.progress' ? e.data.phase : ''))
    expect(phases).toEqual(['start', 'run', 'done'])
  })
})
