import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { cli } from '../helpers/cli'

describe('joulebench import / recordings / stats / export', () => {
  const dir = mkdtempSync(join(tmpdir(), 'jb-cli-store-'))
  const db = join(dir, 'w.db')
  const csv = join(dir, 'square.csv')
  // 1 kS/s for 10 s: 20 mA for the first 100 ms of every second, 1 mA otherwise.
  const rows = ['time (s),current (mA)']
  for (let i = 0; i < 10_000; i++) rows.push(`${(i / 1000).toFixed(3)},${i % 1000 < 100 ? 20 : 1}`)
  writeFileSync(csv, rows.join('\n') + '\n')

  it('imports a file and reports the recording in SI units', async () => {
    const r = await cli(['import', csv, '--voltage', '3.3', '--db', db, '--json'])
    expect(r.code).toBe(0)
    const doc = r.json()
    expect(doc.format).toBe('csv')
    expect(doc.recording.sampleCount).toBe(10_000)
    expect(doc.recording.samplePeriodS).toBeCloseTo(1e-3, 12)
    expect(doc.recording.durationS).toBeCloseTo(10, 9)
    const text = await cli(['import', csv, '--voltage', '3.3', '--db', db])
    expect(text.stdout).toMatch(/Imported .*square\.csv \(csv\) as recording 2/)
  })

  it('lists recordings', async () => {
    const r = await cli(['recordings', '--db', db, '--json'])
    expect(r.json().recordings.map((x: { id: number }) => x.id)).toEqual([1, 2])
    expect((await cli(['recordings', '--db', db])).stdout).toMatch(/square\.csv/)
  })

  it('gives statistics over a window, by number or UUID prefix', async () => {
    const whole = (await cli(['stats', '1', '--db', db, '--json'])).json().statistics
    const charge = (1000 * 0.02 + 9000 * 0.001) * 1e-3
    expect(whole.chargeC).toBeCloseTo(charge, 9)
    expect(whole.energyJ).toBeCloseTo(3.3 * charge, 9)
    expect(whole.currentA.max).toBeCloseTo(0.02, 9)
    expect(whole.durationS).toBeCloseTo(10, 9)
    const uuid = (await cli(['recordings', '--db', db, '--json'])).json().recordings[0].uuid as string
    const part = (await cli(['stats', uuid.slice(0, 8), '--from', '0.05', '--to', '1.05', '--db', db, '--json'])).json().statistics
    // Samples 50..1049: 50 at 20 mA (50..99), 900 at 1 mA, then 50 at 20 mA (1000..1049).
    expect(part.count).toBe(1000)
    expect(part.chargeC).toBeCloseTo((100 * 0.02 + 900 * 0.001) * 1e-3, 9)
    const human = await cli(['stats', '1', '--db', db])
    expect(human.stdout).toMatch(/charge\s+29 mC/)
  })

  it('exports CSV and .ppk2, and refuses to overwrite without --force', async () => {
    const out = join(dir, 'part.csv')
    const r = await cli(['export', '1', '--csv', out, '--from', '1', '--to', '2', '--db', db, '--json'])
    expect(r.code).toBe(0)
    expect(r.json().rows).toBe(1000)
    expect(readFileSync(out, 'utf8').split('\n')[1]).toBe('1,0.0199999996')
    expect((await cli(['export', '1', '--csv', out, '--db', db])).stderr).toMatch(/exists already.*--force/)
    const ppk2 = join(dir, 'all.ppk2')
    expect((await cli(['export', '1', '--ppk2', ppk2, '--db', db])).code).toBe(0)
    expect(existsSync(ppk2)).toBe(true)
    const back = (await cli(['import', ppk2, '--db', db, '--json'])).json()
    expect(back.format).toBe('ppk2')
    expect(back.recording.sampleCount).toBe(10_000)
  })

  it('says clearly what is wrong', async () => {
    const missing = await cli(['stats', '99', '--db', db])
    expect(missing.code).toBe(1)
    expect(missing.stderr).toMatch(/No recording "99" in .*w\.db.*joulebench recordings/)
    expect((await cli(['stats', '1', '--from', '50', '--db', db])).stderr).toMatch(/--from 50 s lies outside recording 1 \(0 to 10 s\)/)
    expect((await cli(['import', join(dir, 'nope.csv'), '--db', db])).stderr).toMatch(/Cannot read .*nope\.csv: no such file/)
    expect((await cli(['import', csv, '--format', 'xls', '--db', db])).code).toBe(2)
    expect((await cli(['export', '1', join(dir, 'x'), '--db', db])).stderr).toMatch(/Choose one of --csv or --ppk2/)
  })
})
