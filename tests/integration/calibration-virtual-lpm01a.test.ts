import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { cli } from '../helpers/cli'

/**
 * `joulebench calibrate` end to end on the virtual bench's LPM01A: the emulator behind a real pty,
 * the real driver, reference loads presented by the bench, a record in a real SQLite file.
 */
describe('calibrate the virtual LPM01A from the command line', () => {
  it('measures the open output and each load, fits, judges against ±2 %, stores and lists the record', async () => {
    const db = join(mkdtempSync(join(tmpdir(), 'jb-cal-lpm-')), 'w.db')
    const r = await cli([
      'calibrate',
      '--analyzer', 'virtual:lpm01a',
      '--load', '1000@3.3±0.1%',
      '--load', '330@3.3±0.1%',
      '--load', '10k@1.8±0.1%',
      '--settle', '0.05',
      '--window', '0.2',
      '--db', db,
      '--json'
    ])
    expect(r.code, r.stderr).toBe(0)
    const doc = r.json()
    expect(doc.instrument).toMatchObject({ family: 'lpm01a', serial: expect.any(String) })
    // Every load's true current, independently: V / R.
    const loads = doc.points.filter((p: any) => p.kind === 'load')
    expect(loads.map((p: any) => p.trueA)).toEqual([3.3 / 1000, 3.3 / 330, 1.8 / 10_000].map((x) => expect.closeTo(x, 12)))
    // The emulated board reads true within its quantisation; the raw instrument passes ±2 %.
    for (const p of loads) expect(Math.abs(p.readingA / p.trueA - 1)).toBeLessThan(0.02)
    expect(doc.verdict).toBe('pass')
    const range = doc.ranges[0]
    expect(range.fit).toBe('gain-and-offset')
    expect(Math.abs(range.gain - 1)).toBeLessThan(0.01)
    // The zero check read the open output: no current.
    const open = doc.points.find((p: any) => p.kind === 'open')
    expect(Math.abs(open.readingA)).toBeLessThan(1e-7)

    const list = await cli(['calibrations', '--db', db, '--json'])
    expect(list.json().calibrations).toHaveLength(1)
    expect(list.json().calibrations[0]).toMatchObject({ id: doc.id, family: 'lpm01a', inForce: true })
  })
})
