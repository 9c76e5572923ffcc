/** The probe panel's pure helpers: hex dump lines, address input, and the kernel fit plot's series. */
import { describe, expect, it } from 'vitest'
import { byteSize, hexDump, parseAddress } from '../../src-renderer/src/components/probes/probe-format'
import { kernelPlotSpec } from '../../src-renderer/src/components/probes/kernel-plot'
import { fitLine } from '../../src-main/analysis/regression'
import type { KernelLatencyResult } from '../../src-main/api/methods/probes'

describe('hex dump', () => {
  it('writes 16 bytes a line with the address, and dots for what is not printable ASCII', () => {
    const bytes = Uint8Array.from([...'SEGGER RTT'].map((c) => c.charCodeAt(0)).concat([0, 0, 0, 0, 0, 0, 0x7f, 0x41, 0xff]))
    expect(hexDump(0x2000fff8, bytes)).toEqual([
      { address: '0x2000fff8', hex: '53 45 47 47 45 52 20 52 54 54 00 00 00 00 00 00', ascii: 'SEGGER RTT......' },
      { address: '0x20010008', hex: '7f 41 ff', ascii: '.A.' }
    ])
    expect(hexDump(0, new Uint8Array(0))).toEqual([])
  })

  it('reads hex and decimal addresses and refuses the rest', () => {
    expect(parseAddress('0x2000_0000')).toBe(0x20000000)
    expect(parseAddress(' 1024 ')).toBe(1024)
    expect(parseAddress('0xFFFFFFFF')).toBe(0xffffffff)
    for (const bad of ['', '0x', '0x100000000', '4294967296', '-4', '12k', '0x1g']) expect(parseAddress(bad), bad).toBeNull()
  })

  it('sizes bytes in binary units', () => {
    expect([byteSize(1000), byteSize(4076), byteSize(256 * 1024), byteSize(3 * 1048576)]).toEqual(['1000 B', '3.98 KiB', '256 KiB', '3.00 MiB'])
  })
})

describe('kernel fit plot', () => {
  it('draws each kind fitted, in the order of the fits, with its line through the fitted values and a band around it', () => {
    const calls: KernelLatencyResult['calls'] = [
      { kind: 'depthwise', shape: { h: 4, w: 4, cin: 2, cout: 2, k: 3, rshift: 0 }, macs: 72, count: 1223 },
      { kind: 'standard', shape: { h: 6, w: 6, cin: 8, cout: 8, k: 3, rshift: 0 }, macs: 9216, count: 54881 },
      { kind: 'standard', shape: { h: 8, w: 8, cin: 8, cout: 8, k: 3, rshift: 0 }, macs: 20736, count: 123384 },
      { kind: 'standard', shape: { h: 10, w: 10, cin: 8, cout: 8, k: 3, rshift: 0 }, macs: 36864, count: 219293 },
      { kind: 'depthwise', shape: { h: 6, w: 6, cin: 16, cout: 16, k: 3, rshift: 0 }, macs: 2304, count: 35221 },
      { kind: 'depthwise', shape: { h: 8, w: 8, cin: 16, cout: 16, k: 3, rshift: 0 }, macs: 5184, count: 79151 }
    ]
    const fitOf = (kind: string) => fitLine(calls.filter((c) => c.kind === kind).map((c) => ({ x: c.macs, y: c.count })))
    const result: KernelLatencyResult = { board: 'QEMU', firmware: 'selftest.elf', unit: 'instructions', calls, fits: [{ kind: 'standard', fit: fitOf('standard') }, { kind: 'depthwise', fit: fitOf('depthwise') }], durationS: 1 }
    const spec = kernelPlotSpec(result, 'dark')
    expect(spec.series.map((s) => s.key)).toEqual(['standard', 'depthwise'])
    expect(spec.series[1].points).toEqual([
      { x: 72, y: 1223 },
      { x: 2304, y: 35221 },
      { x: 5184, y: 79151 }
    ])
    // Ends of the standard line: intercept + slope × MACs from a hand-made least-squares fit.
    const xs = [9216, 20736, 36864]
    const ys = [54881, 123384, 219293]
    const mx = xs.reduce((a, b) => a + b) / 3
    const my = ys.reduce((a, b) => a + b) / 3
    const slope = xs.reduce((a, x, i) => a + (x - mx) * (ys[i] - my), 0) / xs.reduce((a, x) => a + (x - mx) ** 2, 0)
    const line = spec.series[0].line
    expect(line[0].x).toBe(9216)
    expect(line.at(-1)!.x).toBe(36864)
    expect(line[0].y).toBeCloseTo(my + slope * (9216 - mx), 6)
    expect(line.at(-1)!.y).toBeCloseTo(my + slope * (36864 - mx), 6)
    for (let i = 0; i < line.length; i++) {
      expect(spec.series[0].band[i].lower).toBeLessThanOrEqual(line[i].y)
      expect(spec.series[0].band[i].upper).toBeGreaterThanOrEqual(line[i].y)
    }
    expect(spec.series[0].color).not.toBe(spec.series[1].color)
    expect(spec).toMatchObject({ xUnit: 'MAC', yUnit: '', logX: false, level: 0.95 })
  })
})
