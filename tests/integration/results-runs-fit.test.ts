import { mkdtempSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { beforeAll, describe, expect, it } from 'vitest'
import { cli } from '../helpers/cli'
import { IDLE_A, makeRunsWorkspace, SUPPLY_V, SWEEP } from '../helpers/results-runs-workspace'

/**
 * Fits over runs the virtual bench really made: two "implementations" of a virtual DUT whose every
 * inference costs latencyPerMacS·MACs seconds and energyPerMacJ·MACs joules above an idle floor, each
 * run with a different model size. The slopes `joulebench fit` finds over the stored runs must be the
 * DUT's per-MAC law, worked out here from the plan: latency slope = latencyPerMacS; gross energy slope =
 * energyPerMacJ + idle current · supply · latencyPerMacS (the idle floor flows during the inference too).
 */

const IMPLEMENTATIONS = SWEEP

const dir = mkdtempSync(join(tmpdir(), 'jb-results-runs-'))
const db = join(dir, 'workspace.db')

describe('fit over runs made on the virtual bench', () => {
  beforeAll(async () => {
    await makeRunsWorkspace(dir, db, { stages: false })
  })

  it('finds the virtual DUT’s per-MAC law of latency and energy for each implementation', async () => {
    const e = await cli(['fit', '--x', 'macs', '--y', 'energy', '--group', 'implementation', '--db', db, '--json'])
    expect(e.code, e.stdout + e.stderr).toBe(0)
    const energy = e.json()
    expect(energy.slopeUnit).toBe('J/MAC')
    expect(energy.groups.map((g: { key: string; n: number }) => [g.key, g.n])).toEqual([
      ['naive', 3],
      ['SIMD', 3]
    ])
    for (const g of energy.groups) {
      const k = IMPLEMENTATIONS[g.key as keyof typeof IMPLEMENTATIONS]
      const expected = k.energyPerMacJ + IDLE_A * SUPPLY_V * k.latencyPerMacS
      expect(Math.abs(g.slope / expected - 1)).toBeLessThan(0.01)
      // The law has no fixed cost: the intercept is a few samples' worth of energy at most.
      expect(Math.abs(g.intercept)).toBeLessThan(expected * 20_000)
      expect(g.r2).toBeGreaterThan(0.9999)
    }
    const l = await cli(['fit', '--x', 'macs', '--y', 'latency', '--group', 'implementation', '--db', db, '--json'])
    for (const g of l.json().groups) {
      const k = IMPLEMENTATIONS[g.key as keyof typeof IMPLEMENTATIONS]
      expect(Math.abs(g.slope / k.latencyPerMacS - 1)).toBeLessThan(0.01)
    }
    // SIMD's energy per MAC over naive's, as the slope ratio.
    const ratio = energy.slopeRatios[0]
    const law = (k: (typeof IMPLEMENTATIONS)[keyof typeof IMPLEMENTATIONS]) => k.energyPerMacJ + IDLE_A * SUPPLY_V * k.latencyPerMacS
    expect(ratio.key).toBe('SIMD')
    expect(ratio.ratio).toBeCloseTo(law(IMPLEMENTATIONS.SIMD) / law(IMPLEMENTATIONS.naive), 2)
  })

  it('fits one group when filtered to it, and says how many runs the filter left out', async () => {
    const r = await cli(['fit', '--x', 'macs', '--y', 'latency', '--filter', 'implementation=SIMD', '--db', db, '--json'])
    expect(r.code).toBe(0)
    const doc = r.json()
    expect(doc.filteredOut).toBe(3)
    expect(doc.groups).toHaveLength(1)
    expect(Math.abs(doc.groups[0].slope / IMPLEMENTATIONS.SIMD.latencyPerMacS - 1)).toBeLessThan(0.01)
    const text = await cli(['fit', '--x', 'macs', '--y', 'latency', '--filter', 'implementation=SIMD', '--db', db])
    expect(text.stdout).toMatch(/implementation = SIMD \(3 runs filtered out\)/)
    expect(text.stdout).toMatch(/3 runs used/)
    expect(text.stdout).toMatch(/ 4\.0\d+ ns\/MAC/)
  })

  it('lists the runs with their figures as JSON and CSV, and compares the implementations', async () => {
    const r = await cli(['results', '--db', db, '--json', '--compare', 'implementation', '--baseline', 'naive'])
    expect(r.code, r.stderr).toBe(0)
    const doc = r.json()
    expect(doc.runs).toHaveLength(6)
    for (const run of doc.runs) {
      const k = IMPLEMENTATIONS[run.implementation as keyof typeof IMPLEMENTATIONS]
      // infer 6 1: six measured inferences after one warm-up.
      expect(run.n).toBe(6)
      expect(Math.abs(run.latency / (k.latencyPerMacS * run.macs) - 1)).toBeLessThan(0.01)
      expect(run.energyLow).toBeLessThanOrEqual(run.energy)
      expect(run.energyHigh).toBeGreaterThanOrEqual(run.energy)
      expect(run.analyzer).toMatch(/virtual/)
    }
    // Means over every measured inference of each group: the runs of both groups span the same MACs,
    // so the latency ratio is the ratio of the per-MAC laws.
    const c = doc.comparison.comparisons[0]
    expect(c.name).toBe('SIMD')
    expect(c.latency.ratio).toBeCloseTo(IMPLEMENTATIONS.SIMD.latencyPerMacS / IMPLEMENTATIONS.naive.latencyPerMacS, 2)
    expect(c.sentence).toMatch(/^SIMD is 2\.50× faster than naive/)

    const csv = await cli(['results', '--db', db, '--csv', '--filter', 'implementation=naive'])
    const lines = csv.stdout.trim().split('\r\n')
    expect(lines).toHaveLength(4)
    const head = lines[0].split(',')
    expect(head).toContain('energy (J)')
    expect(head).toContain('latency (s)')
    const lat = head.indexOf('latency (s)')
    const macs = head.indexOf('macs')
    for (const line of lines.slice(1)) {
      const cells = line.split(',')
      expect(Math.abs(Number(cells[lat]) / (Number(cells[macs]) * IMPLEMENTATIONS.naive.latencyPerMacS) - 1)).toBeLessThan(0.01)
    }
  })

  it('writes a run report with its trace drawn from the recording', async () => {
    const out = join(dir, 'run-1.html')
    const r = await cli(['report', '1', '--html', out, '--db', db, '--json'])
    expect(r.code, r.stderr).toBe(0)
    const html = readFileSync(out, 'utf8')
    expect(html).toContain('data-role="envelope"')
    // One shaded span per inference found: 6 measured and the warm-up (in orange).
    expect(html.match(/data-role="span" data-kind="inference"/g)).toHaveLength(7)
    expect(html.match(/data-role="span" data-kind="inference" data-span-role="warmup"/g)).toHaveLength(1)
    expect(html).toContain('conv naive 1M')
    const cmp = join(dir, 'cmp.html')
    const c = await cli(['report', '--group', 'implementation', '--html', cmp, '--db', db, '--json'])
    expect(c.code, c.stderr).toBe(0)
    expect(c.json().runIds).toHaveLength(6)
    const cmpHtml = readFileSync(cmp, 'utf8')
    expect(cmpHtml).toMatch(/SIMD is 2\.50× faster than naive/)
    expect(cmpHtml.match(/data-role="fit"/g)!.length).toBe(4)
  })
})
