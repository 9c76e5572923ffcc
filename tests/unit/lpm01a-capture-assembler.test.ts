import { describe, expect, it } from 'vitest'
import type { Gap, Mark, SampleBlock, SampleSink } from '../../src-main/capture/sample-block'
import { CaptureAssembler, type CaptureAssemblerOptions } from '../../src-main/instruments/lpm01a/capture-assembler'
import type { Lpm01aStreamEvent } from '../../src-main/instruments/lpm01a/stream-decoder'

class RecordingSink implements SampleSink {
  blocks: SampleBlock[] = []
  gaps: Gap[] = []
  marks: Mark[] = []
  warnings: string[] = []
  order: string[] = []
  samples(b: SampleBlock) {
    this.blocks.push(b)
    this.order.push(`s${b.startIndex}+${b.currentA.length}`)
  }
  gap(g: Gap) {
    this.gaps.push(g)
    this.order.push(`g${g.startIndex}+${g.count}`)
  }
  mark(m: Mark) {
    this.marks.push(m)
    this.order.push(`m${m.index}`)
  }
  warning(w: string) {
    this.warnings.push(w)
  }
  /** Slot index → current, NaN in gaps, from the blocks and gaps as a store would lay them out. */
  slots(): number[] {
    const out: number[] = []
    for (const b of this.blocks) b.currentA.forEach((v, i) => (out[b.startIndex + i] = v))
    for (const g of this.gaps) for (let i = 0; i < g.count; i++) out[g.startIndex + i] = NaN
    return out
  }
}

const run = (n: number, value: number): Lpm01aStreamEvent => ({
  kind: 'samples',
  values: new Float64Array(n).fill(value),
  raw: new Uint32Array(n).fill(7)
})
const ts = (timeMs: number, bufferPercent = 0, overflow = false): Lpm01aStreamEvent => ({ kind: 'timestamp', timeMs, bufferPercent, overflow })

function setup(over: Partial<CaptureAssemblerOptions> = {}) {
  const sink = new RecordingSink()
  const asm = new CaptureAssembler({
    sink,
    sampleRateHz: 1000,
    output: 'current',
    supplyV: 3.3,
    deviceName: 'LPM01A at /dev/test',
    expectedSamples: null,
    ...over
  })
  return { sink, asm }
}

