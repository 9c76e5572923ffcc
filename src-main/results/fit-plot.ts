import { meanResponse } from '../analysis/regression'
import type { TableFitResult } from './table-analysis'

/**
 * A fit plot described once — points per group, the fitted line, its confidence band, axes — so the
 * interactive uPlot view, the SVG export and the HTML report draw the same thing. Pure code.
 */

export type PlotTheme = 'light' | 'dark'

export interface PlotPoint {
  x: number
  y: number
  /** Line of the source file, for points read from a table. */
  line?: number
}

export interface PlotSeriesSpec {
  key: string
  label: string
  color: string
  points: PlotPoint[]
  /** The fitted line sampled across the group's x range (empty without a fit). */
  line: PlotPoint[]
  /** The confidence band of the line at the same x values (empty without standard errors). */
  band: Array<{ x: number; lower: number; upper: number }>
}

export interface FitPlotSpec {
  title: string
  xLabel: string
  yLabel: string
  /** SI units of the axes ("MAC" counts operations). */
  xUnit: string
  yUnit: string
  logX: boolean
  logY: boolean
  /** Confidence level of the band, e.g. 0.95. */
  level: number
  series: PlotSeriesSpec[]
}

/**
 * Group colours (Okabe–Ito, told apart with the common colour-vision deficiencies), with lighter
 * variants on dark backgrounds.
 */
export const GROUP_COLORS: Record<PlotTheme, string[]> = {
  light: ['#0072B2', '#D55E00', '#009E73', '#CC79A7', '#E69F00', '#56B4E9', '#8C564B', '#555555'],
  dark: ['#56B4E9', '#F28E4C', '#33C79A', '#E39AC8', '#F0C05A', '#9FD3F5', '#C49C94', '#BBBBBB']
}

export const PLOT_THEME_COLORS: Record<PlotTheme, { background: string; text: string; muted: string; grid: string; frame: string }> = {
  light: { background: '#ffffff', text: '#1d1f21', muted: '#62676d', grid: '#e4e4e0', frame: '#9a9ea3' },
  dark: { background: '#1d2024', text: '#e6e6e3', muted: '#9aa0a6', grid: '#33373d', frame: '#5c6168' }
}

const NAMES: Record<string, string> = {
  macs: 'MACs',
  energy: 'Energy',
  latency: 'Latency',
  power: 'Power',
  current: 'Current',
  voltage: 'Voltage',
  frequency: 'Frequency',
  // Fields of runs (results/runs-table.ts).
  params: 'Parameters',
  clockHz: 'Clock',
  netEnergy: 'Net energy',
  peakPower: 'Peak power',
  idlePower: 'Idle power',
  dutLatency: 'Latency (DUT timestamps)',
  weightBytes: 'Weights',
  peakActivationBytes: 'Peak activations',
  modelFileBytes: 'Model file',
  flashBytes: 'Flash',
  ramBytes: 'RAM'
}

/** The quantity's name for an axis, without unit (the axis adds it with the prefix it uses). */
export function axisLabel(name: string, column: string | null = null): string {
  const stage = /^stage\.(.+)\.(latency|energy)$/.exec(name)
  if (stage) return `${stage[1]} ${stage[2]}`
  return NAMES[name] ?? (column ? column.replace(/\s*[([][^()[\]]*[)\]]\s*$/, '') : name)
}

export interface FitPlotOptions {
  logX?: boolean
  logY?: boolean
  theme?: PlotTheme
  /** Samples of each line and band (default 60). */
  samples?: number
  title?: string
}

/** x values across [a, b]: evenly spaced, or by ratio on a log axis. */
function sampleXs(a: number, b: number, count: number, log: boolean): number[] {
  const k = Math.max(2, count)
  const out: number[] = []
  if (log && a > 0 && b > 0) {
    const la = Math.log(a)
    const lb = Math.log(b)
    for (let i = 0; i < k; i++) out.push(Math.exp(la + ((lb - la) * i) / (k - 1)))
  } else {
    for (let i = 0; i < k; i++) out.push(a + ((b - a) * i) / (k - 1))
  }
  return out
}

export function fitPlotSpec(fit: TableFitResult, options: FitPlotOptions = {}): FitPlotSpec {
  const logX = options.logX ?? false
  const logY = options.logY ?? false
  const colors = GROUP_COLORS[options.theme ?? 'light']
  const samples = options.samples ?? 60
  const series = fit.groups.map((g, i): PlotSeriesSpec => {
    const line: PlotPoint[] = []
    const band: PlotSeriesSpec['band'] = []
    if (g.fit) {
      for (const x of sampleXs(g.fit.xMin, g.fit.xMax, samples, logX)) {
        const r = meanResponse(g.fit, x)
        line.push({ x, y: r.y })
        if (r.lower !== null && r.upper !== null) band.push({ x, lower: r.lower, upper: r.upper })
      }
    }
    return { key: g.key, label: g.key, color: colors[i % colors.length], points: g.points.map((p) => ({ x: p.x, y: p.y, line: p.line })), line, band }
  })
  return {
    title: options.title ?? `${axisLabel(fit.y.name, fit.y.column)} against ${axisLabel(fit.x.name, fit.x.column)}${fit.group.length ? `, per ${fit.group.join(', ')}` : ''}`,
    xLabel: axisLabel(fit.x.name, fit.x.column),
    yLabel: axisLabel(fit.y.name, fit.y.column),
    xUnit: fit.xUnit,
    yUnit: fit.yUnit,
    logX,
    logY,
    level: fit.level,
    series
  }
}
