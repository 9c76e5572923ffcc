import { writeFileSync } from 'node:fs'
import { runLiveCheck } from '../../../api/wiring/live-check'
import type { WiringCheckResult } from '../../../api/methods/wiring'
import { BENCH_FAULTS, type BenchFault } from '../../../virtual-bench/bench-fault'
import { VirtualBench } from '../../../virtual-bench/bench'
import { catalogSummary, wiringDiagramFor, type WiringRequest } from '../../../wiring'
import { WIRING_METHODS, type WiringMethod } from '../../../wiring/definition-schema'
import type { WiringPlan, WiringStep } from '../../../wiring/plan'
import { numberOption, UserError, type CliCommand } from '../command'
import { si } from './si-text'

const STEPS: ReadonlyArray<WiringStep['id']> = ['prepare', 'ground', 'supply', 'power', 'trigger', 'serial']

function planText(plan: WiringPlan): string {
  const lines = [`Wiring ${plan.analyzerId} → ${plan.boardId}, ${plan.method}, ${plan.supplyV} V`, '']
  plan.steps.forEach((s, i) => {
    lines.push(`${i + 1}. ${s.title}${s.checks.length ? `  [checks: ${s.checks.join(', ')}]` : ''}`)
    for (const line of s.instructions) lines.push(`   - ${line}`)
  })
  for (const w of plan.warnings) lines.push(`warning: ${w}`)
  if (plan.unverified.length) lines.push('', 'Check on the hardware (no source we read confirms these):', ...plan.unverified.map((u) => `  - ${u}`))
  return lines.join('\n')
}

function checkText(r: WiringCheckResult): string {
  const lines = [`${r.instrument.model} (${r.instrumentId})${r.virtualFault && r.virtualFault !== 'none' ? ` — virtual bench fault staged: ${r.virtualFault}` : ''}`]
  for (const s of r.steps) {
    lines.push(`${s.status.toUpperCase().padEnd(7)} ${s.title}`)
    for (const c of s.results) {
      const m = c.measured ? ` (measured ${c.measured.unit === 'edges/s' ? `${+c.measured.value.toPrecision(3)} edges/s` : si(c.measured.value, c.measured.unit, 3)}${c.expected ? `, expected ${c.expected}` : ''})` : ''
      lines.push(`  ${c.status.padEnd(7)} ${c.title}${m}: ${c.message}`)
      if (c.hint && c.status !== 'pass') lines.push(`          try: ${c.hint}`)
    }
  }
  if (r.report) lines.push(r.report.ok ? 'Every check passed.' : `Stopped at step "${r.report.blockedAt}".`)
  return lines.join('\n')
}

