import { FbTable, FlatBuffer, FlatBufferError } from './flatbuffer-reader'
import {
  ACTIVATION_NAMES,
  BufferField,
  BuiltinOptionsType,
  Conv2DOptionsField,
  DepthwiseConv2DOptionsField,
  FullyConnectedOptionsField,
  ModelField,
  OperatorCodeField,
  OperatorField,
  PADDING_NAMES,
  PLACEHOLDER_FOR_GREATER_OP_CODES,
  Pool2DOptionsField,
  QuantizationField,
  SubGraphField,
  TFLITE_FILE_IDENTIFIER,
  TensorField,
  builtinOperatorName,
  tensorTypeName
} from './tflite-schema'

/** A .tflite file that cannot be read: names the file, the byte offset and what was wrong. */
export class TfliteFormatError extends Error {
  constructor(
    message: string,
    readonly file: string,
    readonly byteOffset: number | null
  ) {
    super(message)
    this.name = 'TfliteFormatError'
  }
}

export interface TfliteQuantization {
  scale: number[]
  zeroPoint: number[]
  quantizedDimension: number
}

export interface TfliteTensor {
  index: number
  name: string
  shape: number[]
  type: number
  typeName: string
  /** Index into the model's buffers; 0 is the always-empty sentinel. */
  buffer: number
  isVariable: boolean
  quantization: TfliteQuantization | null
}

export interface TfliteBuffer {
  /** Bytes of constant data (0 for activations). */
  byteLength: number
  /** Where the data starts in the file, when there is any. */
  fileOffset: number | null
}

/** The options that decide an operator's arithmetic; others are left out. */
export type TfliteOptions =
  | { kind: 'conv2d'; padding: string; strideW: number; strideH: number; dilationW: number; dilationH: number; activation: string }
  | { kind: 'depthwiseConv2d'; padding: string; strideW: number; strideH: number; depthMultiplier: number; dilationW: number; dilationH: number; activation: string }
  | { kind: 'pool2d'; padding: string; strideW: number; strideH: number; filterW: number; filterH: number; activation: string }
  | { kind: 'fullyConnected'; activation: string; keepNumDims: boolean }

export interface TfliteOperator {
  index: number
  opcodeIndex: number
  builtinCode: number
  /** BuiltinOperator name, or the custom code for CUSTOM operators. */
  opName: string
  customCode: string | null
  opVersion: number
  /** Tensor indices; -1 marks an optional input that is left out. */
  inputs: number[]
  outputs: number[]
  intermediates: number[]
  options: TfliteOptions | null
}

export interface TfliteSubgraph {
  index: number
  name: string
  tensors: TfliteTensor[]
  inputs: number[]
  outputs: number[]
  operators: TfliteOperator[]
}

export interface TfliteModel {
  schemaVersion: number
  description: string
  fileBytes: number
  subgraphs: TfliteSubgraph[]
  buffers: TfliteBuffer[]
}

/**
 * Reads the parts of a TFLite flatbuffer that describe the graph: operator codes, subgraphs with their
 * tensors and operators (in execution order), and the sizes of the constant buffers. Buffer contents
 * are not copied. Throws TfliteFormatError for anything the schema does not allow.
 */
export function readTflite(bytes: Uint8Array, file = 'model.tflite'): TfliteModel {
  const fb = new FlatBuffer(bytes)
  const id = fb.identifier()
  if (id !== TFLITE_FILE_IDENTIFIER) {
    const shown = id === null ? `${bytes.byteLength} bytes, too short` : `"${printable(id)}"`
    throw new TfliteFormatError(
      `${file} is not a TensorFlow Lite model: expected the identifier "TFL3" at bytes 4-7, found ${shown}. Check that the file is a .tflite flatbuffer (not a SavedModel, .h5 or C array).`,
      file,
      4
    )
  }
  try {
    return readModel(fb, bytes.byteLength)
  } catch (e) {
    if (e instanceof FlatBufferError) {
      throw new TfliteFormatError(`${file} is damaged or truncated: ${e.message}. Re-export or re-copy the model.`, file, e.byteOffset)
    }
    if (e instanceof SchemaError) {
      throw new TfliteFormatError(`${file} does not follow the TFLite schema: ${e.message}. Re-export the model.`, file, e.byteOffset)
    }
    throw e
  }
}

class SchemaError extends Error {
  constructor(
    message: string,
    readonly byteOffset: number
  ) {
    super(message)
  }
}

