import type { CliCommand } from '../command'
import { captureCommand } from './capture'
import { devicesCommand } from './devices'
import { dutCommand } from './dut'
import { exportCommand } from './export'
import { fitCommand } from './fit'
import { importCommand } from './import'
import { modelCommand } from './model'
import { recordingsCommand } from './recordings'
import { serveCommand } from './serve'
import { startCommand } from './start'
import { statsCommand } from './stats'
import { probeCommand } from './probe'
import { flashCommand } from './flash'
import { rttCommand } from './rtt'
import { calibrateCommand } from './calibrate'
import { calibrationsCommand } from './calibrations'
import { runCommand } from './run'
import { analyzeCommand } from './analyze'
import { wiringCommand } from './wiring'

/** Every `joulebench` command, in the order `--help` lists them: the app, measuring, recordings, calibration, results, probes. */
export const COMMANDS: CliCommand[] = [
  startCommand,
  serveCommand,
  devicesCommand,
  captureCommand,
  runCommand,
  analyzeCommand,
  dutCommand,
  importCommand,
  recordingsCommand,
  statsCommand,
  exportCommand,
  calibrateCommand,
  calibrationsCommand,
  wiringCommand,
  fitCommand,
  modelCommand,
  probeCommand,
  flashCommand,
  rttCommand
]
