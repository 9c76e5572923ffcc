/**
 * The wiring guide's live checks. Each reads a bench window (or only the definitions) and says
 * pass / warn / fail, what it measured, and — when something is wrong — what and what to try.
 * Pure functions of their inputs: the guide does the reading, so a test can hand in any window.
 */
import type { AnalyzerDefinition, DutBoardDefinition } from './definition-schema'
import type { BenchWindow } from './bench-reading'
import { analyzerLogicVerdict } from './logic-levels'
import type { CheckId, PlanWire, WiringPlan } from './plan'

export type CheckStatus = 'pass' | 'warn' | 'fail' | 'skipped'

export interface CheckResult {
  id: CheckId
  title: string
  status: CheckStatus
  /** What was measured, in SI units; null for checks that read only the definitions. */
  measured: { value: number; unit: 'V' | 'A' | 'edges/s' } | null
  /** What a correct bench shows, in words: "1 µA – 100 mA". */
  expected: string
  message: string
  /** What to try when the check did not pass. */
  hint: string | null
}

export interface CheckInput {
  plan: WiringPlan
  analyzer: AnalyzerDefinition
  board: DutBoardDefinition
  /** The supply voltage the analyzer reports it is set to; null with an external supply. */
  setSupplyV: number | null
  window: BenchWindow | null
  analyzerName: string
}

export const CHECK_TITLES: Record<CheckId, string> = {
  'supply-in-range': 'Supply voltage in range',
  'supply-present': 'Supply reaches the DUT',
  'dut-draws-current': 'DUT draws current when powered',
  'current-limit': 'Nothing exceeds the current limit',
  'logic-levels': 'Logic levels compatible',
  'trigger-toggles': 'Trigger line toggles while the DUT runs'
}

/** Engineering notation for messages: 3.3 mA, 420 nA, 1.2 V. */
export function si(value: number, unit: string): string {
  if (!Number.isFinite(value)) return `— ${unit}`
  const a = Math.abs(value)
  const [scale, prefix] =
    a === 0 ? [1, ''] : a >= 1 ? [1, ''] : a >= 1e-3 ? [1e3, 'm'] : a >= 1e-6 ? [1e6, 'µ'] : [1e9, 'n']
  const x = value * scale
  return `${+x.toPrecision(3)} ${prefix}${unit}`
}

function wireFor(plan: WiringPlan, pred: (w: PlanWire) => boolean): string {
  const w = plan.wires.find(pred)
  return w ? `${w.id} (${w.from.label} → ${w.to.label})` : 'the wire'
}

function result(id: CheckId, status: CheckStatus, message: string, hint: string | null, expected: string, measured: CheckResult['measured']): CheckResult {
  return { id, title: CHECK_TITLES[id], status, measured, expected, message, hint }
}

/** The smallest current that shows the supply reaches the DUT: above the analyzer's floor and the board's idle minimum. */
export function presenceFloorA(analyzer: AnalyzerDefinition, board: DutBoardDefinition): number {
  return Math.max(board.expectedCurrentA.idleMin, analyzer.ranges[0]!.minA)
}

/** The current above which the bench is unsafe: the analyzer's limit or trip, whichever is lower. */
export function currentLimitA(analyzer: AnalyzerDefinition): number {
  return Math.min(analyzer.supply.maxCurrentA.value, analyzer.supply.overcurrentTripA?.value ?? Infinity)
}

