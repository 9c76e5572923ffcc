import type { AnalyzerDefinition, DutBoardDefinition, InterfaceBoardDefinition, LevelShifterDefinition } from './definition-schema'

/**
 * A CMOS input reads "high" reliably above about 0.7 × its own supply (the usual V_IH of 3.3 V
 * parts such as STM32 GPIOs); below that a DUT's high level may read as low or flicker.
 */
export const VIH_FRACTION = 0.7
/** How far a signal may exceed an input's own supply before it risks the input (clamp diodes conduct). */
export const OVERDRIVE_MARGIN_V = 0.3

export interface LogicVerdict {
  status: 'pass' | 'warn' | 'fail'
  /** The DUT's I/O voltage as the verdict understood it. */
  dutLevelV: number
  message: string
  hint: string | null
}

/** The voltage the DUT's GPIOs swing to: the supply itself when the MCU runs straight from it. */
export function dutIoLevelV(board: DutBoardDefinition, supplyV: number): number {
  return board.supply.ioLevelFollowsSupply ? supplyV : board.logicLevelV
}

const v = (x: number) => `${+x.toFixed(2)} V`

/** Can the analyzer's trigger input read the DUT's trigger line? */
export function analyzerLogicVerdict(analyzer: AnalyzerDefinition, board: DutBoardDefinition, supplyV: number): LogicVerdict {
  const level = dutIoLevelV(board, supplyV)
  const { logic } = analyzer
  if (analyzer.terminals.triggerIn === null) {
    return { status: 'warn', dutLevelV: level, message: `${analyzer.model} has no digital input for the trigger line.`, hint: 'Mark inferences another way (current threshold or UART stage log).' }
  }
  if (logic.fixedLevelV !== null) {
    const f = logic.fixedLevelV
    if (level < VIH_FRACTION * f) {
      return {
        status: 'fail',
        dutLevelV: level,
        message: `The DUT's I/O runs at ${v(level)}, below the ${v(VIH_FRACTION * f)} that ${analyzer.model}'s ${f} V trigger input needs to see a high level.`,
        hint: `Put a level-shifter channel between the DUT's trigger pin and the analyzer, or run the DUT at ${v(VIH_FRACTION * f)} or more.`
      }
    }
    if (level > f + OVERDRIVE_MARGIN_V) {
      return {
        status: 'fail',
        dutLevelV: level,
        message: `The DUT's I/O runs at ${v(level)}, above what ${analyzer.model}'s ${f} V trigger input tolerates.`,
        hint: 'Put a level-shifter channel between the DUT and the analyzer.'
      }
    }
    const shaky = logic.verified ? null : `The input level (${f} V) is not confirmed by a source we read.`
    return { status: shaky ? 'warn' : 'pass', dutLevelV: level, message: `DUT I/O at ${v(level)} suits the ${f} V trigger input.${shaky ? ` ${shaky}` : ''}`, hint: shaky ? 'Check the analyzer manual.' : null }
  }
  if (level < logic.referenceMinV || level > logic.referenceMaxV) {
    return {
      status: 'fail',
      dutLevelV: level,
      message: `The DUT's I/O runs at ${v(level)}, outside the ${v(logic.referenceMinV)}–${v(logic.referenceMaxV)} logic reference ${analyzer.model} accepts.`,
      hint: 'Use a level shifter, or choose a supply voltage inside that span.'
    }
  }
  const refNote = logic.referenceRequired ? ` Wire its logic reference (${analyzer.terminals.logicReference}) to the DUT's I/O supply, or its inputs read nothing.` : ''
  return { status: 'pass', dutLevelV: level, message: `DUT I/O at ${v(level)} lies within ${analyzer.model}'s ${v(logic.referenceMinV)}–${v(logic.referenceMaxV)} logic reference.${refNote}`, hint: null }
}

/** Can the interface board and the DUT talk, directly or through the level shifter? */
export function serialLinkVerdict(
  iface: InterfaceBoardDefinition,
  shifter: LevelShifterDefinition | null,
  board: DutBoardDefinition,
  supplyV: number
): LogicVerdict & { needsShifter: boolean } {
  const level = dutIoLevelV(board, supplyV)
  const needsShifter = Math.abs(iface.logicLevelV - level) > 0.15
  if (!needsShifter) {
    return { status: 'pass', dutLevelV: level, needsShifter, message: `${iface.name} and the DUT both run at about ${v(level)}: wire the serial lines directly.`, hint: null }
  }
  if (!shifter) {
    return {
      status: 'fail',
      dutLevelV: level,
      needsShifter,
      message: `${iface.name} runs at ${v(iface.logicLevelV)} and the DUT at ${v(level)}: the serial lines need a level shifter.`,
      hint: 'Choose a level shifter in the wiring guide.'
    }
  }
  if (level < shifter.lowMinV || level > shifter.lowMaxV || iface.logicLevelV < shifter.highMinV || iface.logicLevelV > shifter.highMaxV) {
    return {
      status: 'fail',
      dutLevelV: level,
      needsShifter,
      message: `${shifter.name} takes ${v(shifter.lowMinV)}–${v(shifter.lowMaxV)} on its low side and ${v(shifter.highMinV)}–${v(shifter.highMaxV)} on its high side; here the DUT is at ${v(level)} and ${iface.name} at ${v(iface.logicLevelV)}.`,
      hint: 'Use a shifter whose sides cover both voltages (a TXB0108-class part for 1.2–3.6 V DUTs).'
    }
  }
  return { status: 'pass', dutLevelV: level, needsShifter, message: `${shifter.name} bridges ${v(level)} (DUT) and ${v(iface.logicLevelV)} (${iface.name}).`, hint: null }
}
