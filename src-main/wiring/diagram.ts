/**
 * A wiring plan drawn as one self-contained SVG: a box per part, a labelled wire from pin to pin,
 * coloured by role. Deterministic (same plan, same bytes) so it can be cached, diffed and tested.
 *
 * Colours come from CSS custom properties with light defaults and a prefers-color-scheme: dark
 * override, so the drawing reads on both themes; a host with its own theme switch sets --jb-fg,
 * --jb-supply, --jb-ground, --jb-signal, --jb-reference on an ancestor.
 */
import type { PartId, PlanPin, PlanWire, WiringPlan } from './plan'

const BOX_W = 230
const GAP_W = 170
const MARGIN = 24
const TOP = 64
const HEAD_H = 46
const ROW_H = 22
const LANE_H = 14
const LABEL_MAX = 30

interface PinSlot {
  ref: string
  label: string
  verified: boolean
  y: number
}

interface Box {
  part: PartId
  column: number
  x: number
  y: number
  h: number
  title: string
  subtitle: string
  pins: PinSlot[]
}

export function escapeXml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;')
}

function clip(s: string, n = LABEL_MAX): string {
  return s.length > n ? `${s.slice(0, n - 1)}…` : s
}

export function jumperName(j: { ref: string; label: string }): string {
  return j.ref === j.label ? j.ref : `${j.ref} (${j.label})`
}

const r1 = (n: number) => Math.round(n * 10) / 10

function layoutBoxes(plan: WiringPlan): Map<PartId, Box> {
  const boxes = new Map<PartId, Box>()
  plan.parts.forEach((p, column) => {
    const pins: PinSlot[] = []
    const add = (pin: PlanPin) => {
      if (pin.part !== p.id || pins.some((s) => s.ref === pin.ref)) return
      pins.push({ ref: pin.ref, label: pin.label, verified: pin.verified, y: 0 })
    }
    for (const w of plan.wires) {
      add(w.from)
      add(w.to)
    }
    const x = MARGIN + column * (BOX_W + GAP_W)
    pins.forEach((s, i) => (s.y = TOP + HEAD_H + i * ROW_H + ROW_H / 2))
    boxes.set(p.id, { part: p.id, column, x, y: TOP, h: HEAD_H + pins.length * ROW_H + 10, title: p.title, subtitle: p.subtitle, pins })
  })
  return boxes
}

interface Route {
  wire: PlanWire
  d: string
  ends: [number, number, number, number]
  labelX: number
  labelY: number
  anchor: 'start' | 'end'
}

function routeWires(plan: WiringPlan, boxes: Map<PartId, Box>): { routes: Route[]; bottom: number } {
  const boxBottom = Math.max(...[...boxes.values()].map((b) => b.y + b.h))
  // Each gap between columns gives every wire crossing it its own vertical channel.
  const gapUsers = new Map<number, string[]>()
  const use = (gap: number, id: string) => gapUsers.set(gap, [...(gapUsers.get(gap) ?? []), id])
  const long: string[] = []
  for (const w of plan.wires) {
    const a = boxes.get(w.from.part)!.column
    const b = boxes.get(w.to.part)!.column
    const lo = Math.min(a, b)
    const hi = Math.max(a, b)
    if (hi - lo === 1) use(lo, w.id)
    else {
      use(a < b ? a : a - 1, `${w.id}:out`)
      use(a < b ? b - 1 : b, `${w.id}:in`)
      long.push(w.id)
    }
  }
  const channelX = (gap: number, key: string) => {
    const users = gapUsers.get(gap)!
    const left = MARGIN + gap * (BOX_W + GAP_W) + BOX_W
    return left + ((users.indexOf(key) + 1) * GAP_W) / (users.length + 1)
  }
  const routes: Route[] = []
  // Several wires can leave one pin on the same side: stack their numbers so they stay readable.
  const labelsAt = new Map<string, number>()
  for (const w of plan.wires) {
    const A = boxes.get(w.from.part)!
    const B = boxes.get(w.to.part)!
    const rightward = A.column < B.column
    const ya = A.pins.find((p) => p.ref === w.from.ref)!.y
    const yb = B.pins.find((p) => p.ref === w.to.ref)!.y
    const xa = rightward ? A.x + BOX_W : A.x
    const xb = rightward ? B.x : B.x + BOX_W
    let d: string
    if (Math.abs(A.column - B.column) === 1) {
      const cx = channelX(Math.min(A.column, B.column), w.id)
      d = `M${r1(xa)} ${r1(ya)} H${r1(cx)} V${r1(yb)} H${r1(xb)}`
    } else {
      const lane = boxBottom + 22 + long.indexOf(w.id) * LANE_H
      const c1 = channelX(rightward ? A.column : A.column - 1, `${w.id}:out`)
      const c2 = channelX(rightward ? B.column - 1 : B.column, `${w.id}:in`)
      d = `M${r1(xa)} ${r1(ya)} H${r1(c1)} V${r1(lane)} H${r1(c2)} V${r1(yb)} H${r1(xb)}`
    }
    const at = `${w.from.part}:${w.from.ref}:${rightward}`
    const nth = labelsAt.get(at) ?? 0
    labelsAt.set(at, nth + 1)
    const shift = 6 + nth * 24
    routes.push({ wire: w, d, ends: [xa, ya, xb, yb], labelX: xa + (rightward ? shift : -shift), labelY: ya - 4, anchor: rightward ? 'start' : 'end' })
  }
  return { routes, bottom: boxBottom + 22 + long.length * LANE_H }
}

