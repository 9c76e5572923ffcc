import { readdirSync, readFileSync } from 'node:fs'
import { basename, join } from 'node:path'
import type { z } from 'zod'
import { resourcesDir } from '../hosts/paths'
import {
  analyzerDefinitionSchema,
  boardDefinitionSchema,
  type AnalyzerDefinition,
  type AnyDefinition,
  type BoardDefinition,
  type ConnectorDefinition,
  type DutBoardDefinition,
  type InterfaceBoardDefinition,
  type LevelShifterDefinition,
  type PinDefinition
} from './definition-schema'

/** A definition file that cannot be used: names the file, the field, and what was wrong. */
export class DefinitionError extends Error {
  constructor(
    readonly file: string,
    readonly field: string,
    problem: string
  ) {
    super(`Definition file ${file}: field "${field}" ${problem}. Fix the file (see the other files in its folder for the expected shape).`)
    this.name = 'DefinitionError'
  }
}

export interface DefinitionCatalog {
  analyzers: AnalyzerDefinition[]
  duts: DutBoardDefinition[]
  interfaces: InterfaceBoardDefinition[]
  levelShifters: LevelShifterDefinition[]
}

function describeValue(v: unknown): string {
  if (v === undefined) return 'nothing'
  const s = JSON.stringify(v)
  return s.length > 60 ? `${s.slice(0, 57)}...` : s
}

function valueAt(doc: unknown, path: ReadonlyArray<PropertyKey>): unknown {
  let v: unknown = doc
  for (const k of path) v = v !== null && typeof v === 'object' ? (v as Record<PropertyKey, unknown>)[k] : undefined
  return v
}

function parseWith<T>(schema: z.ZodType<T>, doc: unknown, file: string): T {
  const r = schema.safeParse(doc)
  if (r.success) return r.data
  const issue = r.error.issues[0]!
  const field = issue.path.map(String).join('.') || '(top level)'
  throw new DefinitionError(file, field, `is invalid: ${issue.message} (found ${describeValue(valueAt(doc, issue.path))})`)
}

/** Every "connector.pin" reference in a definition must name a pin declared in it. */
function checkPinRefs(def: AnyDefinition, file: string): void {
  const known = new Set(def.connectors.flatMap((c) => c.pins.map((p) => `${c.id}.${p.id}`)))
  const seenConnectors = new Set<string>()
  for (const c of def.connectors) {
    if (seenConnectors.has(c.id)) throw new DefinitionError(file, 'connectors', `declares connector "${c.id}" twice`)
    seenConnectors.add(c.id)
  }
  const visit = (value: unknown, path: string): void => {
    if (path.startsWith('connectors') || path.startsWith('sources') || path.startsWith('notes')) return
    if (typeof value === 'string' && /^[A-Za-z0-9_-]+\.[A-Za-z0-9_+-]+$/.test(value) && isRefField(path)) {
      if (!known.has(value)) throw new DefinitionError(file, path, `refers to pin "${value}", which no connector declares`)
      return
    }
    if (Array.isArray(value)) value.forEach((v, i) => visit(v, `${path}.${i}`))
    else if (value !== null && typeof value === 'object')
      for (const [k, v] of Object.entries(value)) visit(v, path ? `${path}.${k}` : k)
  }
  visit(def, '')
}

const REF_FIELDS = /(^|\.)(pin|boardSourcePin|ioReferencePin|ground|tx|rx|supplyOut|supplyIn|supplyReturn|unmeasuredSupply|triggerIn|logicReference|logicGround|toDut|fromDut|timestampIn|highSupply|lowSupply|high|low)$/
function isRefField(path: string): boolean {
  return REF_FIELDS.test(path)
}

function checkSpans(def: AnyDefinition, file: string): void {
  const span = (field: string, lo: number, hi: number) => {
    if (lo > hi) throw new DefinitionError(file, field, `has its minimum (${lo}) above its maximum (${hi})`)
  }
  if (def.kind === 'analyzer') {
    span('supply', def.supply.minV, def.supply.maxV)
    span('logic', def.logic.referenceMinV, def.logic.referenceMaxV)
    def.ranges.forEach((r, i) => {
      span(`ranges.${i}`, r.minA, r.maxA)
      if (r.index !== i) throw new DefinitionError(file, `ranges.${i}.index`, `is ${r.index}; ranges must be listed in index order from 0`)
    })
  } else if (def.kind === 'dut') {
    span('supply', def.supply.minV, def.supply.maxV)
    span('expectedCurrentA', def.expectedCurrentA.idleMin, def.expectedCurrentA.runMax)
    if (def.supply.nominalV < def.supply.minV || def.supply.nominalV > def.supply.maxV) {
      throw new DefinitionError(file, 'supply.nominalV', `(${def.supply.nominalV} V) lies outside ${def.supply.minV}–${def.supply.maxV} V`)
    }
  } else if (def.kind === 'level-shifter') {
    span('lowMinV', def.lowMinV, def.lowMaxV)
    span('highMinV', def.highMinV, def.highMaxV)
  }
}

