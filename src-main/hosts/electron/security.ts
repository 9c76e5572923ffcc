import type { BrowserWindow, BrowserWindowConstructorOptions, Session } from 'electron'
import { recognise } from '../../instruments/known-devices'
import { CONTENT_SECURITY_POLICY } from '../content-security-policy'

/** The window's web preferences: the renderer is an untrusted web page that can only call the API contract. */
export function secureWebPreferences(preloadPath: string): NonNullable<BrowserWindowConstructorOptions['webPreferences']> {
  return {
    preload: preloadPath,
    contextIsolation: true,
    sandbox: true,
    nodeIntegration: false,
    nodeIntegrationInWorker: false,
    webSecurity: true,
    allowRunningInsecureContent: false,
    webviewTag: false,
    spellcheck: false
  }
}

/** Device permissions: USB, serial and HID access only for instruments and probes we recognise. */
export function isKnownInstrument(device: { vendorId?: number; productId?: number; productName?: string }): boolean {
  if (typeof device.vendorId !== 'number' || typeof device.productId !== 'number') return false
  return recognise(device.vendorId, device.productId, [device.productName]) !== null
}

/**
 * Lock down a session and a window: CSP on every response, no navigation away from the app, no new
 * windows, no permission prompts, and device access limited to known instruments.
 */
export function applyWindowSecurity(win: BrowserWindow, session: Session, appUrlPrefix: string): void {
  session.webRequest.onHeadersReceived((details, callback) => {
    callback({ responseHeaders: { ...details.responseHeaders, 'Content-Security-Policy': [CONTENT_SECURITY_POLICY] } })
  })
  session.setPermissionRequestHandler((_wc, _permission, callback) => callback(false))
  session.setPermissionCheckHandler((_wc, permission) => permission === 'usb' || permission === 'serial' || permission === 'hid')
  session.setDevicePermissionHandler((details) => isKnownInstrument(details.device as { vendorId?: number; productId?: number; productName?: string }))
  win.webContents.on('will-navigate', (event, url) => {
    if (!url.startsWith(appUrlPrefix)) event.preventDefault()
  })
  win.webContents.on('will-redirect', (event, url) => {
    if (!url.startsWith(appUrlPrefix)) event.preventDefault()
  })
  win.webContents.setWindowOpenHandler(() => ({ action: 'deny' }))
  win.webContents.on('will-attach-webview', (event) => event.preventDefault())
}
