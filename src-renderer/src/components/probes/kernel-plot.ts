/**
 * The kernel-latency result as the shared fit plot draws it: one series per kernel kind, its calls as
 * points (instructions against MACs), the fitted line and its confidence band.
 */
import { meanResponse } from '../../../../src-main/analysis/regression'
import { GROUP_COLORS, type FitPlotSpec, type PlotTheme } from '../../../../src-main/results/fit-plot'
import type { KernelLatencyResult } from '../../../../src-main/api/contract'

const SAMPLES = 40

export function kernelPlotSpec(result: KernelLatencyResult, theme: PlotTheme): FitPlotSpec {
  const colors = GROUP_COLORS[theme]
  // Fitted kinds in the table's order, then any kind with too few calls to fit.
  const kinds = [...new Set([...result.fits.map((f) => f.kind), ...result.calls.map((c) => c.kind)])]
  const series = kinds.map((kind, i) => {
    const fit = result.fits.find((f) => f.kind === kind)?.fit
    const line: FitPlotSpec['series'][number]['line'] = []
    const band: FitPlotSpec['series'][number]['band'] = []
    if (fit) {
      for (let s = 0; s < SAMPLES; s++) {
        const x = fit.xMin + ((fit.xMax - fit.xMin) * s) / (SAMPLES - 1)
        const r = meanResponse(fit, x)
        line.push({ x, y: r.y })
        if (r.lower !== null && r.upper !== null) band.push({ x, lower: r.lower, upper: r.upper })
      }
    }
    return {
      key: kind,
      label: kind,
      color: colors[i % colors.length],
      points: result.calls.filter((c) => c.kind === kind).map((c) => ({ x: c.macs, y: c.count })),
      line,
      band
    }
  })
  return {
    title: `Instructions against MACs per kernel (${result.board})`,
    xLabel: 'MACs',
    yLabel: 'Instructions',
    xUnit: 'MAC',
    yUnit: '',
    logX: false,
    logY: false,
    level: result.fits[0]?.fit.level ?? 0.95,
    series
  }
}
