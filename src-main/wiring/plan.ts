/**
 * From definitions and a method to the wires to make and the steps to walk through. Pure: the same
 * inputs give the same plan, which is what the diagram draws and the guide's checks verify.
 */
import type {
  AnalyzerDefinition,
  AnyDefinition,
  DutBoardDefinition,
  InterfaceBoardDefinition,
  LevelShifterDefinition,
  WiringMethod
} from './definition-schema'
import { findPin } from './definitions'
import { analyzerLogicVerdict, dutIoLevelV, serialLinkVerdict } from './logic-levels'

export type PartId = 'supply' | 'analyzer' | 'dut' | 'shifter' | 'interface'
export type WireRole = 'supply' | 'ground' | 'signal' | 'reference'
export type CheckId = 'supply-in-range' | 'supply-present' | 'dut-draws-current' | 'current-limit' | 'logic-levels' | 'trigger-toggles'

export interface PlanPin {
  part: PartId
  /** "connector.pin" within the part's definition. */
  ref: string
  label: string
  verified: boolean
  note?: string
}

export interface PlanWire {
  /** w1, w2 … in the order the steps ask for them. */
  id: string
  role: WireRole
  from: PlanPin
  to: PlanPin
  /** What the wire carries, for the legend: "measured supply 3.3 V", "timestamp". */
  label: string
  /** Not needed for the method to work (the UNO D3 timestamp copy). */
  optional: boolean
}

export interface PlanPart {
  id: PartId
  title: string
  subtitle: string
}

export interface PlanJumper {
  ref: string
  label: string
  action: 'remove' | 'fit'
  why: string
  verified: boolean
  note?: string
}

export interface WiringStep {
  id: 'prepare' | 'ground' | 'supply' | 'power' | 'trigger' | 'serial'
  title: string
  instructions: string[]
  /** Wires this step asks the user to make. */
  wires: string[]
  checks: CheckId[]
}

export interface WiringPlan {
  method: WiringMethod
  analyzerId: string
  boardId: string
  /** Voltage the DUT is run at, in volts. */
  supplyV: number
  /** Whether the analyzer itself powers the DUT (source meter, LPM01A) or carries an external supply's current. */
  analyzerSources: boolean
  dutIoLevelV: number
  parts: PlanPart[]
  wires: PlanWire[]
  jumpers: PlanJumper[]
  steps: WiringStep[]
  warnings: string[]
  /** Facts in this plan that no source we read confirms: the user should check them on the hardware. */
  unverified: string[]
}

export interface PlanRequest {
  analyzer: AnalyzerDefinition
  board: DutBoardDefinition
  method: WiringMethod
  /** Defaults to the board's nominal supply voltage. */
  supplyV?: number
  /** MLPerf energy mode: the interface board and level shifter. */
  interfaceBoard?: InterfaceBoardDefinition
  levelShifter?: LevelShifterDefinition
}

/** A combination that cannot be wired safely: says which and what to choose instead. */
export class WiringPlanError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'WiringPlanError'
  }
}

const METHOD_TITLES: Record<WiringMethod, string> = {
  'source-meter': 'analyzer as source meter (it powers the DUT)',
  'ampere-meter': 'analyzer as ampere meter (an external supply powers the DUT)',
  'mlperf-energy': 'MLPerf Tiny energy mode (interface board and level shifters)'
}

