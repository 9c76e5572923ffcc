import { writeFileSync } from 'node:fs'
import { createInterface } from 'node:readline'
import { renderCertificateHtml } from '../../../calibration/certificate'
import { rangeSpecs, runCalibration, type CalibrationResult } from '../../../calibration/procedure'
import { CalibrationStore } from '../../../calibration/records'
import { parseReferenceLoad, ReferenceLoadError, type ReferenceLoad } from '../../../calibration/reference-load'
import { familyOf, openCalibrationTarget } from '../../../calibration/targets'
import { planUserGains, writeUserGains } from '../../../calibration/user-gains'
import { loadDefinitions } from '../../../wiring/definitions'
import { numberOption, UserError, type CliCommand, type CliContext } from '../command'
import { si, table } from './si-text'

function percentOption(values: Record<string, unknown>, name: string): number | undefined {
  const raw = values[name]
  if (raw === undefined) return undefined
  const n = Number(String(raw).replace(/%$/, ''))
  if (!Number.isFinite(n) || n < 0 || n >= 50) throw new UserError(`--${name} expects a percentage from 0 to 50, e.g. 0.1%, got "${String(raw)}".`)
  return n / 100
}

/** Waits for Enter on the terminal; refuses when there is no terminal to ask. */
async function askOnTerminal(ctx: CliContext, instruction: string): Promise<void> {
  if (!process.stdin.isTTY) {
    throw new UserError('Calibrating a real instrument needs an operator at a terminal to swap the reference loads (stdin is not a terminal). Run it interactively.')
  }
  ctx.note(instruction)
  const rl = createInterface({ input: process.stdin })
  await new Promise<void>((resolve) => rl.once('line', () => resolve()))
  rl.close()
}

function humanReport(result: CalibrationResult, id: string | null, extra: string[]): string {
  const head = `${result.instrument.model} serial ${result.instrument.serial}: ${result.verdict.toUpperCase()}${id ? ` — record ${id}` : ' — not saved (--dry-run)'}`
  const rows = [
    ['range', 'fitted', 'gain', 'offset', 'U (k=2)', 'worst raw error', 'stated', 'raw instrument'],
    ...result.ranges.map((r) => {
      const errs = r.points.filter((p) => p.errorFraction !== null).map((p) => Math.abs(p.errorFraction!))
      return [
        r.label,
        r.fit,
        r.fit === 'none' || r.fit === 'offset-only' ? '—' : r.gain.toFixed(5),
        r.fit === 'none' || r.fit === 'gain-only' ? '—' : si(Math.abs(r.offsetA) < 1e-12 ? 0 : r.offsetA, 'A'),
        r.verdict === 'not-measured' ? '—' : `${+(r.uncertainty.expandedFraction * 100).toPrecision(3)} % + ${si(r.uncertainty.offsetExpandedA < 1e-12 ? 0 : r.uncertainty.offsetExpandedA, 'A', 3)}`,
        errs.length ? `${+(Math.max(...errs) * 100).toPrecision(3)} %` : '—',
        r.accuracyFraction === null ? '—' : `±${+(r.accuracyFraction * 100).toPrecision(3)} %`,
        r.verdict + (r.marginal ? ' (marginal)' : '')
      ]
    })
  ]
  return [head, '', table(rows), ...(result.suggestions.length ? ['', ...result.suggestions.map((s) => `note: ${s}`)] : []), ...extra].join('\n')
}

