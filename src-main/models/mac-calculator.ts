/**
 * Theoretical multiply-accumulates of the convolution primitives compared in the convolution-primitive
 * study (Nguyen et al., ISDA 2022), for layers that are not in a model file. With output H_y×W_y, a K×K
 * kernel, C_x input and C_y output channels and G groups:
 *
 *   standard             H_y·W_y·K²·C_x·C_y
 *   grouped              H_y·W_y·K²·C_x·C_y / G
 *   depthwise-separable  H_y·W_y·C_x·(K² + C_y)   (depthwise K×K per input channel, then 1×1 pointwise)
 *   shift                H_y·W_y·C_x·C_y          (the shift is free; only the 1×1 pointwise counts)
 *   add                  H_y·W_y·K²·C_x·C_y       (|x − w| accumulations in place of products)
 */

export const CONV_PRIMITIVES = ['standard', 'grouped', 'depthwiseSeparable', 'shift', 'add'] as const
export type ConvPrimitive = (typeof CONV_PRIMITIVES)[number]

export interface ConvLayerShape {
  /** Output height H_y and width W_y. */
  outHeight: number
  outWidth: number
  /** Square kernel size K (non-square: use kernelHeight/kernelWidth). */
  kernel: number
  kernelHeight?: number
  kernelWidth?: number
  inChannels: number
  outChannels: number
  /** Groups G; used by the grouped primitive only (default 1). */
  groups?: number
}

export class MacCalculatorError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'MacCalculatorError'
  }
}

export function convolutionMacs(primitive: ConvPrimitive, layer: ConvLayerShape): number {
  const kh = layer.kernelHeight ?? layer.kernel
  const kw = layer.kernelWidth ?? layer.kernel
  const g = layer.groups ?? 1
  const dims: Array<[string, number]> = [
    ['output height', layer.outHeight],
    ['output width', layer.outWidth],
    ['kernel height', kh],
    ['kernel width', kw],
    ['input channels', layer.inChannels],
    ['output channels', layer.outChannels],
    ['groups', g]
  ]
  for (const [what, v] of dims) {
    if (!Number.isInteger(v) || v <= 0) throw new MacCalculatorError(`${what} must be a positive whole number, got ${v}`)
  }
  const hw = layer.outHeight * layer.outWidth
  const k2 = kh * kw
  switch (primitive) {
    case 'standard':
    case 'add':
      return hw * k2 * layer.inChannels * layer.outChannels
    case 'grouped':
      if (layer.inChannels % g !== 0 || layer.outChannels % g !== 0) {
        throw new MacCalculatorError(`grouped convolution needs channels divisible by the groups: C_x=${layer.inChannels}, C_y=${layer.outChannels}, G=${g}`)
      }
      return (hw * k2 * layer.inChannels * layer.outChannels) / g
    case 'depthwiseSeparable':
      return hw * layer.inChannels * (k2 + layer.outChannels)
    case 'shift':
      return hw * layer.inChannels * layer.outChannels
  }
}

/** Output size of one spatial axis for an input size, kernel, stride and padding (TFLite's SAME/VALID). */
export function convOutputSize(input: number, kernel: number, stride: number, padding: 'same' | 'valid', dilation = 1): number {
  const effective = (kernel - 1) * dilation + 1
  return padding === 'same' ? Math.ceil(input / stride) : Math.floor((input - effective) / stride) + 1
}

/**
 * Names the study's tables and people use for the primitives, mapped to ours. Matching ignores case,
 * spaces, dashes and underscores, so "Conv", "DepthwiseConv", "depthwise-separable" and "shift_conv" all resolve.
 */
const PRIMITIVE_ALIASES: Record<string, ConvPrimitive> = {
  conv: 'standard',
  standard: 'standard',
  standardconv: 'standard',
  conv2d: 'standard',
  groupconv: 'grouped',
  grouped: 'grouped',
  groupedconv: 'grouped',
  group: 'grouped',
  depthwiseconv: 'depthwiseSeparable',
  depthwiseseparable: 'depthwiseSeparable',
  depthwiseseparableconv: 'depthwiseSeparable',
  separableconv: 'depthwiseSeparable',
  dsconv: 'depthwiseSeparable',
  shiftconv: 'shift',
  shift: 'shift',
  addconv: 'add',
  add: 'add',
  adder: 'add',
  adderconv: 'add'
}

export function parseConvPrimitive(text: string): ConvPrimitive | null {
  return PRIMITIVE_ALIASES[text.toLowerCase().replace(/[\s_-]+/g, '')] ?? null
}

/** The layer parameters a table column can stand for, by their short names in the study's notation. */
export const CONV_PARAMETERS = {
  hy: 'outHeight',
  wy: 'outWidth',
  k: 'kernel',
  cx: 'inChannels',
  cy: 'outChannels',
  g: 'groups'
} as const satisfies Record<string, keyof ConvLayerShape>
export type ConvParameterName = keyof typeof CONV_PARAMETERS
