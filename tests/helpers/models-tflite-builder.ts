import { bytes, finish, floats, i32, i8, ints, longs, str, table, u32, u8, vec, type Scalar, type Node, type TableNode } from './models-flatbuffer-writer'

/**
 * Hand-made TFLite models for tests, laid out with the field ids read from the public schema.fbs
 * (typed here again rather than imported, so a wrong id in the reader cannot hide in both).
 */

export interface OpCodeSpec {
  deprecated?: number
  builtin?: number
  custom?: string
  version?: number
}
export interface TensorSpec {
  shape: number[]
  /** TensorType: 0 FLOAT32, 2 INT32, 9 INT8 … */
  type: number
  buffer?: number
  name?: string
  scale?: number[]
  zeroPoint?: number[]
  isVariable?: boolean
}
export interface OperatorSpec {
  opcode: number
  inputs: number[]
  outputs: number[]
  /** BuiltinOptions union type and the options table's fields by id. */
  optionsType?: number
  options?: Record<number, Scalar | Node>
}
export interface ModelSpec {
  version?: number
  description?: string
  opcodes: OpCodeSpec[]
  /** Buffer contents; buffer 0 should be empty. */
  buffers: Array<number[] | null>
  subgraphs: Array<{ tensors: TensorSpec[]; inputs: number[]; outputs: number[]; operators: OperatorSpec[]; name?: string }>
}

export function buildTflite(spec: ModelSpec): Uint8Array {
  const opcode = (c: OpCodeSpec): TableNode => {
    const f: Record<number, Scalar | Node> = {}
    if (c.deprecated !== undefined) f[0] = i8(c.deprecated)
    if (c.custom !== undefined) f[1] = str(c.custom)
    if (c.version !== undefined) f[2] = i32(c.version)
    if (c.builtin !== undefined) f[3] = i32(c.builtin)
    return table(f)
  }
  const tensor = (t: TensorSpec): TableNode => {
    const f: Record<number, Scalar | Node> = { 0: ints(t.shape), 1: i8(t.type), 2: u32(t.buffer ?? 0) }
    if (t.name !== undefined) f[3] = str(t.name)
    if (t.scale) f[4] = table({ 2: floats(t.scale), 3: longs(t.zeroPoint ?? t.scale.map(() => 0)) })
    if (t.isVariable) f[5] = u8(1)
    return table(f)
  }
  const operator = (o: OperatorSpec): TableNode => {
    const f: Record<number, Scalar | Node> = { 0: u32(o.opcode), 1: ints(o.inputs), 2: ints(o.outputs) }
    if (o.optionsType !== undefined) {
      f[3] = u8(o.optionsType)
      f[4] = table(o.options ?? {})
    }
    return table(f)
  }
  const subgraph = (s: ModelSpec['subgraphs'][number]): TableNode => {
    const f: Record<number, Scalar | Node> = { 0: vec(s.tensors.map(tensor)), 1: ints(s.inputs), 2: ints(s.outputs), 3: vec(s.operators.map(operator)) }
    if (s.name !== undefined) f[4] = str(s.name)
    return table(f)
  }
  const fields: Record<number, Scalar | Node> = {
    0: u32(spec.version ?? 3),
    1: vec(spec.opcodes.map(opcode)),
    2: vec(spec.subgraphs.map(subgraph)),
    4: vec(spec.buffers.map((b) => (b && b.length ? table({ 0: bytes(b) }) : table({}))))
  }
  if (spec.description !== undefined) fields[3] = str(spec.description)
  const root = table(fields)
  return finish(root, 'TFL3')
}

