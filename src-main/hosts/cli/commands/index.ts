import type { CliCommand } from '../command'
import { devicesCommand } from './devices'
import { serveCommand } from './serve'
import { startCommand } from './start'
import { dutCommand } from './dut'

/** Every `joulebench` command, in the order `--help` lists them. */
export const COMMANDS: CliCommand[] = [startCommand, devicesCommand, serveCommand]
COMMANDS.push(dutCommand)
