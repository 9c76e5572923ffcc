import type { CliCommand } from '../command'

/** Every `joulebench` command, in the order `--help` lists them. */
export const COMMANDS: CliCommand[] = []
