import { copyFileSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { beforeEach, describe, expect, it } from 'vitest'
import { cli } from '../helpers/cli'
import { VELA_HEADER, VELA_RESNET_ROW } from '../helpers/models-vela-sample'

const PRIMITIVES = '/work/shared/data/convolution-primitives'
const MLPERF = '/work/shared/data/mlperf-tiny'
const FILTERS_FIT = [
  'fit',
  '--from-csv', `${PRIMITIVES}/Filters_Latency_And_Energy.csv`,
  '--x', 'macs', '--y', 'energy', '--group', 'DSP',
  '--map', 'primitive=Layer type,cy=Filters',
  '--base', 'hy=32,wy=32,cx=16,cy=16,k=3,g=2',
  '--exclude', 'Layer type=AddConv'
]

let dir: string
let db: string
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'jb-models-cli-'))
  db = join(dir, 'workspace.db')
})

describe('joulebench fit', () => {
  it('reproduces the published energy slopes per implementation in one command (JSON, SI units)', async () => {
    const r = await cli([...FILTERS_FIT, '--db', db, '--json'])
    expect(r.code).toBe(0)
    const doc = r.json()
    expect(doc.slopeUnit).toBe('J/MAC')
    expect(doc.groups.map((g: any) => g.key)).toEqual(['DSP=0', 'DSP=1', 'DSP=2'])
    expect(doc.groups.map((g: any) => g.n)).toEqual([16, 16, 16])
    expect(doc.groups.map((g: any) => Number(g.slope.toPrecision(3)))).toEqual([2.09e-8, 6.38e-9, 2.89e-9])
    expect(doc.groups.map((g: any) => Number(g.r2.toPrecision(3)))).toEqual([0.988, 0.987, 0.944])
    for (const g of doc.groups) {
      expect(g.slopeInterval[0]).toBeLessThan(g.slope)
      expect(g.slopeInterval[1]).toBeGreaterThan(g.slope)
    }
    expect(doc.excludedRows).toBe(8)
    expect(doc.mappingSavedAs).toMatch(/^[0-9a-f]{64}$/)
    // SIMD against naive: 2.89 / 20.93 nJ/MAC.
    const simd = doc.slopeRatios.find((r: any) => r.key === 'DSP=2')
    expect(simd.baseline).toBe('DSP=0')
    expect(simd.ratio).toBeCloseTo(doc.groups[2].slope / doc.groups[0].slope, 12)
    expect(simd.ratio).toBeCloseTo(2.894 / 20.93, 3)
    expect(simd.lower).toBeLessThan(simd.ratio)
  })

  it('prints nJ/MAC for a human', async () => {
    const r = await cli([...FILTERS_FIT, '--db', db])
    expect(r.code).toBe(0)
    expect(r.stdout).toMatch(/DSP=0\s+16\s+2\.0927e-8\s+20\.93 nJ\/MAC/)
    expect(r.stdout).toMatch(/DSP=1\s+16\s+6\.3793e-9\s+6\.379 nJ\/MAC .* 0\.987/)
    expect(r.stdout).toMatch(/DSP=2\s+16\s+2\.8941e-9\s+2\.894 nJ\/MAC .* 0\.944/)
    expect(r.stdout).toMatch(/Slope relative to DSP=0: DSP=1 0\.305× \[.*\], DSP=2 0\.138× \[/)
  })

  it('remembers the mapping for tables with the same columns, in any order', async () => {
    expect((await cli([...FILTERS_FIT, '--db', db])).code).toBe(0)
    // The same study table with its columns in another order.
    const lines = readFileSync(`${PRIMITIVES}/Filters_Latency_And_Energy.csv`, 'utf8').trim().split('\n')
    const reordered = lines.map((l) => {
      const c = l.split(',')
      return [c[4], c[3], c[2], c[1], c[0]].join(',')
    })
    const copy = join(dir, 'reordered.csv')
    writeFileSync(copy, reordered.join('\n') + '\n')
    const r = await cli(['fit', '--from-csv', copy, '--db', db, '--json'])
    expect(r.code).toBe(0)
    const doc = r.json()
    expect(doc.x.name).toBe('macs')
    expect(doc.y.name).toBe('energy')
    expect(doc.groups.map((g: any) => Number((g.slope * 1e9).toPrecision(3)))).toEqual([20.9, 6.38, 2.89])
    expect(doc.mappingSavedAs).toBeNull()
    // A fresh workspace knows nothing of it.
    const fresh = await cli(['fit', '--from-csv', copy, '--db', join(dir, 'other.db'), '--json'])
    expect(fresh.code).toBe(1)
    expect(fresh.json().error).toMatch(/fit needs --x and --y/)
  })

  it('fits latency of the kernel sweep and power against clock, with units from the headings', async () => {
    const kernel = await cli([
      'fit', '--from-csv', `${PRIMITIVES}/Kernelsize_Latency_And_Energy.csv`, '--x', 'macs', '--y', 'latency', '--group', 'DSP',
      '--map', 'primitive=Layer type,k=Kernel size', '--base', 'hy=32,wy=32,cx=16,cy=16,g=2', '--exclude', 'Layer type=AddConv', '--db', db, '--json'
    ])
    expect(kernel.code).toBe(0)
    expect(kernel.json().slopeUnit).toBe('s/MAC')
    expect(kernel.json().groups).toHaveLength(3)
    copyFileSync(`${PRIMITIVES}/Frequency_Power.csv`, join(dir, 'f.csv'))
    const power = await cli(['fit', '--from-csv', join(dir, 'f.csv'), '--x', 'Frequency (MHz)', '--y', 'power', '--group', 'DSP', '--db', db, '--json', '--band'])
    const doc = power.json()
    expect(doc.slopeUnit).toBe('W/Hz')
    // 16.2 mW at 10 MHz to 52.1 mW at 80 MHz without SIMD: about 0.51 nW per Hz.
    expect(doc.groups[0].slope).toBeCloseTo((0.052088997698975806 - 0.016158845432361423) / 70e6, 10)
    expect(doc.groups[0].band).toHaveLength(50)
    expect(doc.groups[0].points[0]).toMatchObject({ x: 10e6 })
  })

  it('gives one clear line for a missing table, a wrong column, or no table at all', async () => {
    const missing = await cli(['fit', '--from-csv', join(dir, 'nope.csv'), '--x', 'macs', '--y', 'energy', '--db', db])
    expect(missing.code).toBe(1)
    expect(missing.stderr).toMatch(/^joulebench: Cannot read .*nope\.csv: no such file\. Check the path given to --from-csv\.\n$/)
    const column = await cli(['fit', '--from-csv', `${PRIMITIVES}/Filters_Latency_And_Energy.csv`, '--x', 'macs', '--y', 'energy', '--map', 'primitive=Type', '--db', db])
    expect(column.code).toBe(1)
    expect(column.stderr).toMatch(/the mapping primitive=Type names the column "Type", which the table does not have/)
    expect(column.stderr.trim().split('\n')).toHaveLength(1)
    // A mapping that failed is not remembered for the next run.
    const after = await cli(['fit', '--from-csv', `${PRIMITIVES}/Filters_Latency_And_Energy.csv`, '--db', db])
    expect(after.stderr).toMatch(/fit needs --x and --y/)
    const noMacs = await cli(['fit', '--from-csv', `${PRIMITIVES}/Filters_Latency_And_Energy.csv`, '--x', 'macs', '--y', 'energy', '--map', 'latency=Latency (s)', '--db', db])
    expect(noMacs.stderr).toMatch(/x "macs" is neither a mapped field nor a column .* To derive MACs, map primitive=/)
    const none = await cli(['fit', '--x', 'macs', '--y', 'energy', '--db', db])
    expect(none.code).toBe(1)
    expect(none.stderr).toMatch(/fit without --from-csv fits the runs of the workspace, and .* has none yet: .* or fit a table with --from-csv FILE\./)
  })
})

describe('joulebench model', () => {
  it('lists the layers of the keyword-spotting model with MACs and totals', async () => {
    const r = await cli(['model', `${MLPERF}/kws_ref_model.tflite`, '--db', db])
    expect(r.code).toBe(0)
    expect(r.stdout).toMatch(/kws_ref_model\.tflite — TFLite model \(schema 3\), 13 layers, 53,936 bytes/)
    expect(r.stdout).toMatch(/MACs 2,656,768 {3}parameters 22,606 \(24,376 bytes\)/)
    expect(r.stdout).toMatch(/\n\s+0\s+CONV_2D\s+1x49x10x1\s+1x25x5x64\s+320,000\s+2,624\s+2,816\n/)
    const j = await cli(['model', `${MLPERF}/ad01_int8.tflite`, '--json'])
    expect(j.json()).toMatchObject({ kind: 'tflite', macs: 264_192, paramBytes: 270_880, layerCount: 10, fileName: 'ad01_int8.tflite' })
  })

  it('reads a Vela summary and an ELF image', async () => {
    const vela = join(dir, 'resnet_full_integer_quant_summary_Ethos_U55_High_End_Embedded.csv')
    writeFileSync(vela, `${VELA_HEADER}\n${VELA_RESNET_ROW}\n`)
    const v = await cli(['model', vela])
    expect(v.code).toBe(0)
    expect(v.stdout).toMatch(/Ethos_U55_64 \/ Ethos_U55_High_End_Embedded \/ Shared_Sram @ 500 MHz/)
    expect(v.stdout).toMatch(/inference 2\.314 ms \(1,157,223 cycles\), 18,498,048 MACs/)
    expect(v.stdout).toMatch(/sram 149,024 bytes/)
    const elf = await cli(['model', '/usr/bin/true', '--json'])
    expect(elf.code).toBe(0)
    const e = elf.json()
    expect(e.kind).toBe('elf')
    expect(e.flashBytes).toBe(e.textBytes + e.rodataBytes + e.dataBytes)
  })

  it('names the file and byte offset of a damaged model in one line', async () => {
    const cut = join(dir, 'cut.tflite')
    writeFileSync(cut, readFileSync(`${MLPERF}/kws_ref_model.tflite`).subarray(0, 3000))
    const r = await cli(['model', cut])
    expect(r.code).toBe(1)
    expect(r.stderr).toMatch(/^joulebench: .*cut\.tflite is damaged or truncated: .* byte \d+.*Re-export or re-copy the model\.\n$/)
    const text = join(dir, 'notes.txt')
    writeFileSync(text, 'hello')
    expect((await cli(['model', text])).stderr).toMatch(/notes\.txt is not a file joulebench can describe/)
    expect((await cli(['model'])).stderr).toMatch(/model expects one FILE/)
  })
})
