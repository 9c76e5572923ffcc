/**
 * The Results area at the sizes it meets: the convolution study's 56-row table and a synthetic
 * 5,000-row sweep, through the API as the screen calls it (import → open → fit → compare → report),
 * with the sizes of what travels and what is saved: reply bytes, SVG bytes per drawn point, HTML
 * report bytes. Best of several runs; the machine is shared, so treat timings as upper bounds.
 *
 *   npx tsx bench/results-report.ts
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { performance } from 'node:perf_hooks'
import { JoulebenchCore } from '../src-main/api/core'
import { encodeMessage } from '../src-main/api/wire'
import { fitPlotSpec } from '../src-main/results/fit-plot'
import { renderPlotSvg } from '../src-main/results/svg-plot'
import type { TableFitResult } from '../src-main/results/table-analysis'

const dir = mkdtempSync(join(tmpdir(), 'jb-bench-results-'))
const core = new JoulebenchCore({ dbPath: join(dir, 'w.db'), host: 'test', discovery: { listSerialPorts: async () => [], listUsbDevices: async () => [] } })

let id = 1
async function call(method: string, params: unknown): Promise<{ result: any; bytes: number }> {
  const reply = await core.handle({ id: id++, method, params })
  if (!reply.ok) throw new Error(`${method}: ${reply.error.message}`)
  const wire = encodeMessage(reply)
  return { result: reply.result, bytes: typeof wire === 'string' ? Buffer.byteLength(wire) : wire.byteLength }
}

async function best(runs: number, f: () => Promise<unknown>): Promise<number> {
  let b = Infinity
  for (let r = 0; r < runs; r++) {
    const t0 = performance.now()
    await f()
    b = Math.min(b, performance.now() - t0)
  }
  return b
}

const mapping = {
  columns: { energy: 'Consumption (J)', latency: 'Latency (s)', primitive: 'Layer type', cy: 'Filters' },
  base: { hy: 32, wy: 32, cx: 16, cy: 16, k: 3, g: 2 }
}
const notAdd = { 'Layer type': ['Conv', 'GroupConv', 'DepthwiseConv', 'ShiftConv'] }

async function measure(label: string, name: string, text: string, runs: number) {
  const { result: imported } = await call('results.importTable', { name, text })
  const tableId = imported.table.id
  await call('results.saveMapping', { id: tableId, mapping })
  const open = { id: tableId, filter: notAdd, limit: 5000 }
  const fitParams = { id: tableId, x: 'macs', y: 'energy', group: ['DSP'], filter: notAdd }
  const compareParams = { id: tableId, group: ['DSP'], filter: notAdd, pairBy: ['Layer type', 'Filters'] }
  const reportParams = { id: tableId, plots: [{ x: 'macs', y: 'energy' }, { x: 'macs', y: 'latency' }], group: ['DSP'], filter: notAdd, compare: { pairBy: ['Layer type', 'Filters'] } }

  const o = await call('results.openTable', open)
  const f = await call('results.fit', fitParams)
  const c = await call('results.compare', compareParams)
  const r = await call('results.report', reportParams)
  const fit = f.result as TableFitResult
  const spec = fitPlotSpec(fit)
  const svg = renderPlotSvg(spec)
  const points = spec.series.reduce((s, g) => s + g.points.length, 0)

  console.log(`${label}: ${imported.table.rowCount} rows (${(text.length / 1024).toFixed(0)} KiB of text), ${o.result.rowCount} after the filter`)
  console.log(`  open (mapped rows + categories)   ${(await best(runs, () => call('results.openTable', open))).toFixed(2)} ms   reply ${(o.bytes / 1024).toFixed(1)} KiB (${(o.bytes / o.result.rows.length).toFixed(0)} B/row)`)
  console.log(`  fit (3 groups, 50-point bands)   ${(await best(runs, () => call('results.fit', fitParams))).toFixed(2)} ms   reply ${(f.bytes / 1024).toFixed(1)} KiB`)
  console.log(`  compare (paired ratios)           ${(await best(runs, () => call('results.compare', compareParams))).toFixed(2)} ms   reply ${(c.bytes / 1024).toFixed(1)} KiB`)
  console.log(`  HTML report (2 plots, all rows)   ${(await best(runs, () => call('results.report', reportParams))).toFixed(2)} ms   ${(r.result.html.length / 1024).toFixed(1)} KiB`)
  console.log(`  SVG plot                          ${(svg.length / 1024).toFixed(1)} KiB for ${points} points + ${spec.series.length} lines and bands of ${spec.series[0].line.length} samples (${((svg.length - renderPlotSvg({ ...spec, series: [] }).length) / points).toFixed(0)} B per point, lines and bands included)`)
  for (const g of fit.groups) console.log(`    ${g.key}: slope ${(g.fit!.slope * 1e9).toFixed(3)} nJ/MAC, R² ${g.fit!.r2!.toFixed(3)}`)
}

const study = readFileSync('/work/shared/data/convolution-primitives/Filters_Latency_And_Energy.csv', 'utf8')
await measure('convolution study, filters sweep', 'Filters_Latency_And_Energy.csv', study, 20)

// A synthetic sweep of the same shape: 5,000 rows, energy ∝ MACs (21, 6.4, 2.9 nJ/MAC) with ±2.5 % noise.
let seed = 7
const rand = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31)
const types = ['Conv', 'GroupConv', 'DepthwiseConv', 'ShiftConv']
const lines = ['DSP,Layer type,Filters,Latency (s),Consumption (J)']
for (let i = 0; i < 5000; i++) {
  const dsp = i % 3
  const type = types[Math.floor(rand() * 4)]
  const filters = [4, 8, 16, 32, 64][Math.floor(rand() * 5)]
  // The study's MAC formulas on its base layer (32×32 output, C_x = 16, K = 3, G = 2), C_y swept.
  const macs = { Conv: 1024 * 9 * 16 * filters, GroupConv: (1024 * 9 * 16 * filters) / 2, DepthwiseConv: 1024 * 16 * (9 + filters), ShiftConv: 1024 * 16 * filters }[type]!
  const perMac = [21e-9, 6.4e-9, 2.9e-9][dsp]
  lines.push(`${dsp},${type},${filters},${(macs * perMac * 17 * (1 + 0.05 * (rand() - 0.5))).toPrecision(6)},${(macs * perMac * (1 + 0.05 * (rand() - 0.5))).toPrecision(6)}`)
}
await measure('synthetic sweep', 'synthetic.csv', lines.join('\n'), 5)

core.close()
rmSync(dir, { recursive: true, force: true })
