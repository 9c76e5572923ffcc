import { describe, expect, it } from 'vitest'
import {
  MAX78000_FORMAT,
  MCXN947_FORMAT,
  WE2_FORMAT,
  builtInFormat,
  customStageLogFormat,
  StageLogFormatError
} from '../../src-main/dut/stage-logs/formats'
import { parseStageLog } from '../../src-main/dut/stage-logs/parse'
import { alignStageLog } from '../../src-main/dut/stage-logs/align'
import { segmentByThreshold } from '../../src-main/analysis/segment-threshold'
import { measureInferences } from '../../src-main/analysis/metrics'
import { synthesize } from '../helpers/dut-synthetic'
import { randomInt, prng } from '../helpers/prng'

// Logs written from the firmware's printf strings (uNPU-Bench main.c / infer.cpp / cvapp.cpp).
const MAX78000_LOG = [
  'prescale: 5, timer_clock: 60000000',
  'Waiting...',
  '',
  '*** CNN Inference Test ***',
  '',
  '*** PASS ***',
  '',
  'Initialization Time: 1203 us',
  'Memory I/O Time: 27800 us',
  'Inference Time: 2204 us',
  'Post-Processing Time: 95 us'
].join('\n')

const MCXN947_LOG = [
  'Init: 52000 us',
  '\r',
  '63/100 kB (63.12%) tensor arena used\r',
  'Memory I/O: 120 us',
  'Inference: 2500 us',
  'start_time: 123456789 ',
  'end_time: 123456989 ',
  'Memory I/0: 2500 us',
  'Memory I/O: 118 us',
  'Inference: 2510 us',
  'start_time: -5 ',
  'end_time: 195 ',
  'Memory I/0: 2510 us'
].join('\n')

const WE2_LOG = [
  'Ethos-U55 device initialised',
  "model's schema version 3",
  'initial done',
  'Memory I/O time: 98.25 us',
  'invoke pass',
  'Inference time: 2300.50 us',
  'Memory I/O time: 12.10 us',
  'Post processing time: 45.00 us',
  'Memory I/O time: 97.80 us',
  'invoke pass',
  'Inference time: 2299.00 us',
  'Memory I/O time: 12.00 us',
  'Post-processing time: 44.50 us'
].join('\r\n')

