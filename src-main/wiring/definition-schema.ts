/**
 * The shape of the analyzer and board definition files in resources/analyzers and resources/boards.
 * They are data, not code, so a user can add a board without building anything; they are validated
 * here at load time so a typo gives an error naming the file and the field, never a broken diagram.
 *
 * Pins are referred to as "connector.pin" (e.g. "logic.D0", "cn14.3"); every reference must resolve
 * to a pin declared in the same file. Facts that no public source we read confirms carry
 * `verified: false` and a note: the guide shows them as "check this on your board".
 */
import { z } from 'zod'

export const WIRING_METHODS = ['source-meter', 'ampere-meter', 'mlperf-energy'] as const
export type WiringMethod = (typeof WIRING_METHODS)[number]

const id = z.string().regex(/^[a-z0-9][a-z0-9-]*$/, 'lower-case letters, digits and dashes')
const pinRef = z.string().regex(/^[A-Za-z0-9_-]+\.[A-Za-z0-9_+-]+$/, 'a pin reference "connector.pin"')
const volts = z.number().finite().nonnegative()
const amps = z.number().finite().nonnegative()

const source = z
  .object({
    /** Which facts this source backs (a field name or a short phrase). */
    about: z.string().min(1),
    /** Document, repository path or page. */
    ref: z.string().min(1)
  })
  .strict()

/** Marks a fact as not confirmed by a source we read, with what to check. */
const verifiable = {
  verified: z.boolean().default(true),
  note: z.string().optional()
}

const pin = z
  .object({
    id: z.string().regex(/^[A-Za-z0-9_+-]+$/, 'letters, digits, _ + -'),
    label: z.string().min(1),
    ...verifiable
  })
  .strict()

const connector = z
  .object({
    id: z.string().regex(/^[A-Za-z0-9_-]+$/),
    label: z.string().min(1),
    pins: z.array(pin).min(1)
  })
  .strict()

const currentRange = z
  .object({
    index: z.number().int().nonnegative(),
    label: z.string().min(1),
    minA: amps,
    maxA: amps,
    /** Smallest step the range resolves, where stated. */
    resolutionA: amps.nullable(),
    /** Stated accuracy as a fraction of reading; null where no source states one. */
    accuracyFraction: z.number().positive().max(1).nullable(),
    /** True when the stated figure is "typical" rather than guaranteed. */
    typical: z.boolean().default(false),
    ...verifiable
  })
  .strict()

const limit = z.object({ value: z.number().finite().positive(), ...verifiable }).strict()

export const analyzerDefinitionSchema = z
  .object({
    kind: z.literal('analyzer'),
    /** The driver family this definition describes (`ppk2`, `lpm01a`, `js220` …). */
    id,
    model: z.string().min(1),
    vendor: z.string().min(1),
    methods: z.array(z.enum(WIRING_METHODS)).min(1),
    connectors: z.array(connector).min(1),
    /** Which pin plays which part in a wiring; null where the analyzer has no such terminal. */
    terminals: z
      .object({
        /** Where the analyzer's own regulated, measured supply comes out (source meter). */
        supplyOut: pinRef.nullable(),
        /** Where an external supply goes in (ampere meter); the measured current leaves through supplyOut. */
        supplyIn: pinRef.nullable(),
        /** The same voltage as supplyOut but not measured: for level shifters in MLPerf energy mode. */
        unmeasuredSupply: pinRef.nullable(),
        ground: pinRef,
        /** Where an external supply's ground returns (JS220 IN−; PPK2 GND); null without an ampere-meter mode. */
        supplyReturn: pinRef.nullable(),
        /** The digital input that sees the DUT's trigger/timestamp line. */
        triggerIn: pinRef.nullable(),
        /** Where the logic inputs take their reference voltage from the DUT, if they need one. */
        logicReference: pinRef.nullable(),
        logicGround: pinRef.nullable()
      })
      .strict(),
    supply: z
      .object({
        minV: volts,
        maxV: volts,
        /** Current the analyzer can source or carry before it trips or is damaged. */
        maxCurrentA: limit,
        /** Where the analyzer trips (LPM01A: 59 mA), if stated. */
        overcurrentTripA: limit.nullable()
      })
      .strict(),
    logic: z
      .object({
        channels: z.number().int().nonnegative(),
        /** Range of logic reference voltages the inputs accept (PPK2: 1.65–5.5 V through its level shifter). */
        referenceMinV: volts,
        referenceMaxV: volts,
        /** The inputs read nothing sensible until the reference pin is wired (PPK2 VCC). */
        referenceRequired: z.boolean(),
        /** Fixed input level when the inputs take no reference (LPM01A D7 is 3.3 V logic). */
        fixedLevelV: volts.nullable(),
        ...verifiable
      })
      .strict(),
    /** Measures its output voltage (so "supply present" is read, not inferred from current). */
    measuresVoltage: z.boolean(),
    ranges: z.array(currentRange).min(1),
    /** PPK2: per-range user gains the device stores and the official app keeps within these bounds. */
    userGains: z.object({ min: z.number().positive(), max: z.number().positive() }).strict().nullable(),
    notes: z.array(z.string()).default([]),
    sources: z.array(source).min(1)
  })
  .strict()

