import { describe, expect, it } from 'vitest'
import type { FitPlotSpec } from '../../src-main/results/fit-plot'
import { linearTicks, logTicks, renderPlotSvg } from '../../src-main/results/svg-plot'

/** A small well-formedness check: tags balance, attribute values and text hold no raw < or stray &. */
function checkXml(svg: string): void {
  const stack: string[] = []
  const re = /<[^>]*>|[^<]+/g
  for (const m of svg.match(re) ?? []) {
    if (!m.startsWith('<')) {
      expect(m).not.toMatch(/&(?!amp;|lt;|gt;|quot;|#39;)/)
      continue
    }
    expect(m).not.toMatch(/&(?!amp;|lt;|gt;|quot;|#39;)/)
    const name = /^<\/?([A-Za-z][\w:-]*)/.exec(m)?.[1]
    expect(name, `tag ${m}`).toBeTruthy()
    if (m.startsWith('</')) expect(stack.pop()).toBe(name)
    else if (!m.endsWith('/>')) stack.push(name!)
    // Attribute values are quoted and hold no raw quote or angle bracket.
    const attrs = m.replace(/^<\/?[\w:-]+/, '').replace(/\/?>$/, '')
    expect(attrs.replace(/\s*[\w:-]+="[^"<>]*"/g, '').trim(), `attributes of ${m}`).toBe('')
  }
  expect(stack).toEqual([])
}

function numbersOf(svg: string, tag: string, role: string, attrs: string[]): number[][] {
  const out: number[][] = []
  const block = svg.split('\n')
  for (const line of block) {
    if (!line.startsWith(`<${tag} `) || (role && !line.includes(`data-role="${role}"`))) continue
    out.push(attrs.map((a) => Number(new RegExp(`${a}="([^"]+)"`).exec(line)![1])))
  }
  return out
}

const spec = (over: Partial<FitPlotSpec> = {}): FitPlotSpec => ({
  title: 'Energy against MACs',
  xLabel: 'MACs',
  yLabel: 'Energy',
  xUnit: 'MAC',
  yUnit: 'J',
  logX: false,
  logY: false,
  level: 0.95,
  series: [
    {
      key: 'a',
      label: 'a',
      color: '#0072B2',
      points: [
        { x: 0, y: 0 },
        { x: 5, y: 40 },
        { x: 10, y: 100 }
      ],
      line: [
        { x: 0, y: 0 },
        { x: 10, y: 100 }
      ],
      band: [
        { x: 0, lower: 0, upper: 10 },
        { x: 10, lower: 90, upper: 100 }
      ]
    }
  ],
  ...over
})

describe('axis ticks', () => {
  it('puts linear ticks at 1, 2 or 5 × 10^k and runs the axis tick to tick', () => {
    expect(linearTicks(0.3, 9.7)).toEqual({ min: 0, max: 10, ticks: [0, 2, 4, 6, 8, 10] })
    expect(linearTicks(0.0012, 0.0987).ticks).toEqual([0, 0.02, 0.04, 0.06, 0.08, 0.1])
    expect(linearTicks(-3, 3).ticks).toEqual([-3, -2, -1, 0, 1, 2, 3])
    // A single value still gets an axis around it.
    const one = linearTicks(5, 5)
    expect(one.min).toBeLessThan(5)
    expect(one.max).toBeGreaterThan(5)
  })

  it('puts log ticks at decades, with 2 and 5 when the span is two decades or less', () => {
    expect(logTicks(3e5, 4.7e6)).toEqual({ min: 1e5, max: 1e7, ticks: [1e5, 2e5, 5e5, 1e6, 2e6, 5e6, 1e7] })
    expect(logTicks(2e-4, 3e1).ticks).toEqual([1e-4, 1e-3, 1e-2, 1e-1, 1, 10, 100])
    expect(logTicks(1, 1)).toEqual({ min: 1, max: 10, ticks: [1, 2, 5, 10] })
  })
})

describe('SVG fit plot', () => {
  it('places each point by the axes it draws', () => {
    const svg = renderPlotSvg(spec(), { width: 600, height: 400 })
    checkXml(svg)
    const [[ax, ay, aw, ah]] = numbersOf(svg, 'rect', 'plot-area', ['x', 'y', 'width', 'height'])
    // x runs 0…10 and y 0…100 (nice bounds of the data): map each point independently.
    const expected = [
      [0, 0],
      [5, 40],
      [10, 100]
    ].map(([x, y]) => [ax + (x / 10) * aw, ay + ah - (y / 100) * ah])
    const circles = svg.split('<g data-role="points"')[1].split('</g>')[0]
    const got = [...circles.matchAll(/cx="([^"]+)" cy="([^"]+)"/g)].map((m) => [Number(m[1]), Number(m[2])])
    expect(got).toHaveLength(3)
    got.forEach(([cx, cy], i) => {
      expect(cx).toBeCloseTo(expected[i][0], 1)
      expect(cy).toBeCloseTo(expected[i][1], 1)
    })
    // The band is a closed outline: upper edge left to right, lower edge back.
    const band = /data-role="band"[^>]*points="([^"]+)"/.exec(svg)![1].split(' ').map((p) => p.split(',').map(Number))
    expect(band).toHaveLength(4)
    expect(band[0][1]).toBeCloseTo(ay + ah - 0.1 * ah, 1)
    expect(band[3][1]).toBeCloseTo(ay + ah, 1)
    // Linear MAC axis: one power of ten in the label; energy in a prefixed unit.
    expect(svg).toContain('>MACs<')
    expect(svg).toContain('>Energy (J)<')
  })

  it('names the axis prefix on linear axes and each tick on log axes', () => {
    const small = spec({
      series: [{ ...spec().series[0], points: [{ x: 1e6, y: 0.002 }, { x: 4e6, y: 0.009 }], line: [], band: [] }]
    })
    const lin = renderPlotSvg(small)
    expect(lin).toContain('>MACs (×10⁶)<')
    expect(lin).toContain('>Energy (mJ)<')
    const log = renderPlotSvg({ ...small, logX: true, logY: true })
    expect(log).toContain('>MACs<')
    expect(log).toContain('>Energy (J)<')
    expect(log).toContain('>1M<')
    expect(log).toContain('>10 mJ<')
  })

  it('leaves out what a log axis cannot show and keeps the rest', () => {
    const s = spec({ logX: true, logY: true })
    const svg = renderPlotSvg(s)
    checkXml(svg)
    const circles = svg.split('<g data-role="points"')[1].split('</g>')[0]
    // (0, 0) cannot sit on log axes; (5, 40) and (10, 100) can.
    expect([...circles.matchAll(/<circle /g)]).toHaveLength(2)
    expect(svg).not.toMatch(/NaN|Infinity/)
  })

  it('escapes labels and keeps ids apart between plots', () => {
    const nasty = spec({ title: 'a <b> & "c"', series: [{ ...spec().series[0], key: '<g>&', label: 'DSP="2" <x>' }] })
    const one = renderPlotSvg(nasty, { idPrefix: 'p1' })
    const two = renderPlotSvg(nasty, { idPrefix: 'p2' })
    checkXml(one)
    expect(one).toContain('a &lt;b&gt; &amp; &quot;c&quot;')
    expect(one).toContain('DSP=&quot;2&quot; &lt;x&gt;')
    expect(one).toContain('id="p1-clip"')
    expect(two).toContain('url(#p2-clip)')
    expect(two).not.toContain('p1-')
  })

  it('draws an empty plot without failing', () => {
    const svg = renderPlotSvg(spec({ series: [] }))
    checkXml(svg)
    expect(svg).toContain('data-role="plot-area"')
  })
})
