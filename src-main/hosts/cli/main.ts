import { parseArgs } from 'node:util'
import { defaultWorkspacePath, openWorkspace, type Db } from '../../store/workspace'
import { UserError, type CliCommand, type CliContext, type CliOptions } from './command'
import { COMMANDS } from './commands'
import { VERSION } from '../../version'
import '../../setup'

const GLOBAL_OPTIONS: CliOptions = {
  json: { type: 'boolean', default: false },
  db: { type: 'string' },
  help: { type: 'boolean', short: 'h', default: false }
}

export interface CliIo {
  stdout(text: string): void
  stderr(text: string): void
  env: NodeJS.ProcessEnv
}

const processIo: CliIo = {
  stdout: (t) => process.stdout.write(t),
  stderr: (t) => process.stderr.write(t),
  env: process.env
}

function overview(): string {
  const width = Math.max(...COMMANDS.map((c) => c.name.length))
  return [
    `joulebench ${VERSION} — energy and latency per inference on microcontrollers`,
    '',
    'Usage: joulebench <command> [options]',
    '',
    'Commands:',
    ...COMMANDS.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
    '',
    'Options for every command:',
    '  --json       print one JSON document (SI units) instead of text',
    '  --db PATH    workspace file (default: your data folder, or $JOULEBENCH_DB)',
    '  --help       help for a command: joulebench <command> --help',
    '  --version    print the version',
    ''
  ].join('\n')
}

function commandHelp(c: CliCommand): string {
  return [`Usage: joulebench ${c.name} ${c.usage}`.trimEnd(), '', c.summary, ...(c.help ? ['', c.help] : []), ''].join('\n')
}

/** Runs one command line and returns the exit code. Never throws: errors become one clear line. */
export async function runCli(argv: string[], io: CliIo = processIo): Promise<number> {
  const first = argv[0]
  if (first === undefined || first === '--help' || first === '-h' || first === 'help') {
    io.stdout(overview())
    return 0
  }
  if (first === '--version' || first === '-v') {
    io.stdout(argv.includes('--json') ? JSON.stringify({ version: VERSION }) + '\n' : `${VERSION}\n`)
    return 0
  }
  const command = COMMANDS.find((c) => c.name === first)
  const wantsJson = argv.includes('--json')
  const fail = (message: string, code = 1): number => {
    if (wantsJson) io.stdout(JSON.stringify({ error: message }) + '\n')
    else io.stderr(`joulebench: ${message}\n`)
    return code
  }
  if (!command) return fail(`unknown command "${first}". Run joulebench --help for the list.`, 2)

  let parsed: ReturnType<typeof parseArgs>
  try {
    parsed = parseArgs({
      args: argv.slice(1),
      options: { ...GLOBAL_OPTIONS, ...command.options },
      allowPositionals: true,
      strict: true
    })
  } catch (e) {
    return fail(`${(e as Error).message.replace(/\. To specify.*$/s, '')}. See joulebench ${command.name} --help.`, 2)
  }
  const values = parsed.values as Record<string, unknown>
  if (values.help) {
    io.stdout(commandHelp(command))
    return 0
  }
  const dbPath = typeof values.db === 'string' ? values.db : defaultWorkspacePath(io.env)
  let db: Db | undefined
  const ctx: CliContext = {
    json: values.json === true,
    dbPath,
    workspace: () => (db ??= openWorkspace(dbPath)),
    report(document, human) {
      if (this.json) io.stdout(JSON.stringify(document, null, 2) + '\n')
      else io.stdout((typeof human === 'function' ? human() : human).replace(/\n?$/, '\n'))
    },
    note: (text) => io.stderr(text.replace(/\n?$/, '\n')),
    stdout: (text) => io.stdout(text)
  }
  try {
    const code = await command.run(ctx, values, parsed.positionals)
    return code ?? 0
  } catch (e) {
    const err = e as Error
    if (err instanceof UserError) return fail(err.message, err.exitCode)
    // Errors from drivers and stores carry a user-facing message already; keep the stack for --debug runs.
    if (io.env.JOULEBENCH_DEBUG) io.stderr(`${err.stack}\n`)
    return fail(err.message || String(err))
  } finally {
    db?.close()
  }
}