describe('parseStageLog', () => {
  it('reads the MAX78000 stages as one run', () => {
    const p = parseStageLog(MAX78000_LOG, MAX78000_FORMAT)
    expect(p.runs).toHaveLength(1)
    expect(p.runs[0].complete).toBe(true)
    expect(p.runs[0].stages.map((s) => [s.stage, s.durationS])).toEqual([
      ['init', 1203e-6],
      ['memory', 27800e-6],
      ['inference', 2204e-6],
      ['post', 95e-6]
    ])
    expect(p.runs[0].stages[2].lineNumber).toBe(10)
    expect(p.notes.map((n) => n.text)).toEqual(['*** PASS ***'])
  })

  it('reads MCXN947 loops, the arena line, and measures the output copy from start/end times', () => {
    const p = parseStageLog(MCXN947_LOG, MCXN947_FORMAT)
    expect(p.runs.map((r) => r.stages.map((s) => s.stage))).toEqual([
      ['init', 'memory', 'inference', 'memory-out'],
      ['memory', 'inference', 'memory-out']
    ])
    expect(p.runs.every((r) => r.complete)).toBe(true)
    const out0 = p.runs[0].stages[3]
    expect(out0.durationS).toBeCloseTo(200e-6, 12)
    expect(out0.correction).toMatch(/printed 2500 us.*end_time − start_time = 200 us/)
    // start_time printed as -5 by %d is 2³² − 5: the counter wrapped during the copy.
    expect(p.runs[1].stages[2].durationS).toBeCloseTo(200e-6, 12)
    expect(p.memory).toEqual([{ what: 'tensor arena', usedBytes: 63 * 1024, totalBytes: 100 * 1024, lineNumber: 3 }])
  })

  it('tells WE2 input and output "Memory I/O" apart by their place in the sequence', () => {
    const p = parseStageLog(WE2_LOG, WE2_FORMAT)
    expect(p.runs.map((r) => r.stages.map((s) => [s.stage, s.durationS]))).toEqual([
      [
        ['memory', 98.25e-6],
        ['inference', 2300.5e-6],
        ['memory-out', 12.1e-6],
        ['post', 45e-6]
      ],
      [
        ['memory', 97.8e-6],
        ['inference', 2299e-6],
        ['memory-out', 12e-6],
        ['post', 44.5e-6]
      ]
    ])
    expect(p.unmatchedLines).toBe(3)
  })

  it('marks a cut-off run incomplete and names what is missing', () => {
    const p = parseStageLog('Memory I/O time: 1.00 us\nInference time: 2.00 us\n', WE2_FORMAT)
    expect(p.runs[0].complete).toBe(false)
    expect(p.runs[0].missing).toEqual(['memory-out', 'post'])
  })

  it('reads a user pattern with named groups (Python spelling accepted) in any unit', () => {
    const f = customStageLogFormat({ pattern: '^\\[(?P<stage>\\w+)\\] took (?P<ms>[\\d.]+) ms$', order: ['load', 'inference', 'post'] })
    const p = parseStageLog('[load] took 1.5 ms\n[inference] took 20 ms\n[post] took 0.25 ms\n[load] took 1.4 ms\n', f)
    expect(p.runs.map((r) => r.stages.map((s) => [s.stage, s.durationS]))).toEqual([
      [
        ['load', 1.5e-3],
        ['inference', 20e-3],
        ['post', 0.25e-3]
      ],
      [['load', 1.4e-3]]
    ])
    const cycles = customStageLogFormat({ pattern: '(?<stage>\\w+): (?<cycles>\\d+) cycles', clockHz: 100e6 })
    const q = parseStageLog('conv: 5000 cycles\ninference: 200000 cycles\nconv: 10 cycles', cycles)
    expect(q.sequence.map((s) => s.stage)).toEqual(['conv', 'inference'])
    expect(q.runs[0].stages[1].durationS).toBeCloseTo(2e-3, 12)
    expect(q.runs).toHaveLength(2)
  })

  it('explains what a user pattern lacks', () => {
    expect(() => customStageLogFormat({ pattern: '(' })).toThrow(/not a valid regular expression/)
    expect(() => customStageLogFormat({ pattern: '(?<ms>\\d+)' })).toThrow(/\(\?<stage>…\)/)
    expect(() => customStageLogFormat({ pattern: '(?<stage>\\w+) (?<value>\\d+)' })).toThrow(/named for its unit/)
    expect(() => customStageLogFormat({ pattern: '(?<stage>\\w+) (?<cycles>\\d+)' })).toThrow(StageLogFormatError)
    expect(() => builtInFormat('esp32')).toThrow(/max78000, mcxn947, we2/)
  })

  it('never throws on random or mutated text', () => {
    const rand = prng(77)
    const logs = [MAX78000_LOG, MCXN947_LOG, WE2_LOG]
    const custom = customStageLogFormat({ pattern: '(?<stage>\\w+) (?<us>-?[\\d.e+]+)' })
    for (let k = 0; k < 500; k++) {
      const chars = Array.from(logs[k % 3])
      for (let m = randomInt(rand, 0, 30); m > 0; m--) chars[randomInt(rand, 0, chars.length - 1)] = String.fromCharCode(randomInt(rand, 0, 255))
      const text = rand() < 0.2 ? Array.from({ length: 300 }, () => String.fromCharCode(randomInt(rand, 0, 255))).join('') : chars.join('')
      for (const f of [MAX78000_FORMAT, MCXN947_FORMAT, WE2_FORMAT, custom]) {
        const p = parseStageLog(text, f)
        for (const r of p.runs) for (const s of r.stages) expect(Number.isNaN(s.durationS)).toBe(false)
      }
    }
  })
})