const STYLE = `
.jb-wiring{color:var(--jb-fg,#1f2328);font-family:system-ui,-apple-system,"Segoe UI",sans-serif;font-size:12px}
.jb-wiring text{fill:currentColor}
.jb-wiring .box{fill:currentColor;fill-opacity:.05;stroke:currentColor;stroke-opacity:.55;stroke-width:1.2}
.jb-wiring .title{font-weight:600;font-size:13px}
.jb-wiring .sub,.jb-wiring .note{fill-opacity:.7;font-size:11px}
.jb-wiring .pin{font-size:11px}
.jb-wiring .pin.unverified{font-style:italic}
.jb-wiring .dot{fill:currentColor}
.jb-wiring .wire path,.jb-wiring .key{fill:none;stroke-width:2.4;stroke-linejoin:round}
.jb-wiring .wire.optional path,.jb-wiring .key.optional{stroke-dasharray:6 4}
.jb-wiring .role-supply{stroke:var(--jb-supply,#d9480f)}
.jb-wiring .role-ground{stroke:var(--jb-ground,#6c757d)}
.jb-wiring .role-signal{stroke:var(--jb-signal,#1971c2)}
.jb-wiring .role-reference{stroke:var(--jb-reference,#9c36b5)}
.jb-wiring .wid{font-size:10px;font-weight:600}
.jb-wiring .jumper{fill:var(--jb-supply,#d9480f);font-size:11px;font-weight:600}
@media (prefers-color-scheme:dark){.jb-wiring{color:var(--jb-fg,#e6edf3)}
.jb-wiring .role-supply{stroke:var(--jb-supply,#ff8787)}
.jb-wiring .role-ground{stroke:var(--jb-ground,#adb5bd)}
.jb-wiring .role-signal{stroke:var(--jb-signal,#74c0fc)}
.jb-wiring .role-reference{stroke:var(--jb-reference,#e599f7)}
.jb-wiring .jumper{fill:var(--jb-supply,#ff8787)}}
`.trim()

const METHOD_NAMES: Record<WiringPlan['method'], string> = {
  'source-meter': 'source meter',
  'ampere-meter': 'ampere meter',
  'mlperf-energy': 'MLPerf Tiny energy mode'
}

