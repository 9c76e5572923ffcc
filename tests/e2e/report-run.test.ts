import { mkdtempSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Browser, Page } from 'playwright-core'
import { launchChromium, screenshotPath } from '../helpers/browser'
import { cli } from '../helpers/cli'
import { makeRunsWorkspace } from '../helpers/results-runs-workspace'

/**
 * Reports written by `joulebench report` opened in Chromium from the file, as a user would open them:
 * a run's report with its trace, metrics and plan; a comparison of μNPU runs with stage bars; both laid
 * out for print and printed to PDF. Screenshots go to test-results/screenshots.
 */
describe('HTML reports in Chromium', () => {
  const dir = mkdtempSync(join(tmpdir(), 'jb-e2e-report-'))
  const db = join(dir, 'workspace.db')
  let browser: Browser
  let page: Page
  const blocked: string[] = []

  beforeAll(async () => {
    await makeRunsWorkspace(dir, db)
    browser = await launchChromium()
    page = await browser.newPage({ viewport: { width: 1100, height: 1400 } })
    // A self-contained report asks for nothing: any request besides the file itself is a failure.
    page.on('request', (r) => {
      if (!r.url().startsWith('file://')) blocked.push(r.url())
    })
  })
  afterAll(async () => {
    await browser?.close()
  })

  it("opens a run's report: metrics with intervals, the trace from the recording, instruments and plan", async () => {
    const out = join(dir, 'run-1.html')
    const r = await cli(['report', '1', '--html', out, '--db', db])
    expect(r.code, r.stderr).toBe(0)
    await page.goto(pathToFileURL(out).href)
    await expect.poll(() => page.locator('h1').textContent()).toBe('Run 1: conv naive 1M')
    expect(await page.title()).toBe('Run 1: conv naive 1M')
    const metrics = page.getByTestId('run-metrics')
    expect(await metrics.locator('tbody tr[data-metric="energy"] td').nth(2).textContent()).toMatch(/^[\d.]+ µJ … [\d.]+ µJ$/)
    expect(await metrics.locator('tbody tr[data-metric="latency"] td').nth(7).textContent()).toBe('6')
    // The trace is drawn, and wide: the envelope spans most of the figure.
    const trace = page.getByTestId('run-trace')
    const box = await trace.locator('[data-role="envelope"]').boundingBox()
    expect(box!.width).toBeGreaterThan(600)
    expect(box!.height).toBeGreaterThan(50)
    expect(await trace.locator('[data-role="span"][data-kind="inference"]').count()).toBe(7)
    expect(await page.getByTestId('run-instruments').locator('tr[data-role="analyzer"]').textContent()).toMatch(/Nordic Power Profiler Kit II.*virtual:ppk2.*VIRTUAL-PPK2/)
    expect(JSON.parse((await page.getByTestId('run-plan').textContent())!).model).toEqual({ name: 'conv-1M', macs: 1_000_000, params: 10_000 })
    await page.screenshot({ path: screenshotPath('report-run'), fullPage: true })

    // Laid out for paper: A4, no screen margins, and Chromium prints it.
    await page.emulateMedia({ media: 'print' })
    expect(await page.locator('body').evaluate((b) => b.ownerDocument.defaultView!.getComputedStyle(b).paddingTop)).toBe('0px')
    const pdf = await page.pdf({ format: 'A4', printBackground: true })
    expect(pdf.subarray(0, 5).toString('latin1')).toBe('%PDF-')
    const pages = (pdf.toString('latin1').match(/\/Type\s*\/Page[^s]/g) ?? []).length
    expect(pages).toBeGreaterThanOrEqual(2)
    await page.emulateMedia({ media: 'screen' })
    expect(blocked).toEqual([])
  })

  it('opens a comparison of μNPU runs with ratios and stage bars', async () => {
    const out = join(dir, 'npu.html')
    const r = await cli(['report', '--filter', 'tag=unpu', '--group', 'device', '--baseline', 'MAX78000', '--title', 'μNPUs side by side', '--html', out, '--db', db])
    expect(r.code, r.stderr).toBe(0)
    const html = readFileSync(out, 'utf8')
    expect(html).not.toMatch(/<script/i)
    await page.goto(pathToFileURL(out).href)
    await expect.poll(() => page.locator('h1').textContent()).toBe('μNPUs side by side')
    expect(await page.locator('ul.sentences li').first().textContent()).toMatch(/^HX-WE2 is \d\.\d\d× faster than MAX78000, at \d\.\d\d× the power and \d\.\d\d× the energy\.$/)
    // Four stages per bar, two bars per figure, latency and energy.
    expect(await page.locator('svg[data-quantity="latency"] [data-role="bar"]').count()).toBe(2)
    expect(await page.locator('svg[data-quantity="energy"] [data-role="bar"]').first().locator('rect[data-stage]').count()).toBe(4)
    const memory = await page.locator('svg[data-quantity="latency"] [data-role="bar"]').first().locator('rect[data-stage="memory"]').boundingBox()
    const inference = await page.locator('svg[data-quantity="latency"] [data-role="bar"]').first().locator('rect[data-stage="inference"]').boundingBox()
    // MAX78000: memory I/O ≈ 9 ms against inference ≈ 2 ms (helpers/results-runs-workspace.ts).
    expect(memory!.width / inference!.width).toBeGreaterThan(3.8)
    expect(memory!.width / inference!.width).toBeLessThan(5.2)
    await page.screenshot({ path: screenshotPath('report-comparison'), fullPage: true })
    expect(blocked).toEqual([])
  })
})
