import { readFile } from 'node:fs/promises'
import { parsePlan, PlanError, type BenchmarkPlan } from '../../../runs/plan'
import { defaultPlan, type DefaultPlanKind } from '../../../runs/plan-defaults'
import { BenchmarkRun, type RunProgress } from '../../../runs/run-plan'
import { RunsStore, type RunDetail } from '../../../runs/runs-store'
import { numberOption, UserError, type CliCommand } from '../command'
import { segmentTable, summaryLines } from './run-text'
import { si, table } from './si-text'

async function readPlanFile(path: string): Promise<BenchmarkPlan> {
  let text: string
  try {
    text = await readFile(path, 'utf8')
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code
    throw new UserError(`Cannot read the plan ${path}: ${code === 'ENOENT' ? 'no such file' : (e as Error).message}. Give a plan JSON file, or --virtual for the demo plan (--print-plan writes one to start from).`)
  }
  let json: unknown
  try {
    json = JSON.parse(text)
  } catch (e) {
    throw new UserError(`The plan ${path} is not valid JSON: ${(e as Error).message}. Fix it, or start from joulebench run --virtual --print-plan.`)
  }
  try {
    return parsePlan(json, `The plan ${path}`)
  } catch (e) {
    if (e instanceof PlanError) throw new UserError(e.message)
    throw e
  }
}

function progressLine(p: RunProgress): string {
  const where = p.phase === 'window' ? `window ${p.window}/${p.windows}` : p.phase
  return `[${p.elapsedS.toFixed(1)} s] ${where}: ${p.message}${p.samples ? ` (${p.samples} samples)` : ''}`
}

function runText(d: RunDetail): string {
  const analyzer = d.instruments.find((i) => i.role === 'analyzer')
  const dut = d.instruments.find((i) => i.role === 'dut')
  const lines = [
    `Run ${d.id} (${d.state}) "${d.name}", ${d.mode} mode — uuid ${d.uuid}`,
    `  model ${d.model.name}${d.model.macs ? `, ${d.model.macs.toLocaleString('en-US')} MACs` : ''}${d.model.params ? `, ${d.model.params.toLocaleString('en-US')} parameters` : ''}`,
    ...(analyzer ? [`  analyzer ${analyzer.identity.id} (${analyzer.identity.model}${analyzer.identity.virtual ? ', virtual' : ''})`] : ['  no analyzer: latency from the DUT’s own timestamps']),
    ...(dut ? [`  DUT ${dut.identity.model} on ${dut.identity.location ?? '?'}`] : []),
    ...(d.recordingId !== null ? [`  recording ${d.recordingId} (${d.recordingUuid})`] : [])
  ]
  if (d.stateReason) lines.push(`  ${d.state === 'finished' ? 'note' : 'why'}: ${d.stateReason}`)
  if (d.summary) {
    lines.push('', ...segmentTable(d.segments, 30), '', ...summaryLines(d.summary))
    const mac = d.model.macs && d.summary.energyPerInferenceJ?.mean ? d.summary.energyPerInferenceJ.mean / d.model.macs : null
    if (mac) lines.push(`  energy per MAC         ${si(mac, 'J')}`)
  }
  for (const n of d.notes) lines.push(`  ${n.startsWith('Stage log') ? 'warning' : 'note'}: ${n}`)
  return lines.join('\n')
}

function runDocument(d: RunDetail) {
  const { plan, segments, dropped, stageLog, ...run } = d
  // Per-stage metrics are summary.stages; the stage-log lines as they arrived come last.
  return { run, summary: d.summary, segments, dropped, plan, stageLog: stageLog ?? null }
}

