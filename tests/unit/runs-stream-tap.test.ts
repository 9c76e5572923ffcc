import { describe, expect, it } from 'vitest'
import type { SampleSink } from '../../src-main/capture/sample-block'
import type { PowerAnalyzer } from '../../src-main/instruments/power-analyzer'
import { AnalyzerLostError, AnalyzerStalledError, StreamTap } from '../../src-main/runs/stream-tap'

/** An analyzer the test drives by hand: it delivers what the test pushes, and can be "unplugged". */
function handAnalyzer() {
  let sink: SampleSink | null = null
  const lost: Array<(r: string) => void> = []
  const analyzer: PowerAnalyzer = {
    identity: { id: 'test:hand', kind: 'power-analyzer', family: 'test', model: 'Hand meter', serial: null, firmware: null, location: null, virtual: true },
    samplePeriodS: 1e-3,
    ranges: [],
    supplyV: 3,
    start: async (s) => void (sink = s),
    stop: async () => {},
    close: async () => {},
    onDisconnect: (l) => void lost.push(l)
  }
  return {
    analyzer,
    push: (startIndex: number, n: number) => sink!.samples({ startIndex, currentA: new Float32Array(n) }),
    gap: (startIndex: number, count: number) => sink!.gap({ startIndex, count, reason: 'test' }),
    mark: (index: number) => sink!.mark({ index, label: 'D7 falling' }),
    unplug: (why: string) => lost.forEach((l) => l(why))
  }
}

function recordingSink() {
  const got: string[] = []
  const sink: SampleSink = {
    samples: (b) => got.push(`s${b.startIndex}+${b.currentA.length}`),
    gap: (g) => got.push(`g${g.startIndex}+${g.count}`),
    mark: (m) => got.push(`m${m.index}`),
    warning: (w) => got.push(`w:${w}`)
  }
  return { sink, got }
}

describe('stream tap between an analyzer and the capture', () => {
  it('passes everything through unchanged and tracks the next index over samples and gaps', async () => {
    const h = handAnalyzer()
    const tap = new StreamTap(h.analyzer)
    const r = recordingSink()
    await tap.start(r.sink)
    h.push(0, 100)
    h.gap(100, 50)
    h.mark(120)
    h.push(150, 10)
    expect(r.got).toEqual(['s0+100', 'g100+50', 'm120', 's150+10'])
    expect(tap.nextIndex).toBe(160)
    expect(tap.marksIn(100).map((m) => m.index)).toEqual([120])
    expect(tap.marksIn(121)).toEqual([])
    expect(tap.identity.id).toBe('test:hand')
  })

  it('waits in samples, not in time: resolves once the stream reaches the index', async () => {
    const h = handAnalyzer()
    const tap = new StreamTap(h.analyzer)
    await tap.start(recordingSink().sink)
    const reached = tap.waitUntil(() => tap.nextIndex >= 300, { what: '300 samples' })
    let done = false
    void reached.then(() => (done = true))
    h.push(0, 200)
    await Promise.resolve()
    expect(done).toBe(false)
    h.push(200, 100)
    await reached
    expect(done).toBe(true)
  })

  it('names the analyzer when the stream stops without a word, and when it is unplugged', async () => {
    const h = handAnalyzer()
    const tap = new StreamTap(h.analyzer)
    await tap.start(recordingSink().sink)
    h.push(0, 10)
    await expect(tap.waitUntil(() => tap.nextIndex >= 1000, { what: 'the end of window 1', stallS: 0.3 })).rejects.toThrow(AnalyzerStalledError)
    await expect(tap.waitUntil(() => false, { what: 'x', stallS: 0.3 })).rejects.toThrow(/Hand meter \(test:hand\) sent no samples for 0.3 s while Joulebench waited for x \(stream stopped at sample 10\)/)
    const pending = tap.waitUntil(() => false, { what: 'the idle baseline' })
    h.unplug('USB device removed')
    await expect(pending).rejects.toThrow(AnalyzerLostError)
    await expect(tap.waitUntil(() => false, { what: 'y' })).rejects.toThrow(/Hand meter \(test:hand\) was lost while waiting for y: USB device removed/)
  })

  it('gives up at once when the run is cancelled', async () => {
    const h = handAnalyzer()
    const tap = new StreamTap(h.analyzer)
    await tap.start(recordingSink().sink)
    const ac = new AbortController()
    const pending = tap.waitUntil(() => false, { what: 'z', signal: ac.signal })
    ac.abort(new Error('Cancelled by the user'))
    await expect(pending).rejects.toThrow('Cancelled by the user')
  })
})
