import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { readTflite, TfliteFormatError, type TfliteModel } from '../../src-main/models/tflite-reader'
import { modelFacts } from '../../src-main/models/tflite-facts'
import { i32, i8 } from '../helpers/models-flatbuffer-writer'
import { buildTflite, type ModelSpec } from '../helpers/models-tflite-builder'
import { prng } from '../helpers/prng'
import { catchError } from '../helpers/errors'

const DATA = '/work/shared/data/mlperf-tiny'
const load = (name: string) => new Uint8Array(readFileSync(`${DATA}/${name}`))

/** Bytes per element of the tensor types the MLPerf models use (schema.fbs TensorType). */
const TYPE_BYTES: Record<string, number> = { INT8: 1, UINT8: 1, INT16: 2, INT32: 4, FLOAT32: 4, INT64: 8 }
const count = (shape: number[]) => shape.reduce((a, b) => a * b, 1)

/**
 * MACs recomputed here from a layer's shapes, by the textbook definitions:
 * conv: every output element sums K_h·K_w·C_in products (filter [C_out, K_h, K_w, C_in]);
 * depthwise: K_h·K_w products (filter [1, K_h, K_w, C]); fully connected: one product per input feature.
 */
function macsFromShapes(op: string, out: number[], filter: number[] | undefined): number {
  if (op === 'CONV_2D') return count(out) * filter![1] * filter![2] * filter![3]
  if (op === 'DEPTHWISE_CONV_2D') return count(out) * filter![1] * filter![2]
  if (op === 'FULLY_CONNECTED') return count(out) * filter![1]
  return 0
}

/** Peak bytes of live activations, by brute force: at each step, every non-constant tensor whose use interval covers it. */
function bruteForcePeak(model: TfliteModel): number {
  const sg = model.subgraphs[0]
  const isConst = (i: number) => sg.tensors[i].buffer > 0 && model.buffers[sg.tensors[i].buffer].byteLength > 0
  const n = sg.operators.length
  let peak = 0
  for (let step = 0; step < n; step++) {
    let alive = 0
    sg.tensors.forEach((t, i) => {
      if (isConst(i)) return
      const steps: number[] = []
      if (sg.inputs.includes(i)) steps.push(0)
      if (sg.outputs.includes(i)) steps.push(n - 1)
      sg.operators.forEach((op, k) => {
        if (op.inputs.includes(i) || op.outputs.includes(i)) steps.push(k)
      })
      if (steps.length && Math.min(...steps) <= step && step <= Math.max(...steps)) alive += count(t.shape) * TYPE_BYTES[t.typeName]
    })
    peak = Math.max(peak, alive)
  }
  return peak
}

