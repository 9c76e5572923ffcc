import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Browser, Page } from 'playwright-core'
import { launchChromium, screenshotPath } from '../helpers/browser'
import { serveBuiltApp, type ServedApp } from '../helpers/serve'
import { cli } from '../helpers/cli'

/**
 * The Calibration screen in Chromium against `joulebench serve`: a user calibrates the virtual PPK2
 * with the suggested reference loads (the virtual bench switches them), reviews the fit per range,
 * saves it as a record due in 20 days, sees the reminder, and opens the printable certificate. What
 * the screen shows is checked against the record read back independently through the CLI.
 */
describe('Calibration screen (browser mode + Chromium)', () => {
  let app: ServedApp
  let browser: Browser
  let page: Page

  beforeAll(async () => {
    app = await serveBuiltApp()
    browser = await launchChromium()
    page = await browser.newPage({ viewport: { width: 1400, height: 2600 } })
  })
  afterAll(async () => {
    await browser?.close()
    await app?.stop()
  })

  it('runs a calibration of the virtual PPK2 with the suggested loads and shows the fit per range', async () => {
    await page.goto(`${app.url}#/calibration`)
    await page.getByTestId('calibration-instrument').selectOption('virtual:ppk2')
    // Two suggested loads per range, five ranges; each row shows its current V / R.
    await expect.poll(() => page.getByTestId('load-row').count()).toBe(10)
    const first = page.getByTestId('load-row').first()
    const ohms = Number(await first.getByTestId('load-ohms').inputValue())
    const volts = Number(await first.getByTestId('load-volts').inputValue())
    expect(await first.locator('td.num').textContent()).toBe(`${((volts / ohms) * 1e6).toPrecision(3)} µA`)
    // Short windows keep the test quick: the virtual PPK2 streams 100 kS/s in real time.
    await page.getByTestId('calibration-settle').fill('0.02')
    await page.getByTestId('calibration-window').fill('0.2')
    await page.getByTestId('calibration-run').click()
    await page.getByTestId('calibration-progress').waitFor()
    await page.getByTestId('save-record').waitFor({ timeout: 90_000 })
    expect(await page.getByTestId('calibration-state').textContent()).toBe('measured — review and save')
    // The emulated unit reads true: every range fits a gain near 1 and passes its stated accuracy.
    const rows = page.getByTestId('range-row')
    expect(await rows.count()).toBe(5)
    expect(await rows.evaluateAll((els) => els.map((e) => e.getAttribute('data-verdict')))).toEqual(['pass', 'pass', 'pass', 'pass', 'pass'])
    for (const g of await page.getByTestId('range-gain').allTextContents()) expect(Math.abs(Number(g) - 1)).toBeLessThan(0.01)
    expect(await page.getByTestId('point-row').count()).toBe(11)
    expect(await page.getByTestId('calibration-verdict').textContent()).toBe('PASS')
    // The PPK2 keeps user gains: the option to write them is offered.
    expect(await page.getByTestId('record-user-gains').count()).toBe(1)
    await page.screenshot({ path: screenshotPath('calibration-result') })
  })

  it('saves the record with notes and a due date, lists it with its reminder, as the workspace stores it', async () => {
    await page.getByTestId('record-notes').fill('Reference set A <e2e>')
    await page.getByTestId('record-due-days').fill('20')
    await page.getByTestId('record-save').click()
    await page.getByTestId('calibration-saved').waitFor()
    const id = (await page.getByTestId('saved-record-id').textContent())!
    expect(id).toMatch(/^cal-[0-9a-f]{12}$/)

    const stored = (await cli(['calibrations', '--json', '--db', app.dbPath])).json().calibrations
    expect(stored.map((r: { id: string }) => r.id)).toEqual([id])
    expect(stored[0]).toMatchObject({ family: 'ppk2', serial: 'VIRTUAL-PPK2', inForce: true, notes: 'Reference set A <e2e>', verdict: 'pass' })
    // The gains on screen are the stored ones.
    const shown = await page.getByTestId('range-gain').allTextContents()
    expect(shown).toEqual(stored[0].ranges.map((r: { gain: number }) => r.gain.toFixed(5)))
    // Due in 20 days (± the seconds the test took): highlighted as due soon, with a reminder.
    const daysLeft = (Date.parse(stored[0].dueAt) - Date.now()) / 86_400_000
    expect(daysLeft).toBeGreaterThan(19.9)
    const row = page.locator(`[data-testid=record-row][data-id=${id}]`)
    await row.waitFor()
    expect(await row.getAttribute('data-due')).toBe('due-soon')
    expect(await row.getByTestId('record-due').textContent()).toContain(stored[0].dueAt.slice(0, 10))
    expect(await page.getByTestId('due-reminder').textContent()).toMatch(new RegExp(`^Due soon: Nordic Power Profiler Kit II serial VIRTUAL-PPK2 — calibration due ${stored[0].dueAt.slice(0, 10)} \\(in 20 days\\), last ${id}\\.$`))
  })

  it('marks the unit on the Instruments screen as due soon', async () => {
    await page.getByTestId('nav-instruments').click()
    const row = page.locator('[data-testid=instrument-row][data-id="virtual:ppk2"]')
    await expect.poll(async () => (await row.getByTestId('calibration-due-badge').textContent().catch(() => ''))?.trim()).toBe('calibration due soon')
    expect(await page.locator('[data-testid=instrument-row][data-id="virtual:lpm01a"]').getByTestId('calibration-due-badge').count()).toBe(0)
    await page.getByTestId('nav-calibration').click()
    await page.getByTestId('records-list').waitFor()
  })

  it('opens the certificate, printable, naming the unit, the record and the notes', async () => {
    // Back on the screen, the saved calibration is still shown (the core keeps it) with its certificate button.
    await page.getByTestId('saved-certificate').click()
    await page.getByTestId('certificate-view').waitFor()
    const id = (await page.getByTestId('saved-record-id').textContent())!
    const cert = page.frameLocator('[data-testid=certificate-frame]')
    expect(await cert.locator('h1').textContent()).toBe('Calibration certificate')
    const text = (await cert.locator('body').textContent())!
    expect(text).toContain(id)
    expect(text).toContain('VIRTUAL-PPK2')
    // User text arrives as text, never as markup.
    expect(text).toContain('Reference set A <e2e>')
    expect(await cert.locator('e2e').count()).toBe(0)
    // The printable document is the one the CLI prints for the same record.
    const printed = (await cli(['calibrations', '--certificate', id, '--db', app.dbPath])).stdout
    const framed = await page.getByTestId('certificate-frame').getAttribute('srcdoc')
    expect(strip(framed!)).toBe(strip(printed))
    expect(await page.getByTestId('certificate-print').isEnabled()).toBe(true)
    await page.screenshot({ path: screenshotPath('calibration-certificate') })

  })

  it('captures under the calibration in force, recomputes the recording without it from the Capture screen, then takes it out of force', async () => {
    const id = (await page.getByTestId('saved-record-id').textContent())!
    await page.getByTestId('nav-capture').click()
    await page.getByTestId('instrument-select').selectOption('virtual:ppk2')
    await page.getByTestId('capture-duration').fill('0.5')
    await page.getByTestId('capture-start').click()
    const named = page.getByTestId('recording-calibration')
    await expect.poll(async () => (await named.textContent().catch(() => ''))?.trim(), { timeout: 30_000 }).toBe(id)
    await expect.poll(async () => (await page.getByTestId('recompute-button').isVisible().catch(() => false)), { timeout: 30_000 }).toBe(true)
    // Wait for the capture to end: recompute needs a finished recording.
    await expect.poll(async () => (await cli(['recordings', '--json', '--db', app.dbPath])).json().recordings[0].state, { timeout: 30_000 }).toBe('finished')
    await page.getByTestId('recompute-select').selectOption('')
    await page.getByTestId('recompute-button').click()
    await expect.poll(async () => (await page.getByTestId('recompute-message').textContent().catch(() => '')) ?? '').toBe(
      `Recomputed with the instrument's own conversion only (no calibration); it was ${id}.`
    )
    await expect.poll(async () => (await named.textContent())?.trim()).toBe('none (the instrument’s own conversion)')
    expect((await cli(['recordings', '--json', '--db', app.dbPath])).json().recordings[0].calibrationId).toBeNull()
    await page.screenshot({ path: screenshotPath('calibration-recompute') })

    // Out of force: the checkbox goes to the workspace.
    await page.getByTestId('nav-calibration').click()
    await page.locator(`[data-testid=record-row][data-id=${id}]`).getByTestId('record-in-force').uncheck()
    await expect.poll(async () => (await cli(['calibrations', '--json', '--db', app.dbPath])).json().calibrations[0].inForce).toBe(false)
  })
})

/** The certificate prints the time it was made; compare everything else. */
function strip(html: string): string {
  return html.replace(/\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?Z?/g, 'T').trim()
}
