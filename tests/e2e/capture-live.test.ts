import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Browser, Page } from 'playwright-core'
import { launchChromium, screenshotPath } from '../helpers/browser'
import { serveBuiltApp, type ServedApp } from '../helpers/serve'
import { readStats } from '../helpers/capture-e2e'

type ViewLog = { count: number; last: { ms: number; columns: number; at: number; live: boolean } }
const views = (page: Page): Promise<ViewLog | null> => page.evaluate('window.__jbViews ?? null')

/**
 * A live capture from a virtual analyzer of the bench, driven through the Capture screen as a user does.
 * Every virtual power analyzer the bench offers is captured from.
 */
describe('Capture screen in Chromium: a live capture from the virtual bench', () => {
  let app: ServedApp
  let browser: Browser
  let page: Page
  let analyzers: string[] = []

  beforeAll(async () => {
    app = await serveBuiltApp()
    browser = await launchChromium()
    page = await browser.newPage({ viewport: { width: 1500, height: 1300 } })
    await page.goto(`${app.url}#/capture`)
    await page.getByTestId('capture-controls').waitFor()
  })
  afterAll(async () => {
    await browser?.close()
    await app?.stop()
  })

  it('offers the virtual analyzers of the bench', async () => {
    const options = page.getByTestId('instrument-select').locator('option')
    await expect.poll(() => options.evaluateAll((os) => os.map((o) => (o as unknown as { value: string }).value).filter((v) => v.startsWith('virtual:')).length)).toBeGreaterThan(0)
    analyzers = await options.evaluateAll((os) => os.map((o) => (o as unknown as { value: string }).value).filter((v) => v.startsWith('virtual:')))
  })

  it('records for a set time: progress while it runs, a trace that follows, then finished with exactly that long', async () => {
    for (const id of analyzers) {
      await page.getByTestId('instrument-select').selectOption(id)
      await page.getByTestId('capture-duration').fill('3')
      await page.getByTestId('capture-name').fill(`live ${id}`)
      const before = (await views(page))?.count ?? 0
      await page.getByTestId('capture-start').click()
      const progress = page.getByTestId('capture-progress')
      await expect.poll(() => progress.getAttribute('data-state'), { timeout: 15_000 }).toBe('recording')
      await expect.poll(async () => Number(((await page.getByTestId('progress-samples').textContent()) ?? '0').replace(/\D/g, '')), { timeout: 15_000 }).toBeGreaterThan(10_000)
      // The trace follows the recording: live views keep arriving while it runs.
      await expect.poll(async () => (await views(page))?.last.live ?? false).toBe(true)
      const during = (await views(page))!.count
      await page.waitForTimeout(800)
      expect((await views(page))!.count - during).toBeGreaterThan(3)
      expect((await views(page))!.count).toBeGreaterThan(before)
      await page.screenshot({ path: screenshotPath(`capture-live-${id.replace(/\W/g, '-')}-recording`), fullPage: true })

      await expect.poll(() => progress.getAttribute('data-state'), { timeout: 20_000 }).toBe('finished')
      // Afterwards the whole recording is shown, and its window statistics cover exactly 3 s.
      await expect.poll(async () => (await readStats(page, 'window-stats')).duration ?? 0, { timeout: 10_000 }).toBeCloseTo(3, 3)
      const w = await readStats(page, 'window-stats')
      expect(w.mean).toBeGreaterThan(0)
      expect(w.min).toBeLessThanOrEqual(w.mean)
      expect(w.max).toBeGreaterThanOrEqual(w.mean)
      expect(await page.getByTestId('recording-select').locator('option:checked').textContent()).toContain(`live ${id}`)
      await page.screenshot({ path: screenshotPath(`capture-live-${id.replace(/\W/g, '-')}-finished`), fullPage: true })
    }
  })

  it('sets the virtual PPK2 up from its panel, and the recording keeps the supply it was made at', async () => {
    expect(analyzers).toContain('virtual:ppk2')
    await page.getByTestId('instrument-select').selectOption('virtual:ppk2')
    await page.getByTestId('toggle-instrument-panel').click()
    await page.getByTestId('instrument-connect').click()
    await page.getByTestId('supply-input').waitFor()
    await page.getByTestId('supply-input').fill('7')
    await page.getByTestId('supply-apply').click()
    await expect.poll(() => page.getByTestId('instrument-error').textContent()).toMatch(/supply voltage must be from 0.8 V to 5 V, got 7 V/)
    await page.getByTestId('supply-input').fill('1.8')
    await page.getByTestId('supply-apply').click()
    await expect.poll(() => page.getByTestId('instrument-panel').textContent()).toContain('Supply set to 1.8 V')
    await page.getByTestId('mode-ampere').check()
    await expect.poll(() => page.getByTestId('dut-power').isDisabled()).toBe(true)
    await page.getByTestId('mode-source').check()
    await expect.poll(() => page.getByTestId('dut-power').isDisabled()).toBe(false)
    await page.screenshot({ path: screenshotPath('capture-ppk2-panel'), fullPage: true })

    await page.getByTestId('capture-duration').fill('1.5')
    await page.getByTestId('capture-name').fill('ppk2 at 1.8 V')
    await page.getByTestId('capture-start').click()
    // While recording the panel keeps the supply fixed.
    await expect.poll(() => page.getByTestId('supply-input').isDisabled()).toBe(true)
    await expect.poll(() => page.getByTestId('capture-progress').getAttribute('data-state'), { timeout: 20_000 }).toBe('finished')
    await expect.poll(async () => (await readStats(page, 'window-stats')).duration ?? 0, { timeout: 10_000 }).toBeCloseTo(1.5, 3)
    expect(await page.getByTestId('window-stats').textContent()).toContain('1.80 V supply')
    // Opened from the panel: still open after the capture, and the panel says so.
    expect(await page.getByTestId('instrument-disconnect').isEnabled()).toBe(true)
    await page.getByTestId('instrument-disconnect').click()
    await page.getByTestId('instrument-connect').waitFor()
  })
})