describe('alignStageLog', () => {
  const dt = 1e-5

  it('pins the MAX78000 inference to its burst and lays the other stages next to it, within a sample', () => {
    // Truth (seconds): init 0.100000–0.101203, memory –0.129003, inference –0.131207, post –0.131302.
    const t = [0.1, 0.101203, 0.129003, 0.131207, 0.131302]
    const trace = synthesize({
      samplePeriodS: dt,
      durationS: 0.2,
      idleA: 1e-3,
      supplyV: 3.3,
      bursts: [
        { startS: t[0], endS: t[1], extraA: 3e-3 },
        { startS: t[1], endS: t[2], extraA: 4e-3 },
        { startS: t[2], endS: t[3], extraA: 40e-3 },
        { startS: t[3], endS: t[4], extraA: 5e-3 }
      ]
    })
    const seg = segmentByThreshold(trace, { threshold: 20e-3 })
    expect(seg.inferences).toHaveLength(1)
    const log = parseStageLog(MAX78000_LOG, MAX78000_FORMAT)
    const a = alignStageLog(trace, seg.inferences, log)
    const inf = a.inferences[0]
    expect(inf.source).toBe('stage-log')
    expect(inf.stages.map((s) => [s.stage, s.placement])).toEqual([
      ['init', 'adjacent'],
      ['memory', 'adjacent'],
      ['inference', 'anchored'],
      ['post', 'adjacent']
    ])
    inf.stages.forEach((s, k) => {
      expect(Math.abs(s.startIndex - t[k] / dt)).toBeLessThanOrEqual(1)
      expect(Math.abs(s.endIndex - t[k + 1] / dt)).toBeLessThanOrEqual(1)
    })
    expect(Math.abs(a.runs[0].anchorMismatchS)).toBeLessThanOrEqual(dt)
    // The memory stage's power comes out right once placed (4 mA + 1 mA idle at 3.3 V).
    const [m] = measureInferences(trace, a.inferences)
    expect(m.stages[1].averagePowerW).toBeCloseTo(5e-3 * 3.3, 6)
  })

  it('places WE2 stages across the UART time of each printed line when the baud rate is known', () => {
    const log = parseStageLog(WE2_LOG, WE2_FORMAT)
    const windows = [
      { startIndex: 10000, endIndex: 10230, startS: 0.1, endS: 0.1023 },
      { startIndex: 50000, endIndex: 50230, startS: 0.5, endS: 0.5023 }
    ]
    const a = alignStageLog({ samplePeriodS: dt, sampleCount: 100000 }, windows, log, { uartBaud: 115200 })
    const [memory, inference, out, post] = a.inferences[0].stages
    expect(inference).toMatchObject({ startIndex: 10000, endIndex: 10230, placement: 'anchored' })
    // "Memory I/O time: 98.25 us" + LF = 26 characters of 10 bits before the inference began.
    const print1 = (26 * 10) / 115200
    expect(memory.endIndex).toBe(Math.round((0.1 - print1) / dt))
    expect(memory.startIndex).toBe(Math.round((0.1 - print1 - 98.25e-6) / dt))
    expect(memory.placement).toBe('estimated')
    // After the inference the firmware prints "Inference time: 2300.50 us" (27 + LF).
    expect(out.startIndex).toBe(Math.round((0.1023 + (27 * 10) / 115200) / dt))
    expect(post.startIndex).toBeGreaterThan(out.endIndex)
    expect(a.unpairedRuns).toEqual([])
  })

  it('steps MCXN947 stages back by the firmware’s 5 s busy-waits and pairs runs to windows', () => {
    const log = parseStageLog(MCXN947_LOG, MCXN947_FORMAT)
    const windows = [{ startIndex: 1_000_000, endIndex: 1_000_250, startS: 10, endS: 10.0025 }]
    const a = alignStageLog({ samplePeriodS: dt, sampleCount: 3_000_000 }, windows, log, { pairing: 'last' })
    expect(a.runs[0].run).toBe(1)
    expect(a.unpairedRuns).toEqual([0])
    const [memory, inference, out] = a.inferences[0].stages
    expect(memory.endS).toBeCloseTo(5, 4)
    expect(memory.placement).toBe('estimated')
    expect(inference.placement).toBe('anchored')
    expect(out.startS).toBeCloseTo(15.0025, 4)
    expect(a.runs[0].anchorMismatchS).toBeCloseTo(2510e-6 - 2500e-6, 9)
  })

  it('refuses a log with no usable run, saying what was read', () => {
    const log = parseStageLog('hello\nworld', WE2_FORMAT)
    expect(() => alignStageLog({ samplePeriodS: dt, sampleCount: 10 }, [], log)).toThrow(/no complete run with a "inference" stage.*0 run\(s\) read, 2 line\(s\) not recognised.*\(we2\)/)
  })
})