describe('TFLite reader on the MLPerf Tiny reference models', () => {
  it('keyword spotting (DS-CNN): the published layer list, with MACs matching the layer shapes', () => {
    const model = readTflite(load('kws_ref_model.tflite'), 'kws_ref_model.tflite')
    const facts = modelFacts(model)
    // DS-CNN as MLPerf Tiny describes it: a 10×4 stride-2 conv to 64 channels on the 49×10 MFCC input,
    // four depthwise-separable blocks (3×3 depthwise + 1×1 pointwise, 64 channels), average pool, 12-way dense, softmax.
    const expected = [
      ['CONV_2D', [1, 25, 5, 64], 25 * 5 * 64 * (10 * 4 * 1)],
      ...Array.from({ length: 4 }, () => [
        ['DEPTHWISE_CONV_2D', [1, 25, 5, 64], 25 * 5 * 64 * 9],
        ['CONV_2D', [1, 25, 5, 64], 25 * 5 * 64 * 64]
      ]).flat(),
      ['AVERAGE_POOL_2D', [1, 1, 1, 64], 0],
      ['RESHAPE', [1, 64], 0],
      ['FULLY_CONNECTED', [1, 12], 64 * 12],
      ['SOFTMAX', [1, 12], 0]
    ] as Array<[string, number[], number]>
    expect(facts.subgraphs[0].layers).toHaveLength(expected.length)
    const layers = facts.subgraphs[0].layers
    expected.forEach(([op, out, macs], i) => {
      expect(layers[i].op).toBe(op)
      expect(layers[i].outputShapes[0]).toEqual(out)
      expect(layers[i].macs).toBe(macs)
      expect(layers[i].macs).toBe(macsFromShapes(op, layers[i].outputShapes[0], layers[i].paramShapes[0]))
    })
    expect(layers[0].inputShapes[0]).toEqual([1, 49, 10, 1])
    expect(layers[0].options).toMatchObject({ kind: 'conv2d', strideW: 2, strideH: 2, padding: 'SAME' })
    expect(layers[9].options).toMatchObject({ kind: 'pool2d', filterW: 5, filterH: 25 })
    const total = 320_000 + 4 * (72_000 + 512_000) + 768
    expect(facts.macs).toBe(total)
    // Published: "about 2.7 M MACs".
    expect(Math.abs(facts.macs - 2.7e6) / 2.7e6).toBeLessThan(0.02)
  })

  it('anomaly detection (FC autoencoder): ten dense layers 640→128→128→128→128→8→128→128→128→128→640', () => {
    const facts = modelFacts(readTflite(load('ad01_int8.tflite')))
    const widths = [640, 128, 128, 128, 128, 8, 128, 128, 128, 128, 640]
    const layers = facts.subgraphs[0].layers
    expect(layers.map((l) => l.op)).toEqual(Array(10).fill('FULLY_CONNECTED'))
    layers.forEach((l, i) => {
      expect(l.paramShapes[0]).toEqual([widths[i + 1], widths[i]])
      expect(l.macs).toBe(widths[i] * widths[i + 1])
      // int8 weights plus int32 biases, one per output.
      expect(l.params).toBe(widths[i] * widths[i + 1] + widths[i + 1])
      expect(l.paramBytes).toBe(widths[i] * widths[i + 1] + 4 * widths[i + 1])
    })
    expect(facts.macs).toBe(264_192)
    expect(Math.abs(facts.macs - 0.26e6) / 0.26e6).toBeLessThan(0.02)
    expect(facts.paramBytes).toBe(270_880)
  })

  it('stores every constant tensor with exactly shape × element-size bytes, and totals count each once', () => {
    for (const name of ['kws_ref_model.tflite', 'ad01_int8.tflite']) {
      const model = readTflite(load(name))
      const facts = modelFacts(model)
      const sg = model.subgraphs[0]
      const constants = new Set<number>()
      let bytes = 0
      for (const op of sg.operators) {
        for (const i of op.inputs) {
          const t = sg.tensors[i]
          if (i < 0 || t.buffer === 0 || model.buffers[t.buffer].byteLength === 0) continue
          expect(model.buffers[t.buffer].byteLength).toBe(count(t.shape) * TYPE_BYTES[t.typeName])
          if (!constants.has(i)) bytes += model.buffers[t.buffer].byteLength
          constants.add(i)
        }
      }
      expect(facts.paramBytes).toBe(bytes)
      expect(facts.peakActivationBytes).toBe(bruteForcePeak(model))
    }
  })

  it('reads per-channel quantization', () => {
    const model = readTflite(load('kws_ref_model.tflite'))
    const filter = model.subgraphs[0].tensors[model.subgraphs[0].operators[0].inputs[1]]
    expect(filter.typeName).toBe('INT8')
    expect(filter.quantization!.scale).toHaveLength(64)
    expect(filter.quantization!.zeroPoint.every((z) => z === 0)).toBe(true)
    expect(filter.quantization!.scale.every((s) => s > 0 && s < 1)).toBe(true)
  })
})

/** A hand-made int8 graph: conv → depthwise → avg pool → reshape → dense → softmax, with known answers. */
function smallModel(overrides: Partial<ModelSpec> = {}): ModelSpec {
  return {
    description: 'hand-made',
    opcodes: [
      { deprecated: 3 }, // an old file: only the byte-wide code
      { deprecated: 4, builtin: 4 },
      { deprecated: 1, builtin: 1 },
      { deprecated: 22, builtin: 22 },
      { deprecated: 9, builtin: 9, version: 4 },
      { deprecated: 25, builtin: 25 }
    ],
    buffers: [null, new Array(8 * 3 * 3 * 4).fill(1), new Array(32).fill(0), new Array(72).fill(2), new Array(32).fill(0), new Array(80).fill(3), new Array(40).fill(0), null, [1, 0, 0, 0, 8, 0, 0, 0]],
    subgraphs: [
      {
        name: 'main',
        tensors: [
          { shape: [1, 16, 16, 4], type: 9, name: 'input' }, // 0
          { shape: [8, 3, 3, 4], type: 9, buffer: 1 }, // 1
          { shape: [8], type: 2, buffer: 2 }, // 2
          { shape: [1, 8, 8, 8], type: 9 }, // 3
          { shape: [1, 3, 3, 8], type: 9, buffer: 3 }, // 4
          { shape: [8], type: 2, buffer: 4 }, // 5
          { shape: [1, 8, 8, 8], type: 9 }, // 6
          { shape: [1, 1, 1, 8], type: 9 }, // 7
          { shape: [1, 8], type: 9 }, // 8
          { shape: [10, 8], type: 9, buffer: 5 }, // 9
          { shape: [10], type: 2, buffer: 6 }, // 10
          { shape: [1, 10], type: 9 }, // 11
          { shape: [1, 10], type: 9, name: 'output' }, // 12
          { shape: [2], type: 2, buffer: 8 } // 13 reshape's shape
        ],
        inputs: [0],
        outputs: [12],
        operators: [
          { opcode: 0, inputs: [0, 1, 2], outputs: [3], optionsType: 1, options: { 0: i8(0), 1: i32(2), 2: i32(2), 3: i8(1) } },
          { opcode: 1, inputs: [3, 4, 5], outputs: [6], optionsType: 2, options: { 0: i8(0), 1: i32(1), 2: i32(1), 3: i32(1) } },
          { opcode: 2, inputs: [6], outputs: [7], optionsType: 5, options: { 0: i8(1), 1: i32(8), 2: i32(8), 3: i32(8), 4: i32(8) } },
          { opcode: 3, inputs: [7, 13], outputs: [8] },
          { opcode: 4, inputs: [8, 9, 10], outputs: [11], optionsType: 8, options: {} },
          { opcode: 5, inputs: [11], outputs: [12] }
        ]
      }
    ],
    ...overrides
  }
}

