/**
 * One Content-Security-Policy for the renderer in every host: only our own bundle runs, it talks only to
 * its own origin (the loopback WebSocket in browser mode), and nothing is framed or fetched from outside.
 * Svelte's styles are inline, hence 'unsafe-inline' for style-src only.
 */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data: blob:",
  "font-src 'self'",
  "connect-src 'self' ws://127.0.0.1:* ws://localhost:*",
  "worker-src 'self' blob:",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
  "object-src 'none'"
].join('; ')
