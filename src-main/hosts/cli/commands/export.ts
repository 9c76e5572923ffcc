import { existsSync } from 'node:fs'
import { exportCsv } from '../../../formats/csv-export'
import { exportPpk2 } from '../../../formats/ppk2-file'
import { RecordingStore } from '../../../store/recording-store'
import { numberOption, UserError, type CliCommand } from '../command'
import { si } from './si-text'

export const exportCommand: CliCommand = {
  name: 'export',
  summary: 'Export a window of a recording as CSV (full rate or decimated) or as a Nordic .ppk2 file',
  usage: 'RECORDING (--csv|--ppk2) OUT [--from S] [--to S] [--width N] [--force]',
  help: [
    'CSV: time_s, current_A (and voltage_V, power_W, D0…D7 where recorded), one row per sample; gap slots have no row.',
    '     --width N decimates to at most N rows of min, max and mean.',
    '.ppk2: opens in Nordic\'s Power Profiler app. It has no gap marker: gap slots are written as NaN current with',
    '     every digital line "invalid", so time stays exact, and the gaps are listed in metadata.json.'
  ].join('\n'),
  options: {
    csv: { type: 'boolean', default: false },
    ppk2: { type: 'boolean', default: false },
    from: { type: 'string' },
    to: { type: 'string' },
    width: { type: 'string' },
    force: { type: 'boolean', default: false }
  },
  async run(ctx, values, positionals) {
    if (positionals.length !== 2) throw new UserError('export expects RECORDING and OUT. See joulebench export --help.', 2)
    if (values.csv === values.ppk2) throw new UserError('Choose one of --csv or --ppk2.', 2)
    const [ref, out] = positionals
    if (existsSync(out) && !values.force) throw new UserError(`${out} exists already; choose another name or add --force to replace it.`)
    const store = RecordingStore.open(ctx.workspace(), ctx.dbPath)
    const info = store.get(ref)
    const from = numberOption(values, 'from')
    const to = numberOption(values, 'to')
    const width = numberOption(values, 'width')
    if (width !== undefined && (!Number.isInteger(width) || width < 1)) throw new UserError(`--width expects a whole number of rows, got ${width}.`)
    if (values.ppk2) {
      if (width !== undefined) throw new UserError('--width applies to CSV only; .ppk2 files hold every sample.', 2)
      const r = await exportPpk2(store, info.id, out, from, to)
      if (r.gapSamples) ctx.note(`${r.gapSamples} samples of ${r.gaps.length} gap(s) are written as NaN current with invalid digital lines (.ppk2 has no gap marker).`)
      ctx.report({ recording: { id: info.id, uuid: info.uuid }, format: 'ppk2', ...r }, `Wrote ${r.samples} samples of recording ${info.id} to ${out} (${si(r.bytes, 'B')}).`)
    } else {
      const r = exportCsv(store, info.id, out, { fromS: from, toS: to, widthRows: width })
      ctx.report(
        { recording: { id: info.id, uuid: info.uuid }, format: 'csv', ...r },
        `Wrote ${r.rows} ${r.decimated ? 'decimated ' : ''}rows of recording ${info.id} to ${out}${r.gapSamples ? ` (${r.gapSamples} gap slots have no row)` : ''}.`
      )
    }
  }
}
