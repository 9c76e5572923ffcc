import { describe, expect, it } from 'vitest'
import { MlperfFirmware, atoi, type FirmwareStep } from '../../src-main/dut/mlperf-tiny/firmware'
import { ExchangeCollector, ReplyLineSplitter, parseLine } from '../../src-main/dut/mlperf-tiny/protocol'
import { randomInt, prng } from '../helpers/prng'

/** What the UART would carry for these steps, with timestamps printed as `m-lap-us-<k>` (k = 1, 2 …). */
function wire(steps: FirmwareStep[][], counter = { k: 0 }): string {
  return steps
    .flat()
    .map((s) => (s.kind === 'print' ? s.text : s.kind === 'timestamp' ? `m-lap-us-${++counter.k}\r\n` : `<${s.warmup ? 'warmup' : 'infer'} ${s.count}>`))
    .join('')
}

function fw(model = 'ic01', results?: (i: Uint8Array) => number[]) {
  const f = new MlperfFirmware({ mode: 'performance', model, results })
  f.boot()
  return f
}
const send = (f: MlperfFirmware, text: string) => wire(f.receive(Buffer.from(text, 'latin1')))

describe('reference firmware transcripts (from internally_implemented.cpp)', () => {
  it('boots with the mode banner, a timestamp, m-init-done and m-ready', () => {
    expect(wire([new MlperfFirmware({ mode: 'performance', model: 'kws01' }).boot()])).toBe(
      'm-timestamp-mode-performance\r\nm-lap-us-1\r\nm-init-done\r\nm-ready\r\n'
    )
    const energy = new MlperfFirmware({ mode: 'energy', model: 'kws01' }).boot()
    expect(energy[0]).toEqual({ kind: 'print', text: 'm-timestamp-mode-energy\r\n' })
    expect(energy[1]).toEqual({ kind: 'timestamp' })
  })

  it('ignores commands until it has booted', () => {
    const f = new MlperfFirmware({ mode: 'performance', model: 'ic01' })
    expect(f.receive(Buffer.from('name%'))).toEqual([])
  })

  it('answers name, profile and unknown commands, each ending in m-ready', () => {
    const f = fw('kws01')
    expect(send(f, 'name%')).toBe('m-name-dut-[unspecified]\r\nm-ready\r\n')
    expect(send(f, 'profile%')).toBe('m-profile-[ULPMark for tinyML Firmware V0.0.1]\r\nm-model-[kws01]\r\nm-ready\r\n')
    expect(send(f, 'names%')).toBe('e-[Unknown command: names]\r\nm-ready\r\n')
    expect(send(f, '  name   extra%')).toBe('m-name-dut-[unspecified]\r\nm-ready\r\n')
    expect(send(f, '%')).toBe('e-[Unknown command: (null)]\r\nm-ready\r\n')
  })

  it('keeps a stray CR as part of the next command (why commands carry no CR/LF)', () => {
    const f = fw()
    expect(send(f, '\r\nname%')).toBe('e-[Unknown command: \r\nname]\r\nm-ready\r\n')
  })

  it('keeps only the first 80 characters of a command', () => {
    const f = fw()
    const longName = 'x'.repeat(100)
    expect(send(f, `${longName}%`)).toBe(`e-[Unknown command: ${'x'.repeat(80)}]\r\nm-ready\r\n`)
    // The 80-character cut can turn a valid command into another one: "db " + 77 hex digits → odd.
    expect(send(f, `db ${'0'.repeat(90)}%`)).toBe('e-[Insufficent number of hex digits]\r\nm-ready\r\n')
  })

  it('loads, stores and prints the input buffer with db', () => {
    const f = fw()
    expect(send(f, 'db load 10%')).toBe('m-[Expecting 10 bytes]\r\nm-ready\r\n')
    expect(send(f, 'db 00010203%')).toBe('m-ready\r\n')
    expect(send(f, 'db 0405060708090a0b0c%')).toBe('m-load-done\r\nm-ready\r\n') // extra digits ignored
    expect(Array.from(f.input)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9])
    // 8 bytes a line, then an empty line because 10 is not a multiple of 8.
    expect(send(f, 'db print%')).toBe('m-buffer-00-01-02-03-04-05-06-07\r\nm-buffer-08-09\r\n\r\nm-ready\r\n')
    expect(send(f, 'db load 8%')).toBe('m-[Expecting 8 bytes]\r\nm-ready\r\n')
    expect(send(f, 'db print%')).toBe('m-buffer-00-01-02-03-04-05-06-07\r\nm-ready\r\n')
  })

  it('gives the reference error replies for bad db commands', () => {
    const f = fw()
    expect(send(f, 'db%')).toBe("e-[Command 'db' requires a subcommand]\r\nm-ready\r\n")
    expect(send(f, 'db load%')).toBe("e-[Command 'db load' requires the # of bytes]\r\nm-ready\r\n")
    expect(send(f, 'db load abc%')).toBe("e-[Command 'db load' must be >0 bytes]\r\nm-ready\r\n")
    expect(send(f, 'db load 30000%')).toBe('Supplied buffer size 30000 exceeds maximum of 27648\nm-ready\r\n')
    expect(send(f, 'db load 4%')).toBe('m-[Expecting 4 bytes]\r\nm-ready\r\n')
    expect(send(f, 'db abc%')).toBe('e-[Insufficent number of hex digits]\r\nm-ready\r\n')
    // Pairs before the bad one are stored.
    expect(send(f, 'db 11zz22%')).toBe("e-[Invalid hex digit 'zz']\r\nm-ready\r\n")
    expect(Array.from(f.input)).toEqual([0x11])
  })

  it('runs infer N W as warm-ups, timestamp, N inferences, timestamp, results', () => {
    const f = fw('ad01', () => [0.25])
    const steps = f.receive(Buffer.from('infer 20 5%'))
    expect(steps).toHaveLength(1)
    expect(steps[0]).toEqual([
      { kind: 'print', text: 'm-warmup-start-5\r\n' },
      { kind: 'infer', count: 5, warmup: true },
      { kind: 'print', text: 'm-warmup-done\r\n' },
      { kind: 'print', text: 'm-infer-start-20\r\n' },
      { kind: 'timestamp' },
      { kind: 'infer', count: 20, warmup: false },
      { kind: 'timestamp' },
      { kind: 'print', text: 'm-infer-done\r\n' },
      { kind: 'print', text: 'm-results-[0.250]\r\n' },
      { kind: 'print', text: 'm-ready\r\n' }
    ])
  })

  it('defaults infer to N = 1 and W = 10, and rejects bad counts', () => {
    const f = fw()
    expect(send(f, 'infer%')).toMatch(/^m-warmup-start-10\r\n<warmup 10>m-warmup-done\r\nm-infer-start-1\r\n/)
    expect(send(f, 'infer 0%')).toBe('e-[Inference iterations must be >0]\r\nm-ready\r\n')
    expect(send(f, 'infer x 1%')).toBe('e-[Inference iterations must be >0]\r\nm-ready\r\n')
    expect(send(f, 'infer 3 -1%')).toBe('e-[Inference warmup must be >=0]\r\nm-ready\r\n')
    expect(send(f, 'infer 3x 2y%')).toMatch(/^m-warmup-start-2\r\n<warmup 2>m-warmup-done\r\nm-infer-start-3\r\n/)
  })

  it('prints results with three decimals', () => {
    const f = fw('vww01', () => [0.1234, 0.8766])
    expect(send(f, 'results%')).toBe('m-results-[0.123,0.877]\r\nm-ready\r\n')
  })

  it('handles several commands in one chunk and one command split over many', () => {
    const f = fw()
    expect(send(f, 'name%profile%').split('m-ready').length - 1).toBe(2)
    const parts = 'na|m|e%'.split('|')
    const out = parts.map((p) => send(f, p)).join('')
    expect(out).toBe('m-name-dut-[unspecified]\r\nm-ready\r\n')
  })
})