export function planWiring(req: PlanRequest): WiringPlan {
  const { analyzer, board, method } = req
  if (!analyzer.methods.includes(method)) {
    throw new WiringPlanError(
      `${analyzer.model} cannot be wired as ${METHOD_TITLES[method]}. It supports: ${analyzer.methods.map((m) => METHOD_TITLES[m]).join('; ')}.`
    )
  }
  const supplyV = req.supplyV ?? board.supply.nominalV
  // MLPerf energy mode: the monitor powers the DUT where it can (LPM01A); otherwise a separate supply feeds it through the meter (JS220).
  const analyzerSources = method === 'source-meter' || (method === 'mlperf-energy' && analyzer.methods.includes('source-meter'))
  checkSupplyVoltage(analyzer, board, supplyV, analyzerSources)

  const b = new PlanBuilder(analyzer, board, req.interfaceBoard ?? null, req.levelShifter ?? null)
  const warnings: string[] = []
  const t = analyzer.terminals
  const usesExternalSupply = !analyzerSources && !(method === 'ampere-meter' && board.supply.boardSourcePin)

  // Ground first: the checks (and the DUT's I/O) assume a shared ground.
  b.step('ground', 'Connect the grounds', ['Make the ground connections before any supply or signal wire.'])
  b.wire('ground', ['analyzer', t.ground], ['dut', board.ground], 'ground')
  if (usesExternalSupply) {
    if (!t.supplyReturn) throw new WiringPlanError(`${analyzer.model} has no terminal for an external supply's ground.`)
    b.wire('ground', ['supply', 'out.-'], ['analyzer', t.supplyReturn], 'supply ground')
  }

  b.step('supply', 'Connect the supply', [
    analyzerSources
      ? `Set ${analyzer.model} to ${supplyV} V with its output off, then make the supply wire.`
      : usesExternalSupply
        ? `Set the external supply to ${supplyV} V with its output off, then make the supply wires.`
        : `The board's own ${supplyV} V supply goes in through ${analyzer.model}: make both wires across the removed jumper.`
  ])
  if (analyzerSources) {
    if (!t.supplyOut) throw new WiringPlanError(`${analyzer.model} has no supply output.`)
    b.wire('supply', ['analyzer', t.supplyOut], ['dut', board.supply.pin], `measured supply ${supplyV} V`)
  } else {
    if (!t.supplyIn || !t.supplyOut) throw new WiringPlanError(`${analyzer.model} has no supply input and output for an external supply.`)
    if (usesExternalSupply) b.wire('supply', ['supply', 'out.+'], ['analyzer', t.supplyIn], `external supply ${supplyV} V`)
    else b.wire('supply', ['dut', board.supply.boardSourcePin!], ['analyzer', t.supplyIn], `board supply ${supplyV} V, into the meter`)
    b.wire('supply', ['analyzer', t.supplyOut], ['dut', board.supply.pin], 'measured supply, out of the meter')
  }
  b.step('power', 'Switch on and let the DUT run', [
    analyzerSources ? `Switch ${analyzer.model}'s output on.` : 'Switch the supply on.',
    'Start the benchmark firmware (reset the board if it waits for a button).'
  ])
  // A short shows the moment the supply is on, so the limit is checked with the supply itself.
  b.stepChecks(['supply-in-range', 'supply-present', 'current-limit', 'dut-draws-current'])

  b.step('trigger', method === 'mlperf-energy' ? 'Connect the timestamp line' : 'Connect the trigger line', [
    `Wire the DUT's trigger pin to ${analyzer.model}'s trigger input; the firmware marks each inference with a ${board.trigger.edge} edge.`
  ])
  const logic = analyzerLogicVerdict(analyzer, board, supplyV)
  if (logic.status === 'fail') warnings.push(`${logic.message} ${logic.hint ?? ''}`.trim())
  if (t.triggerIn) b.wire('signal', ['dut', board.trigger.pin], ['analyzer', t.triggerIn], method === 'mlperf-energy' ? 'timestamp' : 'trigger')
  if (t.logicReference && analyzer.logic.referenceRequired) {
    const ref = board.supply.ioLevelFollowsSupply ? board.supply.pin : board.ioReferencePin
    if (!ref) warnings.push(`${board.name} names no pin at its I/O voltage: wire ${analyzer.model}'s logic reference to a ${board.logicLevelV} V pin yourself.`)
    else b.wire('reference', ['dut', ref], ['analyzer', t.logicReference], `logic reference ${+dutIoLevelV(board, supplyV).toFixed(2)} V`)
  }
  if (t.logicGround && t.logicGround !== t.ground) b.wire('ground', ['analyzer', t.logicGround], ['dut', board.ground], 'logic ground')
  b.stepChecks(['logic-levels', 'trigger-toggles'])

  if (method === 'mlperf-energy') wireSerial(b, req, supplyV, usesExternalSupply, warnings)

  b.prepareStep(board, analyzer)
  if (method === 'mlperf-energy' && !['lpm01a', 'js220', 'js110'].includes(analyzer.id)) {
    warnings.push(`${analyzer.model} is not one of MLPerf Tiny's supported energy monitors; results are not submittable.`)
  }
  return b.finish({ method, analyzerId: analyzer.id, boardId: board.id, supplyV, analyzerSources, dutIoLevelV: dutIoLevelV(board, supplyV), warnings })
}

