import { describe, expect, it } from 'vitest'
import { cli } from '../helpers/cli'
import pkg from '../../package.json'

describe('joulebench command line', () => {
  it('prints help listing the commands and the global options', async () => {
    const r = await cli(['--help'])
    expect(r.code).toBe(0)
    expect(r.stdout).toMatch(/Usage: joulebench <command>/)
    expect(r.stdout).toMatch(/--db PATH/)
  })

  it('prints the package version, as text and as JSON', async () => {
    expect((await cli(['--version'])).stdout.trim()).toBe(pkg.version)
    expect((await cli(['--version', '--json'])).json()).toEqual({ version: pkg.version })
  })

  it('refuses an unknown command with exit code 2 and one line, no stack trace', async () => {
    const r = await cli(['frobnicate'])
    expect(r.code).toBe(2)
    expect(r.stderr).toBe('joulebench: unknown command "frobnicate". Run joulebench --help for the list.\n')
    const j = await cli(['frobnicate', '--json'])
    expect(j.json().error).toMatch(/unknown command/)
  })

  it('lists the virtual bench with devices --json, even with nothing attached', async () => {
    const r = await cli(['devices', '--json'])
    expect(r.code).toBe(0)
    const doc = r.json()
    const virtual = doc.instruments.filter((i: { virtual: boolean }) => i.virtual)
    expect(virtual.map((i: { id: string }) => i.id)).toEqual(expect.arrayContaining(['virtual:ppk2', 'virtual:lpm01a']))
    expect(virtual.every((i: { kind: string; serial: string }) => i.kind === 'power-analyzer' && /^VIRTUAL-/.test(i.serial))).toBe(true)
    expect(Array.isArray(doc.hints)).toBe(true)
  })

  it('runs as installed: the package bin starts the built command line', async () => {
    const { execFileSync } = await import('node:child_process')
    const { join } = await import('node:path')
    const bin = join(import.meta.dirname, '..', '..', pkg.bin.joulebench)
    expect(execFileSync(process.execPath, [bin, '--version'], { encoding: 'utf8' }).trim()).toBe(pkg.version)
  })
})
