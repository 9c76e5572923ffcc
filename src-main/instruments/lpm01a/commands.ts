/**
 * The LPM01A's ASCII command set as typed values: `encodeCommand` turns one into the line the board
 * reads, `parseCommandLine` reads a line back (what the emulator, and any board, does). One command per
 * line; the board accepts LF or CR LF, we send LF.
 */
import {
  ACQTIME_MAX_S,
  ACQTIME_MIN_S,
  CURRTHRES_MAX_A,
  CURRTHRES_MIN_A,
  FREQUENCIES_HZ,
  SUPPLY_MAX_V,
  SUPPLY_MIN_V,
  TARGRST_MAX_S,
  TARGRST_MIN_S,
  TRIGDELAY_MAX_S,
  type Lpm01aFormat,
  type Lpm01aFrequencyHz,
  type Lpm01aOutput
} from './protocol'
import { formatLpmNumber, parseLpmNumber } from './sample-formats'

export type Lpm01aCommand =
  | { name: 'htc' | 'hrc' | 'powershield' | 'version' | 'status' | 'range' | 'help' | 'psrst' | 'calib' | 'start' | 'stop' }
  | { name: 'echo'; text: string }
  | { name: 'lcd'; line: 1 | 2; text: string }
  | { name: 'volt'; voltageV: number | 'get' }
  | { name: 'freq'; hz: Lpm01aFrequencyHz }
  /** 'inf' (sent as `inf`) is an unlimited acquisition; the board also reads `0` that way. */
  | { name: 'acqtime'; seconds: number | 'inf' }
  | { name: 'acqmode'; mode: 'dyn' | 'stat' }
  | { name: 'funcmode'; mode: 'optim' | 'high' }
  | { name: 'output'; output: Lpm01aOutput }
  | { name: 'format'; format: Lpm01aFormat }
  | { name: 'trigsrc'; source: 'sw' | 'd7' }
  | { name: 'trigdelay'; seconds: number }
  /** 0 disables the threshold event. */
  | { name: 'currthres'; thresholdA: number }
  | { name: 'pwr'; state: 'auto' | 'on' | 'off' | 'get'; status?: 'status' | 'nostatus' }
  | { name: 'pwrend'; state: 'on' | 'off' }
  | { name: 'eventsrc'; source: 'd7'; edge: 'fal' | 'ris' }
  /** 0 leaves the target powered down. */
  | { name: 'targrst'; seconds: number }
  | { name: 'temp'; unit: 'degc' | 'degf' }
  | { name: 'autotest'; action?: 'start' | 'status'; detail?: 'stat_all' | 'stat_min' }

export type Lpm01aCommandName = Lpm01aCommand['name']

/** A command argument outside what the board accepts: raised before anything is sent. */
export class Lpm01aArgumentError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'Lpm01aArgumentError'
  }
}

export function frequencyToken(hz: number): string {
  return hz >= 1000 ? `${hz / 1000}k` : String(hz)
}

/** The command's text without the line ending, e.g. `volt 3300m`. Throws Lpm01aArgumentError on bad values. */
export function commandText(cmd: Lpm01aCommand): string {
  const problem = commandProblem(cmd)
  if (problem) throw new Lpm01aArgumentError(problem)
  switch (cmd.name) {
    case 'echo':
      return `echo ${cmd.text}`
    case 'lcd':
      return `lcd ${cmd.line} "${cmd.text}"`
    case 'volt':
      return cmd.voltageV === 'get' ? 'volt get' : `volt ${Math.round(cmd.voltageV * 1000)}m`
    case 'freq':
      return `freq ${frequencyToken(cmd.hz)}`
    case 'acqtime':
      return `acqtime ${cmd.seconds === 'inf' ? 'inf' : formatLpmNumber(cmd.seconds)}`
    case 'acqmode':
    case 'funcmode':
      return `${cmd.name} ${cmd.mode}`
    case 'output':
      return `output ${cmd.output}`
    case 'format':
      return `format ${cmd.format}`
    case 'trigsrc':
      return `trigsrc ${cmd.source}`
    case 'trigdelay':
      return `trigdelay ${formatLpmNumber(Math.round(cmd.seconds * 1000) / 1000)}`
    case 'currthres':
      return `currthres ${formatLpmNumber(cmd.thresholdA)}`
    case 'pwr':
      return cmd.status ? `pwr ${cmd.state} ${cmd.status}` : `pwr ${cmd.state}`
    case 'pwrend':
      return `pwrend ${cmd.state}`
    case 'eventsrc':
      return `eventsrc ${cmd.source} ${cmd.edge}`
    case 'targrst':
      return `targrst ${formatLpmNumber(cmd.seconds)}`
    case 'temp':
      return `temp ${cmd.unit}`
    case 'autotest':
      return ['autotest', cmd.action, cmd.detail].filter(Boolean).join(' ')
    default:
      return cmd.name
  }
}

