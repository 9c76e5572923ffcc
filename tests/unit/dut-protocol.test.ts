import { describe, expect, it } from 'vitest'
import {
  ExchangeCollector,
  MlperfCommandError,
  ReplyLineSplitter,
  dbChunkBytes,
  dbHexCommands,
  encodeCommand,
  inferCommand,
  lapElapsedUs,
  parseLine,
  parseReply
} from '../../src-main/dut/mlperf-tiny/protocol'
import { randomInt, prng } from '../helpers/prng'

const bytes = (s: string) => Array.from(s, (c) => c.charCodeAt(0))

describe('encodeCommand', () => {
  it('ends a command in % with no CR or LF, prefixing "dut " for an interface board', () => {
    expect(Array.from(encodeCommand('name'))).toEqual([0x6e, 0x61, 0x6d, 0x65, 0x25])
    expect(Array.from(encodeCommand('infer 20 5'))).toEqual(bytes('infer 20 5%'))
    expect(Array.from(encodeCommand('profile', { viaInterfaceBoard: true }))).toEqual(bytes('dut profile%'))
  })

  it('refuses what the DUT would mangle, saying why', () => {
    expect(() => encodeCommand('name\r')).toThrow(/CR or LF/)
    expect(() => encodeCommand('a%b')).toThrow(/contains %/)
    expect(() => encodeCommand('x'.repeat(81))).toThrow(/keeps only 80/)
    expect(() => encodeCommand('x'.repeat(64))).toThrow(/65 bytes on the wire; the protocol allows 64/)
    expect(() => encodeCommand('x'.repeat(60), { viaInterfaceBoard: true })).toThrow(MlperfCommandError)
    expect(() => encodeCommand('caf\u00e9')).toThrow(/0xe9/)
  })
})

describe('db load commands', () => {
  it('keeps every db command within 64 bytes and loses no byte', () => {
    const rand = prng(5)
    const data = Uint8Array.from({ length: 3072 }, () => randomInt(rand, 0, 255))
    for (const via of [false, true]) {
      const cmds = dbHexCommands(data, via)
      expect(dbChunkBytes(via)).toBe(via ? 28 : 30)
      for (const c of cmds) expect(encodeCommand(c, { viaInterfaceBoard: via }).length).toBeLessThanOrEqual(64)
      // Decode independently: strip "db ", read hex pairs.
      const back = cmds.flatMap((c) => c.slice(3).match(/../g)!.map((h) => parseInt(h, 16)))
      expect(Uint8Array.from(back)).toEqual(data)
      expect(cmds).toHaveLength(Math.ceil(3072 / (via ? 28 : 30)))
    }
  })

  it('always sends the warm-up count, since firmware defaults it to 10', () => {
    expect(inferCommand(20, 0)).toBe('infer 20 0')
    expect(() => inferCommand(0, 0)).toThrow(/N ≥ 1/)
    expect(() => inferCommand(1, -1)).toThrow(/W ≥ 0/)
  })
})