describe('atoi', () => {
  it('reads like C', () => {
    expect(atoi('42')).toBe(42)
    expect(atoi('  -7')).toBe(-7)
    expect(atoi('+3abc')).toBe(3)
    expect(atoi('abc')).toBe(0)
    expect(atoi('')).toBe(0)
  })
})

describe('fuzz: the firmware never throws and always ends a command with m-ready', () => {
  it('survives random and mutated commands', () => {
    const rand = prng(31337)
    const seeds = ['name%', 'profile%', 'db load 16%', 'db 00112233445566778899aabbccddeeff%', 'db print%', 'infer 2 1%', 'results%', 'timestamp%']
    const f = fw()
    for (let trial = 0; trial < 2000; trial++) {
      let cmd = Buffer.from(seeds[randomInt(rand, 0, seeds.length - 1)], 'latin1')
      if (rand() < 0.7) {
        cmd = Buffer.from(cmd)
        for (let k = randomInt(rand, 1, 4); k > 0; k--) cmd[randomInt(rand, 0, cmd.length - 1)] = randomInt(rand, 0, 255)
      }
      if (rand() < 0.2) cmd = Buffer.from(Array.from({ length: randomInt(rand, 0, 120) }, () => randomInt(rand, 0, 255)))
      for (const steps of f.receive(cmd)) {
        const last = steps[steps.length - 1]
        expect(last).toEqual({ kind: 'print', text: 'm-ready\r\n' })
        for (const s of steps) if (s.kind === 'infer') expect(s.count).toBeGreaterThanOrEqual(0)
        // The host side must be able to read whatever came out, up to m-ready.
        const split = new ReplyLineSplitter()
        const c = new ExchangeCollector(false)
        for (const line of split.push(Buffer.from(wire([steps]), 'latin1'))) c.accept(parseLine(line))
        expect(c.complete).toBe(true)
      }
    }
  })
})