export const calibrateCommand: CliCommand = {
  name: 'calibrate',
  summary: 'Calibrate a power analyzer against reference loads, range by range',
  usage: '--analyzer ID --load OHMS@VOLTS [--load …] [options]',
  help: [
    'Reads the zero offset with the output open, then each reference load (I = V / R), fits a gain and',
    'offset per range, judges the raw instrument against its stated accuracy, and stores a dated record',
    'for the instrument serial number. New captures of that unit are corrected with it.',
    '',
    '  --analyzer ID          virtual:ppk2, ppk2:/dev/ttyACM0 … (see joulebench devices)',
    '  --load OHMS@VOLTS      a reference load, repeatable: 1000@3.3, 10k@1.8, 100@3.3±0.1%',
    '  --tolerance PCT        tolerance of loads written without ±, default 1%',
    '  --voltage-tolerance PCT  tolerance of the supply voltage, default 0% (measure it and write the exact value)',
    '  --mode source|ampere   the analyzer powers the loads (default) or an external supply does',
    '  --skip-zero            skip the open-output zero check',
    '  --settle S, --window S  seconds ignored, then averaged, per point (default 0.3 and 1)',
    '  --due-days N | --due YYYY-MM-DD   next calibration due (default one year)',
    '  --notes TEXT, --operator NAME',
    '  --write-user-gains     PPK2: store the fitted gains on the device as user gains (0.9–1.1)',
    '  --certificate FILE     also write the printable HTML certificate',
    '  --dry-run              measure and report, but store nothing',
    '',
    'Exit code 4 when the raw instrument is outside its stated accuracy in a measured range.'
  ].join('\n'),
  options: {
    analyzer: { type: 'string' },
    load: { type: 'string', multiple: true },
    tolerance: { type: 'string' },
    'voltage-tolerance': { type: 'string' },
    mode: { type: 'string' },
    'skip-zero': { type: 'boolean', default: false },
    settle: { type: 'string' },
    window: { type: 'string' },
    'due-days': { type: 'string' },
    due: { type: 'string' },
    notes: { type: 'string' },
    operator: { type: 'string' },
    'write-user-gains': { type: 'boolean', default: false },
    certificate: { type: 'string' },
    'dry-run': { type: 'boolean', default: false }
  },
  async run(ctx, values) {
    const id = values.analyzer
    if (typeof id !== 'string' || !id) throw new UserError('Name the analyzer to calibrate: --analyzer ID (e.g. virtual:ppk2; joulebench devices lists them).')
    const loadTexts = (values.load as string[] | undefined) ?? []
    const zeroCheck = values['skip-zero'] !== true
    if (loadTexts.length === 0 && !zeroCheck) throw new UserError('Give at least one reference load with --load OHMS@VOLTS, e.g. --load 1000@3.3.')
    const tolerance = percentOption(values, 'tolerance')
    let loads: ReferenceLoad[]
    try {
      loads = loadTexts.map((t) => {
        const l = parseReferenceLoad(t)
        return tolerance !== undefined && l.toleranceAssumed ? { ...l, toleranceFraction: tolerance, toleranceAssumed: false } : l
      })
    } catch (e) {
      if (e instanceof ReferenceLoadError) throw new UserError(e.message)
      throw e
    }
    const mode = values.mode ?? 'source'
    if (mode !== 'source' && mode !== 'ampere') throw new UserError(`--mode is source or ampere, got "${String(mode)}".`)
    const settleS = numberOption(values, 'settle', 0.3)!
    const measureS = numberOption(values, 'window', 1)!
    if (!(settleS >= 0) || !(measureS > 0)) throw new UserError('--settle must be 0 or more seconds and --window more than 0 seconds.')
    const dueDays = numberOption(values, 'due-days')
    if (dueDays !== undefined && !(dueDays > 0)) throw new UserError(`--due-days expects a positive number of days, got ${dueDays}.`)
    const dueAt = typeof values.due === 'string' ? values.due : undefined
    if (dueAt !== undefined && !/^\d{4}-\d{2}-\d{2}/.test(dueAt)) throw new UserError(`--due expects a date as YYYY-MM-DD, got "${dueAt}".`)

    const catalog = loadDefinitions()
    const definition = catalog.analyzers.find((a) => a.id === familyOf(id)) ?? null
    if (values['dry-run'] === true && (values['write-user-gains'] === true || values.certificate !== undefined)) {
      throw new UserError('--write-user-gains and --certificate need a stored record; leave out --dry-run.')
    }
    const target = await openCalibrationTarget({ id, mode, definition, ask: (text) => askOnTerminal(ctx, text) })
    let result: CalibrationResult
    const extra: string[] = []
    let recordId: string | null = null
    try {
      if (values['write-user-gains'] === true && !target.writeUserGain) {
        throw new UserError(`${target.analyzer.identity.model} has no user gains to write; leave out --write-user-gains (the correction is applied on the host).`)
      }
      result = await runCalibration(target, {
        loads,
        zeroCheck,
        ranges: rangeSpecs(target.analyzer, definition),
        settleS,
        measureS,
        voltageToleranceFraction: percentOption(values, 'voltage-tolerance') ?? 0,
        deviceUserGains: target.deviceUserGains(),
        onProgress: (text) => ctx.note(text)
      })
      if (values['dry-run'] !== true) {
        const store = new CalibrationStore(ctx.workspace())
        let record = store.save(result, {
          dueAt,
          dueInDays: dueDays,
          notes: typeof values.notes === 'string' ? values.notes : '',
          operator: typeof values.operator === 'string' ? values.operator : null
        })
        recordId = record.id
        if (values['write-user-gains'] === true) {
          const plan = planUserGains(result)
          const written = await writeUserGains(plan, (r, g) => target.writeUserGain!(r, g))
          if (written.length) record = store.markWrittenToDevice(record.id, written)
          result = record.result
          extra.push(...written.map((w) => `wrote user gain ${w.toGain.toFixed(5)} to range ${w.rangeIndex} (was ${w.fromGain.toFixed(5)})`), ...plan.skipped.map((s) => `not written: ${s.reason}`))
        }
        if (typeof values.certificate === 'string') {
          try {
            writeFileSync(values.certificate, renderCertificateHtml(record))
          } catch (e) {
            throw new UserError(`Calibration ${record.id} is saved, but the certificate could not be written to ${values.certificate}: ${(e as Error).message}. Print it later with joulebench calibrations --certificate ${record.id} --out FILE.`)
          }
          extra.push(`certificate written to ${values.certificate}`)
        }
      }
    } finally {
      await target.close()
    }
    ctx.report({ id: recordId, ...result, messages: extra }, () => humanReport(result, recordId, extra))
    return result.verdict === 'fail' ? 4 : 0
  }
}
