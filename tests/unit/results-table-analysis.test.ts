import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { parseCsv } from '../../src-main/formats/table-csv'
import { applyTableMapping } from '../../src-main/formats/table-mapping'
import { suggestTableMapping } from '../../src-main/results/mapping-suggestion'
import { columnUnit, formatSi, formatTick } from '../../src-main/units/si'
import { compareTable, confidenceBandLog, filterMappedTable, fitTable, pairedRatio, tableCategories, TableAnalysisError } from '../../src-main/results/table-analysis'
import { fieldHeading, rowsTable, toCsv, toJson } from '../../src-main/results/table-export'

const DATA = '/work/shared/data/convolution-primitives'
const load = (name: string) => parseCsv(readFileSync(`${DATA}/${name}`, 'utf8'), name)

describe('suggested mappings for the study files', () => {
  it('reads quantities from units, the layer type from its values and parameters from their headings', () => {
    expect(suggestTableMapping(load('Filters_Latency_And_Energy.csv'))).toEqual({
      columns: { energy: 'Consumption (J)', latency: 'Latency (s)', primitive: 'Layer type', cy: 'Filters' },
      x: 'macs',
      y: 'energy',
      group: ['DSP']
    })
    expect(suggestTableMapping(load('Kernelsize_Latency_And_Energy.csv')).columns).toEqual({
      energy: 'Consumption (J)',
      latency: 'Latency (s)',
      primitive: 'Layer type',
      k: 'Kernel size'
    })
    // No layer-type column: MACs need the primitive from the user, so the swept parameter is the x.
    expect(suggestTableMapping(load('Groups_Latency_And_Energy.csv'))).toMatchObject({ columns: { g: 'Groups' }, x: 'g', y: 'energy', group: ['DSP'] })
    expect(suggestTableMapping(load('Frequency_Power.csv'))).toMatchObject({ columns: { frequency: 'Frequency (MHz)', power: 'Power (W)' }, x: 'frequency', y: 'power' })
  })

  it('does not take a text column for the layer type unless every value names a primitive', () => {
    const t = parseCsv('Board,Layer type,Energy (J)\nA,Conv,1\nB,Dense,2\nA,Conv,3\n', 't.csv')
    expect(suggestTableMapping(t).columns.primitive).toBeUndefined()
  })
})

describe('filters and categories', () => {
  const mapped = applyTableMapping(load('Groups_Latency_And_Energy.csv'), { columns: { energy: 'Consumption (J)', g: 'Groups' } })

  it('keeps rows whose labels match, "2" matching "2.0"', () => {
    // The groups file writes DSP as 2.0 and groups as 32.0.
    const { table, filteredOut } = filterMappedTable(mapped, { DSP: ['2'], g: ['32', '16'] })
    expect(table.rows.map((r) => [r.labels.DSP, r.values.g])).toEqual([
      ['2', 32],
      ['2', 16]
    ])
    expect(filteredOut).toBe(mapped.rows.length - 2)
    expect(filterMappedTable(mapped, {}).table).toBe(mapped)
    expect(() => filterMappedTable(mapped, { Board: ['x'] })).toThrow(TableAnalysisError)
  })

  it('offers columns with a few repeated values, not the measurements', () => {
    const names = tableCategories(mapped).map((c) => c.name)
    expect(names).toEqual(['g', 'DSP'])
    expect(tableCategories(mapped).find((c) => c.name === 'DSP')!.values).toEqual([
      { label: '0', rows: 6 },
      { label: '1', rows: 6 },
      { label: '2', rows: 6 }
    ])
  })
})

