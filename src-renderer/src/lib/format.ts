/** Engineering formatting for the UI (the shared SI formatter, plus seconds and percentages). */
import { formatSi as si } from '../../../src-main/units/si'

export { si }

/** Seconds for axis ticks and durations: "1.5 s", "250 ms", "12.5 µs". */
export function seconds(value: number, digits = 4): string {
  return si(value, 's', digits)
}

export function percent(fraction: number, digits = 1): string {
  return `${(fraction * 100).toFixed(digits)} %`
}
