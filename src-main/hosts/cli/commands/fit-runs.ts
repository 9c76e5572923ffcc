import { RunsResults } from '../../../results/runs-results'
import { UserError, type CliContext } from '../command'
import { jsonDocument, humanText } from './fit'
import { describeRunFilter, parseRunFilters, splitFields } from './run-filter-options'

/** `joulebench fit` without --from-csv: one point per run of the workspace, grouped by a tag. */
export async function fitOverRuns(ctx: CliContext, values: Record<string, unknown>, level: number): Promise<number> {
  for (const option of ['map', 'base', 'primitive', 'exclude']) {
    if (values[option] !== undefined) throw new UserError(`--${option} maps the columns of a table: it applies with --from-csv FILE, not to fits over runs.`, 2)
  }
  const x = values.x as string | undefined
  const y = values.y as string | undefined
  if (!x || !y) throw new UserError('fit needs --x and --y: over runs, e.g. --x macs --y energy (or latency, power; x may be params, weightBytes, flashBytes …).', 2)
  const filter = parseRunFilters(values.filter)
  const results = new RunsResults(ctx.workspace())
  if (results.store.list().length === 0) {
    throw new UserError(`fit without --from-csv fits the runs of the workspace, and ${ctx.dbPath} has none yet: run a plan (joulebench run --virtual) or merge a workspace that has runs, or fit a table with --from-csv FILE.`)
  }
  const fit = results.fit({ x, y, group: splitFields(values.group), filter, level, bandPoints: values.band ? 50 : 0 })
  const doc = { ...jsonDocument(fit, null, null, values.band === true), filter, filteredOut: fit.filteredOut }
  delete (doc as { mapping?: unknown }).mapping
  delete (doc as { mappingSavedAs?: unknown }).mappingSavedAs
  ctx.report(doc, () => humanText(fit, `runs in ${ctx.dbPath}`, `${describeRunFilter(filter)}${fit.filteredOut ? ` (${fit.filteredOut} runs filtered out)` : ''}; one point per run, its mean per inference`, 'runs'))
  return 0
}
