import { Op, tensorTypeBytes } from './tflite-schema'
import type { TfliteModel, TfliteOperator, TfliteOptions, TfliteSubgraph, TfliteTensor } from './tflite-reader'

/**
 * What a model costs, layer by layer, computed from the graph alone.
 *
 * Definitions (they decide what the numbers mean, so they are part of the API):
 * - `macs`: multiply-accumulates of the layers that multiply weights by activations — CONV_2D,
 *   DEPTHWISE_CONV_2D, FULLY_CONNECTED, TRANSPOSE_CONV, CONV_3D, CONV_3D_TRANSPOSE and BATCH_MATMUL —
 *   counted as output elements × the products that make each one (no bias adds, no zero-padding
 *   savings). Every other operator has 0 MACs. This is the count the published studies and Vela's
 *   `nn_macs` use.
 * - `elementOps`: for the other operators, a rough count of the arithmetic they do, so that a layer
 *   with no MACs is not mistaken for a free one: pooling = output elements × window; everything else
 *   (add, mul, softmax, activations, quantize …) = output elements; pure data movement (reshape,
 *   squeeze, concatenation …) = 0.
 * - parameters: a layer's inputs that are constant tensors (they have data in a buffer and are not
 *   variables); `paramBytes` are the bytes stored in the file. Model totals count each constant tensor
 *   once, however many layers read it.
 * - peak activation memory: an ESTIMATE from tensor lifetimes in operator order — a tensor is
 *   allocated when its first producer runs (graph inputs and variables from the start), and freed
 *   after its last consumer (graph outputs and variables stay to the end); at each operator the
 *   bytes alive are summed, and the peak is the largest sum. It ignores alignment, scratch buffers and
 *   in-place reuse, so TFLite Micro's memory planner may need a little more (alignment, scratch) or
 *   less (reusing an input's memory for an output); it is a guide to the arena size, not the arena.
 */
export interface LayerFacts {
  index: number
  op: string
  /** Shapes of the non-constant inputs (activations), in input order. */
  inputShapes: number[][]
  outputShapes: number[][]
  /** Shapes of the constant inputs (weights, biases, shape constants), in input order. */
  paramShapes: number[][]
  macs: number
  elementOps: number
  params: number
  paramBytes: number
  /** Strides, padding, filter size, activation — when the layer has them. */
  options: TfliteOptions | null
  outputType: string
}

export interface SubgraphFacts {
  index: number
  name: string
  layers: LayerFacts[]
  macs: number
  params: number
  paramBytes: number
  peakActivationBytes: number
  /** Index of the layer during which the peak is reached (-1 for an empty graph). */
  peakAtLayer: number
  inputs: Array<{ name: string; shape: number[]; type: string }>
  outputs: Array<{ name: string; shape: number[]; type: string }>
}

export interface ModelFacts {
  kind: 'tflite'
  schemaVersion: number
  description: string
  fileBytes: number
  /** Facts of every subgraph; the totals below are those of subgraph 0, the model's entry point. */
  subgraphs: SubgraphFacts[]
  layerCount: number
  macs: number
  params: number
  paramBytes: number
  peakActivationBytes: number
  /** Operator name → count of layers, for a quick look at what the model is made of. */
  operatorCounts: Record<string, number>
}

export function modelFacts(model: TfliteModel): ModelFacts {
  const subgraphs = model.subgraphs.map((sg) => subgraphFacts(model, sg))
  const main = subgraphs[0]
  const operatorCounts: Record<string, number> = {}
  for (const l of main.layers) operatorCounts[l.op] = (operatorCounts[l.op] ?? 0) + 1
  return {
    kind: 'tflite',
    schemaVersion: model.schemaVersion,
    description: model.description,
    fileBytes: model.fileBytes,
    subgraphs,
    layerCount: main.layers.length,
    macs: main.macs,
    params: main.params,
    paramBytes: main.paramBytes,
    peakActivationBytes: main.peakActivationBytes,
    operatorCounts
  }
}

export function elementCount(shape: readonly number[]): number {
  // A dynamic dimension (-1) or an unknown one counts as 1: the count is then a lower bound.
  let n = 1
  for (const d of shape) n *= d > 0 ? d : d === 0 ? 0 : 1
  return n
}

function tensorBytes(t: TfliteTensor): number {
  const per = tensorTypeBytes(t.type)
  return per === null ? 0 : Math.ceil(elementCount(t.shape) * per)
}

