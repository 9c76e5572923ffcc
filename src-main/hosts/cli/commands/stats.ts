import { RecordingStore } from '../../../store/recording-store'
import { numberOption, UserError, type CliCommand } from '../command'
import { si } from './si-text'

export const statsCommand: CliCommand = {
  name: 'stats',
  summary: 'Statistics of a recording over a window: duration, current, charge, energy, power',
  usage: 'RECORDING [--from S] [--to S]',
  help: 'RECORDING is a number or UUID (prefix) from joulebench recordings; --from and --to are seconds from its start.',
  options: { from: { type: 'string' }, to: { type: 'string' } },
  async run(ctx, values, positionals) {
    if (positionals.length !== 1) throw new UserError('stats expects one RECORDING. See joulebench stats --help.', 2)
    const store = RecordingStore.open(ctx.workspace(), ctx.dbPath)
    const info = store.get(positionals[0])
    const from = numberOption(values, 'from')
    const to = numberOption(values, 'to')
    const duration = store.durationS(info)
    if (from !== undefined && (from < 0 || from > duration)) throw new UserError(`--from ${from} s lies outside recording ${info.id} (0 to ${duration} s).`)
    if (to !== undefined && from !== undefined && to < from) throw new UserError(`--to ${to} s comes before --from ${from} s.`)
    const s = store.stats(info.id, from, to)
    ctx.report({ recording: { id: info.id, uuid: info.uuid, name: info.name }, statistics: s }, () =>
      [
        `Recording ${info.id} "${info.name}", ${si(s.fromS, 's')} to ${si(s.toS, 's')}`,
        `  duration   ${si(s.durationS, 's')} (${si(s.measuredDurationS, 's')} measured, ${s.count} samples${s.gapSamples ? `, ${s.gapSamples} in gaps` : ''})`,
        `  current    mean ${si(s.currentA.mean, 'A')}  sd ${si(s.currentA.sd, 'A')}  min ${si(s.currentA.min, 'A')}  max ${si(s.currentA.max, 'A')}`,
        ...(s.voltageV ? [`  voltage    mean ${si(s.voltageV.mean, 'V')}  min ${si(s.voltageV.min, 'V')}  max ${si(s.voltageV.max, 'V')}`] : []),
        `  charge     ${si(s.chargeC, 'C')}`,
        `  energy     ${s.energyJ === null ? '— (no voltage: give one with joulebench import --voltage V)' : `${si(s.energyJ, 'J')} (${s.energySource === 'measured-voltage' ? 'measured voltage' : `supply ${s.supplyV} V`})`}`,
        `  power      mean ${si(s.averagePowerW, 'W')}`
      ].join('\n')
    )
  }
}
