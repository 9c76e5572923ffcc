/**
 * View round trip for the Capture screen: a 60-s, 100 kS/s recording (6 M samples with D0–D7) in a real
 * workspace, `joulebench serve` as a child process, Debian's Chromium on the Capture screen at a width
 * that asks for about 2,000 columns. Each step zooms with the mouse wheel and times, in the page, from the
 * wheel event to the second animation frame after the new view arrived (core + wire + decode + draw).
 * The core's own share is timed separately in this process through JoulebenchCore.handle.
 *
 * Run: npm run build && npx tsx bench/capture-view-roundtrip.ts [--steps 40]
 */
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { JoulebenchCore } from '../src-main/api/core'
import { encodeMessage } from '../src-main/api/wire'
import { RecordingWriter } from '../src-main/store/recording-writer'
import { openWorkspace } from '../src-main/store/workspace'
import { launchChromium } from '../tests/helpers/browser'
import { serveBuiltApp } from '../tests/helpers/serve'

const steps = Number(process.argv[process.argv.indexOf('--steps') + 1]) || 40
const T = 1e-5
const N = 6_000_000

function percentile(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b)
  return s[Math.min(s.length - 1, Math.floor(p * s.length))]
}

const dbPath = join(mkdtempSync(join(tmpdir(), 'jb-bench-view-')), 'workspace.db')
{
  const db = openWorkspace(dbPath)
  const w = RecordingWriter.create(db, { name: 'bench 60 s', samplePeriodS: T, supplyV: 3.3, digital: true })
  const B = 100_000
  const c = new Float32Array(B)
  const d = new Uint8Array(B)
  for (let s = 0; s < N; s += B) {
    for (let k = 0; k < B; k++) {
      const i = s + k
      const active = i % 31_000 < 11_000
      c[k] = (active ? 0.019 : 0.0021) * (1 + 0.03 * Math.sin(i * 0.37))
      d[k] = active ? 1 : 0
    }
    w.samples({ startIndex: s, currentA: c, digital: d })
  }
  w.finish()
  db.close()
}

// The core alone, in this process: the same request the screen makes.
const core = new JoulebenchCore({ dbPath, host: 'test', discovery: { listSerialPorts: async () => [], listUsbDevices: async () => [] } })
const coreMs: number[] = []
let frameBytes = 0
let columns = 0
let mostColumns = 0
let bytesAtMost = 0
for (let k = 0; k < steps; k++) {
  const span = 60 / 1.6 ** (k % 20)
  const from = Math.max(0, 30 - span / 2)
  const t0 = performance.now()
  const reply = await core.handle({ id: k, method: 'recordings.view', params: { id: 1, fromS: from, toS: from + span, widthPx: 2000 } })
  coreMs.push(performance.now() - t0)
  if (reply.ok) {
    const frame = encodeMessage(reply)
    frameBytes = typeof frame === 'string' ? frame.length : frame.byteLength
    columns = (reply.result as { tS: Float64Array }).tS.length
    if (columns >= mostColumns) {
      mostColumns = columns
      bytesAtMost = frameBytes
    }
  }
}
await core.close()

const app = await serveBuiltApp([], dbPath)
const browser = await launchChromium()
try {
  const page = await browser.newPage({ viewport: { width: 2380, height: 1100 } })
  await page.goto(`${app.url}#/capture/1`)
  // (The page's CSP forbids eval, so poll with evaluate rather than waitForFunction.)
  while (!(await page.evaluate('(window.__jbViews?.count ?? 0) > 0'))) await new Promise((r) => setTimeout(r, 50))
  const box = (await page.locator('[data-testid="trace-plot"] .u-over').boundingBox())!
  await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2)
  const pageMs: number[] = []
  const requestMs: number[] = []
  const drawMs: number[] = []
  const requestToFrameMs: number[] = []
  let shownColumns = 0
  for (let k = 0; k < steps; k++) {
    const before = (await page.evaluate('window.__jbViews.count')) as number
    const t0 = (await page.evaluate('performance.now()')) as number
    // Zoom in for ten steps, out for ten: every summary level from raw samples to the whole minute.
    await page.mouse.wheel(0, k % 20 < 10 ? -300 : 300)
    const r = (await page.evaluate(
      `new Promise((resolve) => {
        const wait = () => {
          if (window.__jbViews.count > ${before}) {
            const arrived = performance.now()
            // The view is drawn in the same task it arrives in (Svelte effects, then uPlot): the next frame shows it.
            requestAnimationFrame(() => resolve({ t: performance.now(), arrived, drawMs: window.__jbDrawMs, last: window.__jbViews.last }))
          }
          else setTimeout(wait, 0)
        }
        wait()
      })`
    )) as { t: number; arrived: number; drawMs: number; last: { ms: number; columns: number; requestedAt: number } }
    pageMs.push(r.t - t0)
    requestMs.push(r.last.ms)
    drawMs.push(r.drawMs)
    requestToFrameMs.push(r.t - r.last.requestedAt)
    shownColumns = Math.max(shownColumns, r.last.columns)
  }
  const f = (xs: number[]) => `median ${percentile(xs, 0.5).toFixed(1)} ms, p90 ${percentile(xs, 0.9).toFixed(1)} ms, best ${Math.min(...xs).toFixed(1)} ms`
  console.log(`recording: ${N.toLocaleString()} samples (60 s at 100 kS/s, D0–D7), ${steps} zoom steps`)
  console.log(`core only (JoulebenchCore.handle, 2,000 px): ${f(coreMs)}; up to ${mostColumns} columns, ${bytesAtMost.toLocaleString()} B on the wire for those (${(bytesAtMost / mostColumns).toFixed(1)} B/column)`)
  console.log(`Chromium, request → typed arrays in the page (core + wire + decode), up to ${shownColumns} columns: ${f(requestMs)}`)
  console.log(`Chromium, drawing one window (typed arrays → uPlot + D0–D7 lanes): ${f(drawMs)}`)
  console.log(`Chromium, request sent → next animation frame after drawing (core + wire + render): ${f(requestToFrameMs)}`)
  console.log(`Chromium, including Playwright's wheel dispatch (CDP round trip) before it: ${f(pageMs)}`)
  console.log('(machine shared with other engineers: timings vary with their load)')
} finally {
  await browser.close()
  await app.stop()
}
