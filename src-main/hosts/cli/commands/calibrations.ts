import { writeFileSync } from 'node:fs'
import { renderCertificateHtml } from '../../../calibration/certificate'
import { CalibrationStore, type CalibrationRecord } from '../../../calibration/records'
import { numberOption, UserError, type CliCommand } from '../command'
import { si, table } from './si-text'

/** What --json prints per record: the columns, the per-range fits, no raw points (see --certificate for those). */
function summary(r: CalibrationRecord, now: Date) {
  return {
    id: r.id,
    family: r.family,
    serial: r.serial,
    model: r.model,
    performedAt: r.performedAt,
    dueAt: r.dueAt,
    overdue: Date.parse(r.dueAt) < now.getTime(),
    verdict: r.verdict,
    inForce: r.inForce,
    writtenToDevice: r.writtenToDevice,
    notes: r.notes,
    ranges: r.result.ranges.map((x) => ({
      rangeIndex: x.rangeIndex,
      label: x.label,
      fit: x.fit,
      gain: x.gain,
      offsetA: x.offsetA,
      expandedUncertaintyFraction: x.uncertainty.expandedFraction,
      verdict: x.verdict
    }))
  }
}

export const calibrationsCommand: CliCommand = {
  name: 'calibrations',
  summary: 'List calibration records, due dates, and print certificates',
  usage: '[--all] [--serial S] [--due-within DAYS] [--certificate ID [--out FILE.html]]',
  help: [
    'Without options: the newest record of each instrument unit, with its due date (overdue ones are flagged).',
    '  --all               every record, newest first',
    '  --serial S          only this serial number',
    '  --due-within DAYS   only units overdue or due within DAYS (reminders); exits 3 when any is overdue',
    '  --certificate ID    the printable HTML certificate of record ID (to stdout, or --out FILE.html)'
  ].join('\n'),
  options: {
    all: { type: 'boolean', default: false },
    serial: { type: 'string' },
    'due-within': { type: 'string' },
    certificate: { type: 'string' },
    out: { type: 'string' }
  },
  async run(ctx, values) {
    const store = new CalibrationStore(ctx.workspace())
    const now = new Date()
    if (typeof values.certificate === 'string') {
      const record = store.get(values.certificate)
      const html = renderCertificateHtml(record, { now })
      if (typeof values.out === 'string') {
        try {
          writeFileSync(values.out, html)
        } catch (e) {
          throw new UserError(`Cannot write the certificate to ${values.out}: ${(e as Error).message}. Choose another path with --out.`)
        }
        ctx.report({ id: record.id, certificate: values.out }, `Certificate of ${record.id} written to ${values.out}. Open it in a browser and print it to PDF.`)
      } else if (ctx.json) {
        ctx.report({ id: record.id, html }, '')
      } else {
        ctx.stdout(html)
      }
      return
    }
    if (values.out !== undefined) throw new UserError('--out goes with --certificate ID.')

    const damaged = store.damaged()
    const dueWithin = numberOption(values, 'due-within')
    if (dueWithin !== undefined) {
      if (dueWithin < 0) throw new UserError(`--due-within expects a number of days, 0 or more, got ${dueWithin}.`)
      const due = store.due({ now, withinDays: dueWithin }).filter((d) => !values.serial || d.record.serial === values.serial)
      ctx.report(
        { due: due.map((d) => ({ ...summary(d.record, now), status: d.status, daysLeft: d.daysLeft })), damaged },
        () =>
          due.length === 0
            ? `No instrument is overdue or due within ${dueWithin} days.`
            : due
                .map((d) =>
                  d.status === 'overdue'
                    ? `OVERDUE  ${d.record.model} ${d.record.serial}: due ${d.record.dueAt.slice(0, 10)} (${Math.ceil(-d.daysLeft)} days ago), last ${d.record.id}. Recalibrate with joulebench calibrate.`
                    : `due      ${d.record.model} ${d.record.serial}: due ${d.record.dueAt.slice(0, 10)} (in ${Math.floor(d.daysLeft)} days), last ${d.record.id}.`
                )
                .join('\n')
      )
      return due.some((d) => d.status === 'overdue') ? 3 : 0
    }

    let records = store.list({ serial: typeof values.serial === 'string' ? values.serial : undefined })
    if (!values.all) {
      const seen = new Set<string>()
      records = records.filter((r) => {
        const key = `${r.family}\u0000${r.serial}`
        if (seen.has(key)) return false
        seen.add(key)
        return true
      })
    }
    ctx.report({ calibrations: records.map((r) => summary(r, now)), damaged }, () => {
      const lines: string[] = damaged.map((d) => `warning: ${d.message}`)
      if (records.length === 0) {
        lines.push(`No calibration records in ${ctx.dbPath}. Calibrate an analyzer with joulebench calibrate --analyzer ID --load OHMS@VOLTS …`)
        return lines.join('\n')
      }
      lines.push(
        table([
          ['id', 'instrument', 'serial', 'calibrated', 'due', 'verdict', 'in force', 'worst U (k=2)'],
          ...records.map((r) => {
            const overdue = Date.parse(r.dueAt) < now.getTime()
            const worst = Math.max(0, ...r.result.ranges.filter((x) => x.verdict !== 'not-measured').map((x) => x.uncertainty.expandedFraction))
            return [
              r.id,
              r.model,
              r.serial,
              r.performedAt.slice(0, 10),
              `${r.dueAt.slice(0, 10)}${overdue ? ' OVERDUE' : ''}`,
              r.verdict,
              r.inForce ? 'yes' : 'no',
              `${si(worst * 100, '%', 3)}`
            ]
          })
        ])
      )
      return lines.join('\n')
    })
  }
}
