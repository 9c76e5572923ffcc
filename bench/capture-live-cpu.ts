/**
 * CPU share of a full-rate live capture with the Capture screen open: `joulebench serve` as a child
 * process, Debian's Chromium showing the Capture screen following the live trace (about ten view requests
 * a second), and a capture of --duration seconds (default 30) from a virtual analyzer started through the
 * screen's Record button. CPU time comes from /proc (utime + stime) of the serve process and of Chromium's
 * processes, by type, over the capture. The virtual analyzer's emulator runs inside the serve process,
 * so its cost (generating 100 kS/s of device bytes) is part of the serve figure.
 *
 * With --no-browser the capture is started over the API with no screen open, which gives the serve
 * process's cost without views (emulator + capture + store) for comparison.
 *
 * Run: npm run build && npx tsx bench/capture-live-cpu.ts [--duration 30] [--instrument virtual:ppk2] [--no-browser]
 */
import { readdirSync, readFileSync } from 'node:fs'
import { execSync } from 'node:child_process'
import WebSocket from 'ws'
import { launchChromium } from '../tests/helpers/browser'
import { serveBuiltApp } from '../tests/helpers/serve'

const arg = (name: string) => (process.argv.includes(name) ? process.argv[process.argv.indexOf(name) + 1] : undefined)
const durationS = Number(arg('--duration') ?? 30)
const wanted = arg('--instrument')
const TICK = Number(execSync('getconf CLK_TCK').toString().trim()) || 100

function cpuSeconds(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
    return (Number(fields[11]) + Number(fields[12])) / TICK
  } catch {
    return 0
  }
}

/** Every live descendant of a process, with its command and Chromium --type. */
function tree(root: number): Array<{ pid: number; type: string }> {
  const parent = new Map<number, number>()
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue
    try {
      const stat = readFileSync(`/proc/${d}/stat`, 'utf8')
      parent.set(Number(d), Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]))
    } catch {
      // gone
    }
  }
  const out = [{ pid: root, type: 'root' }]
  for (let k = 0; k < out.length; k++) {
    for (const [pid, ppid] of parent) {
      if (ppid !== out[k].pid) continue
      let type = 'other'
      try {
        const cmd = readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ')
        const chromium = /chrom/.test(cmd.split(' ')[0])
        type = chromium ? `chromium ${/--type=([\w-]+)/.exec(cmd)?.[1] ?? 'browser'}` : cmd.split(' ')[0].split('/').pop()!
      } catch {
        // gone
      }
      out.push({ pid, type })
    }
  }
  return out.slice(1)
}

const app = await serveBuiltApp()

if (process.argv.includes('--no-browser')) {
  const ws = new WebSocket(`ws://127.0.0.1:${app.port}/api?token=${app.token}`)
  await new Promise((r) => ws.once('open', r))
  const ended = new Promise<string>((resolve) =>
    ws.on('message', (d) => {
      const m = JSON.parse(d.toString())
      if (m.event === 'capture.state' && m.data.state !== 'recording') resolve(m.data.state)
    })
  )
  const list = await new Promise<{ result: { instruments: Array<{ id: string; kind: string }> } }>((resolve) => {
    ws.once('message', (d) => resolve(JSON.parse(d.toString())))
    ws.send(JSON.stringify({ id: 1, method: 'instruments.list', params: {}, token: app.token }))
  })
  const ids = list.result.instruments.filter((i) => i.kind === 'power-analyzer' && i.id.startsWith('virtual:')).map((i) => i.id)
  const id = wanted ?? (ids.includes('virtual:ppk2') ? 'virtual:ppk2' : ids[0])
  const before = cpuSeconds(app.process.pid!)
  const t0 = performance.now()
  ws.send(JSON.stringify({ id: 2, method: 'capture.start', params: { instrumentId: id, durationS }, token: app.token }))
  const state = await ended
  const wallS = (performance.now() - t0) / 1000
  const cpu = cpuSeconds(app.process.pid!) - before
  console.log(`capture: ${id}, ${durationS} s, no screen open, ended ${state}`)
  console.log(`joulebench serve (core + store + the virtual analyzer's emulator): ${cpu.toFixed(2)} s CPU = ${((cpu / wallS) * 100).toFixed(1)} % of one core`)
  console.log(`load average during the run: ${readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ')} (2 cores shared with other engineers)`)
  ws.close()
  await app.stop()
  process.exit(0)
}

