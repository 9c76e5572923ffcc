import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { DefinitionError, loadDefinitionFile, loadDefinitions, parseDefinition } from '../../src-main/wiring/definitions'
import { resourcesDir } from '../../src-main/hosts/paths'
import { prng } from '../helpers/prng'

const ppk2Text = readFileSync(join(resourcesDir(), 'analyzers', 'ppk2.json'), 'utf8')
const f401Text = readFileSync(join(resourcesDir(), 'boards', 'nucleo-f401re.json'), 'utf8')

function tempFile(name: string, content: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'jb-def-'))
  const file = join(dir, name)
  writeFileSync(file, content)
  return file
}

describe('shipped definitions', () => {
  const catalog = loadDefinitions()

  it('load and validate, with the boards the studies and MLPerf Tiny used', () => {
    expect(catalog.analyzers.map((a) => a.id).sort()).toEqual(['js220', 'lpm01a', 'ppk2'])
    for (const id of ['nucleo-f401re', 'nucleo-l4r5zi', 'max78000fthr', 'grove-vision-ai-v2', 'frdm-mcxn947']) {
      const b = catalog.duts.find((d) => d.id === id)
      expect(b, id).toBeDefined()
      expect(b!.supply.pin).toMatch(/\./)
      expect(b!.trigger.pin).toMatch(/\./)
      expect(b!.logicLevelV).toBeGreaterThan(1)
      expect(b!.sources.length).toBeGreaterThan(0)
      // Every board either names the jumper to remove or says in a note why there is none.
      expect(b!.jumpers.length > 0 || b!.notes.some((n) => /jumper/i.test(n)) || id === 'grove-vision-ai-v2').toBe(true)
    }
    expect(catalog.interfaces.length).toBeGreaterThan(0)
    expect(catalog.levelShifters.length).toBeGreaterThan(0)
  })

  it('keep the public facts: PPK2 ranges and accuracy, LPM01A limits, the IDD jumper on the F401RE', () => {
    const ppk2 = catalog.analyzers.find((a) => a.id === 'ppk2')!
    expect(ppk2.ranges.map((r) => [r.minA, r.maxA, r.accuracyFraction])).toEqual([
      [200e-9, 50e-6, 0.1],
      [50e-6, 500e-6, 0.1],
      [0.5e-3, 5e-3, 0.1],
      [5e-3, 50e-3, 0.1],
      [50e-3, 1, 0.15]
    ])
    expect([ppk2.supply.minV, ppk2.supply.maxV]).toEqual([0.8, 5])
    expect([ppk2.logic.referenceMinV, ppk2.logic.referenceMaxV]).toEqual([1.65, 5.5])
    expect(ppk2.userGains).toEqual({ min: 0.9, max: 1.1 })
    // The maximum current is disputed between sources: it must be marked, not stated as fact.
    expect(ppk2.supply.maxCurrentA.verified).toBe(false)
    const lpm = catalog.analyzers.find((a) => a.id === 'lpm01a')!
    expect([lpm.supply.minV, lpm.supply.maxV]).toEqual([1.8, 3.3])
    expect(lpm.supply.overcurrentTripA?.value).toBe(0.059)
    expect(lpm.terminals.triggerIn).toBe('arduino.D7')
    const f401 = catalog.duts.find((d) => d.id === 'nucleo-f401re')!
    expect(f401.jumpers.map((j) => j.ref)).toEqual(['JP6'])
  })
})

