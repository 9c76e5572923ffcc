import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { JoulebenchCore } from '../../src-main/api/core'
import { noHardware } from '../helpers/api'

describe('API contract at the core boundary', () => {
  let core: JoulebenchCore
  afterEach(async () => core?.close())
  const make = () => (core = new JoulebenchCore({ dbPath: join(mkdtempSync(join(tmpdir(), 'jb-api-')), 'w.db'), host: 'test', discovery: noHardware }))

  it('answers a valid request with the typed result', async () => {
    make()
    const reply = await core.handle({ id: 7, method: 'app.info', params: {} })
    expect(reply.ok).toBe(true)
    if (!reply.ok) return
    expect(reply.id).toBe(7)
    expect(reply.result).toMatchObject({ host: 'test', workspaceId: expect.stringMatching(/^[0-9a-f]{32}$/) })
  })

  it.each([
    ['a string', 'app.info'],
    ['null', null],
    ['an array', [1, 2]],
    ['no method', { id: 1 }],
    ['a negative id', { id: -1, method: 'app.info' }],
    ['extra envelope fields', { id: 1, method: 'app.info', params: {}, __proto_pollution: true }],
    ['a huge method name', { id: 1, method: 'x'.repeat(500) }]
  ])('refuses %s as bad-request', async (_label, message) => {
    make()
    const reply = await core.handle(message)
    expect(reply.ok).toBe(false)
    if (reply.ok) return
    expect(reply.error.code).toBe('bad-request')
  })

  it('says a host without a file dialog has none, so the page asks for a typed path', async () => {
    make()
    const info = await core.handle({ id: 8, method: 'app.info', params: {} })
    expect(info).toMatchObject({ ok: true, result: { fileDialog: false } })
    const reply = await core.handle({ id: 9, method: 'app.chooseFile', params: { title: 'Merge', kind: 'Workspace', extensions: ['db'] } })
    expect(reply).toMatchObject({ ok: false, error: { message: 'This host has no file dialog: type the path of the file instead.' } })
  })

  it('refuses an unknown method by name', async () => {
    make()
    const reply = await core.handle({ id: 2, method: 'drivers.rm_rf', params: {} })
    expect(reply).toEqual({ id: 2, ok: false, error: { code: 'unknown-method', message: 'There is no API method "drivers.rm_rf".' } })
  })

  it('refuses parameters of the wrong type or unknown fields, naming the field', async () => {
    make()
    const wrongType = await core.handle({ id: 3, method: 'instruments.list', params: { refresh: 'yes' } })
    expect(wrongType.ok).toBe(false)
    if (!wrongType.ok) {
      expect(wrongType.error.code).toBe('invalid-params')
      expect(wrongType.error.issues?.[0]?.path).toBe('refresh')
    }
    const extra = await core.handle({ id: 4, method: 'app.info', params: { sneaky: 1 } })
    expect(extra.ok).toBe(false)
    if (!extra.ok) expect(extra.error.code).toBe('invalid-params')
  })

  it('turns a failing discovery source into a hint in the reply, not a crash', async () => {
    make()
    core = Object.assign(core, {
      discovery: {
        listSerialPorts: async () => {
          throw new Error('boom')
        },
        listUsbDevices: async () => []
      }
    })
    const reply = await core.handle({ id: 5, method: 'instruments.list', params: {} })
    expect(reply.ok).toBe(true)
    if (reply.ok) expect((reply.result as { hints: string[] }).hints.join(' ')).toMatch(/Serial ports could not be listed: boom/)
  })
})
