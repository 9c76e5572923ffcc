import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { beforeAll, describe, expect, it, vi } from 'vitest'

// The Electron binary is not needed: the host code runs against a recording mock of the electron module.
const h = vi.hoisted(() => {
  const listeners: Record<string, (...a: any[]) => any> = {}
  const state = {
    windowOptions: null as any,
    windowOpenHandler: null as any,
    ipc: new Map<string, (...a: any[]) => any>(),
    headersHook: null as any,
    permissionRequest: null as any,
    devicePermission: null as any,
    permissionCheck: null as any,
    listeners,
    loaded: null as string | null,
    ready: null as null | (() => void),
    window: null as any,
    dialogCalls: [] as Array<{ parent: any; options: any }>,
    dialogAnswer: { canceled: true, filePaths: [] as string[] }
  }
  class BrowserWindow {
    webContents = {
      on: (name: string, fn: any) => (listeners[name] = fn),
      setWindowOpenHandler: (fn: any) => (state.windowOpenHandler = fn),
      send: vi.fn()
    }
    constructor(opts: any) {
      state.windowOptions = opts
      state.window = this
    }
    once() {}
    isDestroyed() {
      return false
    }
    async loadFile(f: string) {
      state.loaded = f
    }
  }
  const session = {
    defaultSession: {
      webRequest: { onHeadersReceived: (fn: any) => (state.headersHook = fn) },
      setPermissionRequestHandler: (fn: any) => (state.permissionRequest = fn),
      setPermissionCheckHandler: (fn: any) => (state.permissionCheck = fn),
      setDevicePermissionHandler: (fn: any) => (state.devicePermission = fn)
    }
  }
  const app = {
    whenReady: () => new Promise<void>((r) => (state.ready = r)),
    on: vi.fn(),
    quit: vi.fn(),
    exit: vi.fn()
  }
  const ipcMain = { handle: (ch: string, fn: any) => state.ipc.set(ch, fn) }
  const dialog = {
    showOpenDialog: async (parent: any, options: any) => {
      state.dialogCalls.push({ parent, options })
      return state.dialogAnswer
    }
  }
  return { state, electron: { app, BrowserWindow, dialog, ipcMain, session } }
})
vi.mock('electron', () => h.electron)