function isConstant(model: TfliteModel, t: TfliteTensor): boolean {
  return !t.isVariable && t.buffer > 0 && (model.buffers[t.buffer]?.byteLength ?? 0) > 0
}

function subgraphFacts(model: TfliteModel, sg: TfliteSubgraph): SubgraphFacts {
  const constant = sg.tensors.map((t) => isConstant(model, t))
  const layers: LayerFacts[] = sg.operators.map((op) => layerFacts(model, sg, op, constant))

  const seen = new Set<number>()
  let params = 0
  let paramBytes = 0
  for (const op of sg.operators) {
    for (const i of op.inputs) {
      if (i < 0 || !constant[i] || seen.has(i)) continue
      seen.add(i)
      params += elementCount(sg.tensors[i].shape)
      paramBytes += model.buffers[sg.tensors[i].buffer].byteLength
    }
  }
  const { peak, at } = peakActivation(sg, constant)
  const describe = (i: number) => ({ name: sg.tensors[i].name, shape: sg.tensors[i].shape, type: sg.tensors[i].typeName })
  return {
    index: sg.index,
    name: sg.name,
    layers,
    macs: layers.reduce((s, l) => s + l.macs, 0),
    params,
    paramBytes,
    peakActivationBytes: peak,
    peakAtLayer: at,
    inputs: sg.inputs.map(describe),
    outputs: sg.outputs.map(describe)
  }
}

function layerFacts(model: TfliteModel, sg: TfliteSubgraph, op: TfliteOperator, constant: boolean[]): LayerFacts {
  const present = op.inputs.filter((i) => i >= 0)
  const acts = present.filter((i) => !constant[i]).map((i) => sg.tensors[i])
  const consts = present.filter((i) => constant[i]).map((i) => sg.tensors[i])
  const outs = op.outputs.filter((i) => i >= 0).map((i) => sg.tensors[i])
  const { macs, elementOps } = arithmetic(op, sg, outs)
  return {
    index: op.index,
    op: op.opName,
    inputShapes: acts.map((t) => t.shape),
    outputShapes: outs.map((t) => t.shape),
    paramShapes: consts.map((t) => t.shape),
    macs,
    elementOps,
    params: consts.reduce((s, t) => s + elementCount(t.shape), 0),
    paramBytes: consts.reduce((s, t) => s + model.buffers[t.buffer].byteLength, 0),
    options: op.options,
    outputType: outs[0]?.typeName ?? ''
  }
}

const DATA_MOVEMENT = new Set([
  'RESHAPE', 'SQUEEZE', 'EXPAND_DIMS', 'CONCATENATION', 'PACK', 'UNPACK', 'SPLIT', 'SPLIT_V', 'SLICE',
  'STRIDED_SLICE', 'TRANSPOSE', 'GATHER', 'GATHER_ND', 'PAD', 'PADV2', 'MIRROR_PAD', 'TILE', 'SHAPE',
  'BROADCAST_TO', 'SPACE_TO_DEPTH', 'DEPTH_TO_SPACE', 'SPACE_TO_BATCH_ND', 'BATCH_TO_SPACE_ND', 'CALL',
  'IF', 'WHILE', 'CALL_ONCE'
])

