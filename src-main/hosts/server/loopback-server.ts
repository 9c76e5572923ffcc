import { randomBytes, timingSafeEqual } from 'node:crypto'
import { createReadStream, existsSync, statSync } from 'node:fs'
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import { extname, join, normalize, resolve, sep } from 'node:path'
import { WebSocketServer, type WebSocket } from 'ws'
import type { JoulebenchCore } from '../../api/core'
import { decodeMessage, encodeMessage } from '../../api/wire'
import { CONTENT_SECURITY_POLICY } from '../content-security-policy'

export interface LoopbackServer {
  /** The URL to open, token included. */
  url: string
  port: number
  token: string
  close(): Promise<void>
}

export interface LoopbackServerOptions {
  core: JoulebenchCore
  /** 0 picks a free port. */
  port?: number
  /** The built renderer (out/renderer); without it only the API is served. */
  rendererDir?: string
  /** Fixed token for tests; by default a fresh random one per start. */
  token?: string
}

const MIME: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json',
  '.woff2': 'font/woff2'
}

function sameToken(given: string | null | undefined, token: string): boolean {
  if (typeof given !== 'string') return false
  const a = Buffer.from(given)
  const b = Buffer.from(token)
  return a.length === b.length && timingSafeEqual(a, b)
}

/**
 * Browser mode and headless benches: the built renderer and the API over a WebSocket, on 127.0.0.1 only.
 * Every WebSocket connection and every request must carry the per-start token; the page itself is only
 * served to a URL that carries it. The Host header is checked so a DNS-rebinding page cannot reach us.
 */
export async function startLoopbackServer(options: LoopbackServerOptions): Promise<LoopbackServer> {
  const token = options.token ?? randomBytes(24).toString('base64url')
  const rendererDir = options.rendererDir ? resolve(options.rendererDir) : null
  let port = 0
  const allowedHosts = () => new Set([`127.0.0.1:${port}`, `localhost:${port}`])

  const server = createServer((req, res) => serveHttp(req, res))
  const wss = new WebSocketServer({ noServer: true, maxPayload: 16 * 1024 * 1024 })
  const clients = new Set<WebSocket>()

  function refuse(res: ServerResponse, status: number, text: string) {
    res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store' })
    res.end(text + '\n')
  }

  function serveHttp(req: IncomingMessage, res: ServerResponse) {
    if (!allowedHosts().has(req.headers.host ?? '')) return refuse(res, 403, 'Joulebench answers only to http://127.0.0.1 and http://localhost.')
    if (req.method !== 'GET' && req.method !== 'HEAD') return refuse(res, 405, 'Only GET is served.')
    const url = new URL(req.url ?? '/', `http://${req.headers.host}`)
    if (!rendererDir) return refuse(res, 404, 'This server has no renderer build; it serves the API only.')
    let file: string
    if (url.pathname === '/' || url.pathname === '/index.html') {
      if (!sameToken(url.searchParams.get('token'), token)) {
        return refuse(res, 401, 'This Joulebench server needs its token: open the full URL printed where you started `joulebench serve`.')
      }
      file = join(rendererDir, 'index.html')
    } else {
      file = normalize(join(rendererDir, decodeURIComponent(url.pathname)))
      if (!file.startsWith(rendererDir + sep)) return refuse(res, 404, 'Not found.')
    }
    if (!existsSync(file) || !statSync(file).isFile()) return refuse(res, 404, 'Not found.')
    res.writeHead(200, {
      'content-type': MIME[extname(file)] ?? 'application/octet-stream',
      'content-security-policy': CONTENT_SECURITY_POLICY,
      'x-content-type-options': 'nosniff',
      'referrer-policy': 'no-referrer',
      'cache-control': 'no-store'
    })
    if (req.method === 'HEAD') return res.end()
    createReadStream(file).pipe(res)
  }

  server.on('upgrade', (req, socket, head) => {
    const url = new URL(req.url ?? '/', 'http://x')
    const origin = req.headers.origin
    const originOk = origin === undefined || allowedHosts().has(origin.replace(/^http:\/\//, ''))
    if (url.pathname !== '/api' || !allowedHosts().has(req.headers.host ?? '') || !originOk || !sameToken(url.searchParams.get('token'), token)) {
      socket.write('HTTP/1.1 401 Unauthorized\r\nContent-Type: text/plain\r\nConnection: close\r\n\r\nA Joulebench API connection needs the token printed by `joulebench serve`.\n')
      socket.destroy()
      return
    }
    wss.handleUpgrade(req, socket, head, (ws) => wss.emit('connection', ws))
  })

  wss.on('connection', (ws) => {
    clients.add(ws)
    ws.on('close', () => clients.delete(ws))
    ws.on('message', async (data, isBinary) => {
      let message: unknown
      try {
        message = decodeMessage(isBinary ? new Uint8Array(data as Buffer) : (data as Buffer).toString('utf8'))
      } catch {
        ws.send(encodeMessage({ id: 0, ok: false, error: { code: 'bad-request', message: 'The message is not valid JSON or a valid binary frame.' } }))
        return
      }
      const m = message as { id?: unknown; token?: unknown }
      if (!sameToken(typeof m?.token === 'string' ? m.token : null, token)) {
        const id = typeof m?.id === 'number' ? m.id : 0
        ws.send(encodeMessage({ id, ok: false, error: { code: 'unauthorized', message: 'Every request must carry the server token.' } }))
        return
      }
      const reply = await options.core.handle(message)
      if (ws.readyState === ws.OPEN) ws.send(encodeMessage(reply))
    })
  })

  const unsubscribe = options.core.onEvent((event) => {
    const frame = encodeMessage(event)
    for (const ws of clients) if (ws.readyState === ws.OPEN) ws.send(frame)
  })

  await new Promise<void>((resolveListen, reject) => {
    server.once('error', (e: NodeJS.ErrnoException) =>
      reject(
        new Error(
          e.code === 'EADDRINUSE'
            ? `Port ${options.port} on 127.0.0.1 is already in use. Choose another with --port N, or omit --port to pick a free one.`
            : `Cannot listen on 127.0.0.1:${options.port ?? 0}: ${e.message}`
        )
      )
    )
    server.listen(options.port ?? 0, '127.0.0.1', () => resolveListen())
  })
  port = (server.address() as { port: number }).port

  return {
    url: `http://127.0.0.1:${port}/?token=${token}`,
    port,
    token,
    async close() {
      unsubscribe()
      for (const ws of clients) ws.terminate()
      wss.close()
      await new Promise<void>((r) => server.close(() => r()))
    }
  }
}
