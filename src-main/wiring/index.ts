/**
 * The wiring guide's surface for the API and the UI: pick definitions by id, get the plan and its
 * diagram, and run the guide's checks against an analyzer.
 */
import type { PowerAnalyzer } from '../instruments/power-analyzer'
import { analyzerBenchReading, type BenchReading } from './bench-reading'
import type { WiringMethod } from './definition-schema'
import { findAnalyzer, findBoard, loadDefinitions, type DefinitionCatalog } from './definitions'
import { renderWiringSvg } from './diagram'
import { WiringGuide, type GuideOptions } from './guide'
import { planWiring, WiringPlanError, type WiringPlan } from './plan'

export interface WiringRequest {
  analyzerId: string
  boardId: string
  method: WiringMethod
  supplyV?: number
  /** MLPerf energy mode; default the Arduino UNO IO Manager. */
  interfaceId?: string
  /** MLPerf energy mode; default the first level shifter defined. */
  levelShifterId?: string
}

/** What the picker shows: ids, names, and which methods each analyzer supports. */
export function catalogSummary(catalog: DefinitionCatalog = loadDefinitions()) {
  return {
    analyzers: catalog.analyzers.map((a) => ({ id: a.id, model: a.model, methods: a.methods, supplyMinV: a.supply.minV, supplyMaxV: a.supply.maxV })),
    boards: catalog.duts.map((b) => ({ id: b.id, name: b.name, mcu: b.mcu, usedBy: b.usedBy, nominalV: b.supply.nominalV, minV: b.supply.minV, maxV: b.supply.maxV })),
    interfaces: catalog.interfaces.map((i) => ({ id: i.id, name: i.name, logicLevelV: i.logicLevelV })),
    levelShifters: catalog.levelShifters.map((l) => ({ id: l.id, name: l.name }))
  }
}

export function wiringPlanFor(request: WiringRequest, catalog: DefinitionCatalog = loadDefinitions()): WiringPlan {
  const analyzer = findAnalyzer(catalog, request.analyzerId)
  const board = findBoard(catalog, request.boardId)
  let interfaceBoard
  let levelShifter
  if (request.method === 'mlperf-energy') {
    const ifaceId = request.interfaceId ?? 'arduino-uno-io-manager'
    interfaceBoard = catalog.interfaces.find((i) => i.id === ifaceId)
    if (!interfaceBoard) throw new WiringPlanError(`No interface board "${ifaceId}". Known: ${catalog.interfaces.map((i) => i.id).join(', ')}.`)
    levelShifter = request.levelShifterId ? catalog.levelShifters.find((l) => l.id === request.levelShifterId) : catalog.levelShifters[0]
    if (request.levelShifterId && !levelShifter) throw new WiringPlanError(`No level shifter "${request.levelShifterId}". Known: ${catalog.levelShifters.map((l) => l.id).join(', ')}.`)
  }
  return planWiring({ analyzer, board, method: request.method, supplyV: request.supplyV, interfaceBoard, levelShifter })
}

/** The plan and its SVG, for the wiring screen. */
export function wiringDiagramFor(request: WiringRequest, catalog: DefinitionCatalog = loadDefinitions()): { plan: WiringPlan; svg: string } {
  const plan = wiringPlanFor(request, catalog)
  return { plan, svg: renderWiringSvg(plan) }
}

/** A guide over a connected analyzer (or any BenchReading), ready for runStep / runAll. */
export function wiringGuideFor(
  request: WiringRequest,
  bench: PowerAnalyzer | BenchReading,
  options: GuideOptions = {},
  catalog: DefinitionCatalog = loadDefinitions()
): WiringGuide {
  const plan = wiringPlanFor(request, catalog)
  const reading = 'read' in bench ? bench : analyzerBenchReading(bench, { supplyV: plan.analyzerSources ? plan.supplyV : null })
  return new WiringGuide(plan, findAnalyzer(catalog, request.analyzerId), findBoard(catalog, request.boardId), reading, options)
}

export { renderWiringSvg, planWiring, WiringGuide, WiringPlanError, loadDefinitions }
export type { WiringPlan, WiringMethod }
