import { mkdtempSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import { afterEach, describe, expect, it } from 'vitest'
import type { ApiMethod, ApiParams, ApiResult } from '../../src-main/api/contract'
import { JoulebenchCore } from '../../src-main/api/core'
import type { DiscoverySources } from '../../src-main/instruments/discovery'
import { prng } from '../helpers/prng'

const DATA = '/work/shared/data/convolution-primitives'
const FILTERS = 'Filters_Latency_And_Energy.csv'
const filtersText = readFileSync(join(DATA, FILTERS), 'utf8')
const noHardware: DiscoverySources = { listSerialPorts: async () => [], listUsbDevices: async () => [] }

/** The study's filters sweep mapped as its README describes: base layer 32×32, C=16, K=3, grouped G=2. */
const STUDY_MAPPING = {
  columns: { energy: 'Consumption (J)', latency: 'Latency (s)', primitive: 'Layer type', cy: 'Filters' },
  base: { hy: 32, wy: 32, cx: 16, cy: 16, k: 3, g: 2 }
}
const NOT_ADD = { 'Layer type': ['Conv', 'GroupConv', 'DepthwiseConv', 'ShiftConv'] }

describe('results API over a real workspace file', () => {
  const cores: JoulebenchCore[] = []
  afterEach(() => {
    for (const c of cores.splice(0)) c.close()
  })
  const dir = () => mkdtempSync(join(tmpdir(), 'jb-results-'))
  const open = (dbPath: string) => {
    const core = new JoulebenchCore({ dbPath, host: 'test', discovery: noHardware })
    cores.push(core)
    return core
  }
  let nextId = 1
  async function call<M extends ApiMethod>(core: JoulebenchCore, method: M, params: ApiParams<M>): Promise<ApiResult<M>> {
    const reply = await core.handle({ id: nextId++, method, params })
    if (!reply.ok) throw new Error(`${method}: ${reply.error.code}: ${reply.error.message} ${JSON.stringify(reply.error.issues ?? [])}`)
    return reply.result as ApiResult<M>
  }
  async function failure(core: JoulebenchCore, method: string, params: unknown) {
    const reply = await core.handle({ id: nextId++, method, params })
    expect(reply.ok).toBe(false)
    if (reply.ok) throw new Error('expected a failure')
    return reply.error
  }

  it("imports the study's table, maps it, and fits the README's slopes per implementation", async () => {
    const core = open(join(dir(), 'w.db'))
    const { table, existing } = await call(core, 'results.importTable', { name: FILTERS, text: filtersText })
    expect(existing).toBe(false)
    expect(table).toMatchObject({ name: FILTERS, rowCount: 56, columns: ['DSP', 'Layer type', 'Filters', 'Latency (s)', 'Consumption (J)'], mapped: false })

    const preview = await call(core, 'results.previewTable', { id: table.id })
    expect(preview.mappingOrigin).toBe('suggested')
    // The layer type column holds primitive names only; "Filters" names the output channels.
    expect(preview.mapping.columns).toMatchObject({ energy: 'Consumption (J)', latency: 'Latency (s)', primitive: 'Layer type', cy: 'Filters' })
    expect(preview.mapping).toMatchObject({ x: 'macs', y: 'energy', group: ['DSP'] })
    expect(preview.mapping.base).toBeUndefined()
    expect(preview.samples['Layer type'].sort()).toEqual(['AddConv', 'Conv', 'DepthwiseConv', 'GroupConv', 'ShiftConv'])

    // Trying a mapping in the preview derives MACs without saving anything: Conv, C_y=8 → 32·32·9·16·8.
    const tried = await call(core, 'results.previewTable', { id: table.id, mapping: STUDY_MAPPING, rows: 200 })
    expect(tried.mappingOrigin).toBe('given')
    const convRow = tried.rows.find((r) => r.labels['Layer type'] === 'Conv' && r.labels.Filters === '8')!
    expect(convRow.values.macs).toBe(32 * 32 * 9 * 16 * 8)
    const shiftRow = tried.rows.find((r) => r.labels['Layer type'] === 'ShiftConv' && r.labels.Filters === '32')!
    expect(shiftRow.values.macs).toBe(32 * 32 * 16 * 32)
    expect((await call(core, 'results.previewTable', { id: table.id })).mappingOrigin).toBe('suggested')

    await call(core, 'results.saveMapping', { id: table.id, mapping: STUDY_MAPPING })
    const fit = await call(core, 'results.fit', { id: table.id, x: 'macs', y: 'energy', group: ['DSP'], filter: NOT_ADD })
    expect(fit.groups.map((g) => g.key)).toEqual(['DSP=0', 'DSP=1', 'DSP=2'])
    expect(fit.groups.map((g) => g.n)).toEqual([16, 16, 16])
    expect(fit.filteredOut).toBe(8)
    expect(fit.slopeUnit).toBe('J/MAC')
    // README: 20.93, 6.38, 2.89 nJ/MAC; R² 0.988, 0.987, 0.944.
    expect(fit.groups.map((g) => Number((g.fit!.slope * 1e9).toPrecision(3)))).toEqual([20.9, 6.38, 2.89])
    expect(fit.groups.map((g) => Number(g.fit!.r2!.toPrecision(3)))).toEqual([0.988, 0.987, 0.944])
    // The band brackets the line at every sampled x and spans the group's MACs.
    for (const g of fit.groups) {
      expect(g.band.length).toBe(50)
      for (const b of g.band) expect(b.lower! < b.y && b.y < b.upper!).toBe(true)
      expect(g.band[0].x).toBe(Math.min(...g.points.map((p) => p.x)))
    }
    const logBand = await call(core, 'results.fit', { id: table.id, x: 'macs', y: 'energy', group: ['DSP'], filter: NOT_ADD, bandSpacing: 'log', bandPoints: 5 })
    const xs = logBand.groups[0].band.map((b) => b.x)
    expect(xs[1] / xs[0]).toBeCloseTo(xs[4] / xs[3], 9)
  })

  it('keeps imported tables, their mapping and view across a restart, and shares the mapping with the same shape', async () => {
    const dbPath = join(dir(), 'w.db')
    let core = open(dbPath)
    const { table } = await call(core, 'results.importTable', { name: FILTERS, text: filtersText })
    await call(core, 'results.saveMapping', { id: table.id, mapping: STUDY_MAPPING })
    await call(core, 'results.saveView', { id: table.id, view: { x: 'macs', y: 'latency', group: ['DSP'], filter: NOT_ADD, logX: true } })
    // The same text again is the same table, not a twin.
    expect((await call(core, 'results.importTable', { name: 'copy.csv', text: filtersText })).existing).toBe(true)
    core.close()
    cores.splice(0)

    core = open(dbPath)
    const { tables } = await call(core, 'results.listTables', {})
    expect(tables.map((t) => [t.name, t.mapped])).toEqual([[FILTERS, true]])
    const opened = await call(core, 'results.openTable', { id: table.id })
    expect(opened.mappingOrigin).toBe('table')
    expect(opened.mapping).toMatchObject(STUDY_MAPPING)
    expect(opened.view).toEqual({ x: 'macs', y: 'latency', group: ['DSP'], filter: NOT_ADD, logX: true })

    // Another file with the same columns (in another order) opens with the saved mapping.
    const lines = filtersText.trim().split(/\r?\n/)
    const reordered = ['Filters,DSP,Layer type,Consumption (J),Latency (s)']
    for (const l of lines.slice(1, 20)) {
      const [dsp, type, filters, lat, energy] = l.split(',')
      reordered.push([filters, dsp, type, energy, lat].join(','))
    }
    const second = await call(core, 'results.importTable', { name: 'subset.csv', text: reordered.join('\n') })
    const preview = await call(core, 'results.previewTable', { id: second.table.id })
    expect(preview.mappingOrigin).toBe('shape')
    expect(preview.mapping.base).toEqual(STUDY_MAPPING.base)

    expect(await call(core, 'results.removeTable', { id: second.table.id })).toEqual({ removed: true })
    expect((await call(core, 'results.listTables', {})).tables).toHaveLength(1)
  })

  it('sets a damaged saved mapping aside and still opens the table', async () => {
    const dbPath = join(dir(), 'w.db')
    let core = open(dbPath)
    const { table } = await call(core, 'results.importTable', { name: FILTERS, text: filtersText })
    await call(core, 'results.saveMapping', { id: table.id, mapping: STUDY_MAPPING })
    core.close()
    cores.splice(0)
    // Both copies of the mapping damaged behind the app's back (a bad disk, a hand edit).
    const db = new Database(dbPath)
    db.prepare('UPDATE published_tables SET mapping_json = ?').run('{"columns": 7')
    db.prepare('UPDATE table_column_mappings SET mapping_json = ?').run('[]')
    db.close()

    core = open(dbPath)
    const opened = await call(core, 'results.openTable', { id: table.id })
    expect(opened.mappingOrigin).toBe('suggested')
    expect(opened.mappingNote).toMatch(/mapping saved for this table is damaged and was set aside; the mapping saved for tables with these columns is damaged.*showing a suggestion/)
    expect(opened.rowCount).toBe(56)
    // Saving again mends it.
    await call(core, 'results.saveMapping', { id: table.id, mapping: STUDY_MAPPING })
    expect((await call(core, 'results.openTable', { id: table.id })).mappingOrigin).toBe('table')
  })

  it('filters rows and offers the values to filter by', async () => {
    const core = open(join(dir(), 'w.db'))
    const { table } = await call(core, 'results.importTable', { name: FILTERS, text: filtersText })
    await call(core, 'results.saveMapping', { id: table.id, mapping: STUDY_MAPPING })
    const all = await call(core, 'results.openTable', { id: table.id })
    expect(all.rowCount).toBe(56)
    const types = all.categories.find((c) => c.column === 'Layer type')!
    expect(types.values).toEqual(['AddConv', 'Conv', 'DepthwiseConv', 'GroupConv', 'ShiftConv'].map((label) => ({ label, rows: label === 'AddConv' ? 8 : 12 })))
    const dsp = all.categories.find((c) => c.name === 'DSP')!
    expect(dsp.values.map((v) => v.label)).toEqual(['0', '1', '2'])
    // "2.0" keeps the rows written "2".
    const two = await call(core, 'results.openTable', { id: table.id, filter: { DSP: ['2.0'], primitive: ['Conv'] } })
    expect(two.rowCount).toBe(4)
    expect(two.rows.every((r) => r.labels.DSP === '2' && r.labels['Layer type'] === 'Conv')).toBe(true)
    expect(two.filteredOut).toBe(52)
    const err = await failure(core, 'results.openTable', { id: table.id, filter: { Colour: ['red'] } })
    expect(err.message).toMatch(/Filters_Latency_And_Energy\.csv: the filter "Colour" is neither a mapped field nor a column/)
  })

  it('compares groups as paired ratios and as ratios of means, with sentences', async () => {
    const core = open(join(dir(), 'w.db'))
    const { table } = await call(core, 'results.importTable', { name: FILTERS, text: filtersText })
    await call(core, 'results.saveMapping', { id: table.id, mapping: STUDY_MAPPING })
    // Independent reading of the file: rows as [DSP, type, filters, latency, energy].
    const rows = filtersText.trim().split(/\r?\n/).slice(1).map((l) => l.split(','))
    const cell = (dsp: string, type: string, filters: string, col: 3 | 4) => Number(rows.find((r) => r[0] === dsp && r[1] === type && r[2] === filters)![col])

    // One pair: standard convolution with 16 filters, SIMD (DSP 2) against naive (DSP 0).
    const one = await call(core, 'results.compare', { id: table.id, group: ['DSP'], baseline: 'DSP=0', pairBy: ['Layer type', 'Filters'], filter: { 'Layer type': ['Conv'], Filters: ['16'] } })
    const simd = one.comparisons.find((c) => c.name === 'DSP=2')!
    expect(simd.pairs).toBe(1)
    expect(simd.latency!.ratio).toBeCloseTo(cell('2', 'Conv', '16', 3) / cell('0', 'Conv', '16', 3), 12)
    expect(simd.energy!.ratio).toBeCloseTo(cell('2', 'Conv', '16', 4) / cell('0', 'Conv', '16', 4), 12)
    expect(simd.latency!.lower).toBeNull()
    const speedup = cell('0', 'Conv', '16', 3) / cell('2', 'Conv', '16', 3)
    expect(simd.sentence).toBe(
      `DSP=2 is ${speedup.toFixed(2)}× faster than DSP=0, at ${(simd.power!.ratio).toFixed(2)}× the power and ${(simd.energy!.ratio).toFixed(2)}× the energy`
    )
    // The seed notes (from the rounded 0.826 s and 0.110 s): SIMD ≈ 7.5× faster than naive on this layer.
    expect(speedup).toBeCloseTo(7.5, 0)

    // All non-add layers paired: the geometric mean of the per-layer ratios, with a t interval.
    const paired = await call(core, 'results.compare', { id: table.id, group: ['DSP'], pairBy: ['Layer type', 'Filters'], filter: NOT_ADD })
    expect(paired.mode).toBe('paired')
    expect(paired.baseline).toBe('DSP=0')
    const logs = rows
      .filter((r) => r[0] === '1' && r[1] !== 'AddConv')
      .map((r) => Math.log(Number(r[4]) / cell('0', r[1], r[2], 4)))
    const gm = Math.exp(logs.reduce((s, v) => s + v, 0) / logs.length)
    const im2col = paired.comparisons.find((c) => c.name === 'DSP=1')!
    expect(im2col.pairs).toBe(16)
    expect(im2col.energy!.ratio).toBeCloseTo(gm, 12)
    expect(im2col.energy!.lower!).toBeLessThan(gm)
    expect(im2col.energy!.upper!).toBeGreaterThan(gm)

    // Without pairing: ratio of the group means.
    const means = await call(core, 'results.compare', { id: table.id, group: ['DSP'], filter: NOT_ADD })
    const mean = (dsp: string) => {
      const v = rows.filter((r) => r[0] === dsp && r[1] !== 'AddConv').map((r) => Number(r[3]))
      return v.reduce((s, x) => s + x, 0) / v.length
    }
    expect(means.mode).toBe('means')
    expect(means.comparisons.find((c) => c.name === 'DSP=2')!.latency!.ratio).toBeCloseTo(mean('2') / mean('0'), 12)

    const noBaseline = await failure(core, 'results.compare', { id: table.id, group: ['DSP'], baseline: 'DSP=7' })
    expect(noBaseline.message).toMatch(/no group is named "DSP=7" \(groups: DSP=0; DSP=1; DSP=2\)/)
  })

  it('writes a self-contained HTML report holding the fits and the comparison', async () => {
    const core = open(join(dir(), 'w.db'))
    const { table } = await call(core, 'results.importTable', { name: FILTERS, text: filtersText })
    await call(core, 'results.saveMapping', { id: table.id, mapping: STUDY_MAPPING })
    const report = await call(core, 'results.report', {
      id: table.id,
      plots: [{ x: 'macs', y: 'energy' }, { x: 'macs', y: 'latency', logX: true, logY: true }],
      group: ['DSP'],
      filter: NOT_ADD,
      compare: { pairBy: ['Layer type', 'Filters'] }
    })
    expect(report.fileName).toBe('Filters_Latency_And_Energy-report.html')
    const html = report.html
    expect(html).toMatch(/^<!doctype html>/)
    expect(html.match(/<svg /g)).toHaveLength(2)
    expect(html).not.toMatch(/<script|<link|<img|<iframe|url\(http|src=|href=/i)
    // The energy table comes first, its slopes in nJ/MAC; the README's to three figures.
    expect(html).toMatch(/Slope \(nJ\/MAC\)[\s\S]*Slope \(ns\/MAC\)/)
    const slopes = [...html.matchAll(/<tr data-group="(DSP=\d)"><td>[^<]*<\/td><td class="num">16<\/td><td class="num">([\d.]+)<\/td>/g)].map((m) => [m[1], Number(m[2]).toPrecision(3)])
    expect(slopes.slice(0, 3)).toEqual([['DSP=0', '20.9'], ['DSP=1', '6.38'], ['DSP=2', '2.89']])
    // Latency slopes of the seed notes: ≈345, 109, 40 ns/MAC.
    expect(slopes.slice(3).map(([, v]) => Math.round(Number(v)))).toEqual([345, 109, 40])
    expect(html).toContain('DSP=2 is ')
    expect(html).toContain(table.sha256)
  })

  it('describes a model sent as bytes or by path, and refuses neither or both', async () => {
    const core = open(join(dir(), 'w.db'))
    const path = '/work/shared/data/mlperf-tiny/ad01_int8.tflite'
    const bytes = new Uint8Array(readFileSync(path))
    const facts = await call(core, 'results.describeModel', { name: 'ad01_int8.tflite', bytes })
    // Ten dense layers 640→128→128→128→128→8→128→128→128→128→640.
    const widths = [640, 128, 128, 128, 128, 8, 128, 128, 128, 128, 640]
    const macs = widths.slice(1).reduce((s, w, i) => s + w * widths[i], 0)
    expect(facts.kind).toBe('tflite')
    if (facts.kind === 'tflite') expect(facts.macs).toBe(macs)
    expect(await call(core, 'results.describeModel', { name: 'ad01_int8.tflite', path })).toMatchObject({ kind: 'tflite', macs })
    const neither = await failure(core, 'results.describeModel', { name: 'x.tflite' })
    expect(neither.code).toBe('invalid-params')
    expect(neither.issues?.[0]?.message).toMatch(/either as bytes or as a path/)
    const junk = await failure(core, 'results.describeModel', { name: 'notes.txt', bytes: new Uint8Array([1, 2, 3]) })
    expect(junk.message).toMatch(/notes\.txt is not a file joulebench can describe/)
  })

  it('refuses oversized and malformed tables with messages that name the file', async () => {
    const core = open(join(dir(), 'w.db'))
    const big = await failure(core, 'results.importTable', { name: 'huge.csv', text: 'a,b\n' + '1,2\n'.repeat(2 * 1024 * 1024 + 1) })
    expect(big.code).toBe('invalid-params')
    expect(big.issues?.[0]?.message).toMatch(/up to 8 MiB/)
    const unclosed = await failure(core, 'results.importTable', { name: 'broken.csv', text: 'a,b\n1,"2\n3,4\n' })
    expect(unclosed.message).toMatch(/^broken\.csv: a quoted field opened on line 2 is never closed/)
    const headerOnly = await failure(core, 'results.importTable', { name: 'empty.csv', text: 'a,b\n' })
    expect(headerOnly.message).toMatch(/empty\.csv has a header \(a, b\) but no data rows/)
    const missing = await failure(core, 'results.previewTable', { id: 99 })
    expect(missing.message).toMatch(/no published table #99/)
    const badMapping = await failure(core, 'results.saveMapping', { id: (await call(core, 'results.importTable', { name: FILTERS, text: filtersText })).table.id, mapping: { columns: { energy: 'Energy (J)' } } })
    expect(badMapping.message).toMatch(/names the column "Energy \(J\)", which the table does not have/)
  })

  it('answers mutated tables with a result or a typed message, never a crash or a hang', async () => {
    const core = open(join(dir(), 'w.db'))
    const rand = prng(20250322)
    const alphabet = ['', ',', ';', '"', '\n', '\r\n', 'x', '-', '1e400', 'NaN', '0', ' ', '\uFEFF', 'Conv', '2.0']
    let imported = 0
    for (let i = 0; i < 150; i++) {
      const chars = [...filtersText.slice(0, 400 + Math.floor(rand() * 1500))]
      for (let m = Math.floor(rand() * 12); m > 0; m--) chars.splice(Math.floor(rand() * chars.length), Math.floor(rand() * 3), alphabet[Math.floor(rand() * alphabet.length)])
      const name = `fuzz-${i}.csv`
      const reply = await core.handle({ id: i, method: 'results.importTable', params: { name, text: chars.join('') } })
      if (!reply.ok) {
        expect(reply.error.code).toBe('failed')
        expect(reply.error.message).toContain(name)
        continue
      }
      imported++
      const id = (reply.result as { table: { id: number } }).table.id
      for (const [method, params] of [
        ['results.previewTable', { id }],
        ['results.openTable', { id }],
        ['results.fit', { id, x: 'macs', y: 'energy', group: ['DSP'] }],
        ['results.compare', { id, group: ['DSP'], pairBy: ['Layer type'] }]
      ] as const) {
        const r = await core.handle({ id: i, method, params })
        if (!r.ok) {
          expect(r.error.code).toBe('failed')
          expect(r.error.message).not.toMatch(/TypeError|undefined|Cannot read|is not a function/)
        }
      }
    }
    expect(imported).toBeGreaterThan(20)
  })
})
