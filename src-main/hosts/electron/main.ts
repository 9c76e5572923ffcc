import { app, BrowserWindow, dialog, ipcMain, session } from 'electron'
import { dirname, join } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import type { ChooseFileRequest } from '../../api/contract'
import { JoulebenchCore } from '../../api/core'
import { defaultWorkspacePath } from '../../store/workspace'
import { applyWindowSecurity, secureWebPreferences } from './security'

const here = dirname(fileURLToPath(import.meta.url))
export const REQUEST_CHANNEL = 'joulebench:request'
export const EVENT_CHANNEL = 'joulebench:event'

function workspaceFromArgs(argv: string[]): string {
  const i = argv.indexOf('--db')
  return i >= 0 && argv[i + 1] ? argv[i + 1] : defaultWorkspacePath()
}

/** The native open-file dialog, attached to the window; null when cancelled. */
async function chooseFile(parent: BrowserWindow, { title, kind, extensions }: ChooseFileRequest): Promise<string | null> {
  const picked = await dialog.showOpenDialog(parent, { title, properties: ['openFile'], filters: [{ name: kind, extensions }] })
  return picked.canceled ? null : (picked.filePaths[0] ?? null)
}

/** The Electron host: one window, the core in this process, the API over IPC and nothing else. */
export async function startElectronHost(): Promise<void> {
  await app.whenReady()
  const core = new JoulebenchCore({
    dbPath: workspaceFromArgs(process.argv),
    host: 'electron',
    chooseFile: (request) => chooseFile(win, request)
  })
  const indexHtml = join(here, '../renderer/index.html')
  const appUrlPrefix = pathToFileURL(dirname(indexHtml)).href

  const win = new BrowserWindow({
    width: 1280,
    height: 820,
    title: 'Joulebench',
    show: false,
    webPreferences: secureWebPreferences(join(here, '../preload/index.cjs'))
  })
  applyWindowSecurity(win, session.defaultSession, appUrlPrefix)

  ipcMain.handle(REQUEST_CHANNEL, (event, message: unknown) => {
    // Only our own page may call the core.
    if (!event.senderFrame?.url.startsWith(appUrlPrefix)) {
      return { id: 0, ok: false, error: { code: 'unauthorized', message: 'Requests are accepted from the Joulebench window only.' } }
    }
    return core.handle(message)
  })
  core.onEvent((e) => {
    if (!win.isDestroyed()) win.webContents.send(EVENT_CHANNEL, e)
  })
  win.once('ready-to-show', () => win.show())
  await win.loadFile(indexHtml)

  app.on('window-all-closed', () => {
    void core.close().then(() => app.quit())
  })
}

startElectronHost().catch((e: Error) => {
  console.error(`Joulebench could not start: ${e.message}`)
  app.exit(1)
})
