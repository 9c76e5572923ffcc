import type { CliCommand } from '../command'
import { importCommand } from './import'
import { recordingsCommand } from './recordings'
import { statsCommand } from './stats'
import { exportCommand } from './export'

/** Every `joulebench` command, in the order `--help` lists them. */
export const COMMANDS: CliCommand[] = []
COMMANDS.push(importCommand, recordingsCommand, statsCommand, exportCommand)