function readModel(fb: FlatBuffer, fileBytes: number): TfliteModel {
  const model = fb.root('Model')
  const schemaVersion = model.u32(ModelField.version)
  const description = model.string(ModelField.description, 'Model.description') ?? ''

  const codes = model.vector(ModelField.operatorCodes, 4, 'Model.operator_codes')
  const opcodes: Array<{ builtinCode: number; customCode: string | null; version: number }> = []
  for (let i = 0; i < (codes?.length ?? 0); i++) {
    const t = codes!.table(i, `OperatorCode ${i}`)
    // Old files carry only the byte-wide deprecated code; new ones write both, and codes of 127 and
    // above only in builtin_code (with the byte holding the placeholder). The larger of the two is right in all three cases.
    const deprecated = t.i8(OperatorCodeField.deprecatedBuiltinCode)
    const extended = t.i32(OperatorCodeField.builtinCode)
    let builtinCode = Math.max(deprecated, extended)
    if (deprecated < 0) builtinCode = extended
    if (builtinCode === PLACEHOLDER_FOR_GREATER_OP_CODES && extended <= PLACEHOLDER_FOR_GREATER_OP_CODES) {
      throw new SchemaError(`operator code ${i} is the placeholder 127 without an extended builtin_code`, t.pos)
    }
    opcodes.push({
      builtinCode,
      customCode: t.string(OperatorCodeField.customCode, `OperatorCode ${i}.custom_code`),
      version: t.i32(OperatorCodeField.version, 1)
    })
  }

  const bufVec = model.vector(ModelField.buffers, 4, 'Model.buffers')
  const buffers: TfliteBuffer[] = []
  for (let i = 0; i < (bufVec?.length ?? 0); i++) {
    const t = bufVec!.table(i, `Buffer ${i}`)
    const data = t.vector(BufferField.data, 1, `Buffer ${i}.data`)
    if (data && data.length > 0) {
      buffers.push({ byteLength: data.length, fileOffset: data.start })
      continue
    }
    // Models over 2 GB keep constant data after the flatbuffer, addressed by offset and size (offset > 1 when used).
    const offset = t.u64(BufferField.offset)
    const size = t.u64(BufferField.size)
    if (offset > 1) {
      if (offset + size > fileBytes) {
        throw new SchemaError(`buffer ${i} points at bytes ${offset}..${offset + size} outside the ${fileBytes}-byte file`, t.pos)
      }
      buffers.push({ byteLength: size, fileOffset: offset })
    } else {
      buffers.push({ byteLength: 0, fileOffset: null })
    }
  }

  const sgVec = model.vector(ModelField.subgraphs, 4, 'Model.subgraphs')
  if (!sgVec || sgVec.length === 0) throw new SchemaError('the model has no subgraphs', model.pos)
  const subgraphs: TfliteSubgraph[] = []
  for (let s = 0; s < sgVec.length; s++) {
    subgraphs.push(readSubgraph(sgVec.table(s, `SubGraph ${s}`), s, opcodes, buffers.length))
  }
  return { schemaVersion, description, fileBytes, subgraphs, buffers }
}

function readSubgraph(
  sg: FbTable,
  index: number,
  opcodes: ReadonlyArray<{ builtinCode: number; customCode: string | null; version: number }>,
  bufferCount: number
): TfliteSubgraph {
  const where = `subgraph ${index}`
  const tVec = sg.vector(SubGraphField.tensors, 4, `${where} tensors`)
  const tensors: TfliteTensor[] = []
  for (let i = 0; i < (tVec?.length ?? 0); i++) {
    const t = tVec!.table(i, `${where} tensor ${i}`)
    const shape = t.vector(TensorField.shape, 4, `${where} tensor ${i} shape`)?.i32s() ?? []
    const buffer = t.u32(TensorField.buffer)
    if (buffer >= Math.max(1, bufferCount)) {
      throw new SchemaError(`${where} tensor ${i} refers to buffer ${buffer}, but the model has ${bufferCount} buffers`, t.pos)
    }
    const type = t.i8(TensorField.type)
    tensors.push({
      index: i,
      name: t.string(TensorField.name, `${where} tensor ${i} name`) ?? '',
      shape,
      type,
      typeName: tensorTypeName(type),
      buffer,
      isVariable: t.bool(TensorField.isVariable),
      quantization: readQuantization(t.table(TensorField.quantization, `${where} tensor ${i} quantization`))
    })
  }
  const checkIndices = (list: number[], what: string, pos: number, allowMissing: boolean): number[] => {
    for (const k of list) {
      if ((k === -1 && allowMissing) || (k >= 0 && k < tensors.length)) continue
      throw new SchemaError(`${what} refers to tensor ${k}, but ${where} has ${tensors.length} tensors`, pos)
    }
    return list
  }
  const inputs = checkIndices(sg.vector(SubGraphField.inputs, 4, `${where} inputs`)?.i32s() ?? [], `${where} inputs`, sg.pos, false)
  const outputs = checkIndices(sg.vector(SubGraphField.outputs, 4, `${where} outputs`)?.i32s() ?? [], `${where} outputs`, sg.pos, false)

  const oVec = sg.vector(SubGraphField.operators, 4, `${where} operators`)
  const operators: TfliteOperator[] = []
  for (let i = 0; i < (oVec?.length ?? 0); i++) {
    const o = oVec!.table(i, `${where} operator ${i}`)
    const opcodeIndex = o.u32(OperatorField.opcodeIndex)
    const code = opcodes[opcodeIndex]
    if (!code) throw new SchemaError(`${where} operator ${i} uses operator code ${opcodeIndex}, but the model lists ${opcodes.length}`, o.pos)
    const what = `${where} operator ${i}`
    operators.push({
      index: i,
      opcodeIndex,
      builtinCode: code.builtinCode,
      opName: code.builtinCode === 32 && code.customCode ? code.customCode : builtinOperatorName(code.builtinCode),
      customCode: code.customCode,
      opVersion: code.version,
      inputs: checkIndices(o.vector(OperatorField.inputs, 4, `${what} inputs`)?.i32s() ?? [], `${what} inputs`, o.pos, true),
      outputs: checkIndices(o.vector(OperatorField.outputs, 4, `${what} outputs`)?.i32s() ?? [], `${what} outputs`, o.pos, true),
      intermediates: checkIndices(o.vector(OperatorField.intermediates, 4, `${what} intermediates`)?.i32s() ?? [], `${what} intermediates`, o.pos, true),
      options: readOptions(o, what)
    })
  }
  return { index, name: sg.string(SubGraphField.name, `${where} name`) ?? '', tensors, inputs, outputs, operators }
}