describe('a malformed definition file', () => {
  it('names the file and the field, and what was found', () => {
    const doc = JSON.parse(ppk2Text)
    doc.ranges[2].maxA = '5 mA'
    const file = tempFile('ppk2.json', JSON.stringify(doc))
    expect(() => loadDefinitionFile(file)).toThrow(DefinitionError)
    try {
      loadDefinitionFile(file)
    } catch (e) {
      expect((e as DefinitionError).file).toBe(file)
      expect((e as DefinitionError).field).toBe('ranges.2.maxA')
      expect((e as Error).message).toContain(file)
      expect((e as Error).message).toContain('"5 mA"')
    }
  })

  it('rejects a pin reference to a pin that no connector declares', () => {
    const doc = JSON.parse(ppk2Text)
    doc.terminals.triggerIn = 'logic.D9'
    expect(() => parseDefinition(doc, 'ppk2.json')).toThrow(/field "terminals\.triggerIn" refers to pin "logic\.D9"/)
    const board = JSON.parse(f401Text)
    board.supply.pin = 'jp6.VDD'
    expect(() => parseDefinition(board, 'nucleo-f401re.json')).toThrow(/field "supply\.pin"/)
  })

  it('rejects invalid JSON, a misnamed file, reversed spans and out-of-order ranges', () => {
    expect(() => loadDefinitionFile(tempFile('x.json', '{"kind": "analyzer",'))).toThrow(/x\.json.*not valid JSON/)
    expect(() => parseDefinition(JSON.parse(ppk2Text), 'other.json')).toThrow(/field "id" is "ppk2" but the file is named other\.json/)
    const reversed = JSON.parse(f401Text)
    reversed.supply.minV = 4
    expect(() => parseDefinition(reversed, 'nucleo-f401re.json')).toThrow(/field "supply" has its minimum \(4\) above its maximum/)
    const order = JSON.parse(ppk2Text)
    order.ranges.reverse()
    expect(() => parseDefinition(order, 'ppk2.json')).toThrow(/ranges\.0\.index/)
  })

  it('stops a folder load at the bad file, naming it, and refuses duplicate ids', () => {
    const root = mkdtempSync(join(tmpdir(), 'jb-defs-'))
    cpSync(resourcesDir() + '/analyzers', join(root, 'analyzers'), { recursive: true })
    mkdirSync(join(root, 'boards'))
    writeFileSync(join(root, 'boards', 'nucleo-f401re.json'), f401Text)
    expect(loadDefinitions(root).duts).toHaveLength(1)
    writeFileSync(join(root, 'boards', 'broken.json'), '{"kind":"dut"}')
    expect(() => loadDefinitions(root)).toThrow(/boards[/\\]broken\.json: field "id"/)
    rmSync(join(root, 'boards', 'broken.json'))
    writeFileSync(join(root, 'boards', 'ppk2.json'), ppk2Text)
    expect(() => loadDefinitions(root)).toThrow(/boards[/\\]ppk2\.json: field "kind" is "analyzer" but the file is in boards/)
    rmSync(join(root, 'boards', 'ppk2.json'))
    const twin = JSON.parse(f401Text)
    twin.id = 'ppk2'
    writeFileSync(join(root, 'boards', 'ppk2.json'), JSON.stringify(twin))
    expect(() => loadDefinitions(root)).toThrow(/field "id" "ppk2" is also used by .*analyzers[/\\]ppk2\.json/)
  })

  it('survives random mutation: every outcome is a valid definition or a DefinitionError', () => {
    const rand = prng(20240611)
    const junk = [null, -1, 0, 'x', '', [], {}, true, 1e308, 'logic.D0', 'nope.nope']
    const paths = (v: unknown, p: Array<string | number> = []): Array<Array<string | number>> =>
      v !== null && typeof v === 'object'
        ? [p, ...Object.entries(v as object).flatMap(([k, x]) => paths(x, [...p, Array.isArray(v) ? Number(k) : k]))]
        : [p]
    for (const text of [ppk2Text, f401Text]) {
      const all = paths(JSON.parse(text)).filter((p) => p.length > 0)
      for (let i = 0; i < 400; i++) {
        const doc = JSON.parse(text)
        const path = all[Math.floor(rand() * all.length)]!
        let parent: any = doc
        for (const k of path.slice(0, -1)) parent = parent[k]
        const key = path[path.length - 1]!
        if (rand() < 0.3) delete parent[key]
        else parent[key] = junk[Math.floor(rand() * junk.length)]
        try {
          parseDefinition(doc, doc.id === 'ppk2' || doc.kind === 'analyzer' ? 'ppk2.json' : 'nucleo-f401re.json')
        } catch (e) {
          expect(e, `mutating ${path.join('.')}`).toBeInstanceOf(DefinitionError)
        }
      }
    }
  })
})