function checkSupplyVoltage(analyzer: AnalyzerDefinition, board: DutBoardDefinition, supplyV: number, analyzerSources: boolean): void {
  if (!Number.isFinite(supplyV) || supplyV <= 0) throw new WiringPlanError(`The supply voltage must be a positive number of volts, got ${supplyV}.`)
  if (supplyV < board.supply.minV || supplyV > board.supply.maxV) {
    throw new WiringPlanError(`${board.name} takes ${board.supply.minV}–${board.supply.maxV} V at ${board.supply.pin}; ${supplyV} V is outside that. Choose a voltage inside it (nominal ${board.supply.nominalV} V).`)
  }
  if (analyzerSources && (supplyV < analyzer.supply.minV || supplyV > analyzer.supply.maxV)) {
    throw new WiringPlanError(
      `${analyzer.model} supplies ${analyzer.supply.minV}–${analyzer.supply.maxV} V, so it cannot run ${board.name} at ${supplyV} V. Use an analyzer that reaches ${supplyV} V, or the ampere-meter method with an external supply.`
    )
  }
}

function wireSerial(b: PlanBuilder, req: PlanRequest, supplyV: number, usesExternalSupply: boolean, warnings: string[]): void {
  const { analyzer, board } = req
  const iface = req.interfaceBoard
  if (!iface) throw new WiringPlanError('MLPerf energy mode needs an interface board (Arduino UNO IO Manager or STM32H573I-DK).')
  if (!board.uart) throw new WiringPlanError(`${board.name} has no UART pins in its definition; MLPerf energy mode talks to the DUT over a UART.`)
  const link = serialLinkVerdict(iface, req.levelShifter ?? null, board, supplyV)
  if (link.status === 'fail') throw new WiringPlanError(`${link.message} ${link.hint ?? ''}`.trim())
  b.step('serial', 'Connect the serial lines', [
    'The DUT talks to the host at 9600 baud through the interface board; it must get no power from the interface board.',
    ...(link.needsShifter ? [`Power the level shifter's low side from the monitor's unmeasured output so its current is not counted.`] : [])
  ])
  b.wire('ground', ['interface', iface.ground], ['dut', board.ground], 'ground (interface)')
  if (!link.needsShifter) {
    b.wire('signal', ['interface', iface.toDut], ['dut', board.uart.rx], 'UART host → DUT')
    b.wire('signal', ['dut', board.uart.tx], ['interface', iface.fromDut], 'UART DUT → host')
    return
  }
  const ls = req.levelShifter!
  if (ls.channels.length < 2) throw new WiringPlanError(`${ls.name} has ${ls.channels.length} channel(s); the serial lines need two.`)
  const low: [PartId, string] | null = usesExternalSupply
    ? ['supply', 'out.+']
    : analyzer.terminals.unmeasuredSupply
      ? ['analyzer', analyzer.terminals.unmeasuredSupply]
      : null
  if (!low) {
    warnings.push(`${analyzer.model} has no unmeasured output: the level shifter's low side must come from a separate ${supplyV} V supply, or its current is counted as the DUT's.`)
  } else {
    b.wire('supply', low, ['shifter', ls.lowSupply], `unmeasured ${supplyV} V (shifter low side)`)
  }
  b.wire('supply', ['interface', iface.supplyOut], ['shifter', ls.highSupply], `${iface.logicLevelV} V (shifter high side)`)
  b.wire('ground', ['interface', iface.ground], ['shifter', ls.ground], 'ground (shifter)')
  const [tx, rx, ts] = ls.channels
  b.wire('signal', ['interface', iface.toDut], ['shifter', tx!.high], 'UART host → DUT (high side)')
  b.wire('signal', ['shifter', tx!.low], ['dut', board.uart.rx], 'UART host → DUT (low side)')
  b.wire('signal', ['dut', board.uart.tx], ['shifter', rx!.low], 'UART DUT → host (low side)')
  b.wire('signal', ['shifter', rx!.high], ['interface', iface.fromDut], 'UART DUT → host (high side)')
  if (ts && iface.timestampIn) {
    b.wire('signal', ['dut', board.trigger.pin], ['shifter', ts.low], 'timestamp copy (low side)', true)
    b.wire('signal', ['shifter', ts.high], ['interface', iface.timestampIn], 'timestamp copy to the interface board', true)
  }
}

class PlanBuilder {
  private readonly wires: PlanWire[] = []
  private readonly steps: WiringStep[] = []
  private readonly unverified = new Set<string>()
  private readonly used = new Set<PartId>()

  constructor(
    private readonly analyzer: AnalyzerDefinition,
    private readonly board: DutBoardDefinition,
    private readonly iface: InterfaceBoardDefinition | null,
    private readonly shifter: LevelShifterDefinition | null
  ) {}