const dutBoard = z
  .object({
    kind: z.literal('dut'),
    id,
    name: z.string().min(1),
    mcu: z.string().min(1),
    /** Which study or benchmark used the board, for the picker. */
    usedBy: z.array(z.string()).default([]),
    connectors: z.array(connector).min(1),
    supply: z
      .object({
        /** Where the measured supply goes in (the MCU side of the IDD jumper, or a supply pin). */
        pin: pinRef,
        /** The board's own supply on the other side of the jumper, for ampere-meter wiring; null if none. */
        boardSourcePin: pinRef.nullable(),
        nominalV: volts,
        minV: volts,
        maxV: volts,
        /** The MCU's I/O runs straight from this supply, so its logic level is the supply voltage. */
        ioLevelFollowsSupply: z.boolean(),
        ...verifiable
      })
      .strict(),
    ground: pinRef,
    /** A pin at the MCU's I/O voltage, for a logic-reference wire when the I/O does not follow the supply. */
    ioReferencePin: pinRef.nullable(),
    jumpers: z
      .array(
        z
          .object({
            ref: z.string().min(1),
            label: z.string().min(1),
            action: z.enum(['remove', 'fit']),
            why: z.string().min(1),
            ...verifiable
          })
          .strict()
      )
      .default([]),
    trigger: z
      .object({
        pin: pinRef,
        /** The MCU's own name for the pin (PA8, P0_5 …). */
        mcuPin: z.string().nullable(),
        /** Edge the firmware marks inferences with (MLPerf: falling, held ≥ 1 µs). */
        edge: z.enum(['falling', 'rising', 'both']),
        ...verifiable
      })
      .strict(),
    uart: z.object({ tx: pinRef, rx: pinRef, ...verifiable }).strict().nullable(),
    logicLevelV: volts,
    /** What the board draws: below idleMinA it is not powered; above runMaxA something is wrong. */
    expectedCurrentA: z.object({ idleMin: amps, runMax: amps, ...verifiable }).strict(),
    notes: z.array(z.string()).default([]),
    sources: z.array(source).min(1)
  })
  .strict()

const interfaceBoard = z
  .object({
    kind: z.literal('interface'),
    id,
    name: z.string().min(1),
    connectors: z.array(connector).min(1),
    supplyOut: pinRef,
    ground: pinRef,
    /** Host → DUT serial line (the interface board transmits). */
    toDut: pinRef,
    /** DUT → host serial line (the interface board receives). */
    fromDut: pinRef,
    /** Optional timestamp input (UNO D3; required with instruments that cannot time-stamp edges). */
    timestampIn: pinRef.nullable(),
    logicLevelV: volts,
    notes: z.array(z.string()).default([]),
    sources: z.array(source).min(1)
  })
  .strict()

const levelShifter = z
  .object({
    kind: z.literal('level-shifter'),
    id,
    name: z.string().min(1),
    connectors: z.array(connector).min(1),
    highSupply: pinRef,
    lowSupply: pinRef,
    ground: pinRef,
    /** Channel pairs, high side and low side, in order. */
    channels: z.array(z.object({ high: pinRef, low: pinRef }).strict()).min(1),
    lowMinV: volts,
    lowMaxV: volts,
    highMinV: volts,
    highMaxV: volts,
    notes: z.array(z.string()).default([]),
    sources: z.array(source).min(1)
  })
  .strict()

export const boardDefinitionSchema = z.discriminatedUnion('kind', [dutBoard, interfaceBoard, levelShifter])

export type AnalyzerDefinition = z.output<typeof analyzerDefinitionSchema>
export type BoardDefinition = z.output<typeof boardDefinitionSchema>
export type DutBoardDefinition = Extract<BoardDefinition, { kind: 'dut' }>
export type InterfaceBoardDefinition = Extract<BoardDefinition, { kind: 'interface' }>
export type LevelShifterDefinition = Extract<BoardDefinition, { kind: 'level-shifter' }>
export type AnyDefinition = AnalyzerDefinition | BoardDefinition
export type PinDefinition = z.output<typeof pin>
export type ConnectorDefinition = z.output<typeof connector>
export type RangeDefinition = z.output<typeof currentRange>