describe('parseReply', () => {
  // Lines exactly as the reference firmware and the interface-board README print them.
  it.each([
    ['m-ready', { kind: 'ready' }],
    ['m-init-done', { kind: 'init-done' }],
    ['m-timestamp-mode-energy', { kind: 'timestamp-mode', mode: 'energy' }],
    ['m-name-dut-[unspecified]', { kind: 'name', device: 'dut', vendor: 'unspecified' }],
    ['m-profile-[ULPMark for tinyML Firmware V0.0.1]', { kind: 'profile', profile: 'ULPMark for tinyML Firmware V0.0.1' }],
    ['m-model-[kws01]', { kind: 'model', model: 'kws01' }],
    ['m-lap-us-67410227', { kind: 'lap', microseconds: 67410227 }],
    ['m-[Expecting 490 bytes]', { kind: 'expecting', byteCount: 490 }],
    ['m-load-done', { kind: 'load-done' }],
    ['m-buffer-02-55-51-51-4f-51-52-51', { kind: 'buffer', bytes: [0x02, 0x55, 0x51, 0x51, 0x4f, 0x51, 0x52, 0x51] }],
    ['m-warmup-start-10', { kind: 'warmup-start', count: 10 }],
    ['m-infer-start-1', { kind: 'infer-start', count: 1 }],
    ['m-infer-done', { kind: 'infer-done' }],
    ['m-results-[0.000,0.007,0.992]', { kind: 'results', values: [0, 0.007, 0.992] }],
    ['m-results-[-1.5e-3,nan,inf]', { kind: 'results', values: [-0.0015, NaN, Infinity] }],
    ['m-dut-passthrough(db load 490)', { kind: 'passthrough', command: 'db load 490' }],
    ['e-[Unknown command: foo]', { kind: 'error', message: 'Unknown command: foo' }],
    ["e-[Invalid hex digit 'zz']", { kind: 'error', message: "Invalid hex digit 'zz'" }],
    ['Supplied buffer size 99999 exceeds maximum of 27648', { kind: 'text', text: 'Supplied buffer size 99999 exceeds maximum of 27648' }],
    ['m-something-new', { kind: 'message', text: 'm-something-new' }]
  ])('%s', (line, reply) => {
    expect(parseReply(line)).toEqual(reply)
  })

  it('keeps a malformed results line as a message with the reason', () => {
    const r = parseReply('m-results-[Result is hidden by macro.]')
    expect(r.kind).toBe('message')
    expect(r.kind === 'message' && r.reason).toMatch(/not numbers/)
  })

  it('unwraps lines relayed by an interface board', () => {
    expect(parseLine('[dut]: m-ready')).toEqual({ line: '[dut]: m-ready', relayed: true, reply: { kind: 'ready' } })
    expect(parseLine('m-ready').relayed).toBe(false)
  })
})

describe('ReplyLineSplitter', () => {
  const stream = 'm-timestamp-mode-performance\r\nm-lap-us-12\r\nm-init-done\r\nm-ready\r\nSupplied buffer size 5 exceeds maximum of 4\nm-ready\r\n'
  const expected = ['m-timestamp-mode-performance', 'm-lap-us-12', 'm-init-done', 'm-ready', 'Supplied buffer size 5 exceeds maximum of 4', 'm-ready']

  it('splits at LF, drops CR and NUL, wherever the chunks break', () => {
    const raw = Buffer.from(stream, 'latin1')
    for (let cut = 0; cut <= raw.length; cut++) {
      const s = new ReplyLineSplitter()
      expect([...s.push(raw.subarray(0, cut)), ...s.push(raw.subarray(cut))]).toEqual(expected)
    }
    const s = new ReplyLineSplitter()
    expect(s.push(Buffer.from('m-re\0ady\r\n'))).toEqual(['m-ready'])
  })

  it('counts bytes outside ASCII and cuts an endless line, without losing the next one', () => {
    const s = new ReplyLineSplitter()
    expect(s.push(Uint8Array.from([0x6d, 0xff, 0x0a]))).toEqual(['m\u00ff'])
    expect(s.anomalies[0].kind).toBe('non-ascii')
    const long = new Uint8Array((1 << 18) + 10).fill(0x61)
    const lines = s.push(Uint8Array.from([...long, 0x0a, ...bytes('m-ready\r\n')]))
    expect(lines).toHaveLength(2)
    expect(lines[1]).toBe('m-ready')
    expect(s.anomalies.some((a) => a.kind === 'line-too-long')).toBe(true)
  })
})

