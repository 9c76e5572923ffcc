import { PLOT_THEME_COLORS, type PlotTheme } from './fit-plot'
import type { StageBreakdown } from './runs-analysis'
import { axisFormat, formatSi } from '../units/si'
import { escapeXml, linearTicks } from './svg-plot'

/**
 * Stage breakdowns as horizontal stacked bars, one bar per run: where an inference's time or energy
 * goes (init, memory I/O, inference, post-processing — seed A found init and memory I/O often
 * dominate). Our own SVG, shared by the Results screen, the exports and the HTML report. Pure code.
 */

export const STAGE_NAMES: Record<string, string> = { init: 'Initialisation', memory: 'Memory I/O', inference: 'Inference', post: 'Post-processing' }

/** Stage colours (Okabe–Ito order, distinct from the group colours' first picks where it matters). */
const STAGE_COLORS: Record<PlotTheme, string[]> = {
  light: ['#E69F00', '#56B4E9', '#0072B2', '#009E73', '#CC79A7', '#D55E00', '#F0E442', '#555555'],
  dark: ['#F0C05A', '#9FD3F5', '#56B4E9', '#33C79A', '#E39AC8', '#F28E4C', '#F5EC8A', '#BBBBBB']
}

export function stageColor(stages: readonly string[], stage: string, theme: PlotTheme = 'light'): string {
  const c = STAGE_COLORS[theme]
  return c[Math.max(0, stages.indexOf(stage)) % c.length]
}

export function stageName(stage: string): string {
  return STAGE_NAMES[stage] ?? stage
}

export interface StageBarsOptions {
  quantity: 'latency' | 'energy'
  width?: number
  theme?: PlotTheme
  idPrefix?: string
  title?: string
}

const n2 = (v: number) => String(Math.round(v * 100) / 100)
const textWidth = (text: string, size: number) => text.length * size * 0.6

export function renderStageBarsSvg(b: StageBreakdown, options: StageBarsOptions): string {
  const theme = options.theme ?? 'light'
  const c = PLOT_THEME_COLORS[theme]
  const width = options.width ?? 720
  const id = options.idPrefix ?? 'stages'
  const font = 12
  const q = options.quantity
  const unit = q === 'latency' ? 's' : 'J'
  const pick = (bar: StageBreakdown['bars'][number]) => (q === 'latency' ? bar.latencyS : bar.energyJ)
  const total = (bar: StageBreakdown['bars'][number]) => (q === 'latency' ? bar.totalLatencyS : bar.totalEnergyJ)
  const title = options.title ?? `${q === 'latency' ? 'Latency' : 'Energy'} per inference by stage`

  const labels = b.bars.map((bar) => (bar.label.length > 42 ? `${bar.label.slice(0, 41)}…` : bar.label))
  const left = Math.min(320, Math.max(60, ...labels.map((l) => textWidth(l, font))) + 16)
  const right = 78
  const legendItems = b.stages.map((s) => ({ s, label: stageName(s) }))
  // Legend rows wrap like the fit plot's.
  const legend: Array<{ x: number; row: number; s: string; label: string }> = []
  let lx = left
  let row = 0
  for (const it of legendItems) {
    const w = 20 + textWidth(it.label, font) + 14
    if (lx + w > width - right && lx > left) {
      row++
      lx = left
    }
    legend.push({ x: lx, row, ...it })
    lx += w
  }
  const top = 36 + (row + 1) * 18
  const barH = 18
  const gap = 8
  const plotH = Math.max(1, b.bars.length) * (barH + gap)
  const height = top + plotH + 42
  const plot = { x: left, y: top, w: Math.max(40, width - left - right), h: plotH }
  const max = Math.max(0, ...b.bars.map(total))
  const ticks = linearTicks(0, max > 0 ? max : 1, 5)
  const fmt = axisFormat(q === 'latency' ? 'Latency per inference' : 'Energy per inference', unit, Math.max(Math.abs(ticks.min), Math.abs(ticks.max)), false)
  const sx = (v: number) => plot.x + ((v - ticks.min) / (ticks.max - ticks.min)) * plot.w

  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${n2(height)}" viewBox="0 0 ${width} ${n2(height)}" role="img" aria-labelledby="${id}-title" font-family="system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif" font-size="${font}" data-quantity="${q}">`,
    `<title id="${id}-title">${escapeXml(title)}</title>`,
    `<rect width="${width}" height="${n2(height)}" fill="${c.background}"/>`,
    `<text x="${n2(plot.x)}" y="22" font-size="14" font-weight="600" fill="${c.text}">${escapeXml(title)}</text>`
  ]
  out.push(`<g data-role="legend" fill="${c.text}">`)
  for (const it of legend) {
    const y = 36 + it.row * 18
    out.push(`<rect x="${n2(it.x)}" y="${n2(y - 6)}" width="14" height="12" fill="${stageColor(b.stages, it.s, theme)}"/>`)
    out.push(`<text x="${n2(it.x + 20)}" y="${n2(y + 4)}">${escapeXml(it.label)}</text>`)
  }
  out.push('</g>')
  out.push(`<g data-role="grid" stroke="${c.grid}">`)
  for (const t of ticks.ticks) out.push(`<line x1="${n2(sx(t))}" y1="${n2(plot.y)}" x2="${n2(sx(t))}" y2="${n2(plot.y + plot.h)}"/>`)
  out.push('</g>')
  out.push(`<g data-role="x-ticks" fill="${c.muted}" text-anchor="middle">`)
  for (const t of ticks.ticks) out.push(`<text x="${n2(sx(t))}" y="${n2(plot.y + plot.h + 16)}">${escapeXml(fmt.tick(t))}</text>`)
  out.push('</g>')
  out.push(`<text data-role="x-label" x="${n2(plot.x + plot.w / 2)}" y="${n2(height - 8)}" text-anchor="middle" fill="${c.text}">${escapeXml(fmt.label)}</text>`)

  b.bars.forEach((bar, i) => {
    const y = plot.y + i * (barH + gap) + gap / 2
    out.push(`<g data-role="bar" data-run="${bar.runId ?? ''}">`)
    out.push(`<text x="${n2(plot.x - 8)}" y="${n2(y + barH / 2 + 4)}" text-anchor="end" fill="${c.text}">${escapeXml(labels[i])}</text>`)
    let x0 = 0
    for (const s of b.stages) {
      const v = pick(bar)[s]
      if (v === undefined || !(v > 0)) continue
      const tip = `${stageName(s)}: ${formatSi(v, unit, 3)} (${((v / total(bar)) * 100).toFixed(1)} %)`
      out.push(`<rect data-stage="${escapeXml(s)}" x="${n2(sx(x0))}" y="${n2(y)}" width="${n2(Math.max(0.5, sx(x0 + v) - sx(x0)))}" height="${barH}" fill="${stageColor(b.stages, s, theme)}"><title>${escapeXml(tip)}</title></rect>`)
      x0 += v
    }
    out.push(`<text x="${n2(sx(x0) + 6)}" y="${n2(y + barH / 2 + 4)}" fill="${c.muted}">${escapeXml(formatSi(total(bar), unit, 3))}</text>`)
    out.push('</g>')
  })
  out.push(`<rect data-role="plot-area" x="${n2(plot.x)}" y="${n2(plot.y)}" width="${n2(plot.w)}" height="${n2(plot.h)}" fill="none" stroke="${c.frame}"/>`)
  out.push('</svg>')
  return out.join('\n')
}