export const wiringCommand: CliCommand = {
  name: 'wiring',
  summary: 'Plan the wires between an analyzer and a board, draw them, and check them live',
  usage: '--analyzer ID --board ID [--method M] [--supply V] [--svg FILE] [--check INSTRUMENT [--step ID] [--fault F]] | --list',
  help: [
    'Prints the steps of the wiring guide; --svg writes the diagram. With --check the steps are checked live on an',
    'instrument (virtual:ppk2, ppk2:/dev/ttyACM0 …): every step in order, or only --step ID. Exit code 4 when a check fails.',
    '',
    '  --method source-meter|ampere-meter|mlperf-energy   default: the first the analyzer supports',
    '  --interface ID, --shifter ID   MLPerf energy mode: the interface board and the level shifter',
    '  --window S                     seconds each live step reads (default 1)',
    `  --fault ${BENCH_FAULTS.join('|')}   stage a wiring fault on the virtual bench (virtual instruments only)`,
    '  --list                         the analyzers, boards, interface boards and level shifters known'
  ].join('\n'),
  options: {
    analyzer: { type: 'string' },
    board: { type: 'string' },
    method: { type: 'string' },
    supply: { type: 'string' },
    interface: { type: 'string' },
    shifter: { type: 'string' },
    svg: { type: 'string' },
    check: { type: 'string' },
    step: { type: 'string' },
    fault: { type: 'string' },
    window: { type: 'string' },
    list: { type: 'boolean', default: false }
  },
  async run(ctx, values) {
    const catalog = catalogSummary()
    if (values.list === true) {
      ctx.report(catalog, () =>
        [
          'Analyzers:',
          ...catalog.analyzers.map((a) => `  ${a.id.padEnd(12)} ${a.model} (${a.methods.join(', ')})`),
          'Boards:',
          ...catalog.boards.map((b) => `  ${b.id.padEnd(22)} ${b.name}, ${b.nominalV} V`),
          'Interface boards:',
          ...catalog.interfaces.map((i) => `  ${i.id.padEnd(26)} ${i.name}`),
          'Level shifters:',
          ...catalog.levelShifters.map((l) => `  ${l.id.padEnd(22)} ${l.name}`)
        ].join('\n')
      )
      return
    }
    const analyzerId = values.analyzer as string | undefined
    const boardId = values.board as string | undefined
    if (!analyzerId || !boardId) throw new UserError('Name the analyzer and the board: --analyzer ID --board ID (joulebench wiring --list shows them).')
    const analyzer = catalog.analyzers.find((a) => a.id === analyzerId)
    if (!analyzer) throw new UserError(`No analyzer "${analyzerId}". Known: ${catalog.analyzers.map((a) => a.id).join(', ')}.`)
    const method = (values.method as string | undefined) ?? analyzer.methods[0]!
    if (!WIRING_METHODS.includes(method as WiringMethod)) throw new UserError(`--method is one of ${WIRING_METHODS.join(', ')}, got "${method}".`)
    const request: WiringRequest = {
      analyzerId,
      boardId,
      method: method as WiringMethod,
      supplyV: numberOption(values, 'supply'),
      interfaceId: values.interface as string | undefined,
      levelShifterId: values.shifter as string | undefined
    }
    let drawn: ReturnType<typeof wiringDiagramFor>
    try {
      drawn = wiringDiagramFor(request)
    } catch (e) {
      throw new UserError((e as Error).message)
    }
    if (typeof values.svg === 'string') {
      try {
        writeFileSync(values.svg, drawn.svg)
      } catch (e) {
        throw new UserError(`Cannot write the diagram to ${values.svg}: ${(e as Error).message}. Choose another path with --svg.`)
      }
      ctx.note(`Diagram written to ${values.svg}.`)
    }

    const instrumentId = values.check as string | undefined
    if (instrumentId === undefined) {
      if (values.step !== undefined || values.fault !== undefined) throw new UserError('--step and --fault go with --check INSTRUMENT.')
      ctx.report({ plan: drawn.plan }, () => planText(drawn.plan))
      return
    }
    const step = values.step as WiringStep['id'] | undefined
    if (step !== undefined && !STEPS.includes(step)) throw new UserError(`--step is one of ${drawn.plan.steps.map((s) => s.id).join(', ')}, got "${step}".`)
    const fault = (values.fault as BenchFault | undefined) ?? 'none'
    if (!BENCH_FAULTS.includes(fault)) throw new UserError(`--fault is one of ${BENCH_FAULTS.join(', ')}, got "${fault}".`)
    if (fault !== 'none' && !instrumentId.startsWith('virtual:')) throw new UserError(`--fault stages a fault on the virtual bench; ${instrumentId} is not a virtual instrument.`)
    const windowS = numberOption(values, 'window')
    if (windowS !== undefined && !(windowS >= 0.05 && windowS <= 10)) throw new UserError(`--window is from 0.05 to 10 s, got ${windowS}.`)

    const bench = new VirtualBench()
    bench.fault = fault
    let result: WiringCheckResult
    try {
      result = await runLiveCheck(bench, { ...request, instrumentId, step, windowS })
    } catch (e) {
      throw new UserError((e as Error).message)
    } finally {
      await bench.close()
    }
    ctx.report(result, () => checkText(result))
    return result.steps.some((s) => s.status === 'fail') ? 4 : 0
  }
}
