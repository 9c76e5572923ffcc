import { existsSync, mkdtempSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { cli } from '../helpers/cli'
import { registerCalibrationTarget } from '../../src-main/calibration/targets'
import { FakeAnalyzer } from '../helpers/calibration-fake-analyzer'

/** A "fakecal" family: the fake analyzer with known errors, presenting exact V/R loads. */
const written: Array<[number, number]> = []
registerCalibrationTarget('fakecal', async () => {
  const analyzer = new FakeAnalyzer('FC-42', 'fakecal')
  analyzer.gains = [1.02, 0.97, 1.03, 0.99, 1.04]
  analyzer.offsetsA = [0.1e-6, 1e-6, 5e-6, 30e-6, 0.5e-3]
  let ohms: number | null = null
  analyzer.bench = { currentA: (_t, v) => (ohms === null || v === null ? 0 : v / ohms) }
  return {
    analyzer,
    definition: null,
    analyzerSources: true,
    async present(step) {
      ohms = step.kind === 'open' ? null : step.load.resistanceOhm
    },
    deviceUserGains: () => [1, 1, 1, 1, 1],
    async writeUserGain(r, g) {
      written.push([r, g])
    },
    async close() {}
  }
})

const db = () => join(mkdtempSync(join(tmpdir(), 'jb-calcli-')), 'w.db')
const LOADS = ['--load', '1k@3.3±0.1%', '--load', '3.3k@3.3±0.1%', '--load', '100@3.3±0.1%', '--load', '330@3.3±0.1%']

describe('joulebench calibrate / calibrations', () => {
  it('calibrates, stores a record per serial, lists it, and prints its certificate', async () => {
    const path = db()
    const r = await cli(['calibrate', '--analyzer', 'virtual:fakecal', ...LOADS, '--settle', '0.01', '--window', '0.05', '--db', path, '--json', '--notes', 'bench A'])
    expect(r.code, r.stdout + r.stderr).toBe(0)
    const doc = r.json()
    expect(doc.id).toMatch(/^cal-[0-9a-f]{12}$/)
    expect(doc.instrument).toMatchObject({ family: 'fakecal', serial: 'FC-42' })
    expect(doc.verdict).toBe('pass')
    const r2 = doc.ranges.find((x: any) => x.rangeIndex === 2)
    expect(r2.fit).toBe('gain-and-offset')
    expect(r2.gain).toBeCloseTo(1.03, 2)
    // Progress went to stderr, never into the JSON.
    expect(r.stderr).toMatch(/\[1\/5\] Zero offset/)

    const list = await cli(['calibrations', '--db', path, '--json'])
    expect(list.json().calibrations.map((c: any) => [c.id, c.serial, c.notes])).toEqual([[doc.id, 'FC-42', 'bench A']])
    const text = await cli(['calibrations', '--db', path])
    expect(text.stdout).toMatch(new RegExp(`${doc.id}\\s+Fake fakecal\\s+FC-42`))

    const out = join(mkdtempSync(join(tmpdir(), 'jb-cert-')), 'cert.html')
    const cert = await cli(['calibrations', '--certificate', doc.id, '--out', out, '--db', path])
    expect(cert.code).toBe(0)
    expect(readFileSync(out, 'utf8')).toContain('<dd id="serial">FC-42</dd>')
  })

  it('writes user gains on request and says which ranges it left alone', async () => {
    written.length = 0
    const path = db()
    const r = await cli(['calibrate', '--analyzer', 'virtual:fakecal', ...LOADS, '--settle', '0.01', '--window', '0.05', '--write-user-gains', '--db', path, '--json'])
    expect(r.code).toBe(0)
    expect(written.map((w) => w[0])).toEqual([2, 3])
    expect(written[0]![1]).toBeCloseTo(1 / 1.03, 2)
    expect(r.json().messages.join('\n')).toMatch(/not written: .*no gain was fitted/)
    expect(r.json().userGainWrites.map((w: any) => w.rangeIndex)).toEqual([2, 3])
  })

  it('reminds of overdue units with exit code 3, and of near-due ones', async () => {
    const path = db()
    await cli(['calibrate', '--analyzer', 'virtual:fakecal', ...LOADS.slice(0, 4), '--settle', '0.01', '--window', '0.02', '--due', '2020-01-01', '--db', path])
    const due = await cli(['calibrations', '--due-within', '30', '--db', path])
    expect(due.code).toBe(3)
    expect(due.stdout).toMatch(/OVERDUE  Fake fakecal FC-42: due 2020-01-01/)
    const path2 = db()
    await cli(['calibrate', '--analyzer', 'virtual:fakecal', ...LOADS.slice(0, 4), '--settle', '0.01', '--window', '0.02', '--due-days', '10', '--db', path2])
    const soon = await cli(['calibrations', '--due-within', '30', '--db', path2, '--json'])
    expect(soon.code).toBe(0)
    expect(soon.json().due.map((d: any) => d.status)).toEqual(['due-soon'])
    expect((await cli(['calibrations', '--due-within', '5', '--db', path2])).stdout).toMatch(/No instrument is overdue or due within 5 days/)
  })

  it('says what is wrong with bad arguments, in one line, before touching any instrument', async () => {
    const path = db()
    const cases: Array<[string[], RegExp]> = [
      [['calibrate', '--load', '1k@3.3'], /Name the analyzer to calibrate: --analyzer ID/],
      [['calibrate', '--analyzer', 'virtual:fakecal', '--load', '1k'], /"1k" is not a reference load\. Write a load as OHMS@VOLTS/],
      [['calibrate', '--analyzer', 'virtual:fakecal', '--skip-zero'], /at least one reference load/],
      [['calibrate', '--analyzer', 'virtual:nope', '--load', '1k@3.3'], /no driver for "nope" yet\. Analyzers it can drive: .*lpm01a/],
      [['calibrate', '--analyzer', 'virtual:fakecal', '--load', '1k@3.3', '--mode', 'magic'], /--mode is source or ampere/],
      [['calibrate', '--analyzer', 'virtual:fakecal', '--load', '1k@3.3', '--dry-run', '--certificate', 'x.html'], /need a stored record/],
      [['calibrations', '--certificate', 'cal-000000000000'], /no calibration record "cal-000000000000"/]
    ]
    for (const [args, message] of cases) {
      const r = await cli([...args, '--db', path])
      expect(r.code, args.join(' ')).toBe(1)
      expect(r.stderr, args.join(' ')).toMatch(message)
      expect(r.stderr.trim().split('\n')).toHaveLength(1)
    }
    // --dry-run stores nothing
    await cli(['calibrate', '--analyzer', 'virtual:fakecal', '--load', '1k@3.3', '--settle', '0', '--window', '0.02', '--dry-run', '--db', path])
    expect((await cli(['calibrations', '--db', path, '--json'])).json().calibrations).toEqual([])
    expect(existsSync(path)).toBe(true)
  })
})