/** The bytes to write for a command. */
export function encodeCommand(cmd: Lpm01aCommand): string {
  return `${commandText(cmd)}\n`
}

/** Why the board would refuse these arguments, or null when it accepts them. */
export function commandProblem(cmd: Lpm01aCommand): string | null {
  switch (cmd.name) {
    case 'volt':
      if (cmd.voltageV !== 'get' && !(cmd.voltageV >= SUPPLY_MIN_V - 1e-9 && cmd.voltageV <= SUPPLY_MAX_V + 1e-9)) {
        return `supply voltage must be ${SUPPLY_MIN_V}–${SUPPLY_MAX_V} V, got ${cmd.voltageV} V`
      }
      return null
    case 'freq':
      return (FREQUENCIES_HZ as readonly number[]).includes(cmd.hz)
        ? null
        : `sampling rate must be one of ${FREQUENCIES_HZ.join(', ')} Hz, got ${cmd.hz} Hz`
    case 'acqtime':
      if (cmd.seconds === 'inf' || cmd.seconds === 0) return null
      return cmd.seconds >= ACQTIME_MIN_S - 1e-12 && cmd.seconds <= ACQTIME_MAX_S
        ? null
        : `acquisition time must be 100 µs–100 s (or unlimited), got ${cmd.seconds} s`
    case 'trigdelay':
      return cmd.seconds >= 0 && cmd.seconds <= TRIGDELAY_MAX_S ? null : `trigger delay must be 0–30 s, got ${cmd.seconds} s`
    case 'currthres':
      return cmd.thresholdA === 0 || (cmd.thresholdA >= CURRTHRES_MIN_A - 1e-15 && cmd.thresholdA <= CURRTHRES_MAX_A + 1e-15)
        ? null
        : `current threshold must be 100 nA–50 mA (or 0 to disable), got ${cmd.thresholdA} A`
    case 'targrst':
      return cmd.seconds === 0 || (cmd.seconds >= TARGRST_MIN_S - 1e-12 && cmd.seconds <= TARGRST_MAX_S)
        ? null
        : `target reset time must be 10 ms–1 s (or 0), got ${cmd.seconds} s`
    case 'lcd':
      return cmd.text.length <= 16 && !cmd.text.includes('"') && (cmd.line === 1 || cmd.line === 2)
        ? null
        : `LCD text must be at most 16 characters without quotes on line 1 or 2`
    case 'echo':
      return /[\r\n]/.test(cmd.text) ? 'echo text must be one line' : null
    default:
      return null
  }
}

export type ParsedCommand = { ok: true; command: Lpm01aCommand } | { ok: false; name: string; detail: string }

/**
 * Reads one command line the way the board does: the first word selects the command, the rest are its
 * arguments. Never throws: an unknown command or a bad argument comes back as `ok: false` with the
 * detail the board would print after `Error detail:`.
 */
