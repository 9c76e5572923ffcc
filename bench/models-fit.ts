/**
 * Table import and least-squares fits at the sizes a results view meets: the study's 64-row table,
 * and a synthetic 100,000-row sweep (CSV parse → column mapping with derived MACs → fit per group).
 * Best of several runs; the machine is shared, so treat the timings as upper bounds.
 *
 *   npx tsx bench/models-fit.ts
 */
import { readFileSync } from 'node:fs'
import { performance } from 'node:perf_hooks'
import { fitMappedTable } from '../src-main/analysis/regression-table'
import { parseCsv } from '../src-main/formats/table-csv'
import { applyTableMapping, type TableMapping } from '../src-main/formats/table-mapping'

function best<T>(runs: number, f: () => T): { s: number; value: T } {
  let bestS = Infinity
  let value!: T
  for (let r = 0; r < runs; r++) {
    const t0 = performance.now()
    value = f()
    bestS = Math.min(bestS, (performance.now() - t0) / 1000)
  }
  return { s: bestS, value }
}

const mapping: TableMapping = {
  columns: { energy: 'Consumption (J)', latency: 'Latency (s)', primitive: 'Layer type', cy: 'Filters' },
  base: { hy: 32, wy: 32, cx: 16, cy: 16, k: 3, g: 2 },
  exclude: { 'Layer type': ['AddConv'] }
}
const run = (text: string, source: string) => fitMappedTable(applyTableMapping(parseCsv(text, source), mapping), { x: 'macs', y: 'energy', group: ['DSP'], bandPoints: 50 })

const study = readFileSync('/work/shared/data/convolution-primitives/Filters_Latency_And_Energy.csv', 'utf8')
const small = best(20, () => run(study, 'study'))
console.log(`study table: ${small.value.rowsUsed} rows → ${small.value.groups.length} fits in ${(small.s * 1e3).toFixed(2)} ms`)

const types = ['Conv', 'GroupConv', 'DepthwiseConv', 'ShiftConv']
let seed = 1
const rand = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31)
const lines = ['DSP,Layer type,Filters,Latency (s),Consumption (J)']
for (let i = 0; i < 100_000; i++) {
  const filters = 4 + 2 * Math.floor(rand() * 30) // even, so the grouped layers (G = 2) divide
  lines.push(`${i % 3},${types[i % 4]},${filters},${(0.01 + rand() * 0.5).toFixed(6)},${(filters * 1e-4 * (1 + 0.05 * rand())).toExponential(6)}`)
}
const big = lines.join('\n')
const large = best(5, () => run(big, 'synthetic'))
console.log(
  `synthetic: ${large.value.rowsUsed.toLocaleString('en-US')} rows (${(big.length / 1e6).toFixed(1)} MB of CSV) → ${large.value.groups.length} fits in ${(large.s * 1e3).toFixed(0)} ms ` +
    `(${(large.value.rowsUsed / large.s / 1e6).toFixed(2)} M rows/s)`
)
