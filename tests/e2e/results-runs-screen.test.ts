import { copyFileSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Browser, BrowserContext, Page } from 'playwright-core'
import { launchChromium, screenshotPath } from '../helpers/browser'
import { cli } from '../helpers/cli'
import { serveBuiltApp, type ServedApp } from '../helpers/serve'
import { IDLE_A, makeRunsWorkspace, SUPPLY_V, SWEEP, sweepPlan } from '../helpers/results-runs-workspace'

/**
 * The Results screen's runs view in Chromium against the built `joulebench serve`: the runs of a real
 * workspace filtered by tag, fitted against MACs per implementation (slopes read off the screen against
 * the virtual DUT's per-MAC law), compared, broken into stages, reported, and a field workspace merged
 * in through the merge panel.
 */
describe('Results screen: recorded runs', () => {
  const dir = mkdtempSync(join(tmpdir(), 'jb-e2e-runs-'))
  const db = join(dir, 'workspace.db')
  const field = join(dir, 'field.db')
  let app: ServedApp
  let browser: Browser
  let context: BrowserContext
  let page: Page

  beforeAll(async () => {
    await makeRunsWorkspace(dir, db)
    // The field laptop: a copy of the lab workspace plus one run of its own.
    copyFileSync(db, field)
    const plan = join(dir, 'field-plan.json')
    writeFileSync(plan, JSON.stringify({ ...sweepPlan('SIMD', 5_000_000), name: 'field SIMD 5M' }))
    const r = await cli(['run', plan, '--db', field, '--json'])
    expect(r.code, r.stderr).toBe(0)
    app = await serveBuiltApp([], db)
    browser = await launchChromium()
    context = await browser.newContext({ acceptDownloads: true, viewport: { width: 1400, height: 1000 } })
    page = await context.newPage()
    await page.goto(`${app.url}#/results`)
    await page.getByTestId('screen-results').waitFor()
  })
  afterAll(async () => {
    await browser?.close()
    await app?.stop()
  })

  const top = () => page.getByTestId('screen-results').evaluate((main) => main.scrollTo(0, 0))

  it('opens on the runs of a workspace without tables, and lists every run with its figures', async () => {
    await page.getByTestId('runs-view').waitFor()
    await expect.poll(() => page.getByTestId('run-row').count()).toBe(8)
    expect(await page.getByTestId('results-runs-open').textContent()).toMatch(/Show the runs \(8\)/)
    const first = page.getByTestId('run-row').first()
    expect(await first.getAttribute('data-run')).toBe('1')
    // Run 1: naive, 1 M MACs: 10 ms per inference.
    expect(await first.getByTestId('run-latency').textContent()).toMatch(/^10\.0\d ms/)
  })

  it('fits energy against MACs per implementation with the virtual DUT’s per-MAC law', async () => {
    await page.getByTestId('filter-tag-unpu').uncheck()
    await expect.poll(() => page.getByTestId('run-row').count()).toBe(6)
    await page.getByTestId('runs-group-implementation').check()
    await expect.poll(() => page.getByTestId('fit-n').allTextContents()).toEqual(['3', '3'])
    expect(await page.getByTestId('fit-row').evaluateAll((trs) => trs.map((tr) => tr.getAttribute('data-group')))).toEqual(['naive', 'SIMD'])
    expect(await page.getByTestId('fit-slope-unit').textContent()).toContain('pJ/MAC')
    const slopes = (await page.getByTestId('fit-slope').allTextContents()).map(Number)
    const law = (k: (typeof SWEEP)[keyof typeof SWEEP]) => (k.energyPerMacJ + IDLE_A * SUPPLY_V * k.latencyPerMacS) * 1e12
    expect(Math.abs(slopes[0] / law(SWEEP.naive) - 1)).toBeLessThan(0.01)
    expect(Math.abs(slopes[1] / law(SWEEP.SIMD) - 1)).toBeLessThan(0.01)
    expect(await page.getByTestId('ratio-sentence').first().textContent()).toMatch(/^SIMD is 2\.50× faster than naive, at [\d.]+× the power and [\d.]+× the energy\.$/)
    await top()
    await page.screenshot({ path: screenshotPath('results-runs-fit') })
  })

  it('breaks the μNPU runs into stages and writes a run report', async () => {
    await page.getByTestId('filter-tag-unpu').check()
    await page.getByTestId('filter-tag-sweep').uncheck()
    await expect.poll(() => page.getByTestId('run-row').count()).toBe(2)
    const bars = page.getByTestId('stage-bars-latency')
    await expect.poll(() => bars.locator('[data-role="bar"]').count()).toBe(2)
    expect(await bars.locator('[data-role="bar"]').first().locator('rect[data-stage]').evaluateAll((r) => r.map((e) => e.getAttribute('data-stage')))).toEqual(['init', 'memory', 'inference', 'post'])
    await page.getByTestId('stage-bars').scrollIntoViewIfNeeded()
    await page.screenshot({ path: screenshotPath('results-runs-stages') })

    const id = await page.getByTestId('run-row').first().getAttribute('data-run')
    const [d] = await Promise.all([page.waitForEvent('download'), page.getByTestId(`run-report-${id}`).click()])
    expect(d.suggestedFilename()).toBe(`run-${id}-report.html`)
    const html = readFileSync((await d.path())!, 'utf8')
    expect(html).toContain('Memory I/O')
    expect(html).not.toMatch(/<script/i)
    await page.getByTestId('filter-tag-sweep').check()
  })

  it('keeps a firmware image’s flash and RAM with a run, from a file chosen on the screen', async () => {
    const row = page.locator('[data-testid="run-row"][data-run="2"]')
    await page.getByTestId('run-attach-2').setInputFiles('/usr/bin/true')
    await expect.poll(() => row.locator('td').nth(11).textContent()).toMatch(/true/)
    // The figures `joulebench model` reports for the same file, carried to the row unchanged.
    const elf = (await cli(['model', '/usr/bin/true', '--json'])).json()
    const bytes = (n: number) => (n >= 1000 ? `${(n / 1000).toPrecision(3)} kB` : `${n.toPrecision(3)} B`)
    expect(await row.locator('td').nth(12).textContent()).toBe(`${bytes(elf.flashBytes)} / ${bytes(elf.ramBytes)}`)
  })

  it('merges a field workspace through the merge panel, adding only its new run', async () => {
    await top()
    await page.getByTestId('merge-path').fill(join(dir, 'nope.db'))
    await page.getByTestId('merge-check').click()
    await expect.poll(() => page.getByTestId('merge-error').textContent()).toMatch(/nope\.db: there is no such file/)
    await page.getByTestId('merge-path').fill(field)
    await page.getByTestId('merge-check').click()
    await expect.poll(() => page.getByTestId('merge-added').textContent()).toBe('1 run, 1 recording')
    expect(await page.getByTestId('run-row').count()).toBe(8)
    await page.getByTestId('merge-go').click()
    await expect.poll(() => page.getByTestId('run-row').count()).toBe(9)
    expect(await page.getByTestId('merge-summary').textContent()).toMatch(/Added: 1 run, 1 recording.*Already here: 8 runs, 6 recordings/s)
    expect(await page.getByTestId('results-runs-open').textContent()).toMatch(/\(9\)/)
    await page.screenshot({ path: screenshotPath('results-runs-merged') })
    // A second merge of the same file adds nothing.
    await page.getByTestId('merge-go').click()
    await expect.poll(() => page.getByTestId('merge-added').textContent()).toBe('nothing')
    expect(await page.getByTestId('run-row').count()).toBe(9)
  })
})
