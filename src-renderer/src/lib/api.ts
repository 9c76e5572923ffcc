/**
 * The renderer's only way to the core: the API contract, over the Electron preload bridge when the app runs
 * in its window, or over the loopback WebSocket (with the token from the page URL) in browser mode.
 * The renderer never parses device bytes and never receives raw sample streams.
 */
import type { ApiEvent, ApiMethod, ApiParams, ApiReply, ApiResult } from '../../../src-main/api/contract'
import { decodeMessage, encodeMessage } from '../../../src-main/api/wire'

export type ConnectionState = 'connecting' | 'connected' | 'disconnected'

interface Bridge {
  request(message: unknown): Promise<unknown>
  onEvent(listener: (event: unknown) => void): () => void
}

declare global {
  interface Window {
    joulebench?: Bridge
  }
}

export class ApiRequestError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly issues?: Array<{ path: string; message: string }>
  ) {
    super(message)
  }
}

type Pending = { resolve: (r: ApiReply) => void }

class ApiClient {
  state: ConnectionState = 'connecting'
  lastError: string | null = null
  private nextId = 1
  private pending = new Map<number, Pending>()
  private eventListeners = new Set<(e: ApiEvent) => void>()
  private stateListeners = new Set<(s: ConnectionState) => void>()
  private socket: WebSocket | null = null
  private readonly token = new URLSearchParams(location.search).get('token') ?? ''
  private retryMs = 500

  constructor() {
    if (window.joulebench) {
      window.joulebench.onEvent((e) => this.dispatchEvent(e as ApiEvent))
      this.setState('connected')
    } else {
      this.connect()
    }
  }

  private setState(s: ConnectionState) {
    this.state = s
    for (const l of this.stateListeners) l(s)
  }

  private connect() {
    this.setState('connecting')
    const ws = new WebSocket(`ws://${location.host}/api?token=${encodeURIComponent(this.token)}`)
    ws.binaryType = 'arraybuffer'
    this.socket = ws
    ws.onopen = () => {
      this.retryMs = 500
      this.lastError = null
      this.setState('connected')
    }
    ws.onmessage = (m) => {
      const msg = decodeMessage(typeof m.data === 'string' ? m.data : new Uint8Array(m.data as ArrayBuffer)) as ApiReply | ApiEvent
      if ('event' in msg) return this.dispatchEvent(msg)
      this.pending.get(msg.id)?.resolve(msg)
      this.pending.delete(msg.id)
    }
    ws.onclose = () => {
      this.socket = null
      for (const [id, p] of this.pending) p.resolve({ id, ok: false, error: { code: 'failed', message: 'The connection to Joulebench was lost.' } })
      this.pending.clear()
      this.lastError = this.token ? 'The connection to the Joulebench server was lost; retrying.' : 'This page has no token: open the full URL printed by `joulebench serve`.'
      this.setState('disconnected')
      setTimeout(() => this.connect(), this.retryMs)
      this.retryMs = Math.min(this.retryMs * 2, 5000)
    }
  }

  private dispatchEvent(e: ApiEvent) {
    for (const l of this.eventListeners) l(e)
  }

  private async send(message: { id: number; method: string; params: unknown }): Promise<ApiReply> {
    if (window.joulebench) return (await window.joulebench.request(message)) as ApiReply
    const ws = this.socket
    if (!ws || ws.readyState !== WebSocket.OPEN) {
      return { id: message.id, ok: false, error: { code: 'failed', message: 'Not connected to Joulebench yet.' } }
    }
    return new Promise((resolve) => {
      this.pending.set(message.id, { resolve })
      ws.send(encodeMessage({ ...message, token: this.token }))
    })
  }

  /** Call one API method; rejects with ApiRequestError carrying the core's message. */
  async call<M extends ApiMethod>(method: M, params: ApiParams<M>): Promise<ApiResult<M>> {
    const reply = await this.send({ id: this.nextId++, method, params })
    if (!reply.ok) throw new ApiRequestError(reply.error.code, reply.error.message, reply.error.issues)
    return reply.result as ApiResult<M>
  }

  onEvent(listener: (e: ApiEvent) => void): () => void {
    this.eventListeners.add(listener)
    return () => this.eventListeners.delete(listener)
  }

  onState(listener: (s: ConnectionState) => void): () => void {
    this.stateListeners.add(listener)
    listener(this.state)
    return () => this.stateListeners.delete(listener)
  }
}

export const api = new ApiClient()
