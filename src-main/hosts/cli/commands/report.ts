import { writeFile } from 'node:fs/promises'
import { resolve } from 'node:path'
import { RunsResults } from '../../../results/runs-results'
import { UserError, type CliCommand } from '../command'
import { parseRunFilters, splitFields } from './run-filter-options'

export const reportCommand: CliCommand = {
  name: 'report',
  summary: 'A self-contained HTML report of a run, or of a comparison of runs (printable to PDF)',
  usage: 'RUN --html OUT.html | [RUN …] [--filter KEY=VALUE …] --group FIELD[,FIELD] [--baseline NAME] [--pair-by FIELD] --html OUT.html [--title TEXT]',
  help: [
    'One RUN (its number or UUID): its plan, the instruments as they identified themselves and the calibration',
    'in force, a thumbnail of the trace, the stage and segment tables, the metrics per inference with their',
    'confidence intervals, the model and firmware facts, and the Joulebench versions.',
    '',
    'Several RUNs, or --filter / --group: a comparison of the runs — ratios between the groups, energy and',
    'latency against MACs with a least-squares fit per group, stage breakdowns, the runs and their instruments.',
    '',
    'The file has no script and loads nothing: open it in any browser, print it to PDF.'
  ].join('\n'),
  options: {
    html: { type: 'string' },
    filter: { type: 'string', multiple: true },
    group: { type: 'string' },
    baseline: { type: 'string' },
    'pair-by': { type: 'string' },
    title: { type: 'string' }
  },
  async run(ctx, values, positionals) {
    const out = values.html
    if (typeof out !== 'string' || !out.trim()) throw new UserError('report needs --html OUT.html: the file to write the report to.', 2)
    const filter = parseRunFilters(values.filter)
    const group = splitFields(values.group)
    const results = new RunsResults(ctx.workspace())
    const comparison = positionals.length !== 1 || group.length > 0 || Object.keys(filter).length > 0
    if (!comparison && (values.baseline || values['pair-by'])) throw new UserError('--baseline and --pair-by choose how groups compare: give --group too.', 2)
    const r = comparison
      ? results.comparisonReport({
          runs: positionals.length ? positionals : undefined,
          filter,
          group,
          baseline: typeof values.baseline === 'string' ? values.baseline : undefined,
          pairBy: splitFields(values['pair-by']),
          title: typeof values.title === 'string' ? values.title : undefined
        })
      : results.runReport(positionals[0])
    const path = resolve(out)
    try {
      await writeFile(path, r.html, 'utf8')
    } catch (e) {
      throw new UserError(`Cannot write the report to ${path}: ${(e as Error).message}. Choose another --html path.`)
    }
    const runIds = 'runIds' in r ? r.runIds : [r.runId]
    ctx.report({ file: path, bytes: Buffer.byteLength(r.html), kind: comparison ? 'comparison' : 'run', runIds }, `Wrote ${comparison ? `a comparison of ${runIds.length} runs` : `the report of run ${runIds[0]}`} to ${path} (${Math.round(Buffer.byteLength(r.html) / 1024)} KiB; open it in a browser, print to PDF).`)
    return 0
  }
}