/** Parse one definition document (already read from `file`). */
export function parseDefinition(doc: unknown, file: string): AnyDefinition {
  const kind = valueAt(doc, ['kind'])
  const def: AnyDefinition =
    kind === 'analyzer' ? parseWith(analyzerDefinitionSchema, doc, file) : parseWith(boardDefinitionSchema, doc, file)
  checkPinRefs(def, file)
  checkSpans(def, file)
  const stem = basename(file).replace(/\.json$/, '')
  if (stem !== def.id) throw new DefinitionError(file, 'id', `is "${def.id}" but the file is named ${stem}.json; name the file after its id`)
  return def
}

export function loadDefinitionFile(file: string): AnyDefinition {
  let text: string
  try {
    text = readFileSync(file, 'utf8')
  } catch (e) {
    throw new DefinitionError(file, '(file)', `could not be read: ${(e as Error).message}`)
  }
  let doc: unknown
  try {
    doc = JSON.parse(text)
  } catch (e) {
    throw new DefinitionError(file, '(file)', `is not valid JSON: ${(e as Error).message}`)
  }
  return parseDefinition(doc, file)
}

/**
 * Load every definition from `<root>/analyzers/*.json` and `<root>/boards/*.json`.
 * One bad file stops the load with its name: a half-loaded catalog would hide the broken board.
 */
export function loadDefinitions(root: string = resourcesDir()): DefinitionCatalog {
  const catalog: DefinitionCatalog = { analyzers: [], duts: [], interfaces: [], levelShifters: [] }
  const ids = new Map<string, string>()
  for (const folder of ['analyzers', 'boards'] as const) {
    const dir = join(root, folder)
    let files: string[]
    try {
      files = readdirSync(dir).filter((f) => f.endsWith('.json')).sort()
    } catch (e) {
      throw new DefinitionError(dir, '(folder)', `could not be listed: ${(e as Error).message}`)
    }
    for (const f of files) {
      const file = join(dir, f)
      const def = loadDefinitionFile(file)
      if (folder === 'analyzers' && def.kind !== 'analyzer') throw new DefinitionError(file, 'kind', `is "${def.kind}" but the file is in analyzers/`)
      if (folder === 'boards' && def.kind === 'analyzer') throw new DefinitionError(file, 'kind', 'is "analyzer" but the file is in boards/')
      const clash = ids.get(def.id)
      if (clash) throw new DefinitionError(file, 'id', `"${def.id}" is also used by ${clash}`)
      ids.set(def.id, file)
      if (def.kind === 'analyzer') catalog.analyzers.push(def)
      else if (def.kind === 'dut') catalog.duts.push(def)
      else if (def.kind === 'interface') catalog.interfaces.push(def)
      else catalog.levelShifters.push(def)
    }
  }
  return catalog
}

/** Find a pin by "connector.pin", with its connector. */
export function findPin(def: AnyDefinition, ref: string): { connector: ConnectorDefinition; pin: PinDefinition } {
  const [c, p] = ref.split('.')
  const connector = def.connectors.find((x) => x.id === c)
  const pin = connector?.pins.find((x) => x.id === p)
  if (!connector || !pin) throw new Error(`${def.id} has no pin ${ref}`)
  return { connector, pin }
}

export function findAnalyzer(catalog: DefinitionCatalog, family: string): AnalyzerDefinition {
  const a = catalog.analyzers.find((x) => x.id === family)
  if (!a) throw new Error(`No analyzer definition for "${family}". Known analyzers: ${catalog.analyzers.map((x) => x.id).join(', ')}.`)
  return a
}

export function findBoard(catalog: DefinitionCatalog, id: string): DutBoardDefinition {
  const b = catalog.duts.find((x) => x.id === id)
  if (!b) throw new Error(`No board definition "${id}". Known boards: ${catalog.duts.map((x) => x.id).join(', ')}.`)
  return b
}

export type { AnalyzerDefinition, BoardDefinition, DutBoardDefinition, InterfaceBoardDefinition, LevelShifterDefinition }