/** Draw a plan. Pure: the SVG names every wire (data-wire, data-role, data-from, data-to) for tests and tooling. */
export function renderWiringSvg(plan: WiringPlan): string {
  const boxes = layoutBoxes(plan)
  const { routes, bottom } = routeWires(plan, boxes)
  const width = MARGIN * 2 + plan.parts.length * BOX_W + (plan.parts.length - 1) * GAP_W
  const out: string[] = []
  const dut = boxes.get('dut')
  const jumperLines = plan.jumpers.filter((j) => j.action === 'remove')
  let y = Math.max(bottom, dut ? dut.y + dut.h + 18 + jumperLines.length * 15 : 0) + 18

  out.push(`<text class="title" x="${MARGIN}" y="26">${escapeXml(`Wiring: ${plan.analyzerId} → ${plan.boardId}, ${METHOD_NAMES[plan.method]}, ${plan.supplyV} V`)}</text>`)
  out.push(`<text class="sub" x="${MARGIN}" y="44">${escapeXml('Make the wires in the order numbered. Italic pins with ? are not confirmed by a source: check them on your board.')}</text>`)

  for (const b of boxes.values()) {
    out.push(`<g class="part" data-part="${b.part}">`)
    out.push(`<rect class="box" x="${b.x}" y="${b.y}" width="${BOX_W}" height="${b.h}" rx="8"/>`)
    out.push(`<text class="title" x="${b.x + 10}" y="${b.y + 18}">${escapeXml(clip(b.title, 28))}</text>`)
    out.push(`<text class="sub" x="${b.x + 10}" y="${b.y + 34}">${escapeXml(clip(b.subtitle, 36))}</text>`)
    for (const p of b.pins) {
      const label = `${clip(p.label)}${p.verified ? '' : ' ?'}`
      out.push(`<text class="pin${p.verified ? '' : ' unverified'}" data-pin="${escapeXml(p.ref)}" x="${b.x + 12}" y="${r1(p.y + 4)}">${escapeXml(label)}</text>`)
    }
    out.push('</g>')
  }
  if (dut) {
    jumperLines.forEach((j, i) => {
      out.push(`<text class="jumper" data-jumper="${escapeXml(j.ref)}" x="${dut.x}" y="${dut.y + dut.h + 16 + i * 15}">${escapeXml(`Remove ${jumperName(j)}${j.verified ? '' : ' ?'}`)}</text>`)
    })
  }

  for (const r of routes) {
    const w = r.wire
    out.push(
      `<g class="wire role-${w.role}${w.optional ? ' optional' : ''}" data-wire="${w.id}" data-role="${w.role}" data-from="${w.from.part}:${escapeXml(w.from.ref)}" data-to="${w.to.part}:${escapeXml(w.to.ref)}">`
    )
    out.push(`<title>${escapeXml(`${w.id}: ${w.label}`)}</title>`)
    out.push(`<path class="role-${w.role}" d="${r.d}"/>`)
    out.push(`<text class="wid" x="${r1(r.labelX)}" y="${r1(r.labelY)}" text-anchor="${r.anchor}">${w.id}</text>`)
    out.push('</g>')
  }
  // Pin dots go over the wires so each end is visible.
  for (const { ends } of routes) {
    const [x1, y1, x2, y2] = ends.map(r1)
    out.push(`<circle class="dot" cx="${x1}" cy="${y1}" r="3.2"/><circle class="dot" cx="${x2}" cy="${y2}" r="3.2"/>`)
  }

  out.push(`<g class="legend">`)
  out.push(`<text class="title" x="${MARGIN}" y="${y}">Wires</text>`)
  y += 8
  for (const w of plan.wires) {
    y += 18
    out.push(`<line class="key role-${w.role}${w.optional ? ' optional' : ''}" x1="${MARGIN}" y1="${y - 4}" x2="${MARGIN + 28}" y2="${y - 4}"/>`)
    const text = `${w.id}  ${w.from.label} → ${w.to.label}: ${w.label}${w.optional ? ' (optional)' : ''}`
    out.push(`<text class="pin" x="${MARGIN + 36}" y="${y}">${escapeXml(text)}</text>`)
  }
  for (const warning of plan.warnings) {
    y += 18
    out.push(`<text class="jumper" x="${MARGIN}" y="${y}">${escapeXml(`⚠ ${warning}`)}</text>`)
  }
  out.push('</g>')
  const height = y + MARGIN
  const legendWidth = Math.max(...plan.wires.map((w) => (w.from.label.length + w.to.label.length + w.label.length + 12) * 6.2), 0) + MARGIN * 2 + 36
  const totalW = Math.ceil(Math.max(width, legendWidth, 520))
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" class="jb-wiring" width="${totalW}" height="${Math.ceil(height)}" viewBox="0 0 ${totalW} ${Math.ceil(height)}" role="img" aria-label="${escapeXml(`Wiring diagram: ${plan.analyzerId} to ${plan.boardId}, ${METHOD_NAMES[plan.method]}`)}">`,
    `<style>${STYLE}</style>`,
    ...out,
    '</svg>'
  ].join('\n')
}
