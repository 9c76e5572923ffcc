import { parseCsv, parseNumberCell, type CsvTable } from '../formats/table-csv'

/**
 * Arm Vela's per-network summary CSV (`<network>_summary_<system config>.csv`, written next to the
 * optimised model): one header row and one row per compiled configuration. Vela writes memory use in
 * KiB, bandwidths in GB/s (GiB/s since the release that renamed npu_clock to core_clock), clocks in Hz,
 * times in seconds, traffic in bytes and TOPS in 10^12 op/s; here everything is in bytes, Hz, s, B/s.
 * Columns that a Vela version does not write are null; unknown columns are kept as text in `columns`.
 */

export interface VelaMemoryTraffic {
  featureMapReadBytes: number | null
  featureMapWriteBytes: number | null
  weightReadBytes: number | null
  weightWriteBytes: number | null
  totalBytes: number | null
}

export const VELA_MEMORY_AREAS = ['sram', 'dram', 'on_chip_flash', 'off_chip_flash'] as const
export type VelaMemoryArea = (typeof VELA_MEMORY_AREAS)[number]

export interface VelaConfigurationSummary {
  network: string
  acceleratorConfiguration: string
  systemConfig: string
  memoryMode: string | null
  coreClockHz: number | null
  inferenceTimeS: number | null
  inferencesPerSecond: number | null
  batchSize: number | null
  /** Neural-network MACs as Vela counts them (`nn_macs`). */
  macs: number | null
  /** Estimated cycles by kind: npu, sram_access, dram_access, …, total. */
  cycles: Record<string, number>
  memoryUsedBytes: Record<VelaMemoryArea, number | null>
  traffic: Record<VelaMemoryArea, VelaMemoryTraffic>
  bandwidthBytesPerS: Record<VelaMemoryArea, number | null>
  originalWeightsBytes: number | null
  npuEncodedWeightsBytes: number | null
  weightsStorageArea: string | null
  featureMapStorageArea: string | null
  passesBeforeFusing: number | null
  passesAfterFusing: number | null
  /** Every column as written, for anything not lifted out above. */
  columns: Record<string, string>
}

export interface VelaSummary {
  kind: 'vela-summary'
  configurations: VelaConfigurationSummary[]
}

export class VelaSummaryError extends Error {
  constructor(
    message: string,
    readonly file: string
  ) {
    super(message)
    this.name = 'VelaSummaryError'
  }
}

const REQUIRED = ['network', 'accelerator_configuration', 'inference_time'] as const

export function isVelaSummaryHeader(header: readonly string[]): boolean {
  return REQUIRED.every((c) => header.includes(c))
}

export function readVelaSummaryCsv(text: string, file = 'summary.csv'): VelaSummary {
  const table = parseCsv(text, file, ',')
  return velaSummaryFromTable(table)
}

export function velaSummaryFromTable(table: CsvTable): VelaSummary {
  const missing = REQUIRED.filter((c) => !table.header.includes(c))
  if (missing.length > 0) {
    throw new VelaSummaryError(
      `${table.source} is not a Vela summary CSV: expected the columns ${REQUIRED.join(', ')}, but ${missing.join(', ')} ${missing.length > 1 ? 'are' : 'is'} missing (found: ${table.header.slice(0, 6).join(', ')}${table.header.length > 6 ? ', …' : ''}). Pass the *_summary_*.csv file Vela writes.`,
      table.source
    )
  }
  if (table.rows.length === 0) {
    throw new VelaSummaryError(`${table.source} has a Vela header but no configuration rows; re-run Vela with --output-dir to regenerate it.`, table.source)
  }
  const gib = table.header.includes('core_clock') ? 1024 ** 3 : 1e9
  return {
    kind: 'vela-summary',
    configurations: table.rows.map((row) => {
      const columns: Record<string, string> = {}
      table.header.forEach((h, i) => (columns[h] = row[i]))
      const num = (c: string): number | null => (c in columns ? parseNumberCell(columns[c]) : null)
      const text = (c: string): string | null => (c in columns && columns[c].trim() !== '' ? columns[c].trim() : null)
      const scaled = (c: string, factor: number): number | null => {
        const v = num(c)
        return v === null ? null : v * factor
      }
      const cycles: Record<string, number> = {}
      for (const h of table.header) {
        if (!h.startsWith('cycles_')) continue
        const v = num(h)
        if (v !== null) cycles[h.slice('cycles_'.length)] = v
      }
      const perArea = <T>(f: (a: VelaMemoryArea) => T) =>
        Object.fromEntries(VELA_MEMORY_AREAS.map((a) => [a, f(a)])) as Record<VelaMemoryArea, T>
      return {
        network: text('network') ?? '',
        acceleratorConfiguration: text('accelerator_configuration') ?? '',
        systemConfig: text('system_config') ?? '',
        memoryMode: text('memory_mode'),
        coreClockHz: num('core_clock') ?? num('npu_clock'),
        inferenceTimeS: num('inference_time'),
        inferencesPerSecond: num('inferences_per_second'),
        batchSize: num('batch_size'),
        macs: num('nn_macs'),
        cycles,
        memoryUsedBytes: perArea((a) => scaled(`${a}_memory_used`, 1024)),
        traffic: perArea((a) => ({
          featureMapReadBytes: num(`${a}_feature_map_read_bytes`),
          featureMapWriteBytes: num(`${a}_feature_map_write_bytes`),
          weightReadBytes: num(`${a}_weight_read_bytes`),
          weightWriteBytes: num(`${a}_weight_write_bytes`),
          totalBytes: num(`${a}_total_bytes`)
        })),
        bandwidthBytesPerS: perArea((a) => scaled(`${a}_bandwidth`, gib)),
        originalWeightsBytes: num('total_original_weights'),
        npuEncodedWeightsBytes: num('total_npu_encoded_weights'),
        weightsStorageArea: text('weights_storage_area'),
        featureMapStorageArea: text('feature_map_storage_area'),
        passesBeforeFusing: num('passes_before_fusing'),
        passesAfterFusing: num('passes_after_fusing'),
        columns
      }
    })
  }
}
