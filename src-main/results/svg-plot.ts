import { PLOT_THEME_COLORS, type FitPlotSpec, type PlotTheme } from './fit-plot'
import { axisFormat } from '../units/si'

/**
 * Our own small SVG renderer of a fit plot: the same points, lines and bands as the screen's plot, as
 * a vector file for papers and for the HTML report. Pure code (a string out), no DOM.
 */

export interface SvgPlotOptions {
  width?: number
  height?: number
  theme?: PlotTheme
  /** Prefix of element ids, so several plots can sit in one HTML page. */
  idPrefix?: string
  showTitle?: boolean
}

export interface AxisTicks {
  min: number
  max: number
  ticks: number[]
}

/** Ticks at 1, 2 or 5 × 10^k covering [min, max], about `target` of them; the axis runs tick to tick. */
export function linearTicks(min: number, max: number, target = 6): AxisTicks {
  if (!(Number.isFinite(min) && Number.isFinite(max))) return { min: 0, max: 1, ticks: [0, 0.5, 1] }
  if (min === max) {
    const pad = min === 0 ? 1 : Math.abs(min) * 0.1
    min -= pad
    max += pad
  }
  const raw = (max - min) / target
  const mag = 10 ** Math.floor(Math.log10(raw))
  const norm = raw / mag
  const step = (norm < 1.5 ? 1 : norm < 3 ? 2 : norm < 7 ? 5 : 10) * mag
  const lo = Math.floor(min / step + 1e-9)
  const hi = Math.ceil(max / step - 1e-9)
  const ticks: number[] = []
  for (let i = lo; i <= hi; i++) ticks.push(Number((i * step).toPrecision(12)))
  return { min: ticks[0], max: ticks[ticks.length - 1], ticks }
}

/** Decades covering [min, max] (min > 0), with 2 and 5 in between when the span is two decades or less. */
export function logTicks(min: number, max: number): AxisTicks {
  if (!(min > 0 && max > 0 && Number.isFinite(min) && Number.isFinite(max))) return { min: 1, max: 10, ticks: [1, 10] }
  const lo = Math.floor(Math.log10(min) + 1e-9)
  let hi = Math.ceil(Math.log10(max) - 1e-9)
  if (hi <= lo) hi = lo + 1
  const ticks: number[] = []
  for (let e = lo; e <= hi; e++) {
    ticks.push(Number((10 ** e).toPrecision(12)))
    if (hi - lo <= 2 && e < hi) ticks.push(Number((2 * 10 ** e).toPrecision(12)), Number((5 * 10 ** e).toPrecision(12)))
  }
  return { min: Number((10 ** lo).toPrecision(12)), max: Number((10 ** hi).toPrecision(12)), ticks }
}

export function escapeXml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!)
}

const n2 = (v: number) => String(Math.round(v * 100) / 100)

/** Everything drawn, for the axes' extent (values a log axis cannot show are left out). */
export function plotExtent(spec: FitPlotSpec, axis: 'x' | 'y'): [number, number] {
  const log = axis === 'x' ? spec.logX : spec.logY
  let lo = Infinity
  let hi = -Infinity
  const see = (v: number) => {
    if (!Number.isFinite(v) || (log && v <= 0)) return
    if (v < lo) lo = v
    if (v > hi) hi = v
  }
  for (const s of spec.series) {
    for (const p of s.points) see(p[axis])
    for (const p of s.line) see(p[axis])
    for (const b of s.band) {
      if (axis === 'x') see(b.x)
      else {
        see(b.lower)
        see(b.upper)
      }
    }
  }
  return lo <= hi ? [lo, hi] : log ? [1, 10] : [0, 1]
}

/** Rough text width for layout (no font metrics without a DOM): 0.6 em per character. */
const textWidth = (text: string, size: number) => text.length * size * 0.6