describe('TFLite reader on hand-made models', () => {
  it('reads operators, shapes, options, MACs, parameters and the activation peak', () => {
    const facts = modelFacts(readTflite(buildTflite(smallModel())))
    expect(facts.description).toBe('hand-made')
    expect(facts.schemaVersion).toBe(3)
    const l = facts.subgraphs[0].layers
    expect(l.map((x) => x.op)).toEqual(['CONV_2D', 'DEPTHWISE_CONV_2D', 'AVERAGE_POOL_2D', 'RESHAPE', 'FULLY_CONNECTED', 'SOFTMAX'])
    expect(l.map((x) => x.macs)).toEqual([8 * 8 * 8 * 36, 8 * 8 * 8 * 9, 0, 0, 80, 0])
    // Pooling counts window × outputs, softmax its outputs, reshape nothing.
    expect(l.map((x) => x.elementOps)).toEqual([0, 0, 8 * 64, 0, 0, 10])
    expect(l[0].options).toEqual({ kind: 'conv2d', padding: 'SAME', strideW: 2, strideH: 2, dilationW: 1, dilationH: 1, activation: 'RELU' })
    expect(l[2].options).toMatchObject({ kind: 'pool2d', padding: 'VALID', filterW: 8 })
    expect(l[0].params).toBe(288 + 8)
    expect(l[0].paramBytes).toBe(288 + 32)
    expect(l[3].params).toBe(2)
    expect(facts.params).toBe(296 + 72 + 8 + 80 + 10 + 2)
    expect(facts.paramBytes).toBe(320 + 104 + 120 + 8)
    // Step 0 holds the 1024-byte input and the 512-byte conv output; later steps hold less.
    expect(facts.peakActivationBytes).toBe(1024 + 512)
    expect(facts.subgraphs[0].peakAtLayer).toBe(0)
    expect(facts.operatorCounts).toEqual({ CONV_2D: 1, DEPTHWISE_CONV_2D: 1, AVERAGE_POOL_2D: 1, RESHAPE: 1, FULLY_CONNECTED: 1, SOFTMAX: 1 })
  })

  it('resolves operator codes from deprecated_builtin_code, builtin_code, the 127 placeholder and custom codes', () => {
    const spec = smallModel()
    spec.opcodes = [
      { deprecated: 127, builtin: 150 }, // GELU lives only in the extended field
      { builtin: 4 }, // a writer that left the byte at its default 0
      { deprecated: 32, builtin: 32, custom: 'ethos-u' },
      { deprecated: 22 },
      { deprecated: 9, builtin: 9 },
      { deprecated: 25, builtin: 25 }
    ]
    const ops = readTflite(buildTflite(spec)).subgraphs[0].operators
    expect(ops.map((o) => o.opName)).toEqual(['GELU', 'DEPTHWISE_CONV_2D', 'ethos-u', 'RESHAPE', 'FULLY_CONNECTED', 'SOFTMAX'])
    expect(ops[0].builtinCode).toBe(150)
    expect(ops[2].customCode).toBe('ethos-u')
  })

  it('refuses the placeholder without an extended code, and references to missing tensors, buffers or codes', () => {
    const placeholder = smallModel()
    placeholder.opcodes[0] = { deprecated: 127 }
    expect(() => readTflite(buildTflite(placeholder), 'p.tflite')).toThrow(/p\.tflite does not follow the TFLite schema: operator code 0 is the placeholder 127/)

    const badTensor = smallModel()
    badTensor.subgraphs[0].operators[1].inputs = [3, 99, 5]
    expect(() => readTflite(buildTflite(badTensor), 'b.tflite')).toThrow(/subgraph 0 operator 1 inputs refers to tensor 99, but subgraph 0 has 14 tensors/)

    const badBuffer = smallModel()
    badBuffer.subgraphs[0].tensors[1].buffer = 40
    expect(() => readTflite(buildTflite(badBuffer))).toThrow(/tensor 1 refers to buffer 40, but the model has 9 buffers/)

    const badCode = smallModel()
    badCode.subgraphs[0].operators[0].opcode = 6
    expect(() => readTflite(buildTflite(badCode))).toThrow(/uses operator code 6, but the model lists 6/)
  })

  it('says what a non-TFLite file is, with the bytes it found', () => {
    const err = catchError(() => readTflite(new TextEncoder().encode('PK\u0003\u0004 a zip file, not a model'), 'model.zip'))
    expect(err).toBeInstanceOf(TfliteFormatError)
    expect(err.message).toMatch(/model\.zip is not a TensorFlow Lite model: expected the identifier "TFL3" at bytes 4-7, found " a z"/)
    expect(() => readTflite(new Uint8Array(3), 'x.tflite')).toThrow(/3 bytes, too short/)
  })

  it('names a byte offset when the file is cut short', () => {
    const bytes = load('kws_ref_model.tflite')
    const err = catchError(() => readTflite(bytes.subarray(0, 4000), 'kws.tflite'))
    expect(err).toBeInstanceOf(TfliteFormatError)
    expect(err.message).toMatch(/^kws\.tflite is damaged or truncated: .* at byte \d+/)
    expect((err as TfliteFormatError).byteOffset).toBeGreaterThanOrEqual(0)
    expect((err as TfliteFormatError).byteOffset).toBeLessThanOrEqual(4000)
  })
})