function arithmetic(op: TfliteOperator, sg: TfliteSubgraph, outs: TfliteTensor[]): { macs: number; elementOps: number } {
  const outElements = outs.reduce((s, t) => s + elementCount(t.shape), 0)
  const input = (k: number): TfliteTensor | null => {
    const i = op.inputs[k]
    return i === undefined || i < 0 ? null : sg.tensors[i]
  }
  const out = outs[0]
  switch (op.builtinCode) {
    case Op.CONV_2D: {
      // filter [C_out, K_h, K_w, C_in per group]: each output element sums K_h·K_w·C_in products.
      const w = input(1)
      if (!w || w.shape.length !== 4 || !out) return { macs: 0, elementOps: outElements }
      return { macs: elementCount(out.shape) * w.shape[1] * w.shape[2] * w.shape[3], elementOps: 0 }
    }
    case Op.DEPTHWISE_CONV_2D: {
      // filter [1, K_h, K_w, C_out]: each output element sums one K_h·K_w window of its own channel.
      const w = input(1)
      if (!w || w.shape.length !== 4 || !out) return { macs: 0, elementOps: outElements }
      return { macs: elementCount(out.shape) * w.shape[1] * w.shape[2], elementOps: 0 }
    }
    case Op.FULLY_CONNECTED: {
      // weights [units, depth]: each output element is a dot product of length depth.
      const w = input(1)
      if (!w || w.shape.length < 2 || !out) return { macs: 0, elementOps: outElements }
      return { macs: elementCount(out.shape) * w.shape[w.shape.length - 1], elementOps: 0 }
    }
    case Op.TRANSPOSE_CONV: {
      // inputs: output_shape, weights [C_out, K_h, K_w, C_in], input: every input element scatters K_h·K_w·C_out products.
      const w = input(1)
      const x = input(2)
      if (!w || !x || w.shape.length !== 4) return { macs: 0, elementOps: outElements }
      return { macs: elementCount(x.shape) * w.shape[0] * w.shape[1] * w.shape[2], elementOps: 0 }
    }
    case Op.CONV_3D: {
      // filter [K_d, K_h, K_w, C_in, C_out]
      const w = input(1)
      if (!w || w.shape.length !== 5 || !out) return { macs: 0, elementOps: outElements }
      return { macs: elementCount(out.shape) * w.shape[0] * w.shape[1] * w.shape[2] * w.shape[3], elementOps: 0 }
    }
    case Op.CONV_3D_TRANSPOSE: {
      // inputs: output_shape, filter [K_d, K_h, K_w, C_out, C_in], input
      const w = input(1)
      const x = input(2)
      if (!w || !x || w.shape.length !== 5) return { macs: 0, elementOps: outElements }
      return { macs: elementCount(x.shape) * w.shape[0] * w.shape[1] * w.shape[2] * w.shape[3], elementOps: 0 }
    }
    case Op.BATCH_MATMUL: {
      // Each output element is a dot product along the contracted axis (x's last axis, or its second last when adj_x).
      const x = input(0)
      if (!x || x.shape.length < 2 || !out) return { macs: 0, elementOps: outElements }
      const k = x.shape[x.shape.length - 1]
      return { macs: elementCount(out.shape) * k, elementOps: 0 }
    }
    case Op.AVERAGE_POOL_2D:
    case Op.MAX_POOL_2D:
    case Op.L2_POOL_2D: {
      const o = op.options
      const window = o && o.kind === 'pool2d' ? Math.max(1, o.filterW) * Math.max(1, o.filterH) : 1
      return { macs: 0, elementOps: outElements * window }
    }
    default:
      return { macs: 0, elementOps: DATA_MOVEMENT.has(op.opName) ? 0 : outElements }
  }
}

/** The lifetime estimate described on LayerFacts: allocate at first producer, free after last consumer. */
function peakActivation(sg: TfliteSubgraph, constant: boolean[]): { peak: number; at: number } {
  const n = sg.operators.length
  const first = new Array<number>(sg.tensors.length).fill(Infinity)
  const last = new Array<number>(sg.tensors.length).fill(-Infinity)
  const touch = (i: number, step: number) => {
    if (i < 0 || constant[i]) return
    if (step < first[i]) first[i] = step
    if (step > last[i]) last[i] = step
  }
  for (const i of sg.inputs) touch(i, 0)
  sg.tensors.forEach((t, i) => {
    if (t.isVariable) {
      touch(i, 0)
      touch(i, n - 1)
    }
  })
  for (const op of sg.operators) {
    for (const i of op.outputs) touch(i, op.index)
    for (const i of op.inputs) touch(i, op.index)
    for (const i of op.intermediates) touch(i, op.index)
  }
  for (const i of sg.outputs) touch(i, Math.max(0, n - 1))
  if (n === 0) return { peak: sg.inputs.reduce((s, i) => s + tensorBytes(sg.tensors[i]), 0), at: -1 }

  // Difference array over operator steps: +bytes at the first step, −bytes after the last.
  const delta = new Array<number>(n + 1).fill(0)
  sg.tensors.forEach((t, i) => {
    if (first[i] === Infinity) return
    const bytes = tensorBytes(t)
    delta[Math.max(0, first[i])] += bytes
    delta[Math.min(n, last[i] + 1)] -= bytes
  })
  let alive = 0
  let peak = 0
  let at = 0
  for (let s = 0; s < n; s++) {
    alive += delta[s]
    if (alive > peak) {
      peak = alive
      at = s
    }
  }
  return { peak, at }
}