describe('ExchangeCollector', () => {
  it('ends a direct command at m-ready', () => {
    const c = new ExchangeCollector(false)
    expect(c.accept(parseLine('m-name-dut-[unspecified]'))).toBe(false)
    expect(c.accept(parseLine('m-ready'))).toBe(true)
    expect(c.dutReplies()).toEqual([{ kind: 'name', device: 'dut', vendor: 'unspecified' }, { kind: 'ready' }])
  })

  it('through a board, waits past the board m-ready for the relayed one (README transcript of dut infer 1)', () => {
    const transcript = [
      'm-dut-passthrough(infer 1)',
      'm-ready',
      '[dut]: m-warmup-start-10',
      '[dut]: m-warmup-done',
      '[dut]: m-infer-start-1',
      '[dut]: m-lap-us-67410227',
      '[dut]: m-lap-us-67565820',
      '[dut]: m-infer-done',
      '[dut]: m-results-[0.000,0.000,0.000,0.000,0.000,0.007,0.000,0.000,0.000,0.000,0.000,0.992]',
      '[dut]: m-ready'
    ]
    const c = new ExchangeCollector(true)
    const done = transcript.map((l) => c.accept(parseLine(l)))
    expect(done).toEqual([false, false, false, false, false, false, false, false, false, true])
    expect(c.boardAcknowledged).toBe(true)
    const laps = c.dutReplies().flatMap((r) => (r.kind === 'lap' ? [r.microseconds] : []))
    expect(lapElapsedUs(laps[0], laps[1])).toBe(155593) // the README's elapsed_time
  })
})

describe('ExchangeCollector and a DUT that (re)boots', () => {
  it('sets a boot banner aside so its m-ready cannot end the command', () => {
    const c = new ExchangeCollector(false)
    const lines = ['m-timestamp-mode-performance', 'm-lap-us-12', 'm-init-done', 'm-ready', 'm-name-dut-[x]', 'm-ready']
    expect(lines.map((l) => c.accept(parseLine(l)))).toEqual([false, false, false, false, false, true])
    expect(c.rebooted).toBe(true)
    expect(c.bootLines.map((l) => l.line)).toEqual(lines.slice(0, 4))
    expect(c.dutReplies()).toEqual([{ kind: 'name', device: 'dut', vendor: 'x' }, { kind: 'ready' }])
  })

  it('finishes a banner that began before the command was sent', () => {
    const c = new ExchangeCollector(false, true)
    expect(['m-lap-us-3', 'm-init-done', 'm-ready', 'm-ready'].map((l) => c.accept(parseLine(l)))).toEqual([false, false, false, true])
    expect(c.lines.map((l) => l.line)).toEqual(['m-ready'])
  })

  it('through a board, watches the relayed banner only', () => {
    const c = new ExchangeCollector(true)
    const lines = ['m-dut-passthrough(name)', 'm-ready', '[dut]: m-init-done', '[dut]: m-ready', '[dut]: m-name-dut-[y]', '[dut]: m-ready']
    expect(lines.map((l) => c.accept(parseLine(l)))).toEqual([false, false, false, false, false, true])
  })
})

describe('lapElapsedUs', () => {
  it('allows one wrap of the 32-bit microsecond counter', () => {
    expect(lapElapsedUs(100, 250)).toBe(150)
    expect(lapElapsedUs(2 ** 32 - 100, 50)).toBe(150)
  })
})

describe('fuzz: random and mutated reply streams', () => {
  it('never throws and never loses a complete line', () => {
    const rand = prng(99)
    const good = Buffer.from(
      'm-timestamp-mode-performance\r\nm-init-done\r\nm-ready\r\n[dut]: m-results-[0.1,0.2]\r\nm-buffer-00-01\r\ne-[x]\r\n',
      'latin1'
    )
    for (let trial = 0; trial < 300; trial++) {
      const data = Buffer.from(good)
      const mutations = randomInt(rand, 0, 20)
      for (let k = 0; k < mutations; k++) data[randomInt(rand, 0, data.length - 1)] = randomInt(rand, 0, 255)
      const noise = Buffer.from(Array.from({ length: randomInt(rand, 0, 200) }, () => randomInt(rand, 0, 255)))
      const all = Buffer.concat([noise, data])
      const s = new ReplyLineSplitter()
      const c = new ExchangeCollector(rand() < 0.5)
      let at = 0
      let lines = 0
      while (at < all.length) {
        const n = randomInt(rand, 1, 17)
        for (const line of s.push(all.subarray(at, at + n))) {
          lines++
          c.accept(parseLine(line))
        }
        at += n
      }
      const lf = all.filter((b) => b === 0x0a).length
      expect(lines).toBe(lf)
    }
  })
})
