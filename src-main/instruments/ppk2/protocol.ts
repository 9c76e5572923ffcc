/**
 * The PPK2's command bytes and sample-word layout (reference/ppk2.md §2.2, §2.6).
 *
 * Commands are an opcode followed by fixed arguments, with no framing and no checksum; only
 * GetMetadata is answered. Once streaming starts the device sends nothing but 4-byte sample words.
 */

export const PPK2_OPCODE = {
  averageStart: 0x06,
  averageStop: 0x07,
  deviceRunningSet: 0x0c,
  regulatorSet: 0x0d,
  setPowerMode: 0x11,
  getMetadata: 0x19,
  reset: 0x20,
  setUserGains: 0x25
} as const

/** Fixed by the device: one sample every 10 µs, current and D0–D7 together. */
export const PPK2_SAMPLE_PERIOD_S = 10e-6
export const PPK2_SAMPLE_RATE_HZ = 100_000
export const PPK2_RANGE_COUNT = 5
/** The regulator's span; the app enforces the same limits. */
export const PPK2_MIN_SUPPLY_MV = 800
export const PPK2_MAX_SUPPLY_MV = 5000

export type Ppk2PowerMode = 'ampere' | 'source'

/** Thrown for arguments the device cannot take; names the limit so the caller can show it as is. */
export class Ppk2ArgumentError extends RangeError {
  constructor(message: string) {
    super(message)
    this.name = 'Ppk2ArgumentError'
  }
}

export function encodeGetMetadata(): Uint8Array {
  return Uint8Array.of(PPK2_OPCODE.getMetadata)
}

export function encodeAverageStart(): Uint8Array {
  return Uint8Array.of(PPK2_OPCODE.averageStart)
}

export function encodeAverageStop(): Uint8Array {
  return Uint8Array.of(PPK2_OPCODE.averageStop)
}

export function encodeReset(): Uint8Array {
  return Uint8Array.of(PPK2_OPCODE.reset)
}

/** Regulator voltage as a big-endian uint16 of millivolts (3300 mV → 0x0D 0x0C 0xE4). */
export function encodeRegulatorSet(supplyMv: number): Uint8Array {
  if (!Number.isInteger(supplyMv) || supplyMv < PPK2_MIN_SUPPLY_MV || supplyMv > PPK2_MAX_SUPPLY_MV) {
    throw new Ppk2ArgumentError(
      `PPK2 supply voltage must be a whole number of millivolts from ${PPK2_MIN_SUPPLY_MV} to ${PPK2_MAX_SUPPLY_MV} mV, got ${supplyMv}.`
    )
  }
  return Uint8Array.of(PPK2_OPCODE.regulatorSet, supplyMv >> 8, supplyMv & 0xff)
}

/** 1 = ampere meter (external supply), 2 = source meter (the PPK2 powers the DUT). */
export function encodeSetPowerMode(mode: Ppk2PowerMode): Uint8Array {
  return Uint8Array.of(PPK2_OPCODE.setPowerMode, mode === 'ampere' ? 1 : 2)
}

/** Connects (1) or disconnects (0) the DUT supply. */
export function encodeDeviceRunningSet(dutPowerOn: boolean): Uint8Array {
  return Uint8Array.of(PPK2_OPCODE.deviceRunningSet, dutPowerOn ? 1 : 0)
}

/** Range byte, then the gain as a little-endian float32 (the app sends host byte order, little-endian in practice). */
export function encodeSetUserGains(range: number, gain: number): Uint8Array {
  if (!Number.isInteger(range) || range < 0 || range >= PPK2_RANGE_COUNT) {
    throw new Ppk2ArgumentError(`PPK2 range must be 0 to ${PPK2_RANGE_COUNT - 1}, got ${range}.`)
  }
  if (!Number.isFinite(gain) || gain <= 0) {
    throw new Ppk2ArgumentError(`PPK2 user gain must be a positive number, got ${gain}.`)
  }
  const bytes = new Uint8Array(6)
  bytes[0] = PPK2_OPCODE.setUserGains
  bytes[1] = range
  new DataView(bytes.buffer).setFloat32(2, gain, true)
  return bytes
}

/*
 * Sample word, read as a little-endian uint32:
 *   bits 0–13 ADC value, 14–16 range, 17 unused, 18–23 rolling counter, 24–31 D0–D7 (bit 24 = D0).
 */
export const WORD_ADC_MASK = 0x3fff
export const WORD_RANGE_SHIFT = 14
export const WORD_RANGE_MASK = 0x7
export const WORD_COUNTER_SHIFT = 18
export const WORD_COUNTER_MASK = 0x3f
export const WORD_LOGIC_SHIFT = 24
export const COUNTER_MODULUS = 64

export interface Ppk2SampleFields {
  /** The 14-bit ADC field as sent (the conversion multiplies it by 4). */
  adc: number
  range: number
  counter: number
  /** D0–D7, bit n = Dn. */
  logic: number
}

export function unpackSampleWord(word: number): Ppk2SampleFields {
  return {
    adc: word & WORD_ADC_MASK,
    range: (word >>> WORD_RANGE_SHIFT) & WORD_RANGE_MASK,
    counter: (word >>> WORD_COUNTER_SHIFT) & WORD_COUNTER_MASK,
    logic: word >>> WORD_LOGIC_SHIFT
  }
}

export function packSampleWord(fields: Ppk2SampleFields): number {
  return (
    ((fields.adc & WORD_ADC_MASK) |
      ((fields.range & WORD_RANGE_MASK) << WORD_RANGE_SHIFT) |
      ((fields.counter & WORD_COUNTER_MASK) << WORD_COUNTER_SHIFT) |
      ((fields.logic & 0xff) << WORD_LOGIC_SHIFT)) >>>
    0
  )
}
