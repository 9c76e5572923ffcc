import { renderCertificateHtml } from '../../calibration/certificate'
import { CalibrationStore, type CalibrationRecord } from '../../calibration/records'
import { DEFAULT_LOAD_TOLERANCE, type ReferenceLoad } from '../../calibration/reference-load'
import { familyOf } from '../../calibration/targets'
import { parseAnalyzerId } from '../../instruments/analyzers'
import { findVirtualInstrument } from '../../virtual-bench'
import { loadDefinitions } from '../../wiring/definitions'
import { calibrationSessions } from '../calibration/calibration-sessions'
import { suggestedLoads } from '../calibration/suggested-loads'
import type { HandlerMap, JoulebenchCore } from '../core'
import type { CalibrationDefaults, CalibrationRecordEntry } from '../methods/calibration'

type CalibrationMethods =
  | 'calibration.defaults'
  | 'calibration.run'
  | 'calibration.continue'
  | 'calibration.cancel'
  | 'calibration.save'
  | 'calibration.status'
  | 'calibrations.list'
  | 'calibrations.due'
  | 'calibrations.get'
  | 'calibrations.certificate'
  | 'calibrations.setInForce'

const DAY_MS = 86_400_000

function entry(record: CalibrationRecord, now = Date.now()): CalibrationRecordEntry {
  const daysLeft = (Date.parse(record.dueAt) - now) / DAY_MS
  return { ...record, overdue: daysLeft < 0, daysLeft }
}

function defaults(id: string, voltageV: number | undefined): CalibrationDefaults {
  const family = familyOf(id)
  const { virtual } = parseAnalyzerId(id)
  const definition = loadDefinitions().analyzers.find((a) => a.id === family) ?? null
  if (virtual && !findVirtualInstrument(family)) throw new Error(`The virtual bench has no ${family}. Pick an instrument from the Instruments screen.`)
  if (!definition) {
    return { instrumentId: id, family, model: id, virtual, ranges: [], supply: null, modes: ['source', 'ampere'], suggestedLoads: [], userGains: null, operatorSwapsLoads: !virtual }
  }
  const supply = { minV: definition.supply.minV, maxV: definition.supply.maxV }
  // 3.3 V where the analyzer can source it (both the PPK2 and the LPM01A), else the top of its span.
  const v = voltageV ?? Math.min(Math.max(3.3, supply.minV), supply.maxV || 3.3)
  if (v < supply.minV || (supply.maxV > 0 && v > supply.maxV)) {
    throw new Error(`${definition.model} supplies ${supply.minV}–${supply.maxV} V; choose a load voltage in that span (got ${v} V).`)
  }
  return {
    instrumentId: id,
    family,
    model: definition.model,
    virtual,
    ranges: definition.ranges.map((r) => ({ index: r.index, label: r.label, minA: r.minA, maxA: r.maxA, accuracyFraction: r.accuracyFraction })),
    supply,
    modes: [
      ...(definition.methods.includes('source-meter') || definition.methods.includes('mlperf-energy') ? (['source'] as const) : []),
      ...(definition.methods.includes('ampere-meter') ? (['ampere'] as const) : [])
    ],
    suggestedLoads: suggestedLoads(definition, v),
    userGains: definition.userGains,
    operatorSwapsLoads: !virtual
  }
}

function toLoads(loads: Array<{ resistanceOhm: number; voltageV: number; toleranceFraction?: number }>): ReferenceLoad[] {
  return loads.map((l) => ({
    resistanceOhm: l.resistanceOhm,
    voltageV: l.voltageV,
    toleranceFraction: l.toleranceFraction ?? DEFAULT_LOAD_TOLERANCE,
    toleranceAssumed: l.toleranceFraction === undefined
  }))
}

function setInForce(core: JoulebenchCore, id: string, inForce: boolean): CalibrationRecordEntry {
  const record = new CalibrationStore(core.db).setInForce(id, inForce)
  core.emit('calibrations.changed', { id, change: 'updated' })
  return entry(record)
}

export const calibrationHandlers: Pick<HandlerMap, CalibrationMethods> = {
  'calibration.defaults': (_core, p) => defaults(p.instrumentId, p.voltageV),
  'calibration.run': (core, p) => calibrationSessions(core).run({ ...p, loads: toLoads(p.loads) }),
  'calibration.continue': (core, p) => calibrationSessions(core).continue(p.runId),
  'calibration.cancel': (core, p) => calibrationSessions(core).cancel(p.runId),
  'calibration.save': (core, { runId, ...request }) => calibrationSessions(core).save(runId, request),
  'calibration.status': (core) => ({ sessions: calibrationSessions(core).list() }),

  'calibrations.list': (core, p) => {
    const store = new CalibrationStore(core.db)
    const now = Date.now()
    return { records: store.list(p).map((r) => entry(r, now)), damaged: store.damaged() }
  },
  'calibrations.due': (core, p) => {
    const now = new Date()
    return { due: new CalibrationStore(core.db).due({ now, withinDays: p.withinDays }).map((d) => ({ ...d, record: entry(d.record, now.getTime()) })) }
  },
  'calibrations.get': (core, p) => entry(new CalibrationStore(core.db).get(p.id)),
  'calibrations.certificate': (core, p) => ({ id: p.id, html: renderCertificateHtml(new CalibrationStore(core.db).get(p.id)) }),
  'calibrations.setInForce': (core, p) => setInForce(core, p.id, p.inForce)
}