const browser = await launchChromium()
try {
  const page = await browser.newPage({ viewport: { width: 1500, height: 1100 } })
  await page.goto(`${app.url}#/capture`)
  const select = page.getByTestId('instrument-select')
  let ids: string[] = []
  for (let k = 0; k < 100 && !ids.length; k++) {
    ids = (await select.locator('option').evaluateAll((os) => os.map((o) => (o as unknown as { value: string }).value))).filter((v) => v.startsWith('virtual:'))
    if (!ids.length) await new Promise((r) => setTimeout(r, 100))
  }
  const id = wanted ?? (ids.includes('virtual:ppk2') ? 'virtual:ppk2' : ids[0])
  if (!id) throw new Error('The virtual bench offers no power analyzer.')
  await select.selectOption(id)
  await page.getByTestId('capture-duration').fill(String(durationS))
  await page.getByTestId('capture-start').click()
  const progress = page.getByTestId('capture-progress')
  while ((await progress.getAttribute('data-state').catch(() => null)) !== 'recording') await new Promise((r) => setTimeout(r, 20))

  const servePid = app.process.pid!
  const chromiumProcs = () => tree(process.pid).filter((p) => p.type.startsWith('chromium'))
  const serveProcs = () => [{ pid: servePid, type: 'joulebench serve' }, ...tree(servePid)]
  const procsStart = new Map([...chromiumProcs(), ...serveProcs()].map((p) => [p.pid, cpuSeconds(p.pid)]))
  const viewsStart = ((await page.evaluate('window.__jbViews?.count ?? 0')) as number) || 0
  const wallStart = performance.now()
  // Processes come and go (the virtual analyzer's socat ends with the capture): keep each one's last reading.
  const last = new Map<number, { type: string; cpu: number }>()
  const sample = () => {
    for (const p of [...chromiumProcs(), ...serveProcs()]) {
      const cpu = cpuSeconds(p.pid)
      if (cpu > 0) last.set(p.pid, { type: p.type, cpu })
    }
  }
  let ticks = 0
  while ((await progress.getAttribute('data-state')) === 'recording') {
    await new Promise((r) => setTimeout(r, 100))
    if (++ticks % 5 === 0) sample()
  }
  sample()
  const wallS = (performance.now() - wallStart) / 1000
  const used = (chromium: boolean) => {
    const byType = new Map<string, number>()
    for (const [pid, p] of last) if (p.type.startsWith('chromium') === chromium) byType.set(p.type, (byType.get(p.type) ?? 0) + p.cpu - (procsStart.get(pid) ?? 0))
    return byType
  }
  const serve = used(false)
  const byType = used(true)
  const views = ((await page.evaluate('window.__jbViews?.count ?? 0')) as number) - viewsStart
  const state = await progress.getAttribute('data-state')
  const pct = (cpu: number) => `${cpu.toFixed(2)} s CPU = ${((cpu / wallS) * 100).toFixed(1)} % of one core`
  console.log(`capture: ${id}, ${durationS} s requested, ${wallS.toFixed(1)} s wall, ended ${state}, ${views} live view requests answered (${(views / wallS).toFixed(1)}/s)`)
  for (const [type, cpu] of serve) console.log(`${type}${type === 'joulebench serve' ? ' (core + store + the virtual analyzer\'s emulator)' : ''}: ${pct(cpu)}`)
  for (const [type, cpu] of [...byType].sort((a, b) => b[1] - a[1])) console.log(`${type}: ${pct(cpu)}`)
  console.log(`chromium total: ${pct([...byType.values()].reduce((a, b) => a + b, 0))}`)
  console.log(`load average during the run: ${readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ')} (2 cores shared with other engineers)`)
} finally {
  await browser.close()
  await app.stop()
}
