import type { ParseArgsConfig } from 'node:util'
import type { Db } from '../../store/workspace'

export type CliOptions = NonNullable<ParseArgsConfig['options']>

/** One `joulebench <name>` command. Each lives in its own file under commands/. */
export interface CliCommand {
  name: string
  /** One line for `joulebench --help`. */
  summary: string
  /** Usage lines after `joulebench <name>`, e.g. `RECORDING [--from S] [--to S]`. */
  usage: string
  /** Longer help text shown by `joulebench <name> --help`. */
  help?: string
  /** Options of this command; --json, --db and --help are added for every command. */
  options?: CliOptions
  run(ctx: CliContext, values: Record<string, unknown>, positionals: string[]): Promise<number | void>
}

export interface CliContext {
  /** True when the user asked for one JSON document on stdout. */
  json: boolean
  /** The workspace file chosen with --db, or the default one. */
  dbPath: string
  /** Opens the workspace (once; later calls return the same handle). */
  workspace(): Db
  /** Print the result: one JSON document with --json, otherwise the human text. */
  report(document: unknown, human: string | (() => string)): void
  /** Progress and notes for a human, on stderr (never mixed into JSON output). */
  note(text: string): void
  stdout(text: string): void
}

/** An error the user can act on: printed as one line (or a JSON error document), exit code 1, no stack trace. */
export class UserError extends Error {
  constructor(
    message: string,
    readonly exitCode = 1
  ) {
    super(message)
    this.name = 'UserError'
  }
}

export function numberOption(values: Record<string, unknown>, name: string, fallback?: number): number | undefined {
  const raw = values[name]
  if (raw === undefined) return fallback
  const n = Number(raw)
  if (typeof raw !== 'string' || raw.trim() === '' || !Number.isFinite(n)) {
    throw new UserError(`--${name} expects a number, got "${String(raw)}".`)
  }
  return n
}
