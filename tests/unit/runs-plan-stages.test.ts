import { describe, expect, it } from 'vitest'
import { validatePlan, type BenchmarkPlanInput } from '../../src-main/runs/plan'
import { defaultPlan } from '../../src-main/runs/plan-defaults'
import { stageLogFormat } from '../../src-main/runs/plan-stages'
import { parseStageLog } from '../../src-main/dut/stage-logs/parse'
import { MAX78000_LIKE } from '../../src-main/virtual-bench/npu-boards'

/** A plan that cuts by threshold on a serial DUT, with the stages section given. */
function serialPlan(stages: unknown, change: Record<string, unknown> = {}): unknown {
  const plan: BenchmarkPlanInput = {
    mode: 'performance',
    dut: { kind: 'serial', port: '/dev/ttyACM0' },
    analyzer: { id: 'lpm01a:/dev/ttyACM1' },
    supplyV: 3.3,
    model: { name: 'resnet', macs: 18_461_184 },
    repetitions: { inferences: 10 },
    segmentation: { kind: 'threshold', level: 0.01 }
  }
  return { ...plan, stages, ...change }
}

function issues(candidate: unknown): Array<[string, string]> {
  const v = validatePlan(candidate)
  return v.ok ? [] : v.issues.map((i) => [i.path, i.message])
}

describe('plan stages section', () => {
  it('defaults to the DUT’s own UART and keeps a built-in format by name', () => {
    const v = validatePlan(serialPlan({ format: 'max78000' }))
    expect(v.ok).toBe(true)
    expect(v.plan!.stages).toEqual({ source: { kind: 'dut-uart' }, format: 'max78000' })
  })

  it('takes a separate serial port with 115200 baud unless told, and a custom pattern', () => {
    const v = validatePlan(serialPlan({ source: { kind: 'serial', port: '/dev/ttyUSB1' }, format: { pattern: '^(?<stage>\\w+) took (?<ms>[\\d.]+) ms$', order: ['load', 'inference'] } }))
    expect(v.ok).toBe(true)
    expect(v.plan!.stages!.source).toEqual({ kind: 'serial', port: '/dev/ttyUSB1', baudRate: 115200 })
    // The pattern reads lines once the plan is valid.
    const log = parseStageLog('load took 1.5 ms\ninference took 2 ms\n', stageLogFormat(v.plan!.stages!.format))
    expect(log.runs).toHaveLength(1)
    expect(log.runs[0].stages.map((s) => [s.stage, s.durationS])).toEqual([
      ['load', 1.5e-3],
      ['inference', 2e-3]
    ])
  })

  it('names each bad field: an unknown format, a port left out, a rate that is not whole, an unknown key', () => {
    expect(issues(serialPlan({ format: 'max78002' }))).toEqual([['stages.format', 'must be "max78000", "mcxn947", "we2" or { "pattern": "…" } (with optional clockHz, order, anchorStage); got "max78002"']])
    expect(issues(serialPlan({ format: { patern: '(?<stage>x)' } }))).toEqual([['stages.format', expect.stringMatching(/^must be "max78000", .* got \{"patern":/)]])
    expect(issues(serialPlan({ source: { kind: 'serial' }, format: 'we2' }))).toEqual([['stages.source.port', expect.stringMatching(/got nothing$/)]])
    expect(issues(serialPlan({ source: { kind: 'serial', port: '/dev/ttyUSB1', baudRate: 9600.5 }, format: 'we2' }))).toEqual([['stages.source.baudRate', 'must be a whole number; got 9600.5']])
    expect(issues(serialPlan({ format: 'we2', baud: 9600 }))).toEqual([['stages', 'unknown field "baud" (check the spelling)']])
  })

  it('checks a custom pattern before the run: a stage group, a unit group, a clock for cycles, a valid expression', () => {
    expect(issues(serialPlan({ format: { pattern: '^(?<name>\\w+): (?<us>\\d+) us$' } }))).toEqual([['stages.format.pattern', expect.stringMatching(/^needs a named group \(\?<stage>…\) for the stage name; it has name, us/)]])
    expect(issues(serialPlan({ format: { pattern: '^(?<stage>\\w+): (?<t>\\d+)$' } }))).toEqual([['stages.format.pattern', expect.stringMatching(/^needs a duration group named for its unit/)]])
    expect(issues(serialPlan({ format: { pattern: '^(?<stage>\\w+): (?<cycles>\\d+)$' } }))).toEqual([['stages.format.clockHz', expect.stringMatching(/give the clock frequency \(clockHz\)/)]])
    expect(issues(serialPlan({ format: { pattern: '^(?<stage>\\w+: (?<us>\\d+)$' } }))).toEqual([['stages.format.pattern', expect.stringMatching(/^is not a valid regular expression/)]])
  })

  it('refuses a source or a segmentation the stages cannot work with', () => {
    // Capture mode has no DUT link to read.
    const capture = { ...defaultPlan('capture'), stages: { format: 'max78000' } }
    expect(issues(capture)).toEqual([['stages.source', expect.stringMatching(/no DUT link to read: give the port the firmware prints on/)]])
    // The DUT's own port given as a separate one.
    expect(issues(serialPlan({ source: { kind: 'serial', port: '/dev/ttyACM0' }, format: 'we2' }))).toEqual([['stages.source.port', expect.stringMatching(/^is the DUT's own port \(\/dev\/ttyACM0\): use \{ "kind": "dut-uart" \}/)]])
    // Timestamps cut windows, not inferences.
    const energy = { ...defaultPlan('energy'), stages: { format: 'max78000' } }
    expect(issues(energy)).toEqual([['segmentation.kind', expect.stringMatching(/stage logs are pinned to the inferences .* \(not dut-timestamps\)/)]])
    // Switched off: nothing to check beyond the format.
    expect(issues({ ...energy, stages: { source: { kind: 'none' }, format: 'max78000' } })).toEqual([])
  })

  it('the virtual DUT takes a known NPU board only', () => {
    const demo = defaultPlan('performance')
    expect(demo.dut.kind === 'virtual' && demo.dut.board).toBe('max78000')
    expect(issues({ ...demo, dut: { ...demo.dut, board: 'hx6538' } })).toEqual([['dut.board', 'must be one of max78000; got "hx6538"']])
  })
})

describe('the virtual MAX78000-like board’s log', () => {
  it('prints the firmware’s lines, which the MAX78000 parser reads back as the stage durations in whole µs', () => {
    const lines = MAX78000_LIKE.stageLog([
      { stage: 'init', durationS: 3e-3, currentA: 0 },
      { stage: 'memory', durationS: 6e-3, currentA: 0 },
      { stage: 'inference', durationS: 0.02656768, currentA: 0 },
      { stage: 'post', durationS: 4e-3, currentA: 0 }
    ])
    expect(lines).toEqual(['Initialization Time: 3000 us\r\n', 'Memory I/O Time: 6000 us\r\n', 'Inference Time: 26568 us\r\n', 'Post-Processing Time: 4000 us\r\n'])
    const log = parseStageLog(lines.join('').repeat(2), stageLogFormat('max78000'))
    expect(log.unmatchedLines).toBe(0)
    expect(log.runs.map((r) => r.complete)).toEqual([true, true])
    expect(log.runs[1].stages.map((s) => [s.stage, s.durationS])).toEqual([
      ['init', 3000e-6],
      ['memory', 6000e-6],
      ['inference', 26568e-6],
      ['post', 4000e-6]
    ])
  })
})
