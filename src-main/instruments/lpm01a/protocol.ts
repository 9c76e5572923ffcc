/**
 * Facts about the X-NUCLEO-LPM01A ("PowerShield") host protocol that both sides of the link share:
 * the codec, the driver and the emulator read their limits from here so they cannot drift apart.
 * Sources: UM2243/UM2269 as summarised in the command table embedded in mlcommons/tiny
 * power_manager_lpm.py, cross-checked with zissis-pap/x-nucleo-lpm01a-gui (see the lpm01a README notes
 * in each file where a fact is our own judgment).
 */

/** Nominal CDC-ACM line rate; the board ignores it (USB), but some hosts insist on setting one. */
export const LPM01A_BAUD = 3_686_400

/** USB identity of the board's virtual COM port. */
export const LPM01A_USB = { vendorId: 0x0483, productId: 0x5740, product: 'PowerShield Virtual ComPort' } as const

/** Printed by the board's command interpreter in front of every reply line. */
export const PROMPT = 'PowerShield > '

/** The only sampling rates `freq` accepts, in hertz, with the token the board expects. */
export const FREQUENCIES_HZ = [100_000, 50_000, 20_000, 10_000, 5_000, 2_000, 1_000, 500, 200, 100, 50, 20, 10, 5, 2, 1] as const
export type Lpm01aFrequencyHz = (typeof FREQUENCIES_HZ)[number]

export const SUPPLY_MIN_V = 1.8
export const SUPPLY_MAX_V = 3.3
export const DEFAULT_SUPPLY_V = 3.3

/** `acqtime` accepts 100 µs … 100 s, or 0/`inf` for an unlimited acquisition. */
export const ACQTIME_MIN_S = 100e-6
export const ACQTIME_MAX_S = 100

/** `trigdelay` accepts 0 … 30 s with 1 ms resolution. */
export const TRIGDELAY_MAX_S = 30

/** `currthres` accepts 100 nA … 50 mA, or 0 to disable. */
export const CURRTHRES_MIN_A = 100e-9
export const CURRTHRES_MAX_A = 50e-3

/** `targrst` accepts 10 ms … 1 s, or 0 to leave the target powered down. */
export const TARGRST_MIN_S = 10e-3
export const TARGRST_MAX_S = 1

/** Energy output integrates over one sample period and is limited to 10 kHz (100 µs periods). */
export const ENERGY_MAX_HZ = 10_000

/**
 * ascii_dec costs ~9 bytes a sample, so the board limits it (table "maximum acquisition time … for a
 * baudrate of 3686400"): unlimited up to 5 kHz, 1 s at 10 kHz, 0.5 s at 20 kHz, never faster.
 * bin_hexa (2 bytes a sample) is unlimited up to 100 kHz.
 */
export function asciiDecMaxAcqtimeS(freqHz: number): number {
  if (freqHz <= 5_000) return Infinity
  if (freqHz <= 10_000) return 1
  if (freqHz <= 20_000) return 0.5
  return 0
}

/** Dynamic-mode measurement range and accuracy (UM2243): 100 nA … 50 mA, about ±2 %. */
export const DYNAMIC_RANGE = { minA: 100e-9, maxA: 50e-3, accuracyFraction: 0.02 } as const
/** Static-mode range (loads varying < 10 %): 1 nA … 200 mA, < 2 %. */
export const STATIC_RANGE = { minA: 1e-9, maxA: 200e-3, accuracyFraction: 0.02 } as const

/** Overcurrent protection (UM2243): trips at 59 mA; spikes up to 75 mA are tolerated. */
export const OVERCURRENT_TRIP_A = 59e-3
export const OVERCURRENT_SPIKE_A = 75e-3

/** Binary metadata frames: `F0 <type> … FF FF` (zissis-pap/x-nucleo-lpm01a-gui core/data_parser.py). */
export const FRAME_START = 0xf0
export const FRAME_END = 0xff
export const FrameType = {
  error: 0xf1,
  info: 0xf2,
  timestamp: 0xf3,
  end: 0xf4,
  overcurrent: 0xf5,
  targetPoweredDown: 0xf6,
  voltage: 0xf7
} as const

/** Bit 31 of a timestamp frame's millisecond field flags that the board's transmit buffer overflowed. */
export const TIMESTAMP_OVERFLOW_BIT = 0x8000_0000

export type Lpm01aFormat = 'ascii_dec' | 'bin_hexa'
export type Lpm01aOutput = 'current' | 'energy'
