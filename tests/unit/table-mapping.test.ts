import { describe, expect, it } from 'vitest'
import { parseCsv } from '../../src-main/formats/table-csv'
import { applyTableMapping, mappingFromOptions, resolveName, suggestMapping, TableMappingSchema } from '../../src-main/formats/table-mapping'

const STUDY = parseCsv(
  [
    'DSP,Layer type,Filters,Latency (s),Consumption (J)',
    '2,GroupConv,8,0.04894,0.003364',
    '0,ShiftConv,16,0.140732,0.007652',
    '1.0,DepthwiseConv,32,0.111908,0.006639',
    '0,AddConv,8,0.425624,0.023731',
    '1,Conv,4,0.2,',
    '2,Pooling,4,0.1,0.001'
  ].join('\n'),
  'study.csv'
)

describe('column mappings', () => {
  it('guesses energy, latency and power from the units in the headings', () => {
    expect(suggestMapping(STUDY.header)).toEqual({ columns: { energy: 'Consumption (J)', latency: 'Latency (s)' } })
    expect(suggestMapping(['Time (ms)', 'Main Avg Power (mW)'])).toEqual({ columns: { latency: 'Time (ms)', power: 'Main Avg Power (mW)' } })
    // Two candidate columns: no guess.
    expect(suggestMapping(['t1 (s)', 't2 (s)']).columns).toEqual({})
  })

  it('derives MACs per row from the layer type, the swept column and the base layer', () => {
    const m = applyTableMapping(STUDY, {
      columns: { energy: 'Consumption (J)', latency: 'Latency (s)', primitive: 'Layer type', cy: 'Filters' },
      base: { hy: 32, wy: 32, cx: 16, cy: 16, k: 3, g: 2 }
    })
    const macs = m.rows.map((r) => r.values.macs)
    // Hand-computed from the README formulas with H_y = W_y = 32, C_x = 16, K = 3, G = 2:
    expect(macs).toEqual([
      (32 * 32 * 9 * 16 * 8) / 2, // grouped, C_y = 8
      32 * 32 * 16 * 16, // shift, C_y = 16
      32 * 32 * 16 * (9 + 32), // depthwise-separable, C_y = 32
      32 * 32 * 9 * 16 * 8, // add = standard count
      32 * 32 * 9 * 16 * 4, // standard, C_y = 4
      null // "Pooling" is no convolution primitive
    ])
    expect(m.notes).toEqual(['line 7: layer type "Pooling" is not one of standard, grouped, depthwise-separable, shift, add (or Conv, GroupConv, DepthwiseConv, ShiftConv, AddConv)'])
    // Power is derived from energy and latency where both exist.
    expect(m.rows[0].values.power).toBeCloseTo(0.003364 / 0.04894, 12)
    expect(m.rows[4].values.energy).toBeNull()
    expect(m.rows[4].values.power).toBeNull()
    // "1.0" and "1" are the same group label.
    expect(m.rows[2].labels.DSP).toBe('1')
    expect(resolveName(m, 'macs')!.origin).toMatch(/derived/)
    // A mapped column answers to its field name and to its own.
    expect(resolveName(m, 'cy')!.column).toBe('Filters')
    expect(resolveName(m, 'Filters')!.name).toBe('cy')
    expect(resolveName(m, 'Kernel size')).toBeNull()
  })

  it('leaves grouped rows without MACs when the number of groups is unknown, and says so', () => {
    const m = applyTableMapping(STUDY, { columns: { primitive: 'Layer type', cy: 'Filters' }, base: { hy: 32, wy: 32, cx: 16, k: 3 } })
    expect(m.rows[0].values.macs).toBeNull()
    expect(m.rows[1].values.macs).toBe(32 * 32 * 16 * 16)
    expect(m.notes[0]).toMatch(/^line 2: no value for g \(the number of groups of this grouped convolution/)
  })

  it('converts prefixed units to SI and refuses a unit that does not fit the field', () => {
    const t = parseCsv('Time (ms),Energy (mJ),Power (mW)\n2.5,0.1,40\n', 'm.csv')
    const m = applyTableMapping(t, { columns: { latency: 'Time (ms)', energy: 'Energy (mJ)' } })
    expect(m.rows[0].values.latency).toBeCloseTo(2.5e-3, 15)
    expect(m.rows[0].values.energy).toBeCloseTo(1e-4, 15)
    // An unmapped column keeps its own name, still in SI.
    expect(m.rows[0].values['Power (mW)']).toBeCloseTo(0.04, 15)
    expect(() => applyTableMapping(t, { columns: { energy: 'Time (ms)' } })).toThrow(/m\.csv: energy is measured in J, but the column "Time \(ms\)" is in ms/)
  })

  it('excludes rows by value and names a missing column with the columns that exist', () => {
    const m = applyTableMapping(STUDY, { columns: {}, exclude: { 'Layer type': ['AddConv', 'Pooling'] } })
    expect(m.excludedRows).toBe(2)
    expect(m.rows).toHaveLength(4)
    expect(() => applyTableMapping(STUDY, { columns: { energy: 'Energy (J)' } })).toThrow(
      /study\.csv: the mapping energy=Energy \(J\) names the column "Energy \(J\)", which the table does not have \(columns: DSP, Layer type, Filters, Latency \(s\), Consumption \(J\)\)/
    )
  })

  it('builds a mapping from the command-line forms and validates it', () => {
    const m = mappingFromOptions({
      map: 'x=macs,y=Consumption (J),group=DSP,primitive=Layer type,cy=Filters,"odd, name"=Filters',
      base: 'hy=32,wy=32,cx=16,k=3,g=2',
      exclude: 'Layer type=AddConv;ShiftConv'
    })
    expect(m).toEqual({
      columns: { primitive: 'Layer type', cy: 'Filters', 'odd, name': 'Filters' },
      x: 'macs',
      y: 'Consumption (J)',
      group: ['DSP'],
      base: { hy: 32, wy: 32, cx: 16, k: 3, g: 2 },
      exclude: { 'Layer type': ['AddConv', 'ShiftConv'] }
    })
    expect(TableMappingSchema.safeParse(m).success).toBe(true)
    expect(mappingFromOptions({ primitive: 'GroupConv' }).primitive).toBe('grouped')
    expect(() => mappingFromOptions({ base: 'h=32' })).toThrow(/--base knows the layer parameters hy, wy, k, cx, cy, g; "h" is not one of them/)
    expect(() => mappingFromOptions({ base: 'k=three' })).toThrow(/--base k must be a positive whole number, got "three"/)
    expect(() => mappingFromOptions({ map: 'energy' })).toThrow(/--map expects name=value pairs/)
    expect(() => mappingFromOptions({ primitive: 'pool' })).toThrow(/--primitive must be one of standard, grouped/)
  })
})
