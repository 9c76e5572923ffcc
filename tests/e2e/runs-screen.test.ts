import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Browser, Page } from 'playwright-core'
import { launchChromium, screenshotPath } from '../helpers/browser'
import { serveBuiltApp, type ServedApp } from '../helpers/serve'
import { cli } from '../helpers/cli'

/**
 * The Runs screen in Chromium against `joulebench serve`: start the virtual demo plan from the form,
 * watch it finish, and check that what the screen shows is what the workspace stored (read back
 * independently through the CLI from the same workspace file).
 */
describe('Runs screen (browser mode + Chromium)', () => {
  let app: ServedApp
  let browser: Browser
  let page: Page

  beforeAll(async () => {
    app = await serveBuiltApp()
    browser = await launchChromium()
    page = await browser.newPage({ viewport: { width: 1400, height: 1000 } })
  })
  afterAll(async () => {
    await browser?.close()
    await app?.stop()
  })

  it('shows the demo plan, refuses a bad value naming its field, and accepts it back', async () => {
    await page.goto(`${app.url}#/runs`)
    await page.getByTestId('plan-editor').waitFor()
    await expect.poll(() => page.getByTestId('plan-name').inputValue()).toBe('kws01 on the virtual bench')
    await expect.poll(() => page.getByTestId('start-run').isEnabled()).toBe(true)
    // The demo runs on the virtual NPU board, reading its stage log from the DUT's UART.
    expect(await page.getByTestId('plan-board').inputValue()).toBe('max78000')
    expect(await page.getByTestId('plan-stage-source').inputValue()).toBe('dut-uart')
    expect(await page.getByTestId('plan-stage-format').inputValue()).toBe('max78000')
    // A pattern without a stage group is refused under its field.
    await page.getByTestId('plan-stage-format').selectOption('custom')
    await page.getByTestId('plan-stage-pattern').fill('^(?<name>\\w+) (?<us>\\d+) us$')
    await expect.poll(async () => (await page.getByTestId('plan-issues').textContent()) ?? '').toMatch(/stages\.format\.pattern: needs a named group \(\?<stage>…\)/)
    await page.getByTestId('plan-stage-format').selectOption('max78000')
    await expect.poll(() => page.getByTestId('plan-issues').count()).toBe(0)
    await page.getByTestId('plan-inferences').fill('0')
    await expect.poll(async () => (await page.getByTestId('plan-issues').textContent()) ?? '').toMatch(/repetitions\.inferences: must be at least 1; got 0/)
    expect(await page.getByTestId('start-run').isDisabled()).toBe(true)
    // Smaller than the default so the test is quick: 2 windows of infer 10 2.
    await page.getByTestId('plan-inferences').fill('10')
    await page.getByTestId('plan-windows').fill('2')
    await expect.poll(() => page.getByTestId('plan-issues').count()).toBe(0)
    expect(await page.getByTestId('plan-json').inputValue()).toMatch(/"inferences": 10/)
  })

  it('edits the plan as JSON: broken JSON is refused, a valid edit reaches the form', async () => {
    await page.getByText('Plan as JSON').click()
    const json = page.getByTestId('plan-json')
    const good = await json.inputValue()
    await json.fill('{ "mode": ')
    await expect.poll(async () => (await page.getByTestId('plan-json-error').textContent()) ?? '').toMatch(/Not valid JSON yet/)
    expect(await page.getByTestId('start-run').isDisabled()).toBe(true)
    await json.fill(good.replace('"kws01 on the virtual bench"', '"kws01, edited as JSON"'))
    await expect.poll(() => page.getByTestId('plan-name').inputValue()).toBe('kws01, edited as JSON')
    await expect.poll(() => page.getByTestId('start-run').isEnabled()).toBe(true)
    await page.getByText('Plan as JSON').click()
  })

  it('starts a virtual run, shows its progress, then its trace with segments and its metrics with error bars', async () => {
    await page.getByTestId('start-run').click()
    await page.getByTestId('run-progress').waitFor()
    await page.getByTestId('run-detail').waitFor({ timeout: 60_000 })
    await expect.poll(() => page.getByTestId('run-state').textContent(), { timeout: 60_000 }).toBe('finished')
    const runId = Number(await page.getByTestId('run-detail').getAttribute('data-run-id'))

    // The stored run, read independently from the same workspace file.
    const stored = (await cli(['run', '--list', '--json', '--db', app.dbPath])).json().runs.find((r: { id: number }) => r.id === runId)
    expect(stored.state).toBe('finished')
    expect(stored.name).toBe('kws01, edited as JSON')
    expect(stored.summary.n).toBe(20)

    // Metrics as shown: the same figures, in engineering units with the CI.
    const energy = (await page.getByTestId('metric-energy-mean').textContent())!
    const latency = (await page.getByTestId('metric-latency-mean').textContent())!
    const s = stored.summary
    expect(energy).toContain(`${(s.energyPerInferenceJ.mean * 1e6).toPrecision(4)} µJ ±`)
    expect(latency).toContain(`${(s.latencyPerInferenceS.mean * 1e3).toPrecision(4)} ms ±`)
    expect(await page.getByTestId('metric-energy').locator('td').last().textContent()).toBe('20')
    await page.getByTestId('chart-energy').waitFor()
    await page.getByTestId('chart-latency').waitFor()

    // Trace: segments coloured by stage over the plot, idle and inferences among them, warm-ups marked.
    await page.getByTestId('run-trace').waitFor()
    await expect.poll(() => page.getByTestId('segment-band').count()).toBeGreaterThan(10)
    const stages = await page.getByTestId('segment-band').evaluateAll((els) => [...new Set(els.map((e) => e.getAttribute('data-stage')))])
    expect(stages).toEqual(expect.arrayContaining(['idle', 'inference', 'window']))
    expect(await page.locator('[data-testid="segment-band"].warmup').count()).toBeGreaterThan(0)
    // Bands lie inside the plot area.
    const plot = (await page.locator('[data-testid="run-trace"] .u-over').boundingBox())!
    const band = (await page.locator('[data-testid="segment-band"][data-stage="inference"]').first().boundingBox())!
    expect(band.x).toBeGreaterThanOrEqual(plot.x - 1)
    expect(band.x + band.width).toBeLessThanOrEqual(plot.x + plot.width + 1)

    // Stages: the virtual NPU board's stage log puts init, memory I/O, CNN and post-processing on the
    // trace, each in its own colour, and the per-stage table shows the stored figures.
    const keys = await page.getByTestId('segment-band').evaluateAll((els) => [...new Set(els.map((e) => e.getAttribute('data-stage')))])
    expect(keys).toEqual(expect.arrayContaining(['init', 'memory', 'inference', 'post']))
    const colours = await page
      .getByTestId('segment-band')
      .evaluateAll((els) => Object.fromEntries(els.map((e) => [e.getAttribute('data-stage'), /--c:\s*([^;]+)/.exec(e.getAttribute('style') ?? '')?.[1]])))
    expect(new Set(['init', 'memory', 'inference', 'post'].map((k) => colours[k])).size).toBe(4)
    const legend = (await page.getByTestId('stage-legend').textContent())!
    for (const name of ['Initialization', 'Memory I/O', 'Inference', 'Post-processing']) expect(legend).toContain(name)
    const rows = page.getByTestId('stage-row')
    expect(await rows.evaluateAll((els) => els.map((e) => e.getAttribute('data-stage')))).toEqual(['init', 'memory', 'inference', 'post'])
    expect(s.stages).toHaveLength(4)
    for (const st of s.stages as Array<{ stage: string; n: number; energyJ: { mean: number }; latencyS: { mean: number } }>) {
      const row = page.locator(`[data-testid="stage-row"][data-stage="${st.stage}"]`)
      expect(await row.getByTestId('stage-energy').textContent()).toContain(`${(st.energyJ.mean * 1e6).toPrecision(4)} µJ`)
      expect(await row.getByTestId('stage-latency').textContent()).toContain(`${(st.latencyS.mean * 1e3).toPrecision(4)} ms`)
      expect(await row.locator('td').nth(1).textContent()).toBe(String(st.n))
      expect(st.n).toBe(20)
    }
    expect(await page.getByTestId('run-warning').count()).toBe(0)
    // 2 windows of infer 10 2: 24 inferences, 4 lines each.
    expect(await page.getByTestId('run-stage-log').textContent()).toMatch(/^max78000 stage log on the DUT's UART · 96 lines$/)
    await page.getByTestId('stage-table').screenshot({ path: screenshotPath('runs-stage-table') })
    await page.getByTestId('run-trace').screenshot({ path: screenshotPath('runs-stage-trace') })

    // The run list has it, finished.
    await expect.poll(() => page.locator(`[data-testid="run-row"][data-id="${runId}"]`).getAttribute('data-state')).toBe('finished')
    await page.screenshot({ path: screenshotPath('runs-finished'), fullPage: true })
    // The screen scrolls inside <main>: shoot the run itself as well, in a window tall enough to hold it.
    await page.setViewportSize({ width: 1400, height: 2000 })
    await page.getByTestId('run-detail').screenshot({ path: screenshotPath('runs-detail') })
  })
})
