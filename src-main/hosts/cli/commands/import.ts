import { IMPORT_FORMATS, importRecording, type ImportFormat } from '../../../formats/import-recording'
import { RecordingStore } from '../../../store/recording-store'
import { numberOption, UserError, type CliCommand } from '../command'
import { si } from './si-text'

export const importCommand: CliCommand = {
  name: 'import',
  summary: 'Import a recording file (Monsoon CSV, STM32CubeMonitor-Power .stpm/CSV, Nordic .ppk2, generic CSV)',
  usage: 'FILE [--format auto|monsoon|stpm|ppk2|csv] [--voltage V] [--name NAME] [--time-unit U] [--current-unit U] [--power-unit U]',
  help: [
    'The format is detected from the file when --format is auto (the default).',
    '--voltage V      supply voltage in volts: energy for current-only files, current for power-only files',
    '--time-unit U    unit of a time column whose header names none (s, ms, us, ns); likewise --current-unit',
    '                 (A, mA, uA, nA), --power-unit (W, mW, uW) and --voltage-unit (V, mV)',
    'Uneven time steps are kept as they are, never resampled.'
  ].join('\n'),
  options: {
    format: { type: 'string', default: 'auto' },
    voltage: { type: 'string' },
    name: { type: 'string' },
    'time-unit': { type: 'string' },
    'current-unit': { type: 'string' },
    'power-unit': { type: 'string' },
    'voltage-unit': { type: 'string' }
  },
  async run(ctx, values, positionals) {
    const file = positionals[0]
    if (!file || positionals.length > 1) throw new UserError('import expects one FILE. See joulebench import --help.', 2)
    const format = String(values.format) as ImportFormat
    if (!IMPORT_FORMATS.includes(format)) throw new UserError(`--format must be one of ${IMPORT_FORMATS.join(', ')}, got "${format}".`, 2)
    const supplyV = numberOption(values, 'voltage')
    if (supplyV !== undefined && !(supplyV > 0)) throw new UserError(`--voltage expects a positive number of volts, got ${supplyV}.`)
    const store = RecordingStore.open(ctx.workspace(), ctx.dbPath)
    const outcome = await importRecording(store.db, file, {
      format,
      supplyV,
      name: values.name as string | undefined,
      units: {
        time: values['time-unit'] as string | undefined,
        current: values['current-unit'] as string | undefined,
        power: values['power-unit'] as string | undefined,
        voltage: values['voltage-unit'] as string | undefined
      }
    })
    const r = outcome.recording
    const durationS = store.durationS(r)
    ctx.report({ recording: { ...r, durationS }, format: outcome.format, notes: outcome.notes }, () =>
      [
        `Imported ${file} (${outcome.format}) as recording ${r.id} "${r.name}"`,
        `  ${r.sampleCount} samples over ${si(durationS, 's')}, ${r.samplePeriodS === null ? 'uneven time steps kept' : `${si(1 / r.samplePeriodS, 'S/s')}`}` +
          (r.gapSamples ? `, ${r.gapSamples} in gaps` : ''),
        `  uuid ${r.uuid}`,
        ...outcome.notes.map((n) => `  note: ${n}`)
      ].join('\n')
    )
  }
}
