import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Browser, Page } from 'playwright-core'
import { request } from 'node:http'
import WebSocket from 'ws'
import { launchChromium, screenshotPath } from '../helpers/browser'
import { serveBuiltApp, type ServedApp } from '../helpers/serve'

const SCREENS = ['instruments', 'wiring', 'calibration', 'capture', 'runs', 'results']

describe('browser mode: joulebench serve + Chromium', () => {
  let app: ServedApp
  let browser: Browser
  let page: Page

  beforeAll(async () => {
    app = await serveBuiltApp()
    browser = await launchChromium()
    page = await browser.newPage()
  })
  afterAll(async () => {
    await browser?.close()
    await app?.stop()
  })

  it('prints a 127.0.0.1 URL carrying a fresh token', () => {
    expect(app.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/\?token=[A-Za-z0-9_-]{32}$/)
  })

  it('shows the instruments list, connected, with the workspace in the status bar', async () => {
    await page.goto(app.url)
    await page.getByTestId('instrument-table').waitFor()
    await expect.poll(() => page.getByTestId('connection-state').textContent()).toBe('Connected')
    // The virtual bench is always listed, marked virtual, beside whatever is attached.
    const ppk2 = page.locator('[data-testid="instrument-row"][data-id="virtual:ppk2"]')
    await ppk2.waitFor()
    expect(await ppk2.textContent()).toMatch(/Nordic Power Profiler Kit II\s*virtual/)
    expect(await page.locator('[data-testid="instrument-row"][data-id="virtual:lpm01a"]').count()).toBe(1)
    expect(await page.getByTestId('status-bar').textContent()).toContain(app.dbPath)
    await page.screenshot({ path: screenshotPath('instruments'), fullPage: true })
  })

  it('navigates to every screen', async () => {
    for (const s of SCREENS) {
      await page.getByTestId(`nav-${s}`).click()
      await page.getByTestId(`screen-${s}`).waitFor()
      expect(page.url()).toContain(`#/${s}`)
    }
  })

  it('serves no page without the token', async () => {
    const res = await fetch(`http://127.0.0.1:${app.port}/`)
    expect(res.status).toBe(401)
    expect(await res.text()).toMatch(/needs its token/)
    const wrong = await fetch(`http://127.0.0.1:${app.port}/?token=${'x'.repeat(32)}`)
    expect(wrong.status).toBe(401)
  })

  it('refuses a WebSocket connection without the token', async () => {
    const outcome = await new Promise<string>((resolve) => {
      const ws = new WebSocket(`ws://127.0.0.1:${app.port}/api`)
      ws.on('open', () => resolve('open'))
      ws.on('unexpected-response', (_req, res) => resolve(`http ${res.statusCode}`))
      ws.on('error', () => resolve('error'))
    })
    expect(outcome).toBe('http 401')
  })

  it('refuses a request without the token on an authorised connection', async () => {
    const ws = new WebSocket(`ws://127.0.0.1:${app.port}/api?token=${app.token}`)
    await new Promise((r) => ws.once('open', r))
    const reply = (message: object) =>
      new Promise<any>((resolve) => {
        ws.once('message', (d) => resolve(JSON.parse(d.toString())))
        ws.send(JSON.stringify(message))
      })
    expect(await reply({ id: 1, method: 'app.info', params: {} })).toMatchObject({ id: 1, ok: false, error: { code: 'unauthorized' } })
    expect(await reply({ id: 2, method: 'app.info', params: {}, token: app.token })).toMatchObject({ id: 2, ok: true })
    ws.close()
  })

  it('refuses a foreign Host header (DNS rebinding)', async () => {
    const status = await new Promise<number | undefined>((resolve, reject) =>
      request({ host: '127.0.0.1', port: app.port, path: `/?token=${app.token}`, headers: { host: 'evil.example' } }, (res) => {
        res.resume()
        resolve(res.statusCode)
      })
        .on('error', reject)
        .end()
    )
    expect(status).toBe(403)
  })
})