export const runCommand: CliCommand = {
  name: 'run',
  summary: 'Run a benchmark plan (or the virtual demo) and print the run id and its metrics',
  usage: '(PLAN.json | --virtual [--energy | --dut-only | --capture]) [--analyzer ID] [--speed X] [--print-plan] [--list]',
  help: [
    'Runs a plan: opens the analyzer and the DUT link, records, sends infer N W per window, analyzes the',
    'recording and stores the run (plan, recording, segments, metrics, instruments) in the workspace.',
    'Prints energy and latency per inference as mean ± 95 % confidence interval, with sd, median and n.',
    '',
    '  --virtual      the demo plan on the virtual bench: kws01 on a virtual MAX78000-like NPU board (an MLPerf',
    '                 Tiny DUT that prints its stage times), measured by a virtual analyzer, 3 windows of infer 20 2,',
    '                 CNN runs found by a current threshold and the logged init/memory/post stages placed around them',
    '  --energy       with --virtual: MLPerf Tiny energy mode (virtual LPM01A powering the DUT, timestamps on D7,',
    '                 interface board at 9600 baud, 5 windows of at least 10 s, scored as the median): ≥ 50 s of',
    '                 bench time, so it runs the bench 10× faster than real time unless --speed says otherwise',
    '  --dut-only     with --virtual: no analyzer, latency from the DUT’s m-lap-us timestamps',
    '  --capture      with --virtual: record the demo board’s own loop for 5 s and cut it by threshold',
    '  --analyzer ID  measure with this analyzer instead (e.g. virtual:lpm01a)',
    '  --speed X      virtual bench clock speed against real time (0.1–100)',
    '  --print-plan   print the plan as JSON and stop (a starting point for your own plan file)',
    '  --list         list the runs of the workspace',
    '',
    'Ctrl-C cancels: the recording so far is kept and the run is stored as cancelled.'
  ].join('\n'),
  options: {
    virtual: { type: 'boolean', default: false },
    energy: { type: 'boolean', default: false },
    'dut-only': { type: 'boolean', default: false },
    capture: { type: 'boolean', default: false },
    analyzer: { type: 'string' },
    speed: { type: 'string' },
    'print-plan': { type: 'boolean', default: false },
    list: { type: 'boolean', default: false }
  },
  async run(ctx, values, positionals) {
    if (values.list) {
      const runs = RunsStore.open(ctx.workspace()).list()
      ctx.report({ runs }, () =>
        runs.length === 0
          ? `No runs in ${ctx.dbPath} yet. Try joulebench run --virtual.`
          : table([
              ['#', 'uuid', 'name', 'mode', 'state', 'started (UTC)', 'energy/inference', 'latency/inference'],
              ...runs.map((r) => [
                String(r.id),
                r.uuid.slice(0, 8),
                r.name,
                r.mode,
                r.state,
                r.startedAt.replace('T', ' ').slice(0, 19),
                si(r.summary?.energyPerInferenceJ?.mean, 'J'),
                si(r.summary?.latencyPerInferenceS?.mean, 's')
              ])
            ])
      )
      return 0
    }
    const presets = (['energy', 'dut-only', 'capture'] as const).filter((k) => values[k] === true)
    if (presets.length > 1) throw new UserError(`Choose one of --energy, --dut-only and --capture, not ${presets.map((p) => `--${p}`).join(' and ')}.`, 2)
    if (presets.length && !values.virtual) throw new UserError(`--${presets[0]} picks a virtual demo plan: use it with --virtual.`, 2)
    const speed = numberOption(values, 'speed')
    if (speed !== undefined && !(speed >= 0.1 && speed <= 100)) throw new UserError(`--speed is a clock speed from 0.1 to 100, got ${speed}.`, 2)

    let plan: BenchmarkPlan
    if (values.virtual) {
      if (positionals.length) throw new UserError('Give either a PLAN.json or --virtual, not both.', 2)
      const kind: DefaultPlanKind = presets[0] ?? 'performance'
      if (typeof values.analyzer === 'string' && !values.analyzer.startsWith('virtual:')) {
        throw new UserError(`--virtual measures the virtual DUT, which only a virtual analyzer can see: use --analyzer virtual:lpm01a or virtual:ppk2, or write a plan for ${values.analyzer} and a real DUT (start from --print-plan).`, 2)
      }
      if (kind === 'dut-only' && values.analyzer) throw new UserError('--dut-only runs without an analyzer; leave out --analyzer.', 2)
      plan = defaultPlan(kind, { analyzerId: values.analyzer as string | undefined, clockSpeed: speed ?? (kind === 'energy' ? 10 : 1) })
      if (speed !== undefined && plan.dut.kind === 'virtual') plan = parsePlan({ ...plan, dut: { ...plan.dut, clockSpeed: speed } })
    } else {
      if (positionals.length !== 1) throw new UserError('run expects one PLAN.json, or --virtual for the demo plan. See joulebench run --help.', 2)
      plan = await readPlanFile(positionals[0])
      if (values.analyzer) {
        if (!plan.analyzer) throw new UserError(`The plan ${positionals[0]} runs without an analyzer; --analyzer cannot replace one that is not there.`)
        plan = parsePlan({ ...plan, analyzer: { ...plan.analyzer, id: values.analyzer } }, `The plan with --analyzer ${values.analyzer as string}`)
      }
      if (speed !== undefined) {
        if (plan.dut.kind !== 'virtual') throw new UserError('--speed sets the virtual bench clock: it applies to plans with a virtual DUT only.', 2)
        plan = parsePlan({ ...plan, dut: { ...plan.dut, clockSpeed: speed } })
      }
    }
    if (values['print-plan']) {
      ctx.stdout(JSON.stringify(plan, null, 2) + '\n')
      return 0
    }

    const db = ctx.workspace()
    const run = BenchmarkRun.start(db, plan, { store: RunsStore.open(db) })
    ctx.note(`Run ${run.id} (${run.uuid}): ${plan.name}`)
    let lastPhase = ''
    run.on('progress', (p: RunProgress) => {
      const key = `${p.phase}:${p.window}`
      if (key === lastPhase) return
      lastPhase = key
      ctx.note(progressLine(p))
    })
    run.on('warning', (w: string) => ctx.note(`warning: ${w}`))
    const onSignal = () => run.cancel('Cancelled with Ctrl-C')
    process.once('SIGINT', onSignal)
    let detail: RunDetail
    try {
      detail = await run.done
    } finally {
      process.off('SIGINT', onSignal)
    }
    ctx.report(runDocument(detail), () => runText(detail))
    return detail.state === 'finished' ? 0 : 1
  }
}
