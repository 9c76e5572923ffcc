import { mergeWorkspace, type MergeCounts, type MergeSummary } from '../../../workspace-merge/merge'
import { UserError, type CliCommand } from '../command'
import { si } from './si-text'

function counts(c: MergeCounts): string {
  const parts: Array<[number, string]> = [
    [c.runs, 'run'],
    [c.recordings, 'recording'],
    [c.calibrations, 'calibration record'],
    [c.publishedTables, 'published table'],
    [c.tableMappings, 'column mapping'],
    [c.runFacts, 'model/firmware description']
  ]
  const shown = parts.filter(([n]) => n > 0).map(([n, w]) => `${n} ${w}${n === 1 ? '' : 's'}`)
  return shown.length ? shown.join(', ') : 'nothing'
}

function mergeText(s: MergeSummary, dbPath: string): string {
  const verb = s.dryRun ? 'Would add' : 'Added'
  const lines = [
    `${s.dryRun ? 'Dry run: nothing was changed. ' : ''}${s.source.path} (workspace ${s.source.workspaceId.slice(0, 8)}${s.source.createdAt ? `, created ${s.source.createdAt.slice(0, 10)}` : ''}) into ${dbPath}`,
    `  ${verb}: ${counts(s.added)}${s.sampleBytes ? ` (${si(s.sampleBytes, 'B', 3)} of samples)` : ''}`,
    `  Already here: ${counts(s.skipped)}`
  ]
  if (s.unfinished.recordings || s.unfinished.runs) lines.push(`  Left out, still being written: ${s.unfinished.runs} run(s), ${s.unfinished.recordings} recording(s)`)
  if (s.relinkedRuns) lines.push(`  ${s.relinkedRuns} run(s) here got back the recording they had lost`)
  if (s.source.upgraded.length) lines.push(`  The file was made by an older Joulebench: brought up to date in a temporary copy (${s.source.upgraded.length} schema change(s)); the file itself is unchanged.`)
  for (const r of s.runs.slice(0, 20)) lines.push(`    run ${r.id} ${r.name} (${r.uuid})`)
  if (s.runs.length > 20) lines.push(`    … and ${s.runs.length - 20} more runs`)
  for (const n of s.notes) lines.push(`  note: ${n}`)
  return lines.join('\n')
}

export const mergeCommand: CliCommand = {
  name: 'merge',
  summary: 'Merge another workspace file (e.g. a field laptop’s) into this one: runs, recordings, calibrations, tables',
  usage: 'OTHER.db [--dry-run]',
  help: [
    'Copies into the workspace (--db) every run and recording of OTHER.db that it does not have yet, with their',
    'chunks, summaries, gaps and marks, the calibration records they were measured under, published tables and',
    'column mappings, and model/firmware facts. Runs and recordings keep their UUIDs; a second merge of the',
    'same file adds nothing, and so does merging a workspace into itself. OTHER.db is only read.',
    '',
    'A file that is damaged, not an SQLite database or not a Joulebench workspace is refused and nothing changes;',
    'so is a file from a newer Joulebench (update this one first). A file from an older Joulebench is brought up',
    'to date in a temporary copy beside the workspace. The copy is one transaction: all of it or none of it.',
    '',
    '  --dry-run   say what would be added, change nothing'
  ].join('\n'),
  options: {
    'dry-run': { type: 'boolean', default: false }
  },
  async run(ctx, values, positionals) {
    if (positionals.length !== 1) throw new UserError(`merge expects one OTHER.db (the workspace file to merge in), got ${positionals.length}. See joulebench merge --help.`, 2)
    const summary = await mergeWorkspace(ctx.workspace(), positionals[0], { dryRun: values['dry-run'] === true })
    ctx.report(summary, () => mergeText(summary, ctx.dbPath))
    return 0
  }
}
