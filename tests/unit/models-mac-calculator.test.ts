import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { convolutionMacs, convOutputSize, MacCalculatorError, parseConvPrimitive } from '../../src-main/models/mac-calculator'
import { readTflite } from '../../src-main/models/tflite-reader'
import { modelFacts } from '../../src-main/models/tflite-facts'

const base = { outHeight: 32, outWidth: 32, kernel: 3, inChannels: 16, outChannels: 16 }

describe('MAC calculator for convolution primitives', () => {
  it('gives the coefficients the study publishes for its sweeps (32×32 output, C_x = 16)', () => {
    // "Conv = 147,456·C_y when filters vary, and 262,144·K² when the kernel varies."
    for (const cy of [4, 8, 16, 32]) expect(convolutionMacs('standard', { ...base, outChannels: cy })).toBe(147_456 * cy)
    for (const k of [1, 3, 5, 7, 9, 11]) expect(convolutionMacs('standard', { ...base, kernel: k })).toBe(262_144 * k * k)
    // Groups sweep: 10×10×3×3×128×64 / G.
    for (const g of [1, 2, 4, 8, 16, 32]) {
      expect(convolutionMacs('grouped', { outHeight: 10, outWidth: 10, kernel: 3, inChannels: 128, outChannels: 64, groups: g })).toBe(7_372_800 / g)
    }
  })

  it('counts depthwise-separable, shift and add convolution by their definitions', () => {
    // depthwise 3×3 on each of 16 channels, then 1×1 from 16 to C_y
    expect(convolutionMacs('depthwiseSeparable', { ...base, outChannels: 32 })).toBe(32 * 32 * 16 * 9 + 32 * 32 * 16 * 32)
    // shift costs nothing; the 1×1 pointwise does
    expect(convolutionMacs('shift', { ...base, outChannels: 8 })).toBe(32 * 32 * 16 * 8)
    expect(convolutionMacs('add', base)).toBe(convolutionMacs('standard', base))
    expect(convolutionMacs('standard', { ...base, kernel: 0, kernelHeight: 3, kernelWidth: 1 })).toBe(32 * 32 * 3 * 16 * 16)
  })

  it('agrees with the MACs parsed from the DS-CNN model for its depthwise-separable blocks', () => {
    const layers = modelFacts(readTflite(new Uint8Array(readFileSync('/work/shared/data/mlperf-tiny/kws_ref_model.tflite')))).subgraphs[0].layers
    const block = layers[1].macs + layers[2].macs
    expect(convolutionMacs('depthwiseSeparable', { outHeight: 25, outWidth: 5, kernel: 3, inChannels: 64, outChannels: 64 })).toBe(block)
    // The first layer: 10×4 kernel on one input channel, SAME padding with stride 2 on 49×10.
    const h = convOutputSize(49, 10, 2, 'same')
    const w = convOutputSize(10, 4, 2, 'same')
    expect([h, w]).toEqual([25, 5])
    expect(convolutionMacs('standard', { outHeight: h, outWidth: w, kernel: 0, kernelHeight: 10, kernelWidth: 4, inChannels: 1, outChannels: 64 })).toBe(layers[0].macs)
  })

  it('computes VALID and SAME output sizes', () => {
    expect(convOutputSize(32, 3, 1, 'valid')).toBe(30)
    expect(convOutputSize(32, 3, 2, 'valid')).toBe(15)
    expect(convOutputSize(33, 3, 2, 'same')).toBe(17)
    expect(convOutputSize(32, 3, 1, 'valid', 2)).toBe(28)
  })

  it('refuses impossible layers with a message naming the parameter', () => {
    expect(() => convolutionMacs('standard', { ...base, inChannels: 0 })).toThrow(MacCalculatorError)
    expect(() => convolutionMacs('standard', { ...base, outChannels: 2.5 })).toThrow(/output channels must be a positive whole number, got 2.5/)
    expect(() => convolutionMacs('grouped', { ...base, groups: 3 })).toThrow(/divisible by the groups: C_x=16, C_y=16, G=3/)
  })

  it('reads the layer-type names the study and people use', () => {
    expect(['Conv', 'GroupConv', 'DepthwiseConv', 'ShiftConv', 'AddConv'].map(parseConvPrimitive)).toEqual(['standard', 'grouped', 'depthwiseSeparable', 'shift', 'add'])
    expect(parseConvPrimitive('depthwise-separable')).toBe('depthwiseSeparable')
    expect(parseConvPrimitive(' shift_conv ')).toBe('shift')
    expect(parseConvPrimitive('Pooling')).toBeNull()
  })
})