/** The axes both renderers draw: tick to tick over everything plotted. */
export function plotAxes(spec: FitPlotSpec): { xt: AxisTicks; yt: AxisTicks } {
  const [x0, x1] = plotExtent(spec, 'x')
  const [y0, y1] = plotExtent(spec, 'y')
  return { xt: spec.logX ? logTicks(x0, x1) : linearTicks(x0, x1), yt: spec.logY ? logTicks(y0, y1) : linearTicks(y0, y1) }
}

export function renderPlotSvg(spec: FitPlotSpec, options: SvgPlotOptions = {}): string {
  const width = options.width ?? 720
  const height = options.height ?? 440
  const theme = options.theme ?? 'light'
  const c = PLOT_THEME_COLORS[theme]
  const id = options.idPrefix ?? 'plot'
  const font = 12

  const { xt, yt } = plotAxes(spec)
  const xf = axisFormat(spec.xLabel, spec.xUnit, Math.max(Math.abs(xt.min), Math.abs(xt.max)), spec.logX)
  const yf = axisFormat(spec.yLabel, spec.yUnit, Math.max(Math.abs(yt.min), Math.abs(yt.max)), spec.logY)

  // Legend entries flow left to right and wrap; their rows set the top margin.
  const legend = [...spec.series.map((s) => ({ label: s.label, color: s.color, kind: 'series' as const })), { label: `${Math.round(spec.level * 100)} % confidence band`, color: c.muted, kind: 'band' as const }]
  const left = Math.max(...yt.ticks.map((t) => textWidth(yf.tick(t), font))) + 34
  const right = 18
  const items: Array<{ x: number; row: number; label: string; color: string; kind: 'series' | 'band' }> = []
  let lx = left
  let row = 0
  for (const e of legend) {
    const w = 22 + textWidth(e.label, font) + 16
    if (lx + w > width - right && lx > left) {
      row++
      lx = left
    }
    items.push({ x: lx, row, ...e })
    lx += w
  }
  const titleH = options.showTitle === false ? 0 : 26
  const top = 10 + titleH + (row + 1) * 18 + 6
  const bottom = 46
  const plot = { x: left, y: top, w: Math.max(40, width - left - right), h: Math.max(40, height - top - bottom) }

  const sx = (v: number) => {
    const t = spec.logX ? (Math.log10(v) - Math.log10(xt.min)) / (Math.log10(xt.max) - Math.log10(xt.min)) : (v - xt.min) / (xt.max - xt.min)
    return plot.x + t * plot.w
  }
  const sy = (v: number) => {
    const t = spec.logY ? (Math.log10(v) - Math.log10(yt.min)) / (Math.log10(yt.max) - Math.log10(yt.min)) : (v - yt.min) / (yt.max - yt.min)
    return plot.y + plot.h - t * plot.h
  }
  const okX = (v: number) => Number.isFinite(v) && (!spec.logX || v > 0)
  const okY = (v: number) => Number.isFinite(v) && (!spec.logY || v > 0)
  // A band edge below a log axis's reach is drawn at the axis floor rather than dropped.
  const clampY = (v: number) => (spec.logY && !(v > 0) ? yt.min : v)

  const out: string[] = []
  out.push(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" role="img" aria-labelledby="${id}-title" font-family="system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif" font-size="${font}">`,
    `<title id="${id}-title">${escapeXml(spec.title)}</title>`,
    `<defs><clipPath id="${id}-clip"><rect x="${n2(plot.x)}" y="${n2(plot.y)}" width="${n2(plot.w)}" height="${n2(plot.h)}"/></clipPath></defs>`,
    `<rect width="${width}" height="${height}" fill="${c.background}"/>`
  )
  if (titleH) out.push(`<text x="${n2(plot.x)}" y="24" font-size="14" font-weight="600" fill="${c.text}">${escapeXml(spec.title)}</text>`)

  out.push(`<g data-role="grid" stroke="${c.grid}" stroke-width="1">`)
  for (const t of xt.ticks) out.push(`<line x1="${n2(sx(t))}" y1="${n2(plot.y)}" x2="${n2(sx(t))}" y2="${n2(plot.y + plot.h)}"/>`)
  for (const t of yt.ticks) out.push(`<line x1="${n2(plot.x)}" y1="${n2(sy(t))}" x2="${n2(plot.x + plot.w)}" y2="${n2(sy(t))}"/>`)
  out.push('</g>')
  out.push(`<g data-role="x-ticks" fill="${c.muted}" text-anchor="middle">`)
  for (const t of xt.ticks) out.push(`<text x="${n2(sx(t))}" y="${n2(plot.y + plot.h + 16)}">${escapeXml(xf.tick(t))}</text>`)
  out.push('</g>')
  out.push(`<g data-role="y-ticks" fill="${c.muted}" text-anchor="end">`)
  for (const t of yt.ticks) out.push(`<text x="${n2(plot.x - 6)}" y="${n2(sy(t) + 4)}">${escapeXml(yf.tick(t))}</text>`)
  out.push('</g>')
  out.push(`<text data-role="x-label" x="${n2(plot.x + plot.w / 2)}" y="${n2(height - 10)}" text-anchor="middle" fill="${c.text}">${escapeXml(xf.label)}</text>`)
  out.push(
    `<text data-role="y-label" transform="translate(14 ${n2(plot.y + plot.h / 2)}) rotate(-90)" text-anchor="middle" fill="${c.text}">${escapeXml(yf.label)}</text>`
  )

  out.push(`<g clip-path="url(#${id}-clip)">`)
  for (const s of spec.series) {
    const band = s.band.filter((b) => okX(b.x))
    if (band.length >= 2) {
      const upper = band.map((b) => `${n2(sx(b.x))},${n2(sy(clampY(b.upper)))}`)
      const lower = band.map((b) => `${n2(sx(b.x))},${n2(sy(clampY(b.lower)))}`).reverse()
      out.push(`<polygon data-role="band" data-series="${escapeXml(s.key)}" points="${[...upper, ...lower].join(' ')}" fill="${s.color}" fill-opacity="0.16" stroke="none"/>`)
    }
  }
  for (const s of spec.series) {
    const line = s.line.filter((p) => okX(p.x) && okY(p.y))
    if (line.length >= 2) {
      out.push(`<polyline data-role="fit" data-series="${escapeXml(s.key)}" points="${line.map((p) => `${n2(sx(p.x))},${n2(sy(p.y))}`).join(' ')}" fill="none" stroke="${s.color}" stroke-width="2"/>`)
    }
  }
  for (const s of spec.series) {
    out.push(`<g data-role="points" data-series="${escapeXml(s.key)}" fill="${s.color}" stroke="${c.background}" stroke-width="0.8">`)
    for (const p of s.points) if (okX(p.x) && okY(p.y)) out.push(`<circle cx="${n2(sx(p.x))}" cy="${n2(sy(p.y))}" r="3.5"/>`)
    out.push('</g>')
  }
  out.push('</g>')
  out.push(`<rect data-role="plot-area" x="${n2(plot.x)}" y="${n2(plot.y)}" width="${n2(plot.w)}" height="${n2(plot.h)}" fill="none" stroke="${c.frame}" stroke-width="1"/>`)

  out.push(`<g data-role="legend" fill="${c.text}">`)
  for (const it of items) {
    const y = 10 + titleH + it.row * 18 + 9
    if (it.kind === 'series') {
      out.push(`<line x1="${n2(it.x)}" y1="${n2(y)}" x2="${n2(it.x + 16)}" y2="${n2(y)}" stroke="${it.color}" stroke-width="2"/>`)
      out.push(`<circle cx="${n2(it.x + 8)}" cy="${n2(y)}" r="3.5" fill="${it.color}"/>`)
    } else {
      out.push(`<rect x="${n2(it.x)}" y="${n2(y - 5)}" width="16" height="10" fill="${it.color}" fill-opacity="0.3"/>`)
    }
    out.push(`<text x="${n2(it.x + 22)}" y="${n2(y + 4)}">${escapeXml(it.label)}</text>`)
  }
  out.push('</g>')
  out.push('</svg>')
  return out.join('\n')
}

