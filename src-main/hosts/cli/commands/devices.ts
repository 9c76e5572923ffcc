import { listAllInstruments } from '../../../api/handlers/instruments'
import type { CliCommand } from '../command'

export const devicesCommand: CliCommand = {
  name: 'devices',
  summary: 'List attached instruments and probes, and the virtual bench',
  usage: '[--json]',
  async run(ctx) {
    const list = await listAllInstruments()
    ctx.report(list, () => {
      const rows = list.instruments.map(
        (i) =>
          `  ${i.id.padEnd(28)} ${i.model}${i.virtual ? ' [virtual]' : ''}${i.serial ? `  serial ${i.serial}` : ''}${i.location && !i.virtual ? `  at ${i.location}` : ''}`
      )
      const real = list.instruments.filter((i) => !i.virtual).length
      return [
        real === 0 ? 'No instruments attached.' : `${real} instrument${real === 1 ? '' : 's'} attached.`,
        ...rows,
        ...list.hints.map((h) => `hint: ${h}`)
      ].join('\n')
    })
  }
}
