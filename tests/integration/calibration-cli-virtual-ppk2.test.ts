import { mkdtempSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { cli } from '../helpers/cli'

/** `joulebench calibrate --analyzer virtual:ppk2 …` end to end: emulator on a pty, driver, store, certificate. */
describe('joulebench calibrate --analyzer virtual:ppk2', () => {
  it('calibrates from the command line, writes user gains, stores the record and prints the certificate', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'jb-cal-ppk2-'))
    const db = join(dir, 'w.db')
    const cert = join(dir, 'cert.html')
    const r = await cli([
      'calibrate',
      '--analyzer', 'virtual:ppk2',
      '--load', '1000@3.3',
      '--load', '100@3.3',
      '--load', '3.3k@3.3',
      '--load', '330@3.3',
      '--tolerance', '0.1%',
      '--settle', '0.05',
      '--window', '0.2',
      '--write-user-gains',
      '--certificate', cert,
      '--operator', 'test bench',
      '--db', db,
      '--json'
    ])
    expect(r.code, r.stderr).toBe(0)
    const doc = r.json()
    expect(doc.instrument).toMatchObject({ id: 'virtual:ppk2', family: 'ppk2', serial: 'VIRTUAL-PPK2' })
    // 3.3 mA and 1 mA fall in R2, 33 mA and 10 mA in R3: both fitted from two loads each.
    expect(doc.ranges.filter((x: any) => x.fit === 'gain-and-offset').map((x: any) => x.rangeIndex)).toEqual([2, 3])
    const loads = doc.points.filter((p: any) => p.kind === 'load')
    expect(loads.map((p: any) => p.toleranceFraction)).toEqual([0.001, 0.001, 0.001, 0.001])
    // The emulated unit reads what its metadata says: each raw point within ±10 % (in fact within noise).
    for (const p of loads) expect(Math.abs(p.readingA / p.trueA - 1)).toBeLessThan(0.01)
    expect(doc.verdict).toBe('pass')
    // Gains near 1 are written to the device; ranges without a fitted gain are left alone, with the reason.
    expect(doc.userGainWrites.map((w: any) => w.rangeIndex)).toEqual([2, 3])
    expect(doc.messages.filter((m: string) => m.startsWith('not written:'))).toHaveLength(3)
    expect(readFileSync(cert, 'utf8')).toContain('<dd id="serial">VIRTUAL-PPK2</dd>')

    const list = await cli(['calibrations', '--db', db, '--json'])
    expect(list.json().calibrations[0]).toMatchObject({ id: doc.id, serial: 'VIRTUAL-PPK2', writtenToDevice: true })
  })
})
