import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { CaptureSession } from '../../src-main/capture/capture-session'
import type { SampleSink } from '../../src-main/capture/sample-block'
import type { PowerAnalyzer } from '../../src-main/instruments/power-analyzer'
import { RecordingStore } from '../../src-main/store/recording-store'
import { openWorkspace } from '../../src-main/store/workspace'

/** An analyzer that the test drives by hand: it hands out its sink and lets the test pull the cable. */
class HandDrivenAnalyzer implements PowerAnalyzer {
  readonly identity = { id: 'test:hand', kind: 'power-analyzer' as const, family: 'test', model: 'Hand', serial: null, firmware: null, location: '/dev/test', virtual: true }
  readonly samplePeriodS = 1e-5
  readonly ranges = []
  readonly supplyV = 3
  sink: SampleSink | null = null
  stopped = false
  private lost: ((reason: string) => void) | null = null
  async start(sink: SampleSink): Promise<void> {
    this.sink = sink
  }
  async stop(): Promise<void> {
    this.stopped = true
  }
  async close(): Promise<void> {}
  onDisconnect(listener: (reason: string) => void): void {
    this.lost = listener
  }
  pull(reason: string): void {
    this.lost?.(reason)
  }
  /** Sends n samples of value `a` from index `start`, reusing one buffer as drivers do. */
  send(start: number, n: number, a: number, buffer = new Float32Array(n)): void {
    buffer.fill(a)
    this.sink!.samples({ startIndex: start, currentA: buffer.subarray(0, n) })
  }
}

const tick = (): Promise<void> => new Promise((r) => setTimeout(r, 5))
const db = () => openWorkspace(join(mkdtempSync(join(tmpdir(), 'jb-cap-')), 'w.db'))

describe('capture session', () => {
  it('writes what the analyzer streams and closes as finished on stop', async () => {
    const d = db()
    const a = new HandDrivenAnalyzer()
    const session = await CaptureSession.start(d, a, { name: 'run' })
    const shared = new Float32Array(1000)
    for (let k = 0; k < 50; k++) a.send(k * 1000, 1000, k % 2 ? 0.002 : 0.001, shared) // the driver reuses its buffer
    a.sink!.gap({ startIndex: 50_000, count: 300, reason: 'counter jump' })
    a.send(50_300, 700, 0.004)
    a.sink!.mark({ index: 42, label: 'edge' })
    await tick()
    const info = await session.stop()
    expect(a.stopped).toBe(true)
    expect(info.state).toBe('finished')
    expect(info.sampleCount).toBe(51_000)
    const store = new RecordingStore(d)
    const s = store.stats(info.id)
    expect(s.count).toBe(50_700)
    expect(s.chargeC!).toBeCloseTo((25_000 * Math.fround(0.001) + 25_000 * Math.fround(0.002) + 700 * Math.fround(0.004)) * 1e-5, 12)
    expect(store.gaps(info.id)).toEqual([{ startIndex: 50_000, count: 300, reason: 'counter jump' }])
    expect(store.marks(info.id)).toEqual([{ index: 42, label: 'edge' }])
    expect(store.get(info.id).instrument?.model).toBe('Hand')
  })

  it('closes as interrupted when the device is lost, keeping every sample before', async () => {
    const d = db()
    const a = new HandDrivenAnalyzer()
    const session = await CaptureSession.start(d, a)
    const states: string[] = []
    session.on('state', (s) => states.push(s))
    for (let k = 0; k < 20; k++) a.send(k * 500, 500, 0.01)
    a.pull('cable pulled')
    a.send(10_000, 500, 0.01) // arrives after the loss: not part of the recording
    const info = await session.stop()
    expect(info.state).toBe('interrupted')
    expect(info.stateReason).toMatch(/cable pulled/)
    expect(info.sampleCount).toBe(10_000)
    expect(states).toEqual(['interrupted'])
    expect(new RecordingStore(d).stats(info.id).count).toBe(10_000)
  })

  it('past its memory budget drops blocks as gaps with reason backpressure, and says so', async () => {
    const d = db()
    const a = new HandDrivenAnalyzer()
    const session = await CaptureSession.start(d, a, { maxQueuedBytes: 40_000 })
    const warnings: string[] = []
    session.on('warning', (w) => warnings.push(w))
    // 30 blocks of 4 kB arrive before the store gets a turn: only 10 fit in 40 kB.
    for (let k = 0; k < 30; k++) a.send(k * 1000, 1000, 0.001)
    await tick()
    for (let k = 30; k < 35; k++) a.send(k * 1000, 1000, 0.001)
    const info = await session.stop()
    const store = new RecordingStore(d)
    const gaps = store.gaps(info.id)
    expect(gaps.every((g) => g.reason === 'backpressure')).toBe(true)
    expect(gaps.reduce((s, g) => s + g.count, 0)).toBe(20_000)
    expect(info.sampleCount).toBe(35_000)
    expect(store.stats(info.id).count).toBe(15_000)
    expect(session.progress().lostToBackpressure).toBe(20_000)
    expect(warnings).toHaveLength(1)
    expect(warnings[0]).toMatch(/fell behind.*dropped and recorded as gaps/)
    expect(store.warnings(info.id).map((w) => w.message)).toContain(warnings[0])
  })
})
