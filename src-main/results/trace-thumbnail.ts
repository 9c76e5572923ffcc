import { PLOT_THEME_COLORS, type PlotTheme } from './fit-plot'
import { axisFormat } from '../units/si'
import { escapeXml, linearTicks } from './svg-plot'

/**
 * A run's trace as a small inline SVG for its report: the current's min/max envelope from the
 * recording's summary view (a few hundred columns, never the samples), with the idle window and the
 * inferences the analysis found shaded under it. Pure code.
 */

export interface ThumbnailView {
  fromS: number
  toS: number
  tS: ArrayLike<number>
  min: ArrayLike<number>
  max: ArrayLike<number>
}

export interface ThumbnailSpan {
  startS: number
  endS: number
  kind: 'idle' | 'window' | 'inference' | 'stage'
  role: 'measured' | 'warmup' | 'outside' | 'excluded'
}

export interface ThumbnailOptions {
  width?: number
  height?: number
  theme?: PlotTheme
  idPrefix?: string
  unit?: string
  label?: string
}

const n2 = (v: number) => String(Math.round(v * 100) / 100)

export function renderTraceThumbnailSvg(view: ThumbnailView, spans: readonly ThumbnailSpan[], options: ThumbnailOptions = {}): string {
  const width = options.width ?? 900
  const height = options.height ?? 220
  const theme = options.theme ?? 'light'
  const c = PLOT_THEME_COLORS[theme]
  const id = options.idPrefix ?? 'trace'
  const unit = options.unit ?? 'A'
  const cols: Array<{ t: number; lo: number; hi: number }> = []
  for (let i = 0; i < view.tS.length; i++) {
    const lo = view.min[i]
    const hi = view.max[i]
    if (Number.isFinite(lo) && Number.isFinite(hi)) cols.push({ t: view.tS[i], lo, hi })
  }
  const yMin = Math.min(0, ...cols.map((k) => k.lo))
  const yMax = Math.max(...cols.map((k) => k.hi), yMin + 1e-12)
  const yt = linearTicks(yMin, yMax, 4)
  const xt = linearTicks(view.fromS, view.toS, 8)
  const yf = axisFormat(options.label ?? 'Current', unit, Math.max(Math.abs(yt.min), Math.abs(yt.max)), false)
  const xf = axisFormat('Time', 's', Math.max(Math.abs(xt.min), Math.abs(xt.max)), false)
  const left = 56
  const plot = { x: left, y: 10, w: width - left - 12, h: height - 10 - 40 }
  const sx = (t: number) => plot.x + ((t - xt.min) / (xt.max - xt.min || 1)) * plot.w
  const sy = (v: number) => plot.y + plot.h - ((v - yt.min) / (yt.max - yt.min || 1)) * plot.h

  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" role="img" aria-labelledby="${id}-title" font-family="system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif" font-size="11">`,
    `<title id="${id}-title">${escapeXml(`${options.label ?? 'Current'} from ${view.fromS} s to ${view.toS} s`)}</title>`,
    `<defs><clipPath id="${id}-clip"><rect x="${n2(plot.x)}" y="${n2(plot.y)}" width="${n2(plot.w)}" height="${n2(plot.h)}"/></clipPath></defs>`,
    `<rect width="${width}" height="${height}" fill="${c.background}"/>`,
    `<g data-role="grid" stroke="${c.grid}">`,
    ...yt.ticks.map((t) => `<line x1="${n2(plot.x)}" y1="${n2(sy(t))}" x2="${n2(plot.x + plot.w)}" y2="${n2(sy(t))}"/>`),
    '</g>',
    `<g clip-path="url(#${id}-clip)">`
  ]
  // Spans under the trace: idle grey, measured inferences blue, warm-ups orange, strays red.
  const fill = (s: ThumbnailSpan) => (s.kind === 'idle' ? c.muted : s.role === 'warmup' ? '#E69F00' : s.role === 'outside' || s.role === 'excluded' ? '#D55E00' : '#0072B2')
  for (const s of spans) {
    if (s.kind !== 'idle' && s.kind !== 'inference') continue
    const x0 = sx(s.startS)
    const w = Math.max(0.6, sx(s.endS) - x0)
    out.push(`<rect data-role="span" data-kind="${s.kind}" data-span-role="${s.role}" x="${n2(x0)}" y="${n2(plot.y)}" width="${n2(w)}" height="${n2(plot.h)}" fill="${fill(s)}" fill-opacity="${s.kind === 'idle' ? 0.14 : 0.18}"/>`)
  }
  if (cols.length > 0) {
    const upper = cols.map((k) => `${n2(sx(k.t))},${n2(sy(k.hi))}`)
    const lower = cols.map((k) => `${n2(sx(k.t))},${n2(sy(k.lo))}`).reverse()
    out.push(`<polygon data-role="envelope" points="${[...upper, ...lower].join(' ')}" fill="${c.text}" fill-opacity="0.55" stroke="${c.text}" stroke-width="0.6"/>`)
  }
  out.push('</g>')
  out.push(`<rect x="${n2(plot.x)}" y="${n2(plot.y)}" width="${n2(plot.w)}" height="${n2(plot.h)}" fill="none" stroke="${c.frame}"/>`)
  out.push(`<g fill="${c.muted}" text-anchor="end">`, ...yt.ticks.map((t) => `<text x="${n2(plot.x - 5)}" y="${n2(sy(t) + 4)}">${escapeXml(yf.tick(t))}</text>`), '</g>')
  out.push(`<g fill="${c.muted}" text-anchor="middle">`, ...xt.ticks.map((t) => `<text x="${n2(sx(t))}" y="${n2(plot.y + plot.h + 14)}">${escapeXml(xf.tick(t))}</text>`), '</g>')
  out.push(`<text x="${n2(plot.x + plot.w / 2)}" y="${height - 6}" text-anchor="middle" fill="${c.text}">${escapeXml(xf.label)}</text>`)
  out.push(`<text transform="translate(12 ${n2(plot.y + plot.h / 2)}) rotate(-90)" text-anchor="middle" fill="${c.text}">${escapeXml(yf.label)}</text>`)
  out.push('</svg>')
  return out.join('\n')
}