export function checkSupplyInRange(input: CheckInput): CheckResult {
  const { plan, analyzer, board, window } = input
  const span = `${board.supply.minV}–${board.supply.maxV} V`
  const id: CheckId = 'supply-in-range'
  if (window?.meanV != null) {
    const v = window.meanV
    if (v < board.supply.minV || v > board.supply.maxV) {
      return result(id, 'fail', `${input.analyzerName} measures ${si(v, 'V')} at the DUT, outside the ${span} that ${board.name} takes.`, `Set the supply to ${plan.supplyV} V before the DUT is connected.`, span, { value: v, unit: 'V' })
    }
    return result(id, 'pass', `${si(v, 'V')} measured at the DUT, within ${span}.`, null, span, { value: v, unit: 'V' })
  }
  if (plan.analyzerSources) {
    const v = input.setSupplyV
    if (v === null) {
      return result(id, 'fail', `${input.analyzerName} reports no supply voltage set, but it is meant to power the DUT.`, `Set its supply to ${plan.supplyV} V.`, span, null)
    }
    if (v < board.supply.minV || v > board.supply.maxV) {
      return result(id, 'fail', `${input.analyzerName} is set to ${si(v, 'V')}, outside the ${span} that ${board.name} takes at ${board.supply.pin}.`, `Switch the output off and set ${plan.supplyV} V.`, span, { value: v, unit: 'V' })
    }
    if (v < analyzer.supply.minV || v > analyzer.supply.maxV) {
      return result(id, 'fail', `${input.analyzerName} is set to ${si(v, 'V')}, outside its own ${analyzer.supply.minV}–${analyzer.supply.maxV} V.`, `Set ${plan.supplyV} V.`, span, { value: v, unit: 'V' })
    }
    if (Math.abs(v - plan.supplyV) > 0.02 * plan.supplyV) {
      return result(id, 'warn', `${input.analyzerName} is set to ${si(v, 'V')}; the wiring plan was made for ${plan.supplyV} V.`, 'Energy figures use the set voltage: make sure it is the one you mean.', span, { value: v, unit: 'V' })
    }
    return result(id, 'pass', `${input.analyzerName} is set to ${si(v, 'V')}, within ${span}.`, null, span, { value: v, unit: 'V' })
  }
  return result(
    id,
    'warn',
    `${input.analyzerName} cannot read the external supply's voltage.`,
    `Check it with a multimeter at ${board.supply.pin}: expect ${plan.supplyV} V (${span}).`,
    span,
    null
  )
}

export function checkSupplyPresent(input: CheckInput): CheckResult {
  const { plan, analyzer, board, window } = input
  const id: CheckId = 'supply-present'
  if (!window) return result(id, 'skipped', 'No reading was taken.', null, '', null)
  const supplyWire = wireFor(plan, (w) => w.role === 'supply' && w.to.part === 'dut')
  const groundWire = wireFor(plan, (w) => w.role === 'ground' && w.to.part === 'dut')
  const switchOn = plan.analyzerSources ? `that ${input.analyzerName}'s output is switched on` : 'that the external supply is switched on'
  if (window.meanV !== null && window.meanV < 0.5 * plan.supplyV) {
    return result(id, 'fail', `No supply at the DUT: ${si(window.meanV, 'V')} measured, ${plan.supplyV} V expected.`, `Check ${switchOn}, and ${supplyWire}.`, `≈ ${plan.supplyV} V`, { value: window.meanV, unit: 'V' })
  }
  const floor = presenceFloorA(analyzer, board)
  if (!(window.maxA >= floor)) {
    return result(
      id,
      'fail',
      `No current flows into the DUT: at most ${si(window.maxA, 'A')} in ${si(window.durationS, 's')}, below the ${si(floor, 'A')} any powered ${board.name} draws. The supply does not reach it.`,
      `Check ${switchOn}; that ${supplyWire} is in place and lands on the right pin; and ${groundWire}.`,
      `≥ ${si(floor, 'A')}`,
      { value: window.maxA, unit: 'A' }
    )
  }
  return result(id, 'pass', `Current flows into the DUT (up to ${si(window.maxA, 'A')}).`, null, `≥ ${si(floor, 'A')}`, { value: window.maxA, unit: 'A' })
}

