/**
 * The only bridge between the sandboxed window and the core: send an API request, receive API events.
 * Built as CommonJS because sandboxed preloads cannot be ES modules.
 */
import { contextBridge, ipcRenderer, type IpcRendererEvent } from 'electron'

const REQUEST_CHANNEL = 'joulebench:request'
const EVENT_CHANNEL = 'joulebench:event'

contextBridge.exposeInMainWorld('joulebench', {
  request: (message: unknown): Promise<unknown> => ipcRenderer.invoke(REQUEST_CHANNEL, message),
  onEvent: (listener: (event: unknown) => void): (() => void) => {
    const forward = (_e: IpcRendererEvent, event: unknown) => listener(event)
    ipcRenderer.on(EVENT_CHANNEL, forward)
    return () => ipcRenderer.off(EVENT_CHANNEL, forward)
  }
})
