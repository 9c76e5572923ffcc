import Database from 'better-sqlite3'
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { listTableMappings, loadTableMapping, saveTableMapping, tableShapeKey } from '../../src-main/formats/table-mapping-store'
import { openWorkspace } from '../../src-main/store/workspace'

const HEADER = ['DSP', 'Layer type', 'Filters', 'Latency (s)', 'Consumption (J)']

describe('column mappings saved per table shape in the workspace', () => {
  it('survives closing and reopening the SQLite file, and matches the same columns in any order', () => {
    const path = join(mkdtempSync(join(tmpdir(), 'jb-tables-')), 'w.db')
    const db = openWorkspace(path)
    const mapping = { columns: { primitive: 'Layer type', cy: 'Filters' }, base: { hy: 32, wy: 32, cx: 16, cy: 16, k: 3, g: 2 }, x: 'macs', y: 'energy', group: ['DSP'] }
    saveTableMapping(db, HEADER, mapping, 'Filters_Latency_And_Energy.csv')
    db.close()

    const again = openWorkspace(path)
    const shuffled = [...HEADER].reverse()
    expect(tableShapeKey(shuffled)).toBe(tableShapeKey(HEADER))
    const stored = loadTableMapping(again, shuffled)!
    expect(stored.mapping).toEqual(mapping)
    expect(stored.sourceName).toBe('Filters_Latency_And_Energy.csv')
    // Another shape (the kernel sweep) has no mapping yet.
    expect(loadTableMapping(again, ['DSP', 'Layer type', 'Kernel size', 'Latency (s)', 'Consumption (J)'])).toBeNull()

    // Saving again for the same shape replaces the mapping.
    saveTableMapping(again, HEADER, { columns: { energy: 'Consumption (J)' } }, 'other.csv')
    expect(loadTableMapping(again, HEADER)!.mapping).toEqual({ columns: { energy: 'Consumption (J)' } })
    expect(listTableMappings(again)).toHaveLength(1)
    again.close()
  })

  it('reports a damaged saved mapping with what to do, instead of using it', () => {
    const path = join(mkdtempSync(join(tmpdir(), 'jb-tables-')), 'w.db')
    openWorkspace(path).close()
    const raw = new Database(path)
    raw.prepare('INSERT INTO table_column_mappings VALUES (?, ?, ?, ?, ?)').run(tableShapeKey(HEADER), JSON.stringify(HEADER), '{"columns": 7}', 'broken.csv', 'now')
    raw.close()
    const db = openWorkspace(path)
    expect(() => loadTableMapping(db, HEADER)).toThrow(/saved from broken\.csv\) is damaged: .*Give the mapping again with --map/)
    expect(listTableMappings(db)).toEqual([])
    db.close()
  })
})
