/**
 * The probes API on the virtual bench, as the UI drives it through JoulebenchCore.handle: memory read
 * throughput per probe kind (64 KiB requests), flashing the bench image, the RTT command round trip
 * (write a command, wait for its answer in probes.rtt events), and how many events a steady RTT stream
 * costs (the batching bound: at most 10 per second per channel, whatever the target writes).
 * Timings are wall clock on a busy shared machine; counts and bytes per event are not.
 * Run: npx tsx bench/probes-api-virtual.ts
 */
import { mkdtempSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { ApiEvent, ApiMethod, ApiParams, ApiResult } from '../src-main/api/contract'
import { JoulebenchCore } from '../src-main/api/core'
import { buildBenchFirmware } from '../src-main/probes/qemu/bench-firmware'

const fw = await buildBenchFirmware()
const core = new JoulebenchCore({ dbPath: join(mkdtempSync(join(tmpdir(), 'jb-bench-probes-')), 'w.db'), host: 'test', discovery: { listSerialPorts: async () => [], listUsbDevices: async () => [] } })
const events: ApiEvent[] = []
core.onEvent((e) => events.push(e))
let id = 1
async function call<M extends ApiMethod>(method: M, params: ApiParams<M>): Promise<ApiResult<M>> {
  const r = await core.handle({ id: id++, method, params })
  if (!r.ok) throw new Error(`${method}: ${r.error.message}`)
  return r.result as ApiResult<M>
}
const sleep = (s: number) => new Promise((r) => setTimeout(r, s * 1000))
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]

console.log('Probes API on the virtual bench (wall-clock figures: busy shared 2-core machine)\n')
console.log('probe               connect    64 KiB read (best of 5)')
for (const probe of ['virtual:cmsis-dap', 'virtual:stlink', 'virtual:qemu']) {
  const t0 = performance.now()
  const s = await call('probes.connect', { id: probe })
  const connectS = (performance.now() - t0) / 1000
  let best = Infinity
  for (let i = 0; i < 5; i++) {
    const t = performance.now()
    await call('probes.read', { sessionId: s.sessionId, address: 0x20000000, length: 65536 })
    best = Math.min(best, (performance.now() - t) / 1000)
  }
  console.log(`${probe.padEnd(19)} ${connectS.toFixed(2).padStart(5)} s   ${(65536 / 1024 / best).toFixed(0).padStart(6)} KiB/s`)
  await call('probes.disconnect', { sessionId: s.sessionId })
}

const s = await call('probes.connect', { id: 'virtual:cmsis-dap' })
const hex = readFileSync(fw.flashImageHex)
let bestFlash = Infinity
let progressEvents = 0
for (let i = 0; i < 3; i++) {
  const before = events.length
  const r = await call('probes.flash', { sessionId: s.sessionId, firmware: { name: 'selftest-flash.hex', bytes: new Uint8Array(hex) } })
  bestFlash = Math.min(bestFlash, r.durationS)
  progressEvents = events.slice(before).filter((e) => e.event === 'probes.progress').length
}
console.log(`\nflash selftest-flash.hex (4076 bytes, 1 sector, 4 pages) via virtual:cmsis-dap: ${(bestFlash * 1000).toFixed(0)} ms best of 3, ${progressEvents} progress events`)

await call('probes.reset', { sessionId: s.sessionId })
await call('probes.rtt.start', { sessionId: s.sessionId })
const text = () => events.map((e) => (e.event === 'probes.rtt' ? e.data.text : '')).join('')
while (!text().includes('m-ready')) await sleep(0.01)
const trips: number[] = []
for (let i = 0; i < 10; i++) {
  const seen = text().split('m-name-dut').length
  const t = performance.now()
  await call('probes.rtt.write', { sessionId: s.sessionId, text: 'name%' })
  while (text().split('m-name-dut').length === seen) await sleep(0.002)
  trips.push((performance.now() - t) / 1000)
}
console.log(`RTT command round trip (name% → m-name-dut-…): median ${(median(trips) * 1000).toFixed(0)} ms, best ${(Math.min(...trips) * 1000).toFixed(0)} ms of 10 (20 ms polls, 100 ms batches)`)

// A steady stream: keep the firmware answering for 3 s and count events and bytes.
const before = events.length
const t0 = performance.now()
let commands = 0
while (performance.now() - t0 < 3000) {
  await call('probes.rtt.write', { sessionId: s.sessionId, text: 'name%' })
  commands++
  await sleep(0.005)
}
await sleep(0.3)
const stream = events.slice(before).filter((e) => e.event === 'probes.rtt')
const bytes = stream.reduce((n, e) => n + (e.event === 'probes.rtt' ? e.data.bytes : 0), 0)
const spanS = (performance.now() - t0) / 1000
console.log(`steady RTT stream: ${commands} commands in 3 s → ${bytes} bytes in ${stream.length} events over ${spanS.toFixed(1)} s = ${(stream.length / spanS).toFixed(1)} events/s, ${(bytes / Math.max(1, stream.length)).toFixed(0)} bytes/event`)
await core.close()