describe('TFLite reader under fuzzing', () => {
  const models = [load('kws_ref_model.tflite'), load('ad01_int8.tflite'), buildTflite(smallModel())]

  it('gives a model or a TfliteFormatError for every mutated copy of the real models — never another error', () => {
    const rand = prng(0x5eed)
    const outcomes = { parsed: 0, refused: 0 }
    for (let round = 0; round < 600; round++) {
      const original = models[round % models.length]
      const bytes = original.slice()
      const kind = Math.floor(rand() * 4)
      let mutated: Uint8Array = bytes
      if (kind === 0) {
        // Flip a few bytes anywhere (mostly in the graph structure near the start and end).
        for (let k = 0; k < 1 + Math.floor(rand() * 8); k++) bytes[Math.floor(rand() * bytes.length)] ^= 1 + Math.floor(rand() * 255)
      } else if (kind === 1) {
        mutated = bytes.subarray(0, Math.floor(rand() * bytes.length))
      } else if (kind === 2) {
        // Overwrite a 32-bit word with a large or negative value: offsets and lengths are the risky fields.
        const p = Math.floor(rand() * (bytes.length - 4)) & ~3
        new DataView(bytes.buffer).setUint32(p, [0xffffffff, 0x7fffffff, 0x80000000, bytes.length, Math.floor(rand() * 2 ** 32)][Math.floor(rand() * 5)], true)
      } else {
        for (let k = 0; k < 64; k++) bytes[Math.floor(rand() * Math.min(bytes.length, 2048))] = Math.floor(rand() * 256)
      }
      try {
        const m = readTflite(mutated, 'fuzz.tflite')
        const f = modelFacts(m)
        expect(Number.isNaN(f.macs)).toBe(false)
        outcomes.parsed++
      } catch (e) {
        if (!(e instanceof TfliteFormatError)) throw new Error(`round ${round} (mutation ${kind}) threw ${(e as Error).name}: ${(e as Error).message}`)
        expect(e.message).toMatch(/fuzz\.tflite/)
        outcomes.refused++
      }
    }
    // Both outcomes must occur, or the fuzzing is not reaching the parser.
    expect(outcomes.parsed).toBeGreaterThan(20)
    expect(outcomes.refused).toBeGreaterThan(20)
  })

  it('refuses random bytes behind a valid identifier with a TfliteFormatError', () => {
    const rand = prng(42)
    for (let round = 0; round < 300; round++) {
      const bytes = new Uint8Array(8 + Math.floor(rand() * 512))
      for (let i = 0; i < bytes.length; i++) bytes[i] = Math.floor(rand() * 256)
      bytes.set([0x54, 0x46, 0x4c, 0x33], 4)
      try {
        modelFacts(readTflite(bytes, 'r.tflite'))
      } catch (e) {
        if (!(e instanceof TfliteFormatError)) throw e
      }
    }
  })
})
