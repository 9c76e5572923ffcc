import { copyFileSync, mkdtempSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Browser, BrowserContext, Page } from 'playwright-core'
import { launchChromium, screenshotPath } from '../helpers/browser'
import { serveBuiltApp, type ServedApp } from '../helpers/serve'

const DATA = '/work/shared/data/convolution-primitives'
const FILTERS = `${DATA}/Filters_Latency_And_Energy.csv`

/**
 * The Results screen in Chromium against the built `joulebench serve`: a published table imported
 * through the file picker, its columns mapped in the dialog as a user would, and the fitted slopes
 * read off the screen — the README's figures, to three significant figures.
 */
describe('Results screen: published table → mapping dialog → fits on screen', () => {
  let app: ServedApp
  let browser: Browser
  let context: BrowserContext
  let page: Page

  beforeAll(async () => {
    app = await serveBuiltApp()
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

  async function download(testid: string): Promise<{ name: string; text: string; path: string }> {
    const [d] = await Promise.all([page.waitForEvent('download'), page.getByTestId(testid).click()])
    // Saved under its suggested name, so the browser opening it knows its type from the extension.
    const path = join(mkdtempSync(join(tmpdir(), 'jb-e2e-download-')), d.suggestedFilename())
    copyFileSync(await d.path(), path)
    return { name: d.suggestedFilename(), text: readFileSync(path, 'utf8'), path }
  }

  it("imports the study's table through the dialog and shows the README's slopes", async () => {
    await page.getByTestId('table-file-input').setInputFiles(FILTERS)
    const dialog = page.getByTestId('mapping-dialog')
    await dialog.waitFor()
    // The suggestion is there before anyone touches it …
    await expect.poll(() => page.getByTestId('map-column-Layer type').inputValue()).toBe('primitive')
    // … and the user states the mapping: quantities, layer type, swept parameter, base layer.
    await page.getByTestId('map-column-Consumption (J)').selectOption('energy')
    await page.getByTestId('map-column-Latency (s)').selectOption('latency')
    await page.getByTestId('map-column-Layer type').selectOption('primitive')
    await page.getByTestId('map-column-Filters').selectOption('cy')
    await page.getByTestId('map-column-DSP').selectOption('')
    for (const [k, v] of [['hy', '32'], ['wy', '32'], ['k', '3'], ['cx', '16'], ['g', '2']]) await page.getByTestId(`map-base-${k}`).fill(v)
    await expect.poll(() => page.getByTestId('macs-status').textContent()).toMatch(/^MACs derived per row/)
    // The preview shows derived MACs: the first row is a grouped conv (G=2) with 8 filters, 32·32·9·16·8/2.
    await expect.poll(() => page.getByTestId('mapping-preview').textContent()).toContain((32 * 32 * 9 * 16 * 8 / 2).toLocaleString('en-US'))
    await page.getByTestId('map-x').selectOption('macs')
    await page.getByTestId('map-y').selectOption('energy')
    await page.getByTestId('map-group-DSP').check()
    await page.screenshot({ path: screenshotPath('results-mapping-dialog'), fullPage: true })
    await page.getByTestId('mapping-save').click()
    await dialog.waitFor({ state: 'detached' })

    // All primitives but AddConv, as the README fits them.
    await page.getByTestId('filter-primitive-AddConv').uncheck()
    const rows = page.getByTestId('fit-row')
    await expect.poll(() => page.getByTestId('fit-n').allTextContents()).toEqual(['16', '16', '16'])
    expect(await rows.evaluateAll((trs) => trs.map((tr) => tr.getAttribute('data-group')))).toEqual(['DSP=0', 'DSP=1', 'DSP=2'])
    expect(await page.getByTestId('fit-slope-unit').textContent()).toContain('nJ/MAC')
    const slopes = (await page.getByTestId('fit-slope').allTextContents()).map((t) => Number(t).toPrecision(3))
    expect(slopes).toEqual(['20.9', '6.38', '2.89'])
    const r2 = (await page.getByTestId('fit-r2').allTextContents()).map((t) => Number(t).toPrecision(3))
    expect(r2).toEqual(['0.988', '0.987', '0.944'])
    await page.getByTestId('screen-results').evaluate((main) => main.scrollTo(0, 0))
    await page.screenshot({ path: screenshotPath('results-fit') })

    // The comparison against naive reads as a sentence …
    await expect.poll(async () => (await page.getByTestId('ratio-sentence').allTextContents()).length).toBe(2)
    expect((await page.getByTestId('ratio-sentence').allTextContents())[1]).toMatch(/^DSP=2 is \d+\.\d\d× faster than DSP=0, at \d+\.\d\d× the power and \d+\.\d\d× the energy\.$/)
    // … in the study's words once the implementations are named, like for like (same layer, same filters).
    await page.getByTestId('value-names').locator('summary').click()
    for (const [v, n] of [['0', 'naive'], ['1', 'im2col'], ['2', 'SIMD']]) {
      await page.getByTestId(`name-DSP-${v}`).fill(n)
      await page.getByTestId(`name-DSP-${v}`).press('Tab')
    }
    await page.getByTestId('pair-primitive').check()
    await page.getByTestId('pair-cy').check()
    await expect.poll(async () => (await page.getByTestId('ratio-sentence').allTextContents())[1]).toMatch(/^SIMD is \d+\.\d\d× faster than naive, at /)
    expect(await page.getByTestId('fit-row').evaluateAll((trs) => trs.map((tr) => tr.getAttribute('data-group')))).toEqual(['naive', 'im2col', 'SIMD'])
    await page.getByTestId('ratio-panel').scrollIntoViewIfNeeded()
    await page.screenshot({ path: screenshotPath('results-comparison') })
  })

  it('exports the rows as CSV in SI, and the plot as PNG and as SVG with every point', async () => {
    const csv = await download('export-rows-csv')
    expect(csv.name).toBe('Filters_Latency_And_Energy-rows.csv')
    const lines = csv.text.trim().split('\r\n')
    // Mapped fields under our names with SI units, the other columns as written, derived fields last.
    expect(lines[0]).toBe('line,primitive,cy,latency (s),energy (J),DSP,macs,power (W)')
    // A grouped convolution with 8 filters (G = 2): MACs 32·32·9·16·8/2; power = energy / latency.
    const [line, type, cy, lat, energy, dsp, macs, power] = lines[1].split(',')
    expect([line, type, cy, dsp]).toEqual(['2', 'GroupConv', '8', '2'])
    expect(Number(macs)).toBe((32 * 32 * 9 * 16 * 8) / 2)
    expect(Number(power)).toBeCloseTo(Number(energy) / Number(lat), 15)
    expect(lines).toHaveLength(1 + 48)

    const png = await download('export-plot-png')
    const bytes = readFileSync(png.path)
    // PNG signature, then the IHDR chunk: the plot's canvas (380 px) under a 52 px title and legend band.
    expect([...bytes.subarray(0, 8)]).toEqual([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])
    expect(bytes.subarray(12, 16).toString('latin1')).toBe('IHDR')
    expect(bytes.readUInt32BE(20)).toBe(380 + 52)
    expect(bytes.readUInt32BE(16)).toBeGreaterThan(400)

    const svg = await download('export-plot-svg')
    const check = await context.newPage()
    await check.goto(`file://${svg.path}`)
    // 48 points, three fitted lines and three bands, in a document Chromium parses as SVG.
    expect(await check.locator('circle').count()).toBe(48 + 3)
    expect(await check.locator('polyline[data-role="fit"]').count()).toBe(3)
    expect(await check.locator('polygon[data-role="band"]').count()).toBe(3)
    await check.close()
  })

  it('keeps the table and its mapping after a reload', async () => {
    await page.reload()
    await page.getByTestId('table-item').first().waitFor()
    expect(await page.getByTestId('table-item').allTextContents()).toEqual(['Filters_Latency_And_Energy.csv'])
    await expect.poll(() => page.getByTestId('fit-n').allTextContents()).toEqual(['16', '16', '16'])
  })

  it('exports a self-contained HTML report that opens offline in Chromium and prints', async () => {
    const report = await download('export-report')
    expect(report.name).toBe('Filters_Latency_And_Energy-report.html')
    const offline = await browser.newContext({ offline: true })
    const requests: string[] = []
    offline.on('request', (r) => requests.push(r.url()))
    const view = await offline.newPage()
    await view.goto(`file://${report.path}`)
    expect(requests.filter((u) => !u.startsWith('file://'))).toEqual([])
    expect(await view.locator('svg').count()).toBe(2)
    const energySlopes = await view.locator('table.fits').first().locator('tbody tr td:nth-child(3)').allTextContents()
    expect(energySlopes.map((t) => Number(t).toPrecision(3))).toEqual(['20.9', '6.38', '2.89'])
    await view.screenshot({ path: screenshotPath('results-report'), fullPage: true })
    const pdf = await view.pdf({ format: 'A4' })
    expect(pdf.subarray(0, 5).toString()).toBe('%PDF-')
    await offline.close()
  })

  it('draws the groups in colours that read on the dark theme', async () => {
    const dark = await browser.newContext({ colorScheme: 'dark', viewport: { width: 1400, height: 1000 } })
    const p = await dark.newPage()
    await p.goto(`${app.url}#/results`)
    await expect.poll(() => p.getByTestId('fit-n').allTextContents()).toEqual(['16', '16', '16'])
    const background = (await p.evaluate('getComputedStyle(document.body).backgroundColor')) as string
    const dots = await p.getByTestId('fit-plot-legend').locator('.dot').evaluateAll((els) => els.map((e) => e.ownerDocument.defaultView!.getComputedStyle(e).backgroundColor))
    // Relative luminance (WCAG): the page is dark and every group colour stands out from it.
    const luminance = (rgb: string) => {
      const [r, g, b] = rgb.match(/\d+/g)!.slice(0, 3).map((v) => {
        const c = Number(v) / 255
        return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4
      })
      return 0.2126 * r + 0.7152 * g + 0.0722 * b
    }
    expect(luminance(background)).toBeLessThan(0.05)
    for (const d of dots) expect((luminance(d) + 0.05) / (luminance(background) + 0.05)).toBeGreaterThan(3)
    // The slope unit keeps its case: nJ, not NJ.
    expect(await p.getByTestId('fit-slope-unit').evaluate((e) => e.ownerDocument.defaultView!.getComputedStyle(e).textTransform)).toBe('none')
    await p.screenshot({ path: screenshotPath('results-fit-dark'), fullPage: true })
    await dark.close()
  })

  it('names the file and the line when an imported table is malformed, and keeps what was there', async () => {
    await page.getByTestId('table-file-input').setInputFiles({ name: 'broken.csv', mimeType: 'text/csv', buffer: Buffer.from('a,b\n1,"2\n3,4\n') })
    await expect.poll(() => page.getByTestId('import-error').textContent()).toMatch(/^broken\.csv: a quoted field opened on line 2 is never closed/)
    expect(await page.getByTestId('table-item').allTextContents()).toEqual(['Filters_Latency_And_Energy.csv'])
  })

  it('describes a dropped TFLite model layer by layer', async () => {
    await page.getByTestId('results-tab-models').click()
    await page.getByTestId('model-file-input').setInputFiles('/work/shared/data/mlperf-tiny/ad01_int8.tflite')
    // Ten dense layers 640→128→128→128→128→8→128→128→128→128→640.
    const widths = [640, 128, 128, 128, 128, 8, 128, 128, 128, 128, 640]
    const macs = widths.slice(1).reduce((s, w, i) => s + w * widths[i], 0)
    await expect.poll(() => page.getByTestId('model-macs').textContent()).toBe(macs.toLocaleString('en-US'))
    expect(await page.getByTestId('model-layers-table').locator('tbody tr').count()).toBe(10)
    await page.screenshot({ path: screenshotPath('results-model-facts'), fullPage: true })
  })
})
