import { openSerial } from '../../../transports/serial'
import { MlperfDut, type Exchange } from '../../../dut/mlperf-tiny/driver'
import { startVirtualDutOnPty, type RunningVirtualDut } from '../../../dut/mlperf-tiny/virtual-dut'
import { numberOption, UserError, type CliCommand } from '../command'

const ACTIONS = ['name', 'profile', 'infer', 'results'] as const
type Action = (typeof ACTIONS)[number]

function wholeNumber(text: string | undefined, what: string, min: number): number {
  const n = Number(text)
  if (text === undefined || text.trim() === '' || !Number.isInteger(n) || n < min) {
    throw new UserError(`infer expects ${what} as a whole number ≥ ${min}, got "${text ?? ''}". Example: joulebench dut /dev/ttyACM0 infer 20 5`)
  }
  return n
}

function linesOf(ex: Exchange): string[] {
  return ex.lines.map((l) => l.line)
}

function formatSeconds(s: number): string {
  return s >= 1 ? `${s.toFixed(3)} s` : s >= 1e-3 ? `${(s * 1e3).toFixed(3)} ms` : `${(s * 1e6).toFixed(1)} µs`
}

export const dutCommand: CliCommand = {
  name: 'dut',
  summary: 'Talk to an MLPerf Tiny DUT: name, profile, infer N [W], results',
  usage: 'PORT (name | profile | infer N [W] | results) [--baud B] [--via-board] [--timeout S]',
  help: [
    'Sends one MLPerf Tiny command to the DUT on PORT (performance mode: 115200 baud, m-lap-us timestamps)',
    'and prints its replies. For infer it also prints the latency per inference from the two timestamps.',
    'W is the number of warm-up inferences (default 0; the firmware itself would assume 10).',
    '',
    'PORT "virtual" starts a virtual DUT (model ic01, 12.5 M MACs) on a pseudo-terminal, to try it without hardware.',
    '',
    'Options:',
    '  --baud B       serial rate (default 115200; energy-mode DUTs use 9600)',
    '  --via-board    the port is an MLPerf Tiny interface board; commands are passed through to the DUT',
    '  --timeout S    how long to wait for the command to finish (default 5 s, or 10 s + 1 s per inference)'
  ].join('\n'),
  options: {
    baud: { type: 'string' },
    'via-board': { type: 'boolean', default: false },
    timeout: { type: 'string' }
  },
  async run(ctx, values, positionals) {
    const [port, action, ...args] = positionals
    if (!port || !action) throw new UserError('Give a port and a command, e.g. joulebench dut /dev/ttyACM0 name (see joulebench dut --help).')
    if (!ACTIONS.includes(action as Action)) throw new UserError(`Unknown DUT command "${action}": use one of ${ACTIONS.join(', ')}.`)
    const baud = numberOption(values, 'baud', 115200)!
    if (!Number.isInteger(baud) || baud <= 0) throw new UserError(`--baud expects a positive whole number, got ${baud}.`)
    const timeoutS = numberOption(values, 'timeout')
    if (timeoutS !== undefined && !(timeoutS > 0)) throw new UserError(`--timeout expects seconds > 0, got ${timeoutS}.`)
    const count = action === 'infer' ? wholeNumber(args[0], 'N (inferences)', 1) : 0
    const warmups = action === 'infer' ? (args[1] === undefined ? 0 : wholeNumber(args[1], 'W (warm-ups)', 0)) : 0
    if (args.length > (action === 'infer' ? 2 : 0)) throw new UserError(`Too many arguments for ${action}: ${args.join(' ')}.`)

    let virtual: RunningVirtualDut | null = null
    let path = port
    if (port === 'virtual') {
      virtual = await startVirtualDutOnPty({ mode: 'performance', model: { name: 'ic01', macs: 12_500_000 } })
      path = virtual.hostPath
      ctx.note(`Started a virtual DUT (ic01, 12.5 M MACs) on ${path}.`)
    }
    const transport = await openSerial(path, baud)
    const dut = new MlperfDut(transport, { viaInterfaceBoard: values['via-board'] === true, baudRate: baud, commandTimeoutS: timeoutS })
    try {
      if (virtual) await virtual.drained()
      // Let anything the DUT had queued (a boot banner: opening some boards' ports resets them) arrive first.
      await dut.settle()
      await runAction()
    } finally {
      await dut.close()
      await virtual?.close()
    }

    async function runAction(): Promise<void> {
      const base = { port: path, viaInterfaceBoard: values['via-board'] === true, baudRate: baud }
      if (action === 'infer') {
        const r = await dut.infer(count, warmups, { timeoutS })
        const summary =
          r.latencyPerInferenceS === null
            ? `No m-lap-us timestamps came back: the DUT is built for energy mode (timestamps are GPIO pulses), so latency must come from the power trace.`
            : `Latency per inference: ${formatSeconds(r.latencyPerInferenceS)} (${count} inferences in ${formatSeconds(r.elapsedUs! / 1e6)}, from m-lap-us ${r.lapsUs[0]} to ${r.lapsUs[r.lapsUs.length - 1]})`
        ctx.report(
          {
            ...base,
            command: `infer ${count} ${warmups}`,
            count,
            warmups,
            lapsUs: r.lapsUs,
            elapsedS: r.elapsedUs === null ? null : r.elapsedUs / 1e6,
            latencyPerInferenceS: r.latencyPerInferenceS,
            results: r.results,
            lines: linesOf(r.exchange)
          },
          () => [...linesOf(r.exchange), summary].join('\n')
        )
        return
      }
      const ex = await dut.command(action, { timeoutS })
      if (ex.errors.length > 0) throw new UserError(`The DUT on ${path} rejected "${action}": ${ex.errors.join('; ')}.`)
      const doc: Record<string, unknown> = { ...base, command: action, lines: linesOf(ex) }
      for (const r of ex.replies) {
        if (r.kind === 'name') doc.vendor = r.vendor
        if (r.kind === 'profile') doc.profile = r.profile
        if (r.kind === 'model') doc.model = r.model
        if (r.kind === 'results') doc.results = r.values
      }
      const [field, line] = {
        name: ['vendor', 'm-name-dut-[…]'],
        profile: ['model', 'm-profile-[…] and m-model-[…]'],
        results: ['results', 'm-results-[…]']
      }[action as Exclude<Action, 'infer'>]
      if (!(field in doc)) {
        throw new UserError(`The DUT on ${path} answered "${action}" without ${line}; it sent: ${linesOf(ex).join(' | ') || 'nothing'}. Is this the DUT's port, running MLPerf Tiny firmware?`)
      }
      ctx.report(doc, () => linesOf(ex).join('\n'))
    }
  }
}