describe('Electron host (electron mocked)', () => {
  beforeAll(async () => {
    process.argv.push('--db', join(process.env.TMPDIR ?? '/tmp', `jb-electron-${process.pid}.db`))
    await import('../../src-main/hosts/electron/main')
    h.state.ready!()
    await vi.waitFor(() => expect(h.state.loaded).not.toBeNull())
  })

  it('opens one window with an isolated, sandboxed renderer and no Node', () => {
    const prefs = h.state.windowOptions.webPreferences
    expect(prefs).toMatchObject({ contextIsolation: true, sandbox: true, nodeIntegration: false, webSecurity: true, webviewTag: false })
    expect(prefs.preload).toMatch(/preload[/\\]index\.cjs$/)
    expect(h.state.loaded).toMatch(/renderer[/\\]index\.html$/)
  })

  it('puts the strict Content-Security-Policy on every response', () => {
    let headers: any
    h.state.headersHook({ responseHeaders: { a: ['b'] } }, (r: any) => (headers = r.responseHeaders))
    const csp = headers['Content-Security-Policy'][0]
    expect(csp).toMatch(/default-src 'none'/)
    expect(csp).toMatch(/script-src 'self'(;|$)/)
    expect(csp).not.toMatch(/unsafe-eval/)
  })

  it('blocks navigation away from the app and every new window', () => {
    const nav = h.state.listeners['will-navigate']
    const outside = { preventDefault: vi.fn() }
    nav(outside, 'https://example.com/')
    expect(outside.preventDefault).toHaveBeenCalled()
    const inside = { preventDefault: vi.fn() }
    nav(inside, 'file://' + join(h.state.loaded!, '..', 'index.html'))
    expect(inside.preventDefault).not.toHaveBeenCalled()
    expect(h.state.windowOpenHandler({ url: 'https://example.com' })).toEqual({ action: 'deny' })
  })

  it('grants device access only to known instruments and refuses permission prompts', () => {
    expect(h.state.devicePermission({ deviceType: 'usb', device: { vendorId: 0x1915, productId: 0xc00a } })).toBe(true)
    expect(h.state.devicePermission({ deviceType: 'usb', device: { vendorId: 0x0483, productId: 0x374b } })).toBe(true)
    expect(h.state.devicePermission({ deviceType: 'usb', device: { vendorId: 0x046d, productId: 0xc52b } })).toBe(false)
    expect(h.state.devicePermission({ deviceType: 'hid', device: {} })).toBe(false)
    let granted: boolean | undefined
    h.state.permissionRequest({}, 'media', (g: boolean) => (granted = g))
    expect(granted).toBe(false)
    expect(h.state.permissionCheck({}, 'geolocation')).toBe(false)
  })

  it('answers API requests from its own page only, validated by the core', async () => {
    const handle = h.state.ipc.get('joulebench:request')!
    const pageUrl = 'file://' + h.state.loaded
    const ok = await handle({ senderFrame: { url: pageUrl } }, { id: 1, method: 'app.info', params: {} })
    expect(ok).toMatchObject({ id: 1, ok: true, result: { host: 'electron' } })
    const bad = await handle({ senderFrame: { url: pageUrl } }, { id: 2, method: 'app.info', params: { x: 1 } })
    expect(bad).toMatchObject({ ok: false, error: { code: 'invalid-params' } })
    const foreign = await handle({ senderFrame: { url: 'https://evil.example/' } }, { id: 3, method: 'app.info', params: {} })
    expect(foreign).toMatchObject({ ok: false, error: { code: 'unauthorized' } })
  })

  it('opens the native file dialog on the window for app.chooseFile, and says when it was cancelled', async () => {
    const handle = h.state.ipc.get('joulebench:request')!
    const page = { senderFrame: { url: 'file://' + h.state.loaded } }
    expect(await handle(page, { id: 4, method: 'app.info', params: {} })).toMatchObject({ ok: true, result: { fileDialog: true } })
    const request = { title: 'Merge a workspace', kind: 'Joulebench workspace', extensions: ['db'] }
    h.state.dialogAnswer = { canceled: false, filePaths: ['/media/field/workspace.db'] }
    expect(await handle(page, { id: 5, method: 'app.chooseFile', params: request })).toMatchObject({ ok: true, result: { path: '/media/field/workspace.db' } })
    expect(h.state.dialogCalls.at(-1)).toEqual({
      parent: h.state.window,
      options: { title: 'Merge a workspace', properties: ['openFile'], filters: [{ name: 'Joulebench workspace', extensions: ['db'] }] }
    })
    h.state.dialogAnswer = { canceled: true, filePaths: [] }
    expect(await handle(page, { id: 6, method: 'app.chooseFile', params: request })).toMatchObject({ ok: true, result: { path: null } })
    const bad = await handle(page, { id: 7, method: 'app.chooseFile', params: { ...request, extensions: ['db;rm -rf'] } })
    expect(bad).toMatchObject({ ok: false, error: { code: 'invalid-params' } })
    expect(h.state.dialogCalls).toHaveLength(2)
  })
})

describe('Electron build output', () => {
  const root = join(import.meta.dirname, '..', '..')

  it('builds the main process as ESM and the preload as CommonJS (required by sandbox: true)', () => {
    expect(readFileSync(join(root, 'out/main/index.js'), 'utf8')).toMatch(/from "electron"/)
    const preload = readFileSync(join(root, 'out/preload/index.cjs'), 'utf8')
    expect(preload).toMatch(/require\("electron"\)/)
    expect(preload).not.toMatch(/^\s*import /m)
  })

  it('exposes exactly the API bridge from the preload, nothing else', () => {
    const code = readFileSync(join(root, 'out/preload/index.cjs'), 'utf8')
    const exposed: Record<string, any> = {}
    const invoke = vi.fn(async () => 'reply')
    const fakeElectron = {
      contextBridge: { exposeInMainWorld: (key: string, api: any) => (exposed[key] = api) },
      ipcRenderer: { invoke, on: vi.fn(), off: vi.fn() }
    }
    const requireFn = (name: string) => {
      if (name === 'electron') return fakeElectron
      throw new Error(`the preload must not require ${name}`)
    }
    new Function('require', 'module', 'exports', code)(requireFn, { exports: {} }, {})
    expect(Object.keys(exposed)).toEqual(['joulebench'])
    expect(Object.keys(exposed.joulebench).sort()).toEqual(['onEvent', 'request'])
    exposed.joulebench.request({ id: 1 })
    expect(invoke).toHaveBeenCalledWith('joulebench:request', { id: 1 })
  })
})