export function parseCommandLine(line: string): ParsedCommand {
  const text = line.replace(/\r?\n?$/, '').trim()
  const lcd = /^lcd\s+(\S+)\s+"([^"]*)"$/.exec(text)
  const words = text.split(/\s+/).filter(Boolean)
  const name = words[0] ?? ''
  const args = words.slice(1)
  const bad = (detail: string): ParsedCommand => ({ ok: false, name, detail })
  const done = (command: Lpm01aCommand): ParsedCommand => {
    const problem = commandProblem(command)
    return problem ? bad(problem) : { ok: true, command }
  }
  const oneOf = <T extends string>(value: string | undefined, options: readonly T[]): T | null =>
    value !== undefined && (options as readonly string[]).includes(value) ? (value as T) : null
  const noArgs = ['htc', 'hrc', 'powershield', 'version', 'status', 'range', 'help', 'psrst', 'calib', 'start', 'stop'] as const

  if (name === '') return bad('empty command')
  if ((noArgs as readonly string[]).includes(name)) {
    return args.length === 0 ? done({ name: name as (typeof noArgs)[number] }) : bad(`${name} takes no argument`)
  }
  switch (name) {
    case 'echo':
      return done({ name, text: text.slice(4).trim() })
    case 'lcd': {
      if (!lcd) return bad('expected: lcd <1|2> "<text>"')
      const lineNo = lcd[1] === '1' ? 1 : lcd[1] === '2' ? 2 : null
      return lineNo ? done({ name, line: lineNo, text: lcd[2] }) : bad('LCD line must be 1 or 2')
    }
    case 'volt': {
      if (args[0] === 'get' && args.length === 1) return done({ name, voltageV: 'get' })
      const v = args.length === 1 ? parseLpmNumber(args[0]) : null
      return v === null ? bad('expected: volt <1800m..3300m|get>') : done({ name, voltageV: v })
    }
    case 'freq': {
      const hz = args.length === 1 ? parseLpmNumber(args[0]) : null
      return hz === null ? bad('expected: freq <100k|50k|…|1>') : done({ name, hz: hz as Lpm01aFrequencyHz })
    }
    case 'acqtime': {
      if (args.length === 1 && args[0] === 'inf') return done({ name, seconds: 'inf' })
      const s = args.length === 1 ? parseLpmNumber(args[0]) : null
      if (s === null) return bad('expected: acqtime <100u..100|0|inf>')
      return done({ name, seconds: s === 0 ? 'inf' : s })
    }
    case 'acqmode': {
      const mode = args.length === 1 ? oneOf(args[0], ['dyn', 'stat'] as const) : null
      return mode ? done({ name, mode }) : bad('expected: acqmode <dyn|stat>')
    }
    case 'funcmode': {
      const mode = args.length === 1 ? oneOf(args[0], ['optim', 'high'] as const) : null
      return mode ? done({ name, mode }) : bad('expected: funcmode <optim|high>')
    }
    case 'output': {
      const output = args.length === 1 ? oneOf(args[0], ['current', 'energy'] as const) : null
      return output ? done({ name, output }) : bad('expected: output <current|energy>')
    }
    case 'format': {
      const format = args.length === 1 ? oneOf(args[0], ['ascii_dec', 'bin_hexa'] as const) : null
      return format ? done({ name, format }) : bad('expected: format <ascii_dec|bin_hexa>')
    }
    case 'trigsrc': {
      const source = args.length === 1 ? oneOf(args[0], ['sw', 'd7'] as const) : null
      return source ? done({ name, source }) : bad('expected: trigsrc <sw|d7>')
    }
    case 'trigdelay': {
      const s = args.length === 1 ? parseLpmNumber(args[0]) : null
      return s === null ? bad('expected: trigdelay <0..30>') : done({ name, seconds: s })
    }
    case 'currthres': {
      const a = args.length === 1 ? parseLpmNumber(args[0]) : null
      return a === null ? bad('expected: currthres <100n..50m|0>') : done({ name, thresholdA: a })
    }
    case 'pwr': {
      const state = oneOf(args[0], ['auto', 'on', 'off', 'get'] as const)
      const status = args.length === 2 ? oneOf(args[1], ['status', 'nostatus'] as const) : undefined
      if (!state || args.length > 2 || status === null) return bad('expected: pwr <auto|on|off|get> [status|nostatus]')
      return done(status ? { name, state, status } : { name, state })
    }
    case 'pwrend': {
      const state = args.length === 1 ? oneOf(args[0], ['on', 'off'] as const) : null
      return state ? done({ name, state }) : bad('expected: pwrend <on|off>')
    }
    case 'eventsrc': {
      const edge = args.length === 2 && args[0] === 'd7' ? oneOf(args[1], ['fal', 'ris'] as const) : null
      return edge ? done({ name, source: 'd7', edge }) : bad('expected: eventsrc d7 <fal|ris>')
    }
    case 'targrst': {
      const s = args.length === 1 ? parseLpmNumber(args[0]) : null
      return s === null ? bad('expected: targrst <10m..1|0>') : done({ name, seconds: s })
    }
    case 'temp': {
      const unit = args.length === 0 ? 'degc' : args.length === 1 ? oneOf(args[0], ['degc', 'degf'] as const) : null
      return unit ? done({ name, unit }) : bad('expected: temp <degc|degf>')
    }
    case 'autotest': {
      const action = args.length >= 1 ? oneOf(args[0], ['start', 'status'] as const) : undefined
      const detail = args.length === 2 ? oneOf(args[1], ['stat_all', 'stat_min'] as const) : undefined
      if (action === null || detail === null || args.length > 2) return bad('expected: autotest [start|status] [stat_all|stat_min]')
      return done({ name, ...(action ? { action } : {}), ...(detail ? { detail } : {}) })
    }
    default:
      return bad(`unknown command "${name}" (send help for the list)`)
  }
}