export function checkDutDrawsCurrent(input: CheckInput): CheckResult {
  const { board, window, plan } = input
  const id: CheckId = 'dut-draws-current'
  if (!window) return result(id, 'skipped', 'No reading was taken.', null, '', null)
  const { idleMin, runMax } = board.expectedCurrentA
  const expected = `${si(idleMin, 'A')} – ${si(runMax, 'A')} on average`
  const mean = window.meanA
  if (!(mean >= idleMin)) {
    return result(
      id,
      'fail',
      `${board.name} draws ${si(mean, 'A')} on average, less than the ${si(idleMin, 'A')} it draws even asleep: it is not powered through the analyzer.`,
      `Check ${wireFor(plan, (w) => w.role === 'supply' && w.to.part === 'dut')}, that the jumper is removed and nothing else feeds the rail, then reset the board.`,
      expected,
      { value: mean, unit: 'A' }
    )
  }
  if (mean > runMax) {
    return result(id, 'fail', `${board.name} draws ${si(mean, 'A')} on average, more than the ${si(runMax, 'A')} expected.`, 'Something besides the MCU is on the measured rail (LEDs, debugger, sensors), or the supply wire lands on the wrong pin.', expected, { value: mean, unit: 'A' })
  }
  return result(id, 'pass', `${board.name} draws ${si(mean, 'A')} on average (${si(window.minA, 'A')} – ${si(window.maxA, 'A')}).`, null, expected, { value: mean, unit: 'A' })
}

export function checkCurrentLimit(input: CheckInput): CheckResult {
  const { analyzer, board, window, plan } = input
  const id: CheckId = 'current-limit'
  if (!window) return result(id, 'skipped', 'No reading was taken.', null, '', null)
  const limit = currentLimitA(analyzer)
  const top = analyzer.ranges[analyzer.ranges.length - 1]!.maxA
  const peak = window.maxA
  const expected = `≤ ${si(Math.min(limit, board.expectedCurrentA.runMax), 'A')}`
  const supplyWire = wireFor(plan, (w) => w.role === 'supply' && w.to.part === 'dut')
  // An analyzer that protects itself (the LPM01A trips at 59 mA) cuts the supply and says so rather than reading the short.
  const tripped = window.warnings.find((w) => /overcurrent|over-current|tripped/i.test(w))
  if (tripped) {
    return result(
      id,
      'fail',
      `${input.analyzerName} cut the supply for overcurrent (${tripped.trim()}): the DUT drew more than ${si(limit, 'A')}, or the supply is shorted to ground.`,
      `Check that ${supplyWire} does not touch ground and lands on ${board.supply.pin}; look for solder bridges; make sure nothing else on the rail (LEDs, shields) is powered from it.`,
      expected,
      { value: peak, unit: 'A' }
    )
  }
  if (peak >= 0.9 * Math.min(limit, top)) {
    return result(
      id,
      'fail',
      `The current reached ${si(peak, 'A')}, at ${input.analyzerName}'s limit (${si(limit, 'A')}): the supply is shorted to ground.`,
      `Switch the supply off now. Check that ${supplyWire} does not touch ground, that it lands on ${board.supply.pin} and not a ground pin, and look for solder bridges or a reversed connector.`,
      expected,
      { value: peak, unit: 'A' }
    )
  }
  if (peak > board.expectedCurrentA.runMax) {
    return result(
      id,
      'warn',
      `Peaks reach ${si(peak, 'A')}, above the ${si(board.expectedCurrentA.runMax, 'A')} ${board.name} is expected to draw.`,
      'Look for other loads on the measured rail (LEDs, debugger, shields), or a wire on the wrong pin.',
      expected,
      { value: peak, unit: 'A' }
    )
  }
  return result(id, 'pass', `Peak ${si(peak, 'A')}, below the ${si(limit, 'A')} limit.`, null, expected, { value: peak, unit: 'A' })
}

