import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import '../../src-main/instruments/raw-formats'
import type { Ppk2RawSnapshot } from '../../src-main/instruments/ppk2/raw-format'
import { EMULATED_CALIBRATION } from '../../src-main/instruments/ppk2/emulator-model'
import { RecordingStore } from '../../src-main/store/recording-store'
import { openWorkspace } from '../../src-main/store/workspace'
import { demoBoardSignal } from '../../src-main/virtual-bench/demo-board'
import { cli } from '../helpers/cli'

describe('joulebench capture from the virtual PPK2', () => {
  it('records the demo board at 100 kS/s with no gap, keeps the raw words, and recomputes them', async () => {
    const db = join(mkdtempSync(join(tmpdir(), 'jb-ppk2-capture-')), 'w.db')
    const r = await cli(['capture', '--analyzer', 'virtual:ppk2', '--voltage', '3.0', '--duration', '1.5', '--db', db, '--json'])
    expect(r.code, r.stderr).toBe(0)
    const doc = r.json()
    const truth = demoBoardSignal().truth
    expect(doc.analyzer).toMatchObject({ id: 'virtual:ppk2', family: 'ppk2', virtual: true })
    expect(doc.recording.state).toBe('finished')
    expect(doc.gaps).toBe(0)
    expect(doc.lostSamples).toBe(0)
    // 1.5 s at 100 kS/s; start and stop are commands over a pty, so allow a few percent either way.
    expect(doc.samples).toBeGreaterThan(140_000)
    expect(doc.samples).toBeLessThan(160_000)
    // Sleep floor (range 2) and active level with its ±3 % ripple (range 3), through ADC steps and noise.
    expect(doc.currentA.min).toBeGreaterThan(truth.sleepA * 0.98)
    expect(doc.currentA.min).toBeLessThan(truth.sleepA * 1.0)
    expect(doc.currentA.max).toBeGreaterThan(truth.activeA * 1.02)
    expect(doc.currentA.max).toBeLessThan(truth.activeA * 1.03 + 200e-6)

    const workspace = openWorkspace(db)
    const store = RecordingStore.open(workspace, db)
    const info = store.get(doc.recording.id)
    expect(info.rawFormat).toBe('ppk2-word-v1')
    const snapshot = info.calibration as Ppk2RawSnapshot
    expect(snapshot.calibration.r).toEqual(EMULATED_CALIBRATION.r)
    expect(snapshot.supplyMv).toBe(3000)
    expect(snapshot.spikeFilter).toEqual({ alpha: 0.18, alpha5: 0.06, samples: 3 })
    // The words are the unit's: the counter runs on by one from sample to sample.
    const raw = store.sampleReader(info).readRaw(0, 1000)
    for (let i = 1; i < raw.length; i++) expect((raw[i] >>> 18) & 63).toBe(((raw[i - 1] >>> 18) + 1) & 63)

    // Recomputing with every user gain at 2 doubles every current (the gain multiplies the whole formula).
    const before = store.stats(info.id)
    const doubled = { ...snapshot, calibration: { ...snapshot.calibration, ug: [2, 2, 2, 2, 2] } }
    store.recompute(info.id, { id: null, snapshot: doubled })
    const after = store.stats(info.id)
    expect(after.currentA.mean! / before.currentA.mean!).toBeCloseTo(2, 5)
    expect(after.currentA.max! / before.currentA.max!).toBeCloseTo(2, 5)
    workspace.close()
  })
})
