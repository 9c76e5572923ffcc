import { closeSync, openSync, rmSync, writeSync } from 'node:fs'
import type { RecordingStore } from '../store/recording-store'

export interface CsvExportOptions {
  fromS?: number
  toS?: number
  /** Decimate to this many rows (min, max and mean per row, from the summaries); full rate when left out. */
  widthRows?: number
}

export interface CsvExportResult {
  file: string
  rows: number
  decimated: boolean
  gapSamples: number
}

/** Shortest text that reads back as the same float32 (9 significant digits suffice). */
function f32(x: number): string {
  return String(Number(x.toPrecision(9)))
}
function seconds(x: number): string {
  return String(Number(x.toPrecision(12)))
}

/**
 * CSV of a window, SI units, times in seconds from the recording's start. Full rate writes one row per
 * sample and no rows for gap slots (the jump in time_s shows them); decimated writes min, max and mean
 * per row.
 */
export function exportCsv(store: RecordingStore, ref: string | number, out: string, options: CsvExportOptions = {}): CsvExportResult {
  const info = store.get(ref)
  const fromS = Math.max(0, options.fromS ?? 0)
  const toS = options.toS ?? store.durationS(info)
  const fd = openSync(out, 'w')
  let pending = ''
  const put = (line: string): void => {
    pending += line
    if (pending.length > 1 << 20) {
      writeSync(fd, pending)
      pending = ''
    }
  }
  let rows = 0
  const [a, b] = store.indexRange(info, fromS, toS)
  let gapSamples = 0
  try {
    if (options.widthRows !== undefined) {
      const v = store.view(info.id, fromS, toS, options.widthRows, 'current')
      put('time_s,current_min_A,current_max_A,current_mean_A\n')
      for (let i = 0; i < v.tS.length; i++) {
        if (Number.isNaN(v.mean[i])) continue
        put(`${seconds(v.tS[i])},${f32(v.min[i])},${f32(v.max[i])},${f32(v.mean[i])}\n`)
        rows++
      }
    } else {
      const ch = info.channels
      const period = info.samplePeriodS
      put(['time_s', 'current_A', ...(ch.voltage ? ['voltage_V', 'power_W'] : []), ...(ch.digital ? ['D0', 'D1', 'D2', 'D3', 'D4', 'D5', 'D6', 'D7'] : [])].join(',') + '\n')
      const reader = store.sampleReader(info)
      for (let s = a; s < b; s += 65536) {
        const e = Math.min(b, s + 65536)
        const part = reader.read(s, e)
        for (let i = 0; i < e - s; i++) {
          const c = part.currentA[i]
          if (c !== c) {
            gapSamples++
            continue
          }
          let line = `${seconds(part.timeS ? part.timeS[i] : (s + i) * period!)},${f32(c)}`
          if (part.voltageV) line += `,${f32(part.voltageV[i])},${f32(Math.fround(c * part.voltageV[i]))}`
          if (part.digital) {
            const d = part.digital[i]
            for (let k = 0; k < 8; k++) line += (d >> k) & 1 ? ',1' : ',0'
          }
          put(line + '\n')
          rows++
        }
      }
    }
    writeSync(fd, pending)
    closeSync(fd)
  } catch (e) {
    closeSync(fd)
    rmSync(out, { force: true })
    throw e
  }
  return { file: out, rows, decimated: options.widthRows !== undefined, gapSamples }
}
