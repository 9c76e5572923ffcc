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
})
