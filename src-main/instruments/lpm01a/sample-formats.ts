/**
 * The LPM01A's two sample encodings and its number syntax, both directions.
 *
 * ascii_dec: one sample per line, `DDDD±EE` = DDDD × 10^±EE (`6409-07` = 640.9 µA).
 * bin_hexa:  one big-endian 16-bit word per sample: high nibble n = negative power of 16, low 12 bits v,
 *            value = v × 16^−n (`0x52A0` = 0x2A0 × 16^−5 = 640.9 µA). n = 15 never occurs in a sample:
 *            a 0xFx first byte belongs to a metadata frame.
 * The value is amperes in `output current` and joules per sample period in `output energy`.
 */

export const ASCII_SAMPLE_PATTERN = /^(\d{4})([+-])(\d{2})$/

/** The 4-digit mantissa/exponent text for a value, with the exponent chosen to keep 4 significant digits. */
export function encodeAsciiDec(value: number): string {
  if (!(value > 0) || !Number.isFinite(value)) return '0000+00'
  let e = Math.floor(Math.log10(value)) - 3
  let m = scaleByPow10(value, -e)
  if (m >= 9999.5) {
    e += 1
    m = scaleByPow10(value, -e)
  } else if (m < 999.5) {
    e -= 1
    m = scaleByPow10(value, -e)
  }
  if (e > 99) return '9999+99'
  if (e < -99) return '0000+00'
  const mantissa = Math.round(m)
  return `${String(mantissa).padStart(4, '0')}${e < 0 ? '-' : '+'}${String(Math.abs(e)).padStart(2, '0')}`
}

/** value × 10^k with the power of ten kept exact (an integer) so the rounding happens once. */
function scaleByPow10(value: number, k: number): number {
  return k >= 0 ? value * 10 ** k : value / 10 ** -k
}

export interface AsciiDecSample {
  mantissa: number
  exponent: number
  value: number
}

/** Parses `DDDD±EE`; null for anything else (the caller counts it as an anomaly). */
export function decodeAsciiDec(text: string): AsciiDecSample | null {
  const m = ASCII_SAMPLE_PATTERN.exec(text)
  if (!m) return null
  const mantissa = Number(m[1])
  const exponent = (m[2] === '-' ? -1 : 1) * Number(m[3])
  return { mantissa, exponent, value: scaleByPow10(mantissa, exponent) }
}

/**
 * ascii_dec samples kept losslessly in a 32-bit raw word: mantissa << 8 | sign << 7 | |exponent|.
 * (bin_hexa raw words are the board's 16-bit words unchanged.)
 */
export function packAsciiRaw(mantissa: number, exponent: number): number {
  return ((mantissa << 8) | (exponent < 0 ? 0x80 : 0) | Math.abs(exponent)) >>> 0
}

export function unpackAsciiRaw(raw: number): { mantissa: number; exponent: number } {
  const magnitude = raw & 0x7f
  return { mantissa: raw >>> 8, exponent: raw & 0x80 ? -magnitude : magnitude }
}

const POW16 = Array.from({ length: 16 }, (_, n) => 16 ** n)

/** The board's word for a value: the largest power of 16 that still fits the value in 12 bits. */
export function encodeHexaWord(value: number): number {
  if (!(value > 0) || !Number.isFinite(value)) return 0
  if (value >= 4095) return 0x0fff
  let n = 14
  while (n > 0 && value * POW16[n] >= 4095.5) n--
  const v = Math.round(value * POW16[n])
  return (n << 12) | v
}

/** Value of a 16-bit sample word; NaN for a word whose high nibble is 0xF (reserved for metadata). */
export function decodeHexaWord(word: number): number {
  const n = (word >>> 12) & 0xf
  if (n === 0xf) return NaN
  return (word & 0xfff) / POW16[n]
}

/** Decodes a raw word kept by the store back to amperes or joules, whichever format recorded it. */
export function decodeRawSample(raw: number, format: 'ascii_dec' | 'bin_hexa'): number {
  if (format === 'bin_hexa') return decodeHexaWord(raw)
  const { mantissa, exponent } = unpackAsciiRaw(raw)
  return scaleByPow10(mantissa, exponent)
}

/**
 * Command arguments: digits with an optional unit letter (n, u, m, k) or a two-digit power of ten
 * (`2m` = `2-3` = 0.002). Returns null when the token is not a number in that syntax.
 */
export function parseLpmNumber(token: string): number | null {
  const m = /^(\d+(?:\.\d+)?)(?:([numk])|([+-])(\d{1,2}))?$/.exec(token)
  if (!m) return null
  const base = Number(m[1])
  if (m[2]) return scaleByPow10(base, { n: -9, u: -6, m: -3, k: 3 }[m[2] as 'n' | 'u' | 'm' | 'k'])
  if (m[3]) return scaleByPow10(base, (m[3] === '-' ? -1 : 1) * Number(m[4]))
  return base
}

/** The shortest exact token for a value: `3300m`, `100u`, `10`, `1k`; exponent form as a last resort. */
export function formatLpmNumber(value: number): string {
  if (value === 0) return '0'
  const units: Array<[string, number]> = [
    ['k', 3],
    ['', 0],
    ['m', -3],
    ['u', -6],
    ['n', -9]
  ]
  for (const [suffix, power] of units) {
    const scaled = scaleByPow10(value, -power)
    const whole = Math.round(scaled)
    if (whole >= 1 && Math.abs(scaled - whole) <= 1e-9 * whole) return `${whole}${suffix}`
  }
  return encodeAsciiDec(value)
}