export function checkLogicLevels(input: CheckInput): CheckResult {
  const { analyzer, board, plan } = input
  const id: CheckId = 'logic-levels'
  const v = analyzerLogicVerdict(analyzer, board, input.setSupplyV ?? plan.supplyV)
  const expected = analyzer.logic.fixedLevelV !== null ? `≈ ${analyzer.logic.fixedLevelV} V logic` : `${analyzer.logic.referenceMinV}–${analyzer.logic.referenceMaxV} V reference`
  return result(id, v.status, v.message, v.hint, expected, { value: v.dutLevelV, unit: 'V' })
}

/** Which digital line of the analyzer's samples carries the trigger input (D0 → 0, GPI1 → 1); null for event inputs. */
export function triggerLine(analyzer: AnalyzerDefinition): number | null {
  const ref = analyzer.terminals.triggerIn
  if (!ref) return null
  const m = /(?:^|\.)(?:D|GPI)(\d)$/.exec(ref)
  // The LPM01A's D7 is an event input: its edges arrive as marks, not as a digital sample stream.
  if (!m || analyzer.logic.channels <= 1) return null
  return Number(m[1])
}

export function checkTriggerToggles(input: CheckInput): CheckResult {
  const { analyzer, board, window, plan } = input
  const id: CheckId = 'trigger-toggles'
  if (!window) return result(id, 'skipped', 'No reading was taken.', null, '', null)
  const line = triggerLine(analyzer)
  const pinName = analyzer.terminals.triggerIn ?? 'the trigger input'
  const activity = line !== null ? (window.lines?.[line] ?? null) : null
  const edges = line !== null ? (activity?.edges ?? 0) : window.marks
  const rate = window.durationS > 0 ? edges / window.durationS : 0
  const expected = '≥ 2 edges in the window'
  const wire = wireFor(plan, (w) => w.role === 'signal' && w.to.part === 'analyzer')
  if (line !== null && window.lines === null) {
    return result(id, 'fail', `${input.analyzerName} sent no digital samples, so the trigger line cannot be seen.`, 'Check that the analyzer streams its logic inputs (firmware, settings).', expected, null)
  }
  if (edges === 0) {
    const held = activity ? (activity.highFraction > 0.5 ? 'held high' : 'held low') : 'no events'
    const ref = analyzer.logic.referenceRequired
      ? ` Without ${wireFor(plan, (w) => w.role === 'reference')} the inputs read nothing.`
      : ''
    return result(
      id,
      'fail',
      `The trigger line (${pinName}) did not change in ${si(window.durationS, 's')} (${held}) while the DUT drew ${si(window.meanA, 'A')}.`,
      `Check ${wire} lands on ${board.trigger.pin}${board.trigger.mcuPin ? ` (${board.trigger.mcuPin})` : ''}; that the firmware toggles that pin around each inference and is running inferences now.${ref}`,
      expected,
      { value: 0, unit: 'edges/s' }
    )
  }
  if (edges < 2) {
    return result(id, 'warn', `Only one edge on ${pinName} in ${si(window.durationS, 's')}.`, 'Run the check while the DUT runs several inferences, or lengthen the window.', expected, { value: rate, unit: 'edges/s' })
  }
  return result(id, 'pass', `${edges} edges on ${pinName} in ${si(window.durationS, 's')} (${+rate.toPrecision(3)} per second).`, null, expected, { value: rate, unit: 'edges/s' })
}

export const CHECKS: Record<CheckId, (input: CheckInput) => CheckResult> = {
  'supply-in-range': checkSupplyInRange,
  'supply-present': checkSupplyPresent,
  'dut-draws-current': checkDutDrawsCurrent,
  'current-limit': checkCurrentLimit,
  'logic-levels': checkLogicLevels,
  'trigger-toggles': checkTriggerToggles
}

/** Checks that need a bench window; the others read only the definitions and the set voltage. */
export const LIVE_CHECKS: ReadonlySet<CheckId> = new Set(['supply-present', 'dut-draws-current', 'current-limit', 'trigger-toggles'])