describe('paired ratios', () => {
  it('is the geometric mean of the pair ratios with a Student t interval on the logs', () => {
    const r = pairedRatio([
      [2, 1],
      [8, 2]
    ])!
    // ln 2 and ln 4: mean ln √8; sd ln2/√2; standard error ln2/2; t(0.975, 1) = 12.7062 (tables).
    expect(r.ratio).toBeCloseTo(Math.sqrt(8), 12)
    expect(r.lower).toBeCloseTo(Math.sqrt(8) * Math.exp(-12.7062 * (Math.LN2 / 2)), 3)
    expect(r.upper).toBeCloseTo(Math.sqrt(8) * Math.exp(12.7062 * (Math.LN2 / 2)), 1)
    expect(r.pairs).toBe(2)
  })

  it('leaves out pairs a log cannot take, and has no interval from one pair', () => {
    const one = pairedRatio([[3, 1], [0, 1], [1, -2], [NaN, 1]])!
    expect(one.ratio).toBeCloseTo(3, 12)
    expect(one).toMatchObject({ lower: null, upper: null, pairs: 1 })
    expect(pairedRatio([[0, 1]])).toBeNull()
  })

  it('averages repeated rows before pairing and says which groups share no key', () => {
    const t = parseCsv(['board,layer,Latency (s)', 'A,1,2', 'A,1,4', 'B,1,1.5', 'A,2,10', 'B,2,5', 'C,9,1'].join('\n'), 'boards.csv')
    const mapped = applyTableMapping(t, { columns: { latency: 'Latency (s)' } })
    const c = compareTable(mapped, { group: ['board'], baseline: 'board=A', pairBy: ['layer'] })
    const b = c.comparisons.find((x) => x.name === 'board=B')!
    // Layer 1: 1.5 / mean(2, 4) = 0.5; layer 2: 5 / 10 = 0.5.
    expect(b.latency!.ratio).toBeCloseTo(0.5, 12)
    expect(b.speedup!.ratio).toBeCloseTo(2, 12)
    expect(b.pairs).toBe(2)
    expect(c.comparisons.find((x) => x.name === 'board=C')!.latency).toBeNull()
    expect(c.notes.join(' ')).toMatch(/board=C shares no layer value with board=A/)
  })

  it('refuses a comparison of fewer than two groups, or without quantities', () => {
    const one = applyTableMapping(parseCsv('k,Energy (J)\na,1\na,2\n', 'one.csv'), { columns: { energy: 'Energy (J)' } })
    expect(() => compareTable(one, { group: ['k'] })).toThrow(/form 1 group\(s\) by k; a comparison needs two or more/)
    const none = applyTableMapping(parseCsv('k,v\na,1\nb,2\n', 'none.csv'), { columns: {} })
    expect(() => compareTable(none, { group: ['k'] })).toThrow(/map at least one of latency, power or energy/)
  })
})

describe('named values', () => {
  const mapped = applyTableMapping(load('Filters_Latency_And_Energy.csv'), {
    columns: { energy: 'Consumption (J)', latency: 'Latency (s)', primitive: 'Layer type', cy: 'Filters' },
    base: { hy: 32, wy: 32, cx: 16, cy: 16, k: 3, g: 2 }
  })
  const names = { DSP: { '0': 'naive', '1.0': 'im2col', '2': 'SIMD' } }

  it('names groups as the user named the values, keeping the order of the values as written', () => {
    const fit = fitTable(mapped, { x: 'macs', y: 'energy', group: ['DSP'], valueLabels: names })
    expect(fit.groups.map((g) => g.key)).toEqual(['naive', 'im2col', 'SIMD'])
    expect(fit.slopeRatios.map((r) => [r.key, r.baseline])).toEqual([
      ['im2col', 'naive'],
      ['SIMD', 'naive']
    ])
    // Unnamed values and other fields keep "field=value"; fields join with a comma.
    const two = fitTable(mapped, { x: 'macs', y: 'energy', group: ['DSP', 'Layer type'], valueLabels: { DSP: { '2': 'SIMD' } } })
    expect(two.groups.map((g) => g.key)).toContain('SIMD, primitive=Conv')
    expect(two.groups.map((g) => g.key)).toContain('DSP=0, primitive=ShiftConv')
  })

  it('speaks in the names, and refuses two groups under one name', () => {
    const c = compareTable(mapped, { group: ['DSP'], baseline: 'naive', pairBy: ['primitive', 'cy'], valueLabels: names })
    expect(c.comparisons.map((x) => x.sentence.split(' is ')[0])).toEqual(['im2col', 'SIMD'])
    expect(c.comparisons[1].sentence).toMatch(/^SIMD is \d+\.\d\d× faster than naive/)
    expect(() => compareTable(mapped, { group: ['DSP'], valueLabels: { DSP: { '0': 'same', '1': 'same' } } })).toThrow(/two groups are both named "same"/)
  })
})