function readQuantization(q: FbTable | null): TfliteQuantization | null {
  if (!q) return null
  const scale = q.vector(QuantizationField.scale, 4, 'quantization scale')?.f32s() ?? []
  const zeroPoint = q.vector(QuantizationField.zeroPoint, 8, 'quantization zero_point')?.i64s() ?? []
  if (scale.length === 0 && zeroPoint.length === 0) return null
  return { scale, zeroPoint, quantizedDimension: q.i32(QuantizationField.quantizedDimension) }
}

const name = (names: readonly string[], v: number): string => names[v] ?? `UNKNOWN_${v}`

function readOptions(o: FbTable, what: string): TfliteOptions | null {
  const type = o.u8(OperatorField.builtinOptionsType)
  if (type === 0) return null
  const t = o.table(OperatorField.builtinOptions, `${what} builtin_options`)
  if (!t) return null
  switch (type) {
    case BuiltinOptionsType.Conv2DOptions: {
      const f = Conv2DOptionsField
      return {
        kind: 'conv2d',
        padding: name(PADDING_NAMES, t.i8(f.padding)),
        strideW: t.i32(f.strideW),
        strideH: t.i32(f.strideH),
        dilationW: t.i32(f.dilationW, 1),
        dilationH: t.i32(f.dilationH, 1),
        activation: name(ACTIVATION_NAMES, t.i8(f.fusedActivation))
      }
    }
    case BuiltinOptionsType.DepthwiseConv2DOptions: {
      const f = DepthwiseConv2DOptionsField
      return {
        kind: 'depthwiseConv2d',
        padding: name(PADDING_NAMES, t.i8(f.padding)),
        strideW: t.i32(f.strideW),
        strideH: t.i32(f.strideH),
        depthMultiplier: t.i32(f.depthMultiplier),
        dilationW: t.i32(f.dilationW, 1),
        dilationH: t.i32(f.dilationH, 1),
        activation: name(ACTIVATION_NAMES, t.i8(f.fusedActivation))
      }
    }
    case BuiltinOptionsType.Pool2DOptions: {
      const f = Pool2DOptionsField
      return {
        kind: 'pool2d',
        padding: name(PADDING_NAMES, t.i8(f.padding)),
        strideW: t.i32(f.strideW),
        strideH: t.i32(f.strideH),
        filterW: t.i32(f.filterWidth),
        filterH: t.i32(f.filterHeight),
        activation: name(ACTIVATION_NAMES, t.i8(f.fusedActivation))
      }
    }
    case BuiltinOptionsType.FullyConnectedOptions: {
      const f = FullyConnectedOptionsField
      return {
        kind: 'fullyConnected',
        activation: name(ACTIVATION_NAMES, t.i8(f.fusedActivation)),
        keepNumDims: t.bool(f.keepNumDims)
      }
    }
    default:
      return null
  }
}

function printable(s: string): string {
  return s.replace(/[^\x20-\x7e]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`)
}
