import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { cli } from '../helpers/cli'
import { demoBoardSignal } from '../../src-main/virtual-bench/demo-board'

describe('joulebench capture on the virtual bench', () => {
  it('records the demo board from the virtual LPM01A at 100 kHz, with no gap, and reads its two current levels', async () => {
    const db = join(mkdtempSync(join(tmpdir(), 'jb-capture-')), 'w.db')
    const r = await cli(['capture', '--analyzer', 'virtual:lpm01a', '--duration', '1.5', '--db', db, '--json'])
    expect(r.code, r.stderr).toBe(0)
    const doc = r.json()
    const truth = demoBoardSignal().truth
    expect(doc.recording.state).toBe('finished')
    expect(doc.gaps).toBe(0)
    expect(doc.lostSamples).toBe(0)
    // 1.5 s at 100 kS/s; start and stop are commands over a pty, so allow a few percent either way.
    expect(doc.samples).toBeGreaterThan(140_000)
    expect(doc.samples).toBeLessThan(160_000)
    // The sleep floor and the active level (with its ±3 % ripple), through the board's 12-bit quantisation.
    expect(doc.currentA.min).toBeGreaterThan(truth.sleepA * 0.98)
    expect(doc.currentA.min).toBeLessThan(truth.sleepA * 1.0)
    expect(doc.currentA.max).toBeLessThan(truth.activeA * 1.031)
    expect(doc.currentA.max).toBeGreaterThan(truth.activeA * 1.02)
    expect(doc.chargeC).toBeCloseTo(doc.currentA.mean * doc.durationS, 9)
    const listed = await cli(['recordings', '--db', db, '--json'])
    expect(JSON.stringify(listed.json())).toContain(doc.recording.uuid)
  })

  it('refuses an unknown analyzer family with the list of known ones', async () => {
    const r = await cli(['capture', '--analyzer', 'fluke', '--db', join(mkdtempSync(join(tmpdir(), 'jb-capture-')), 'w.db')])
    expect(r.code).toBe(1)
    expect(r.stderr).toMatch(/Unknown analyzer "fluke"\. Joulebench drives: .*lpm01a/)
  })
})