describe('LPM01A capture assembler', () => {
  it('lays samples end to end when the board clock agrees, with marks at the arrival index', () => {
    const { sink, asm } = setup()
    for (const e of [ts(0), run(400, 1e-3), { kind: 'event', eventNumber: 1, edge: 'ris' } as const, run(600, 2e-3), ts(1000), run(10, 1e-3)]) asm.handle(e)
    const summary = asm.finish('stopped')
    expect(sink.order).toEqual(['s0+400', 'm400', 's400+600', 's1000+10'])
    expect(sink.gaps).toEqual([])
    expect(sink.warnings).toEqual([])
    expect(sink.marks[0]).toEqual({ index: 400, label: 'D7 falling' })
    expect(summary).toMatchObject({ samples: 1010, slots: 1010, marks: 1, gaps: 0, endedBy: 'stopped' })
    expect(sink.blocks[0].raw![0]).toBe(7)
  })

  it('puts an exact gap where the board reported an overflow, holding later samples until the count is known', () => {
    const { sink, asm } = setup()
    asm.handle(ts(0))
    asm.handle(run(300, 1))
    asm.handle({ kind: 'overflow', message: 'Tx buffer overflow' })
    asm.handle(run(200, 2))
    asm.handle({ kind: 'event', eventNumber: 1, edge: null })
    asm.handle(run(250, 3))
    expect(sink.order).toEqual(['s0+300']) // held until the clock tells
    asm.handle(ts(1000, 0, true)) // 1000 slots expected, 750 arrived → 250 lost at 300
    const slots = sink.slots()
    expect(sink.gaps).toEqual([{ startIndex: 300, count: 250, reason: expect.stringMatching(/overflow.*250/) }])
    expect(sink.order).toEqual(['s0+300', 'g300+250', 's550+200', 'm750', 's750+250'])
    expect(slots.length).toBe(1000)
    expect(slots[299]).toBe(1)
    expect(slots[550]).toBe(2)
    expect(slots[999]).toBe(3)
    expect(sink.warnings.join('\n')).toMatch(/250 samples were lost before 1\.000 s/)
    expect(asm.finish('stopped')).toMatchObject({ lostSamples: 250, gaps: 1, overflowReports: 1 })
  })

  it('places an unreported loss where it is noticed and says its position is uncertain', () => {
    const { sink, asm } = setup()
    asm.handle(run(900, 1))
    asm.handle(ts(1000))
    expect(sink.gaps).toEqual([{ startIndex: 900, count: 100, reason: expect.stringMatching(/somewhere in the second before 1\.000 s/) }])
    asm.handle(run(5, 1))
    expect(sink.blocks[1].startIndex).toBe(1000)
  })

  it('blames corrupt bytes, not a slow host, for a shortfall that follows undecodable data', () => {
    const { sink, asm } = setup()
    asm.handle(run(500, 1))
    asm.handle({ kind: 'anomaly', byteCount: 9, reason: 'unreadable line' })
    asm.handle(run(499, 1))
    asm.handle(ts(1000))
    expect(sink.gaps).toEqual([{ startIndex: 999, count: 1, reason: expect.stringMatching(/unreadable in corrupt bytes/) }])
    expect(sink.warnings[0]).toMatch(/Check the USB cable/)
  })

  it('keeps surplus samples and says the stream was corrupt', () => {
    const { sink, asm } = setup()
    asm.handle(run(1003, 1))
    asm.handle(ts(1000))
    expect(sink.gaps).toEqual([])
    expect(sink.slots().length).toBe(1003)
    expect(sink.warnings[0]).toMatch(/3 more samples arrived than the board's clock accounts for/)
  })

  it('turns energy samples into the current that carries the same energy at the set voltage', () => {
    const { sink, asm } = setup({ output: 'energy', supplyV: 1.8, sampleRateHz: 1000 })
    const energies = Float64Array.from({ length: 1000 }, (_, i) => 1e-6 * (1 + (i % 7)))
    asm.handle({ kind: 'samples', values: energies, raw: new Uint32Array(1000) })
    const expectedJ = energies.reduce((a, b) => a + b, 0)
    const currents = sink.blocks[0].currentA
    let sumJ = 0
    for (const i of currents) sumJ += i * 1.8 * 1e-3
    expect(Math.abs(sumJ - expectedJ) / expectedJ).toBeLessThan(1e-6)
    expect(currents[0]).toBeCloseTo(1e-6 / (1.8 * 1e-3), 9)
  })

  it('explains an overcurrent and marks the unmeasured rest of a finite acquisition as a gap', () => {
    const { sink, asm } = setup({ expectedSamples: 2000 })
    asm.handle(run(700, 0.05))
    asm.handle({ kind: 'overcurrent' })
    asm.handle({ kind: 'target-powered-down' })
    asm.handle({ kind: 'end' })
    const summary = asm.finish('end-of-acquisition')
    expect(summary.endedBy).toBe('overcurrent')
    expect(sink.warnings).toHaveLength(1)
    expect(sink.warnings[0]).toMatch(/overcurrent at sample 700.*cut its power.*kept/)
    expect(sink.gaps).toEqual([{ startIndex: 700, count: 1300, reason: expect.stringMatching(/overcurrent.*1300 of the 2000/) }])
  })

  it('does not invent a trailing gap when the user stopped early', () => {
    const { sink, asm } = setup({ expectedSamples: 2000 })
    asm.handle(run(700, 0.001))
    asm.finish('stopped')
    expect(sink.gaps).toEqual([])
  })

  it('reports undecodable bytes once per second, with their count and kind', () => {
    const { sink, asm } = setup()
    asm.handle({ kind: 'anomaly', byteCount: 3, reason: 'unreadable line' })
    asm.handle({ kind: 'anomaly', byteCount: 4, reason: 'unreadable line' })
    expect(sink.warnings).toEqual([])
    asm.handle(ts(0))
    expect(sink.warnings).toEqual([expect.stringMatching(/7 bytes of the stream could not be decoded \(unreadable line\)/)])
  })

  it('settles an overflow with the length of a finite acquisition that ran to its end', () => {
    const { sink, asm } = setup({ expectedSamples: 500 })
    asm.handle(run(100, 1))
    asm.handle({ kind: 'overflow', message: 'Tx buffer overflow' })
    asm.handle(run(300, 2))
    asm.handle({ kind: 'end' })
    asm.finish('end-of-acquisition')
    expect(sink.order).toEqual(['s0+100', 'g100+100', 's200+300'])
    expect(sink.gaps[0].reason).toMatch(/overflow/)
  })

  it('releases held samples if no timestamp settles an overflow, and says their times may be early', () => {
    const { sink, asm } = setup()
    asm.handle(run(10, 1))
    asm.handle({ kind: 'overflow', message: 'Tx buffer overflow' })
    asm.handle(run(10, 2))
    asm.finish('stopped')
    expect(sink.order).toEqual(['s0+10', 's10+10'])
    expect(sink.warnings.join('\n')).toMatch(/overflow at sample 10.*no later timestamp/)
  })

  it('warns once when the transmit buffer fills', () => {
    const { sink, asm } = setup()
    asm.handle(ts(0, 85))
    asm.handle(run(1000, 1))
    asm.handle(ts(1000, 90))
    expect(sink.warnings.filter((w) => /transmit buffer is 85 % full/.test(w))).toHaveLength(1)
    expect(sink.warnings).toHaveLength(1)
  })
})
