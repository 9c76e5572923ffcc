import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { defaultWorkspacePath, migrate, openWorkspace } from '../../src-main/store/workspace'

describe('workspace database', () => {
  it('is a real SQLite file in WAL mode with its migrations applied once', () => {
    const path = join(mkdtempSync(join(tmpdir(), 'jb-ws-')), 'w.db')
    const db = openWorkspace(path)
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal')
    const id = db.prepare("SELECT value FROM workspace_meta WHERE key='workspace_id'").pluck().get()
    expect(id).toMatch(/^[0-9a-f]{32}$/)
    db.close()
    const again = openWorkspace(path)
    expect(again.prepare("SELECT value FROM workspace_meta WHERE key='workspace_id'").pluck().get()).toBe(id)
    expect(migrate(again, [{ name: 'workspace/001-meta', sql: 'THIS WOULD FAIL' }])).toEqual([])
    again.close()
  })

  it('rolls back a failing migration as a whole and says which workspace', () => {
    const path = join(mkdtempSync(join(tmpdir(), 'jb-ws-')), 'w.db')
    expect(() =>
      openWorkspace(path, [
        { name: 'a/001', sql: 'CREATE TABLE t (x)' },
        { name: 'a/002', sql: 'CREATE TABLE broken (' }
      ])
    ).toThrow(new RegExp(`${path}.*could not be brought up to date`))
    const db = openWorkspace(path, [])
    expect(db.prepare("SELECT count(*) FROM sqlite_master WHERE name='t'").pluck().get()).toBe(0)
  })

  it('refuses a file that is not a database with a clear message', () => {
    const path = join(mkdtempSync(join(tmpdir(), 'jb-ws-')), 'not.db')
    writeFileSync(path, 'this is a text file, not SQLite, and long enough to have a header......')
    expect(() => openWorkspace(path)).toThrow(/Cannot open workspace .*not\.db|could not be brought up to date/)
  })

  it('defaults to the XDG data folder and honours JOULEBENCH_DB', () => {
    expect(defaultWorkspacePath({ XDG_DATA_HOME: '/x' })).toMatch(/joulebench[/\\]workspace\.db$/)
    expect(defaultWorkspacePath({ JOULEBENCH_DB: '/tmp/a.db' })).toBe('/tmp/a.db')
  })
})
