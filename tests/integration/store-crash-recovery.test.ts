import { spawn } from 'node:child_process'
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { describe, expect, it } from 'vitest'
import { openWorkspace } from '../../src-main/store/workspace'
import { RecordingStore } from '../../src-main/store/recording-store'
import { CRASH_PERIOD_S, crashSquareAt } from '../helpers/store-crash-writer'

describe('recording store: a writer killed with SIGKILL', () => {
  it('leaves every committed sample, recovered at the next open', async () => {
    const path = join(mkdtempSync(join(tmpdir(), 'jb-crash-')), 'w.db')
    const child = spawn(process.execPath, ['--import', 'tsx', resolve('tests/helpers/store-crash-writer.ts'), path], {
      cwd: resolve('.'),
      stdio: ['ignore', 'pipe', 'inherit']
    })
    let lastCommitted = 0
    let commits = 0
    let buffer = ''
    await new Promise<void>((done, fail) => {
      child.on('exit', (code) => fail(new Error(`writer exited early with ${code}`)))
      child.stdout.on('data', (d: Buffer) => {
        buffer += d.toString()
        let nl: number
        while ((nl = buffer.indexOf('\n')) >= 0) {
          const line = buffer.slice(0, nl)
          buffer = buffer.slice(nl + 1)
          const m = /^committed (\d+)$/.exec(line)
          if (!m) continue
          lastCommitted = Number(m[1])
          if (++commits === 8) {
            child.removeAllListeners('exit')
            child.kill('SIGKILL')
            child.on('exit', () => done())
          }
        }
      })
    })
    expect(child.signalCode).toBe('SIGKILL')

    const db = openWorkspace(path)
    expect(db.pragma('integrity_check', { simple: true })).toBe('ok')
    const store = RecordingStore.open(db)
    expect(store.recovered).toHaveLength(1)
    const info = store.recovered[0]
    expect(info.state).toBe('recovered')
    expect(info.stateReason).toMatch(/ended without closing/)
    expect(info.sampleCount).toBeGreaterThanOrEqual(lastCommitted)
    const n = info.sampleCount
    const samples = store.reader(info.id).read(0, n).currentA
    let mismatches = 0
    let high = 0
    for (let i = 0; i < n; i++) {
      if (samples[i] !== Math.fround(crashSquareAt(i))) mismatches++
      if (i % 4000 < 1000) high++
    }
    expect(mismatches).toBe(0)
    const charge = (high * Math.fround(0.01) + (n - high) * Math.fround(0.001)) * CRASH_PERIOD_S
    const s = store.stats(info.id)
    expect(s.count).toBe(n)
    expect(s.chargeC! / charge).toBeCloseTo(1, 10)
    db.close()
  })
})
