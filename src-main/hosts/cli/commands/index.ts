import type { CliCommand } from '../command'
import { devicesCommand } from './devices'
import { fitCommand } from './fit'
import { modelCommand } from './model'
import { serveCommand } from './serve'
import { startCommand } from './start'
import { importCommand } from './import'
import { recordingsCommand } from './recordings'
import { statsCommand } from './stats'
import { exportCommand } from './export'
import { calibrateCommand } from './calibrate'
import { calibrationsCommand } from './calibrations'

/** Every `joulebench` command, in the order `--help` lists them. */
export const COMMANDS: CliCommand[] = [startCommand, devicesCommand, serveCommand, modelCommand, fitCommand, importCommand, recordingsCommand, statsCommand, exportCommand, calibrateCommand, calibrationsCommand]
