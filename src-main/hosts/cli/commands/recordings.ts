import { RecordingStore } from '../../../store/recording-store'
import type { CliCommand } from '../command'
import { si, table } from './si-text'

export const recordingsCommand: CliCommand = {
  name: 'recordings',
  summary: 'List the recordings of the workspace',
  usage: '',
  async run(ctx) {
    const store = RecordingStore.open(ctx.workspace(), ctx.dbPath)
    const list = store.list().map((r) => ({ ...r, durationS: store.durationS(r) }))
    ctx.report({ recordings: list, recovered: store.recovered.map((r) => r.id) }, () => {
      const lines: string[] = []
      for (const r of store.recovered) lines.push(`Recovered recording ${r.id} "${r.name}": ${r.stateReason}`)
      if (!list.length) return [...lines, `No recordings in ${ctx.dbPath}. Import one with joulebench import FILE.`].join('\n')
      lines.push(
        table([
          ['#', 'uuid', 'name', 'started (UTC)', 'duration', 'rate', 'samples', 'gaps', 'state'],
          ...list.map((r) => [
            String(r.id),
            r.uuid.slice(0, 8),
            r.name,
            r.startedAt.replace('T', ' ').slice(0, 19),
            si(r.durationS, 's'),
            r.samplePeriodS === null ? 'uneven' : si(1 / r.samplePeriodS, 'S/s'),
            String(r.sampleCount),
            String(r.gapSamples),
            r.state
          ])
        ])
      )
      return lines.join('\n')
    })
  }
}
