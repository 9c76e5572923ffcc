import type { Gap, Mark } from '../capture/sample-block'
import type { TraceReader, TraceSamples } from './trace-reader'

export interface ArrayTraceInput {
  samplePeriodS: number
  currentA: ArrayLike<number>
  voltageV?: ArrayLike<number>
  digital?: ArrayLike<number>
  supplyV?: number | null
  gaps?: Gap[]
  marks?: Mark[]
}

/**
 * A recording held in plain arrays: for tests, benchmarks and small imports. Slots inside a gap read
 * as NaN current whatever the input array holds there, exactly as the recording store reads them.
 */
export function arrayTrace(input: ArrayTraceInput): TraceReader {
  const n = input.currentA.length
  for (const [name, arr] of [
    ['voltageV', input.voltageV],
    ['digital', input.digital]
  ] as const) {
    if (arr && arr.length !== n) throw new Error(`arrayTrace: ${name} has ${arr.length} samples, currentA has ${n}.`)
  }
  if (!(input.samplePeriodS > 0)) throw new Error(`arrayTrace: samplePeriodS must be > 0, got ${input.samplePeriodS}.`)
  const currentA = Float32Array.from(input.currentA)
  const gaps = [...(input.gaps ?? [])].sort((a, b) => a.startIndex - b.startIndex)
  for (const g of gaps) currentA.fill(NaN, Math.max(0, g.startIndex), Math.min(n, g.startIndex + g.count))
  const voltageV = input.voltageV ? Float32Array.from(input.voltageV) : undefined
  const digital = input.digital ? Uint8Array.from(input.digital) : undefined
  const marks = [...(input.marks ?? [])].sort((a, b) => a.index - b.index)
  return {
    samplePeriodS: input.samplePeriodS,
    sampleCount: n,
    supplyV: input.supplyV ?? null,
    read(start: number, end: number): TraceSamples {
      const s = Math.max(0, Math.min(n, start))
      const e = Math.max(s, Math.min(n, end))
      return {
        currentA: currentA.slice(s, e),
        voltageV: voltageV?.slice(s, e),
        digital: digital?.slice(s, e)
      }
    },
    gaps: () => gaps.map((g) => ({ ...g })),
    marks: () => marks.map((m) => ({ ...m }))
  }
}