describe('fits for the plot', () => {
  it('spaces a log band by ratio and an ordinary one evenly', () => {
    const mapped = applyTableMapping(parseCsv('x,Energy (J)\n1,1.1\n10,9.8\n100,101\n1000,999\n', 'xy.csv'), { columns: { energy: 'Energy (J)' } })
    const fit = fitTable(mapped, { x: 'x', y: 'energy', bandPoints: 4, bandSpacing: 'log' })
    expect(fit.groups[0].band.map((b) => Math.round(b.x))).toEqual([1, 10, 100, 1000])
    const even = fitTable(mapped, { x: 'x', y: 'energy', bandPoints: 4 })
    expect(even.groups[0].band.map((b) => b.x)).toEqual([1, 334, 667, 1000])
    expect(confidenceBandLog(fit.groups[0].fit!, 3, 1, 100).map((b) => Math.round(b.x))).toEqual([1, 10, 100])
    expect(fit.slopeUnit).toBe('J')
    expect(() => fitTable(mapped, { x: 'x', y: 'energy', filter: { x: ['5'] } })).toThrow(/the filters leave no rows/)
  })
})

describe('exports', () => {
  it('writes CSV that reads back to the same cells, quoting only where needed', () => {
    const table = {
      columns: [
        { key: 'a', label: 'name, "quoted"' },
        { key: 'b', label: 'energy (J)' }
      ],
      records: [
        { a: 'plain', b: 2.5e-9 },
        { a: 'with,comma', b: null },
        { a: 'line\nbreak "q"', b: -0 },
        { a: ' padded ', b: Infinity }
      ]
    }
    const csv = toCsv(table)
    expect(csv.split('\r\n')[0]).toBe('"name, ""quoted""",energy (J)')
    expect(csv.split('\r\n')[1]).toBe('plain,2.5e-9')
    const back = parseCsv(csv, 'back.csv')
    expect(back.header).toEqual(['name, "quoted"', 'energy (J)'])
    expect(back.rows).toEqual([
      ['plain', '2.5e-9'],
      ['with,comma', ''],
      ['line\nbreak "q"', '0'],
      [' padded ', '']
    ])
    const json = JSON.parse(toJson(table, { source: 's' }))
    expect(json.source).toBe('s')
    expect(json.rows[0]).toEqual({ 'name, "quoted"': 'plain', 'energy (J)': 2.5e-9 })
  })

  it('heads columns with SI units, as the values are', () => {
    const mapped = applyTableMapping(parseCsv('Frequency (MHz),Power (mW)\n84,52\n', 'f.csv'), { columns: { power: 'Power (mW)' } })
    expect(mapped.fields.map(fieldHeading)).toEqual(['power (W)', 'Frequency (Hz)'])
    const t = rowsTable(mapped.fields, mapped.rows)
    expect(t.records[0]['#line']).toBe(2)
    expect(t.records[0].power).toBeCloseTo(0.052, 15)
    expect(t.records[0]['Frequency (MHz)']).toBe(84e6)
  })
})

describe('numbers for people', () => {
  it('puts values in the prefix that makes them 1 to 1000', () => {
    expect(formatSi(2.0934e-8, 'J')).toBe('20.9 nJ')
    expect(formatSi(999.96e-9, 's')).toBe('1.00 µs')
    expect(formatSi(18_461_184, 'MAC')).toBe('18.5M')
    expect(formatSi(null, 'J')).toBe('—')
    expect(formatTick(0.02, 'J')).toBe('20 mJ')
    expect(columnUnit([2.09e-8, 6.4e-9, 2.9e-9, null], 'J')).toEqual({ scale: 1e-9, label: 'nJ' })
    expect(columnUnit([0.0026, -0.0011], 'J')).toEqual({ scale: 1e-3, label: 'mJ' })
  })
})
