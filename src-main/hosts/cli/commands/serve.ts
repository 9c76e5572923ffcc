import { JoulebenchCore } from '../../../api/core'
import { startLoopbackServer } from '../../server/loopback-server'
import { rendererBuildDir } from '../../paths'
import { numberOption, UserError, type CliCommand } from '../command'

export const serveCommand: CliCommand = {
  name: 'serve',
  summary: 'Serve the app to a browser on 127.0.0.1 (browser mode, headless benches)',
  usage: '[--port N] [--json]',
  help: 'Prints the URL to open, with a token that this start of the server requires on every connection. Stop with Ctrl-C.',
  options: { port: { type: 'string' } },
  async run(ctx, values) {
    const port = numberOption(values, 'port', 0)!
    if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UserError(`--port must be a whole number from 0 to 65535, got ${port}.`)
    const rendererDir = rendererBuildDir()
    if (!rendererDir) ctx.note('The renderer is not built (run `npm run build`); serving the API only.')
    const core = new JoulebenchCore({ dbPath: ctx.dbPath, host: 'server' })
    const server = await startLoopbackServer({ core, port, rendererDir: rendererDir ?? undefined }).catch((e) => {
      void core.close()
      throw e
    })
    ctx.report({ url: server.url, port: server.port, token: server.token, workspace: ctx.dbPath }, `Joulebench is serving the workspace ${ctx.dbPath}\nOpen ${server.url}`)
    await new Promise<void>((resolve) => {
      const stop = () => resolve()
      process.once('SIGINT', stop)
      process.once('SIGTERM', stop)
    })
    await server.close()
    await core.close()
  }
}
