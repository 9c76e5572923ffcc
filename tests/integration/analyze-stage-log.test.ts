/**
 * `joulebench analyze --stage-log`: a MAX78000-style UART log of stage times, pinned to the inferences
 * the threshold finds, gives stage segments with the logged durations and the trace's own energy.
 * The synthetic board: 1 mA idle, 5 mA in init / memory I/O / post-processing, 20 mA in inference,
 * stages back to back (the MAX78000 reads its timer between stages), 100 kS/s, 3 V.
 */
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { RecordingWriter } from '../../src-main/store/recording-writer'
import { openWorkspace } from '../../src-main/store/workspace'
import { cli } from '../helpers/cli'

const dt = 1e-5
const STAGES = [
  { stage: 'init', label: 'Initialization', samples: 200, currentA: 5e-3 },
  { stage: 'memory', label: 'Memory I/O', samples: 300, currentA: 5e-3 },
  { stage: 'inference', label: 'Inference', samples: 500, currentA: 20e-3 },
  { stage: 'post', label: 'Post-Processing', samples: 100, currentA: 5e-3 }
]
const RUN_STARTS = [2000, 6000, 10000]

describe('joulebench analyze with a UART stage log', () => {
  it('places each logged stage around its inference, with the logged duration and the measured energy', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'jb-stagelog-'))
    const db = join(dir, 'w.db')
    const ws = openWorkspace(db)
    const current = new Float32Array(14000).fill(1e-3)
    for (const start of RUN_STARTS) {
      let at = start
      for (const s of STAGES) {
        current.fill(s.currentA, at, at + s.samples)
        at += s.samples
      }
    }
    const w = RecordingWriter.create(ws, { name: 'max78000-like', samplePeriodS: dt, supplyV: 3 })
    w.samples({ startIndex: 0, currentA: current })
    w.finish()
    ws.close()
    const log = join(dir, 'uart.log')
    const runText = STAGES.map((s) => `${s.label} Time: ${s.samples * 10} us`).join('\n')
    writeFileSync(log, RUN_STARTS.map(() => runText).join('\n*** PASS ***\n') + '\n')

    const r = await cli(['analyze', String(w.id), '--segment', 'threshold:10mA', '--stage-log', log, '--stage-format', 'max78000', '--json', '--db', db])
    expect(r.code, r.stderr).toBe(0)
    const doc = r.json()
    const stages = doc.segments.filter((g: { kind: string }) => g.kind === 'stage')
    expect(stages).toHaveLength(RUN_STARTS.length * STAGES.length)
    RUN_STARTS.forEach((start, run) => {
      let at = start
      for (const s of STAGES) {
        const g = stages.find((x: { inference: number; label: string }) => x.inference === run && x.label === s.stage)
        expect(g, `${s.stage} of run ${run}`).toBeDefined()
        expect(Math.abs(g.startIndex - at)).toBeLessThanOrEqual(1)
        expect(g.durationS).toBeCloseTo(s.samples * dt, 9)
        expect(Math.abs(g.energyJ / (s.currentA * 3 * s.samples * dt) - 1)).toBeLessThan(0.01)
        at += s.samples
      }
    })
  })

  it('says what is wrong with a bad pattern or a missing file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'jb-stagelog-'))
    const log = join(dir, 'uart.log')
    writeFileSync(log, 'nothing\n')
    const bad = await cli(['analyze', '1', '--segment', 'threshold:10mA', '--stage-log', log, '--stage-format', '(?<stage>\\w+) took', '--db', join(dir, 'w.db')])
    expect(bad.code).toBe(2)
    expect(bad.stderr).toMatch(/duration group named for its unit/)
    const missing = await cli(['analyze', '1', '--segment', 'threshold:10mA', '--stage-log', join(dir, 'nope.log'), '--stage-format', 'we2', '--db', join(dir, 'w.db')])
    expect(missing.stderr).toMatch(/--stage-log: no such file/)
  })
})
