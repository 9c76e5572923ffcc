import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Browser, Page } from 'playwright-core'
import { launchChromium, screenshotPath } from '../helpers/browser'
import { serveBuiltApp, type ServedApp } from '../helpers/serve'

/**
 * The Wiring screen in Chromium against `joulebench serve`: a user picks the virtual PPK2 and the
 * NUCLEO-F401RE (the virtual bench's demo board), sees the diagram, walks the steps with live checks,
 * runs them all, then stages a fault on the virtual bench and sees the check that catches it fail with
 * what to try.
 */
describe('Wiring screen (browser mode + Chromium)', () => {
  let app: ServedApp
  let browser: Browser
  let page: Page

  beforeAll(async () => {
    app = await serveBuiltApp()
    browser = await launchChromium()
    // Tall enough that a screenshot holds the whole screen.
    page = await browser.newPage({ viewport: { width: 1400, height: 2600 } })
  })
  afterAll(async () => {
    await browser?.close()
    await app?.stop()
  })

  const step = (id: string) => page.locator(`[data-testid=wiring-step][data-step=${id}]`)

  it('draws the plan for the PPK2 powering the NUCLEO-F401RE', async () => {
    await page.goto(`${app.url}#/wiring`)
    await page.getByTestId('wiring-analyzer').selectOption('ppk2')
    await page.getByTestId('wiring-board').selectOption('nucleo-f401re')
    await page.getByTestId('wiring-method').selectOption('source-meter')
    const diagram = page.getByTestId('wiring-diagram')
    await diagram.locator('svg').waitFor()
    // The five wires of the source-meter plan are drawn and labelled.
    for (const w of ['w1', 'w2', 'w3', 'w4', 'w5']) expect(await diagram.locator('svg text', { hasText: new RegExp(`^${w}$`) }).count()).toBeGreaterThan(0)
    expect(await page.getByTestId('wiring-step').evaluateAll((els) => els.map((e) => e.getAttribute('data-step')))).toEqual(['prepare', 'ground', 'supply', 'power', 'trigger'])
    expect(await page.getByTestId('wiring-instrument').inputValue()).toBe('virtual:ppk2')
    // The virtual bench's fault control is there, and says what it is.
    expect(await page.getByTestId('bench-fault').textContent()).toMatch(/virtual bench.*not of any instrument/s)
    await page.screenshot({ path: screenshotPath('wiring-plan') })
  })

  it('walks the steps one by one with live checks, then runs them all', async () => {
    for (const id of ['prepare', 'ground', 'supply']) {
      await step(id).getByTestId('check-step').click()
      await expect.poll(() => step(id).getAttribute('data-status')).toBe('pass')
    }
    await step('power').getByTestId('check-step').click()
    await expect.poll(() => step('power').getAttribute('data-status'), { timeout: 30_000 }).toBe('pass')
    const power = step('power').getByTestId('check-result')
    expect(await power.evaluateAll((els) => els.map((e) => `${e.getAttribute('data-check')}:${e.getAttribute('data-status')}`))).toEqual([
      'supply-in-range:pass',
      'supply-present:pass',
      'current-limit:pass',
      'dut-draws-current:pass'
    ])
    // The demo board's loop: 19 mA for 110 ms, 2.1 mA for 200 ms; a 1 s window averages 5.3–11.4 mA.
    const mean = await step('power').locator('[data-check=dut-draws-current] [data-testid=check-measured]').textContent()
    const mA = Number(/([\d.]+) mA/.exec(mean!)![1])
    expect(mA).toBeGreaterThan(5)
    expect(mA).toBeLessThan(12)

    await step('trigger').getByTestId('check-step').click()
    await expect.poll(() => step('trigger').getAttribute('data-status'), { timeout: 30_000 }).toBe('pass')

    await page.getByTestId('check-all').click()
    await expect.poll(async () => (await page.getByTestId('wiring-summary').textContent().catch(() => '')) ?? '', { timeout: 60_000 }).toMatch(/^Every check passed/)
    expect(await page.getByTestId('wiring-step').evaluateAll((els) => els.map((e) => e.getAttribute('data-status')))).toEqual(['pass', 'pass', 'pass', 'pass', 'pass'])
    await page.screenshot({ path: screenshotPath('wiring-guide-passed') })
  })

  it('shows the failure a staged fault causes, with its message and hint, and passes again once cleared', async () => {
    await page.getByTestId('bench-fault-select').selectOption('silent-trigger')
    await expect.poll(() => step('trigger').getAttribute('data-status')).toBe('pending')
    // The status bar warns on every screen while a fault is staged on the virtual bench.
    await expect.poll(() => page.getByTestId('status-bench-fault').textContent()).toMatch(/virtual bench fault staged: silent-trigger/)
    await page.getByTestId('check-all').click()
    await expect.poll(async () => (await page.getByTestId('wiring-summary').textContent().catch(() => '')) ?? '', { timeout: 60_000 }).toMatch(
      /^Stopped at step "Connect the trigger line"/
    )
    const trig = step('trigger').locator('[data-check=trigger-toggles]')
    expect(await trig.getAttribute('data-status')).toBe('fail')
    expect(await trig.getByTestId('check-message').textContent()).toMatch(/The trigger line \(logic\.D0\) did not change in [\d.]+ s \(held low\)/)
    expect(await trig.getByTestId('check-hint').textContent()).toMatch(/Check w3 \(D7 \(PA8\) → D0\) lands on arduino\.D7/)
    await page.screenshot({ path: screenshotPath('wiring-guide-fault') })

    await page.getByTestId('bench-fault-select').selectOption('none')
    await expect.poll(() => page.getByTestId('status-bench-fault').count()).toBe(0)
    await step('trigger').getByTestId('check-step').click()
    await expect.poll(() => step('trigger').getAttribute('data-status'), { timeout: 30_000 }).toBe('pass')
  })
})
