import { mkdtempSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { cli } from '../helpers/cli'

/** `joulebench wiring`: the plan and diagram without an instrument, and live checks on the virtual bench. */
describe('joulebench wiring', () => {
  it('prints the steps of the plan and writes the diagram', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'jb-wiring-cli-'))
    const svg = join(dir, 'plan.svg')
    const r = await cli(['wiring', '--analyzer', 'ppk2', '--board', 'nucleo-f401re', '--svg', svg, '--db', join(dir, 'w.db')])
    expect(r.code, r.stderr).toBe(0)
    expect(r.stdout).toMatch(/^Wiring ppk2 → nucleo-f401re, source-meter, 3\.3 V\n\n1\. Prepare the board\n/)
    expect(r.stdout).toMatch(/\n4\. Switch on and let the DUT run {2}\[checks: supply-in-range, supply-present, current-limit, dut-draws-current\]\n/)
    expect(r.stderr).toBe(`Diagram written to ${svg}.\n`)
    expect(readFileSync(svg, 'utf8')).toMatch(/^<svg[^>]*>[\s\S]*>w5<[\s\S]*<\/svg>$/)
    const j = await cli(['wiring', '--analyzer', 'lpm01a', '--board', 'nucleo-l4r5zi', '--method', 'mlperf-energy', '--json', '--db', join(dir, 'w.db')])
    expect(j.json().plan.steps.map((s: { id: string }) => s.id)).toContain('serial')
  })

  it('checks the virtual PPK2 live: passes as wired, exit code 4 and the reason with a staged short', async () => {
    const db = join(mkdtempSync(join(tmpdir(), 'jb-wiring-cli-')), 'w.db')
    const base = ['wiring', '--analyzer', 'ppk2', '--board', 'nucleo-f401re', '--check', 'virtual:ppk2', '--db', db]
    const ok = await cli([...base, '--json'])
    expect(ok.code, ok.stderr).toBe(0)
    expect(ok.json().report.ok).toBe(true)
    const short = await cli([...base, '--step', 'power', '--fault', 'short'])
    expect(short.code).toBe(4)
    expect(short.stdout).toMatch(/virtual bench fault staged: short/)
    expect(short.stdout).toMatch(/fail {4}Nothing exceeds the current limit \(measured 1(\.\d+)? A, expected ≤ 100 mA\): The current reached .*shorted to ground\.\n {10}try: Switch the supply off now/)
  })

  it('refuses what it cannot do, in one line', async () => {
    const db = join(mkdtempSync(join(tmpdir(), 'jb-wiring-cli-')), 'w.db')
    const r = await cli(['wiring', '--analyzer', 'js220', '--board', 'nucleo-f401re', '--method', 'source-meter', '--db', db])
    expect(r.code).toBe(1)
    expect(r.stderr).toMatch(/^joulebench: Joulescope JS220 cannot be wired as analyzer as source meter/)
    const f = await cli(['wiring', '--analyzer', 'ppk2', '--board', 'nucleo-f401re', '--check', 'ppk2:/dev/ttyACM9', '--fault', 'short', '--db', db])
    expect(f.stderr).toBe('joulebench: --fault stages a fault on the virtual bench; ppk2:/dev/ttyACM9 is not a virtual instrument.\n')
  })
})
