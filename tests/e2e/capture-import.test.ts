import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Browser, Page } from 'playwright-core'
import { launchChromium, screenshotPath } from '../helpers/browser'
import { serveBuiltApp, type ServedApp } from '../helpers/serve'
import { PPK2_GAP, PPK2_N, PPK2_RATE, ppk2Truth, readStats, writeSyntheticPpk2 } from '../helpers/capture-e2e'

const SUPPLY_V = 3.3

/** Within the 4 significant digits the screen shows. */
function expectShown(shown: number, truth: number, what: string) {
  expect(Math.abs(shown - truth), `${what}: shown ${shown}, computed ${truth}`).toBeLessThanOrEqual(Math.abs(truth) * 6e-4 + 1e-15)
}

describe('Capture screen in Chromium: an imported recording', () => {
  let app: ServedApp
  let browser: Browser
  let page: Page
  const file = join(mkdtempSync(join(tmpdir(), 'jb-e2e-ppk2-')), 'pulses.ppk2')

  beforeAll(async () => {
    writeSyntheticPpk2(file)
    app = await serveBuiltApp()
    browser = await launchChromium()
    page = await browser.newPage({ viewport: { width: 1500, height: 1300 } })
  })
  afterAll(async () => {
    await browser?.close()
    await app?.stop()
  })

  it('imports a .ppk2 file picked by the user and opens it with its gap listed', async () => {
    await page.goto(`${app.url}#/capture`)
    await page.getByTestId('recording-picker').waitFor()
    await page.locator('input[title^="Supply voltage"]').fill(String(SUPPLY_V))
    await page.getByTestId('import-file').setInputFiles(file)
    await page.getByTestId('recording-view').waitFor()
    await expect.poll(() => page.getByTestId('recording-view').textContent()).toContain('pulses')
    const gapRows = page.getByTestId('gap-list').locator('tbody tr')
    await expect.poll(() => gapRows.count()).toBe(1)
    expect(await gapRows.first().textContent()).toContain(String(PPK2_GAP.count))
    // The window statistics of the whole recording, before any selection.
    await expect.poll(async () => (await readStats(page, 'window-stats')).mean ?? NaN).toBeGreaterThan(0)
    const w = await readStats(page, 'window-stats')
    const t = ppk2Truth(0, PPK2_N / PPK2_RATE, SUPPLY_V)
    expectShown(w.mean, t.mean, 'window mean')
    expectShown(w.energy, t.energyJ, 'window energy')
  })

  it('selects a window by dragging and shows its statistics, minimum and energy included', async () => {
    const over = page.locator('[data-testid="trace-plot"] .u-over')
    const box = (await over.boundingBox())!
    const y = box.y + box.height / 2
    // Across the gap at 1.5–1.6 s and two pulses: 35 % to 90 % of a 2-s window.
    await page.mouse.move(box.x + box.width * 0.35, y)
    await page.mouse.down()
    await page.mouse.move(box.x + box.width * 0.6, y, { steps: 5 })
    await page.mouse.move(box.x + box.width * 0.9, y, { steps: 5 })
    await page.mouse.up()
    await expect.poll(async () => (await readStats(page, 'selection-stats')).mean ?? NaN).toBeGreaterThan(0)
    const s = await readStats(page, 'selection-stats')
    expect(s.fromS).toBeGreaterThan(0.6)
    expect(s.toS).toBeLessThan(1.9)
    expect(s.toS - s.fromS).toBeGreaterThan(0.9)
    const t = ppk2Truth(s.fromS, s.toS, SUPPLY_V)
    expectShown(s.duration, t.durationS, 'duration')
    expectShown(s.mean, t.mean, 'mean')
    expectShown(s.min, t.min, 'minimum')
    expectShown(s.max, t.max, 'maximum')
    expectShown(s.sd, t.sd, 'standard deviation')
    expectShown(s.charge, t.chargeC, 'charge')
    expectShown(s.energy, t.energyJ, 'energy')
    expectShown(s.power, t.powerW, 'average power')
    // The gap inside the selection is said, not filled in.
    expect(await page.getByTestId('selection-stats').locator('dd[data-stat="measured"]').textContent()).toContain(`${PPK2_GAP.count} slots in gaps`)
    await page.screenshot({ path: screenshotPath('capture-import-selection'), fullPage: true })
  })

  it('zooms to the selection, draws D0–D7 lanes, and keeps the selection statistics', async () => {
    const before = await readStats(page, 'selection-stats')
    await page.getByTestId('zoom-selection').click()
    await expect.poll(async () => (await readStats(page, 'window-stats')).fromS).toBeCloseTo(before.fromS, 6)
    const lanes = page.getByTestId('digital-lanes')
    expect((await lanes.boundingBox())!.height).toBeGreaterThanOrEqual(8 * 16 - 1)
    // The lanes canvas has ink: D0's pulses and D1's toggling are drawn.
    const inked = await lanes.evaluate((c: any) => {
      const px = c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data
      let n = 0
      for (let i = 3; i < px.length; i += 4) if (px[i] > 0) n++
      return n
    })
    expect(inked).toBeGreaterThan(1000)
    expect(await readStats(page, 'selection-stats')).toEqual(before)
    await page.screenshot({ path: screenshotPath('capture-import-zoomed'), fullPage: true })
  })
})