  private definition(part: PartId): AnyDefinition | null {
    if (part === 'analyzer') return this.analyzer
    if (part === 'dut') return this.board
    if (part === 'interface') return this.iface
    if (part === 'shifter') return this.shifter
    return null
  }

  private pin(part: PartId, ref: string): PlanPin {
    this.used.add(part)
    const def = this.definition(part)
    if (!def) return { part, ref, label: ref === 'out.+' ? '+' : '−', verified: true }
    const { pin } = findPin(def, ref)
    if (!pin.verified) this.unverified.add(`${partName(part, def)}: ${pin.label}${pin.note ? ` — ${pin.note}` : ''}`)
    return { part, ref, label: pin.label, verified: pin.verified, ...(pin.note ? { note: pin.note } : {}) }
  }

  step(id: WiringStep['id'], title: string, instructions: string[]): void {
    this.steps.push({ id, title, instructions, wires: [], checks: [] })
  }

  stepChecks(checks: CheckId[]): void {
    this.steps[this.steps.length - 1]!.checks.push(...checks)
  }

  wire(role: WireRole, from: [PartId, string], to: [PartId, string], label: string, optional = false): void {
    const w: PlanWire = { id: `w${this.wires.length + 1}`, role, from: this.pin(...from), to: this.pin(...to), label, optional }
    this.wires.push(w)
    const step = this.steps[this.steps.length - 1]!
    step.wires.push(w.id)
    step.instructions.push(`${w.id}: ${w.from.label} (${partTitle(w.from.part)}) → ${w.to.label} (${partTitle(w.to.part)})${optional ? ' — optional' : ''}`)
  }

  prepareStep(board: DutBoardDefinition, analyzer: AnalyzerDefinition): void {
    const lines = board.jumpers.map((j) => `${j.action === 'remove' ? 'Remove' : 'Fit'} ${j.ref === j.label ? j.ref : `${j.ref} (${j.label})`}: ${j.why}${j.verified ? '' : ' [designator unconfirmed: check your board]'}`)
    for (const j of board.jumpers) if (!j.verified) this.unverified.add(`${board.name}: jumper ${j.ref}${j.note ? ` — ${j.note}` : ''}`)
    if (!board.supply.verified) this.unverified.add(`${board.name}: supply ${board.supply.minV}–${board.supply.maxV} V${board.supply.note ? ` — ${board.supply.note}` : ''}`)
    if (!board.trigger.verified) this.unverified.add(`${board.name}: trigger pin${board.trigger.note ? ` — ${board.trigger.note}` : ''}`)
    if (!analyzer.supply.maxCurrentA.verified) this.unverified.add(`${analyzer.model}: current limit ${analyzer.supply.maxCurrentA.value} A${analyzer.supply.maxCurrentA.note ? ` — ${analyzer.supply.maxCurrentA.note}` : ''}`)
    lines.push('Unplug every other supply of the measured rail (USB power to the DUT side, batteries).')
    this.steps.unshift({ id: 'prepare', title: 'Prepare the board', instructions: lines, wires: [], checks: [] })
  }

  finish(head: Omit<WiringPlan, 'parts' | 'wires' | 'jumpers' | 'steps' | 'unverified'>): WiringPlan {
    const order: PartId[] = ['supply', 'analyzer', 'dut', 'shifter', 'interface']
    const parts = order
      .filter((p) => this.used.has(p))
      .map((p): PlanPart => {
        const def = this.definition(p)
        if (!def) return { id: p, title: 'External supply', subtitle: `${head.supplyV} V bench supply` }
        return { id: p, title: partName(p, def), subtitle: partSubtitle(def) }
      })
    return {
      ...head,
      parts,
      wires: this.wires,
      jumpers: this.board.jumpers.map((j) => ({ ref: j.ref, label: j.label, action: j.action, why: j.why, verified: j.verified, ...(j.note ? { note: j.note } : {}) })),
      steps: this.steps,
      unverified: [...this.unverified]
    }
  }
}

function partName(part: PartId, def: AnyDefinition): string {
  if (def.kind === 'analyzer') return def.model
  return def.name
}

function partSubtitle(def: AnyDefinition): string {
  switch (def.kind) {
    case 'analyzer':
      return 'power analyzer'
    case 'dut':
      return def.mcu
    case 'interface':
      return `interface board, ${def.logicLevelV} V I/O`
    case 'level-shifter':
      return 'level shifter'
  }
}

function partTitle(part: PartId): string {
  return { supply: 'supply', analyzer: 'analyzer', dut: 'DUT', shifter: 'level shifter', interface: 'interface board' }[part]
}
