import type { CliCommand } from '../command'
import { fitCommand } from './fit'
import { modelCommand } from './model'

/** Every `joulebench` command, in the order `--help` lists them. */
export const COMMANDS: CliCommand[] = [modelCommand, fitCommand]
