import { execFileSync } from 'node:child_process'
import { mkdtempSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Browser, Page } from 'playwright-core'
import { launchChromium, screenshotPath } from '../helpers/browser'
import { serveBuiltApp, type ServedApp } from '../helpers/serve'
import { buildBenchFirmware, type BenchFirmware } from '../../src-main/probes/qemu/bench-firmware'

/**
 * The probes part of the Instruments screen in Chromium against the built `joulebench serve`: the
 * virtual CMSIS-DAP probe connected from its row, memory read into the hex viewer, the bench image
 * flashed through the file picker with a progress bar, and the firmware's RTT terminal answering a
 * command typed into the console. Expected bytes come from objcopy and a HEX count made here.
 */
describe('Instruments screen: debug probes', () => {
  let app: ServedApp
  let browser: Browser
  let page: Page
  let fw: BenchFirmware
  let text: Buffer

  beforeAll(async () => {
    fw = await buildBenchFirmware()
    const bin = join(mkdtempSync(join(tmpdir(), 'jb-e2e-probes-')), 'text.bin')
    execFileSync('arm-none-eabi-objcopy', ['-O', 'binary', '-j', '.text', fw.dut, bin])
    text = readFileSync(bin)
    app = await serveBuiltApp()
    browser = await launchChromium()
    page = await (await browser.newContext({ viewport: { width: 1400, height: 1100 } })).newPage()
    await page.goto(`${app.url}#/instruments`)
    await page.getByTestId('probes-section').waitFor()
  })
  afterAll(async () => {
    await browser?.close()
    await app?.stop()
  })

  const row = (id: string) => page.locator(`[data-testid="probe-row"][data-id="${id}"]`)
  const panel = (id: string) => page.locator(`[data-testid="probe-panel"][data-probe="${id}"]`)

  it('connects the virtual CMSIS-DAP probe, reads memory, flashes the bench image with progress and shows RTT output', async () => {
    // The instrument table is still there, beside the probes.
    await page.getByTestId('instrument-table').waitFor()
    await expect.poll(() => page.getByTestId('probe-row').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-id')))).toEqual(['virtual:cmsis-dap', 'virtual:stlink', 'virtual:qemu'])
    expect(await row('virtual:qemu').locator('.badge.virtual').count()).toBe(1)

    await row('virtual:cmsis-dap').getByTestId('probe-connect').click()
    const p = panel('virtual:cmsis-dap')
    await p.waitFor()
    expect(await p.getByTestId('probe-target-core').textContent()).toBe('Cortex-M4')
    const dpidr = parseInt((await p.getByTestId('probe-target-dpidr').textContent())!, 16)
    expect((dpidr >>> 1) & 0x7ff).toBe(0x23b) // ARM's JEP106 designer code
    const resetHandler = text.readUInt32LE(4) & ~1
    expect(await p.getByTestId('probe-state').textContent()).toContain(`halted at 0x${resetHandler.toString(16).padStart(8, '0')}`)
    expect(await row('virtual:cmsis-dap').getByTestId('probe-open').count()).toBe(1)

    // Memory: the vector table and the code after it, as objcopy extracts them from the ELF.
    await p.getByTestId('mem-address').fill('0x0')
    await p.getByTestId('mem-length').fill('64')
    await p.getByTestId('mem-read').click()
    await expect.poll(() => p.getByTestId('mem-shown').textContent()).toBe('64 bytes at 0x00000000')
    const dump = (await p.getByTestId('mem-dump').textContent())!.trim().split('\n')
    expect(dump).toHaveLength(4)
    for (let i = 0; i < 4; i++) {
      const bytes = [...text.subarray(16 * i, 16 * i + 16)].map((b) => b.toString(16).padStart(2, '0')).join(' ')
      expect(dump[i].startsWith(`0x${(16 * i).toString(16).padStart(8, '0')}  ${bytes}`)).toBe(true)
    }
    await p.getByTestId('mem-length').fill('100000')
    await p.getByTestId('mem-read').click()
    await expect.poll(() => p.getByTestId('mem-error').textContent()).toMatch(/Read 1 to 4096 bytes/)
    await p.getByTestId('mem-length').fill('64')

    // Flash the bench image through the file picker; record every phase the progress line shows.
    // (A script string: this file is type-checked without the DOM library.)
    await page.evaluate(`{
      const seen = (window.phases = [])
      new MutationObserver(() => {
        const t = document.querySelector('[data-testid="flash-phase"]')?.textContent
        if (t && seen.at(-1) !== t) seen.push(t)
      }).observe(document.body, { subtree: true, childList: true, characterData: true })
    }`)
    await p.getByTestId('flash-file-input').setInputFiles(fw.flashImageHex)
    await p.getByTestId('flash-run').check()
    await p.getByTestId('flash-start').click()
    const result = p.getByTestId('flash-result')
    await result.waitFor()
    expect(await result.getAttribute('data-verified')).toBe('true')
    const records = readFileSync(fw.flashImageHex, 'utf8')
      .split(/\r?\n/)
      .filter((l) => l.slice(7, 9) === '00')
    const bytes = records.reduce((n, l) => n + parseInt(l.slice(1, 3), 16), 0)
    const said = await result.innerText()
    expect(said).toContain(`Flashed selftest-flash.hex (${(bytes / 1024).toPrecision(3)} KiB, 1 sector erased, ${new Set(records.map((l) => parseInt(l.slice(3, 7), 16) >> 10)).size} pages programmed)`)
    expect(said).toContain('Verified: every byte reads back as written.')
    expect(await p.getByTestId('flash-progress').getAttribute('value')).toBe('1')
    const phases = (await page.evaluate('window.phases')) as string[]
    expect(phases.some((t) => /^program \d+\/\d+$/.test(t))).toBe(true)
    expect(phases.some((t) => /^erase \d+\/\d+$/.test(t))).toBe(true)
    expect(phases.at(-1)).toBe('done')
    await expect.poll(() => p.getByTestId('probe-state').textContent()).toContain('running')

    // RTT: the DUT firmware's terminal, then a command sent down the channel and its answer.
    await p.getByTestId('rtt-start').click()
    await expect.poll(() => p.getByTestId('rtt-status').textContent()).toBe('streaming')
    await expect.poll(() => p.getByTestId('rtt-output').textContent()).toMatch(/m-init-done\r?\nm-ready/)
    await p.getByTestId('rtt-ending').selectOption('%')
    await p.getByTestId('rtt-input').fill('name')
    await p.getByTestId('rtt-send').click()
    await expect.poll(() => p.getByTestId('rtt-output').textContent()).toContain('m-name-dut-[joulebench-qemu-mps2]')
    expect(await p.getByTestId('rtt-input').inputValue()).toBe('')
    await p.getByTestId('mem-read').click()
    // The screen scrolls inside <main>: a tall window shows the list and the whole panel at once.
    await page.setViewportSize({ width: 1400, height: 2100 })
    await page.getByTestId('screen-instruments').evaluate((main) => main.scrollTo(0, 0))
    await page.screenshot({ path: screenshotPath('probes-instruments') })
    await page.emulateMedia({ colorScheme: 'dark' })
    await page.screenshot({ path: screenshotPath('probes-instruments-dark') })
    await page.emulateMedia({ colorScheme: 'light' })
    await page.setViewportSize({ width: 1400, height: 1100 })

    await p.getByTestId('rtt-stop').click()
    await expect.poll(() => p.getByTestId('rtt-status').textContent()).toBe('stopped')
  })

  it('measures kernel latency against MACs on the QEMU board and draws the fit', async () => {
    await row('virtual:qemu').getByTestId('probe-connect').click()
    const q = panel('virtual:qemu')
    await q.waitFor()
    expect(await q.getByTestId('probe-target-dpidr').textContent()).toMatch(/not reported/)
    await q.getByTestId('kernel-run').click()
    await expect.poll(() => q.getByTestId('kernel-fit-row').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-kind'))), { timeout: 60_000 }).toEqual(['standard', 'depthwise', 'shift-pointwise'])
    for (const r2 of await q.getByTestId('kernel-r2').allTextContents()) expect(Number(r2)).toBeGreaterThan(0.99)
    // Each slope is the least-squares line through the calls listed under it, worked out here.
    // A table row's innerText separates its cells with tabs (once the list is open and laid out).
    await q.getByText(/^Every kernel call/).click()
    const calls = (await q.getByTestId('kernel-call-row').allInnerTexts()).map((t) => t.split('\t'))
    const slopes = await q.getByTestId('kernel-slope').allTextContents()
    ;(['standard', 'depthwise', 'shift-pointwise'] as const).forEach((kind, i) => {
      const pts = calls.filter((c) => c[0] === kind).map((c) => ({ x: Number(c[2].replace(/,/g, '')), y: Number(c[3].replace(/,/g, '')) }))
      const mx = pts.reduce((a, p) => a + p.x, 0) / pts.length
      const my = pts.reduce((a, p) => a + p.y, 0) / pts.length
      const slope = pts.reduce((a, p) => a + (p.x - mx) * (p.y - my), 0) / pts.reduce((a, p) => a + (p.x - mx) ** 2, 0)
      expect(Number(slopes[i])).toBeCloseTo(slope, 2)
    })
    expect(await q.getByTestId('fit-plot-legend').textContent()).toContain('shift-pointwise')
    await q.getByTestId('kernel-latency').scrollIntoViewIfNeeded()
    await q.getByTestId('kernel-latency').screenshot({ path: screenshotPath('probes-kernel-latency') })
  })
})
