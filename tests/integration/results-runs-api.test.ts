import { copyFileSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { ApiMethod, ApiParams, ApiResult } from '../../src-main/api/contract'
import { JoulebenchCore } from '../../src-main/api/core'
import type { DiscoverySources } from '../../src-main/instruments/discovery'
import { cli } from '../helpers/cli'
import { makeRunsWorkspace, NPU_STAGES } from '../helpers/results-runs-workspace'

/**
 * The Results API over runs, through the core as every window calls it: listing with filters, fits,
 * comparisons of μNPU runs with their stages, reports, attaching a firmware image, and merging.
 */

const noHardware: DiscoverySources = { listSerialPorts: async () => [], listUsbDevices: async () => [] }
const dir = mkdtempSync(join(tmpdir(), 'jb-results-runs-api-'))
const source = join(dir, 'source.db')
let core: JoulebenchCore
let nextId = 1

async function call<M extends ApiMethod>(method: M, params: ApiParams<M>, on = core): Promise<ApiResult<M>> {
  const reply = await on.handle({ id: nextId++, method, params })
  if (!reply.ok) throw new Error(`${method}: ${reply.error.code}: ${reply.error.message} ${JSON.stringify(reply.error.issues ?? [])}`)
  return reply.result as ApiResult<M>
}

async function failure(method: string, params: unknown): Promise<{ code: string; message: string }> {
  const reply = await core.handle({ id: nextId++, method, params })
  if (reply.ok) throw new Error(`${method} should have failed`)
  return reply.error
}

describe('results API over runs', () => {
  beforeAll(async () => {
    await makeRunsWorkspace(dir, source)
    const work = join(dir, 'work.db')
    copyFileSync(source, work)
    core = new JoulebenchCore({ dbPath: work, host: 'test', discovery: noHardware })
  })
  afterAll(async () => {
    await core?.close()
  })

  it('lists runs with the filter values every run offers, and filters by tags', async () => {
    const all = await call('results.runs', {})
    expect(all.total).toBe(8)
    expect(all.rowCount).toBe(8)
    const device = all.categories.find((c) => c.name === 'device')!
    expect(Object.fromEntries(device.values.map((v) => [v.label, v.rows]))).toEqual({ 'HX-WE2': 1, MAX78000: 1, 'virtual DUT': 6 })
    expect(all.groupFields).toEqual(expect.arrayContaining(['device', 'implementation', 'model']))
    expect(all.stages).toEqual(['init', 'memory', 'inference', 'post'])
    const npu = await call('results.runs', { filter: { tag: ['unpu'] } })
    expect(npu.rows.map((r) => r.labels.device)).toEqual(['MAX78000', 'HX-WE2'])
    expect(npu.filteredOut).toBe(6)
    // The categories still offer every value, so a filter can be widened again.
    expect(npu.categories.find((c) => c.name === 'device')!.values).toHaveLength(3)
    const bad = await failure('results.runs', { filter: { colour: ['red'] } })
    expect(bad.message).toMatch(/cannot be filtered by "colour"/)
  })

  it('compares the μNPU runs over their inferences and breaks them into stages', async () => {
    const c = await call('results.runsCompare', { group: ['device'], filter: { tag: ['unpu'] }, baseline: 'MAX78000' })
    const total = (d: keyof typeof NPU_STAGES, i: 0 | 1) => Object.values(NPU_STAGES[d]).reduce((a, s) => a + s[i], 0)
    const r = c.comparisons[0]
    expect(r.name).toBe('HX-WE2')
    // Stage figures vary by ±2 % around their means: the ratio of the sums to within that.
    expect(r.latency!.ratio).toBeCloseTo(total('HX-WE2', 0) / total('MAX78000', 0), 1)
    expect(r.energy!.ratio).toBeCloseTo(total('HX-WE2', 1) / total('MAX78000', 1), 1)
    expect(r.latency!.lower).toBeLessThan(r.latency!.ratio)
    expect(c.groups.map((g) => g.latency!.n)).toEqual([20, 20])
    const s = await call('results.runsStages', { filter: { tag: ['unpu'] } })
    expect(s.stages).toEqual(['init', 'memory', 'inference', 'post'])
    const max = s.bars.find((b) => b.label.includes('MAX78000'))!
    expect(max.latencyS.memory / max.totalLatencyS).toBeCloseTo(9.0 / 15.5, 1)
    const sweep = await call('results.runsStages', { filter: { tag: ['sweep'] } })
    expect(sweep.bars).toHaveLength(0)
    expect(sweep.withoutStages).toHaveLength(6)
  })

  it('prints the stage breakdown and attaches a firmware image from the command line', async () => {
    const r = await cli(['results', '--stages', '--filter', 'tag=unpu', '--db', source])
    expect(r.code, r.stderr).toBe(0)
    expect(r.stdout).toMatch(/2 of 8 runs \(tag = unpu\)/)
    const line = /#7 resnet on MAX78000: Initialisation ([\d.]+) ms \/ ([\d.]+) µJ, Memory I\/O ([\d.]+) ms \/ ([\d.]+) µJ, Inference ([\d.]+) ms/.exec(r.stdout)
    expect(line, r.stdout).not.toBeNull()
    const [initMs, initUj, memMs, memUj, infMs] = line!.slice(1).map(Number)
    const near = (a: number, b: number) => expect(Math.abs(a / b - 1)).toBeLessThan(0.03)
    near(initMs, NPU_STAGES.MAX78000.init[0] * 1e3)
    near(initUj, NPU_STAGES.MAX78000.init[1] * 1e6)
    near(memMs, NPU_STAGES.MAX78000.memory[0] * 1e3)
    near(memUj, NPU_STAGES.MAX78000.memory[1] * 1e6)
    near(infMs, NPU_STAGES.MAX78000.inference[0] * 1e3)
    const a = await cli(['results', '--attach', '7', '/usr/bin/true', '--db', source, '--json'])
    expect(a.code, a.stderr).toBe(0)
    expect(a.json()).toMatchObject({ runId: 7, role: 'firmware', fileName: 'true' })
    const listed = (await cli(['results', '--filter', 'device=MAX78000', '--db', source, '--json'])).json()
    expect(listed.runs[0].flashBytes).toBe(a.json().facts.flashBytes)
    expect(listed.runs[0].firmwareFile).toBe('true')
    const bad = await cli(['results', '--filter', 'colour=red', '--db', source])
    expect(bad.code).toBe(2)
    expect(bad.stderr).toMatch(/--filter colour=…: runs are filtered by device, accelerator/)
  })

  it('fits over the runs a filter keeps', async () => {
    const f = await call('results.runsFit', { x: 'macs', y: 'latency', group: ['implementation'], filter: { tag: ['sweep'] } })
    expect(f.groups.map((g) => g.key)).toEqual(['naive', 'SIMD'])
    expect(f.filteredOut).toBe(2)
    expect(f.groups[0].fit!.slope).toBeCloseTo(10e-9, 10)
  })

  it('keeps a firmware image’s facts with a run and shows them in its row and report', async () => {
    const runs = await call('results.runs', { filter: { device: ['MAX78000'] } })
    const id = runs.rows[0].line
    const bytes = new Uint8Array(readFileSync(process.execPath))
    const attached = await call('results.attachRunFile', { id, name: 'firmware.elf', path: process.execPath })
    expect(attached.role).toBe('firmware')
    expect(attached.facts.kind).toBe('elf')
    expect(attached.fileBytes).toBe(bytes.byteLength)
    const row = (await call('results.runs', { filter: { device: ['MAX78000'] } })).rows[0]
    expect(row.values.flashBytes).toBe(attached.facts.kind === 'elf' ? attached.facts.flashBytes : -1)
    const report = await call('results.runReport', { id })
    expect(report.fileName).toBe(`run-${id}-report.html`)
    expect(report.html).toContain('data-testid="facts-firmware"')
    expect(report.html).toContain('Initialisation')
    const notElf = await failure('results.attachRunFile', { id, name: 'notes.txt', bytes: new TextEncoder().encode('hello') })
    expect(notElf.message).toMatch(/notes\.txt is not a file joulebench can describe/)
  })

  it('writes a comparison report of the runs a filter keeps', async () => {
    const r = await call('results.runsReport', { filter: { tag: ['unpu'] }, group: ['device'], baseline: 'MAX78000' })
    expect(r.runIds).toHaveLength(2)
    expect(r.html).toMatch(/HX-WE2 is \d\.\d\d× faster than MAX78000/)
    expect(r.html).toContain('data-quantity="energy"')
  })

  it('merges a workspace file through the API, refusing while a capture would be written to', async () => {
    const field = join(dir, 'field.db')
    copyFileSync(source, field)
    const dry = await call('workspace.merge', { path: field, dryRun: true })
    // A copy of the same runs: nothing to add.
    expect(dry.added.runs).toBe(0)
    expect(dry.skipped.runs).toBe(8)
    writeFileSync(join(dir, 'junk.db'), 'not a database at all')
    const refused = await failure('workspace.merge', { path: join(dir, 'junk.db') })
    expect(refused.message).toMatch(/junk\.db is not a Joulebench workspace/)

    // While a run writes its recording, a merge would hold the workspace: refused, a dry run is not.
    const plan = await call('plans.default', { kind: 'performance' })
    const started = await call('runs.start', { plan })
    const busy = await failure('workspace.merge', { path: field })
    expect(busy.message).toMatch(new RegExp(`Run ${started.runId} is in progress`))
    expect((await call('workspace.merge', { path: field, dryRun: true })).dryRun).toBe(true)
    await call('runs.cancel', { id: started.runId })
    while (core.runs.current) await new Promise((r) => setTimeout(r, 50))
    const after = await call('workspace.merge', { path: field })
    expect(after.added.runs).toBe(0)
  })
})
