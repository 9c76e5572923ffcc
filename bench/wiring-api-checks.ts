/**
 * The wiring API on the virtual bench: what a plan and a full live check cost, end to end through
 * JoulebenchCore.handle (driver and emulator over real ptys, real-time streams).
 * Run: npx tsx bench/wiring-api-checks.ts
 */
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { performance } from 'node:perf_hooks'
import { JoulebenchCore } from '../src-main/api/core'
import { encodeMessage } from '../src-main/api/wire'

const core = new JoulebenchCore({ dbPath: join(mkdtempSync(join(tmpdir(), 'jb-bench-wiring-')), 'w.db'), host: 'test', discovery: { listSerialPorts: async () => [], listUsbDevices: async () => [] } })
const size = (x: unknown) => {
  const m = encodeMessage({ id: 1, ok: true, result: x })
  return typeof m === 'string' ? Buffer.byteLength(m) : m.byteLength
}
async function call(method: string, params: unknown): Promise<any> {
  const r = await core.handle({ id: 1, method, params })
  if (!r.ok) throw new Error(r.error.message)
  return r.result
}

try {
  for (const [analyzerId, instrumentId] of [['ppk2', 'virtual:ppk2'], ['lpm01a', 'virtual:lpm01a']] as const) {
    const req = { analyzerId, boardId: 'nucleo-f401re', method: 'source-meter' }
    const plan = await call('wiring.plan', req)
    // Live steps each read a 1 s window after 20 ms of settling: the floor of a full check.
    const liveSteps = plan.plan.steps.filter((s: { checks: string[] }) => s.checks.some((c) => c !== 'supply-in-range' && c !== 'logic-levels')).length
    const floorS = liveSteps * 1.02
    let best = Infinity
    let reply = 0
    for (let i = 0; i < 3; i++) {
      const t = performance.now()
      const r = await call('wiring.check', { instrumentId, ...req, all: true })
      best = Math.min(best, (performance.now() - t) / 1000)
      reply = size(r)
      if (!r.report.ok) throw new Error(`${instrumentId}: the demo bench did not pass`)
    }
    console.log(
      `${instrumentId.padEnd(15)} plan reply ${size(plan)} B (SVG ${Buffer.byteLength(plan.svg)} B) · check-all reply ${reply} B · ` +
        `check-all best of 3 ${best.toFixed(2)} s for ${liveSteps} live windows (${floorS.toFixed(2)} s of signal): ${(best - floorS).toFixed(2)} s open/close and protocol overhead`
    )
  }
  console.log('Timings are wall clock on a shared, busy machine (2 cores, several engineers); the reply sizes do not depend on load.')
} finally {
  await core.close()
}
