import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { CaptureSession } from '../../src-main/capture/capture-session'
import { ppk2AnalyzerFamily } from '../../src-main/instruments/ppk2/analyzer-family'
import { constantCurrent } from '../../src-main/instruments/ppk2/signals'
import { createVirtualPpk2 } from '../../src-main/instruments/ppk2/virtual'
import { RecordingStore } from '../../src-main/store/recording-store'
import { openWorkspace } from '../../src-main/store/workspace'
import '../../src-main/setup'
import { waitFor } from '../helpers/ppk2-sink'

const cleanups: Array<() => Promise<void>> = []
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c().catch(() => {})
})

describe('PPK2 auto-reconnect, through the analyzer registry into the store', () => {
  it('keeps one recording across an unplug and replug: samples before, a gap, samples after; state finished', async () => {
    const virtual = await createVirtualPpk2(constantCurrent(2e-3))
    cleanups.push(() => virtual.close())
    const { analyzer, recordingFormat } = await ppk2AnalyzerFamily.open(await virtual.open(), { reconnect: true, supplyV: 3.3 }, true)
    cleanups.push(() => analyzer.close())
    const db = openWorkspace(join(mkdtempSync(join(tmpdir(), 'jb-reconnect-')), 'w.db'))
    const session = await CaptureSession.start(db, analyzer, { ...recordingFormat, supplyV: 3.3, name: 'reconnect' })
    await waitFor(() => virtual.emulator.truth.samplesProduced >= 20_000)
    const first = virtual.emulator
    first.inject({ kind: 'unplug' })
    await waitFor(() => !virtual.plugged)
    await new Promise((r) => setTimeout(r, 300))
    await virtual.replug()
    await waitFor(() => virtual.emulator !== first && virtual.emulator.truth.samplesProduced >= 20_000)
    const info = await session.stop()

    const store = RecordingStore.open(db)
    expect(store.get(info.id).state).toBe('finished')
    const gaps = store.gaps(info.id)
    expect(gaps).toHaveLength(1)
    expect(gaps[0].startIndex).toBe(first.truth.samplesProduced)
    const stats = store.stats(info.id)
    expect(stats.count).toBe(first.truth.samplesProduced + virtual.emulator.truth.samplesProduced)
    expect(Math.abs(stats.currentA.mean! / 2e-3 - 1)).toBeLessThan(0.005)
    db.close()
  })
})
