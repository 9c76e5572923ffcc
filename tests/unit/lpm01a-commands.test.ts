import { describe, expect, it } from 'vitest'
import {
  Lpm01aArgumentError,
  encodeCommand,
  parseCommandLine,
  type Lpm01aCommand
} from '../../src-main/instruments/lpm01a/commands'
import { answers, parseReplyLine } from '../../src-main/instruments/lpm01a/replies'

describe('LPM01A commands', () => {
  it('writes the lines the MLCommons runner sends for an energy run', () => {
    const lines: Array<[Lpm01aCommand, string]> = [
      [{ name: 'htc' }, 'htc\n'],
      [{ name: 'pwr', state: 'off' }, 'pwr off\n'],
      [{ name: 'acqtime', seconds: 'inf' }, 'acqtime inf\n'],
      [{ name: 'trigdelay', seconds: 0 }, 'trigdelay 0\n'],
      [{ name: 'trigsrc', source: 'sw' }, 'trigsrc sw\n'],
      [{ name: 'eventsrc', source: 'd7', edge: 'fal' }, 'eventsrc d7 fal\n'],
      [{ name: 'output', output: 'energy' }, 'output energy\n'],
      [{ name: 'format', format: 'ascii_dec' }, 'format ascii_dec\n'],
      [{ name: 'freq', hz: 1000 }, 'freq 1k\n'],
      [{ name: 'volt', voltageV: 3.3 }, 'volt 3300m\n'],
      [{ name: 'volt', voltageV: 1.8 }, 'volt 1800m\n'],
      [{ name: 'pwr', state: 'on', status: 'nostatus' }, 'pwr on nostatus\n'],
      [{ name: 'start' }, 'start\n'],
      [{ name: 'lcd', line: 1, text: 'MLPerf Tiny' }, 'lcd 1 "MLPerf Tiny"\n'],
      [{ name: 'hrc' }, 'hrc\n']
    ]
    for (const [cmd, text] of lines) expect(encodeCommand(cmd)).toBe(text)
  })

  it('writes the other commands of the set', () => {
    expect(encodeCommand({ name: 'freq', hz: 100000 })).toBe('freq 100k\n')
    expect(encodeCommand({ name: 'freq', hz: 2 })).toBe('freq 2\n')
    expect(encodeCommand({ name: 'acqtime', seconds: 0.1 })).toBe('acqtime 100m\n')
    expect(encodeCommand({ name: 'acqtime', seconds: 100e-6 })).toBe('acqtime 100u\n')
    expect(encodeCommand({ name: 'acqtime', seconds: 10 })).toBe('acqtime 10\n')
    expect(encodeCommand({ name: 'acqmode', mode: 'dyn' })).toBe('acqmode dyn\n')
    expect(encodeCommand({ name: 'funcmode', mode: 'high' })).toBe('funcmode high\n')
    expect(encodeCommand({ name: 'currthres', thresholdA: 1e-3 })).toBe('currthres 1m\n')
    expect(encodeCommand({ name: 'currthres', thresholdA: 100e-9 })).toBe('currthres 100n\n')
    expect(encodeCommand({ name: 'pwrend', state: 'off' })).toBe('pwrend off\n')
    expect(encodeCommand({ name: 'targrst', seconds: 0.05 })).toBe('targrst 50m\n')
    expect(encodeCommand({ name: 'temp', unit: 'degf' })).toBe('temp degf\n')
    expect(encodeCommand({ name: 'autotest', action: 'status', detail: 'stat_min' })).toBe('autotest status stat_min\n')
    expect(encodeCommand({ name: 'volt', voltageV: 'get' })).toBe('volt get\n')
    for (const name of ['powershield', 'version', 'status', 'stop'] as const) expect(encodeCommand({ name })).toBe(`${name}\n`)
  })

  it('refuses arguments the board would refuse, before sending anything', () => {
    const bad: Lpm01aCommand[] = [
      { name: 'volt', voltageV: 5 },
      { name: 'volt', voltageV: 1.7 },
      { name: 'freq', hz: 3000 as never },
      { name: 'acqtime', seconds: 101 },
      { name: 'acqtime', seconds: 50e-6 },
      { name: 'trigdelay', seconds: 31 },
      { name: 'currthres', thresholdA: 0.1 },
      { name: 'targrst', seconds: 2 },
      { name: 'lcd', line: 1, text: 'seventeen chars!!' }
    ]
    for (const cmd of bad) expect(() => encodeCommand(cmd), JSON.stringify(cmd)).toThrow(Lpm01aArgumentError)
  })

  it('reads every command back as the board does', () => {
    const all: Lpm01aCommand[] = [
      { name: 'htc' },
      { name: 'echo', text: 'hello board' },
      { name: 'lcd', line: 2, text: '  3.3V ' },
      { name: 'volt', voltageV: 2.5 },
      { name: 'freq', hz: 50000 },
      { name: 'acqtime', seconds: 0.5 },
      { name: 'acqmode', mode: 'stat' },
      { name: 'funcmode', mode: 'optim' },
      { name: 'output', output: 'current' },
      { name: 'format', format: 'bin_hexa' },
      { name: 'trigsrc', source: 'd7' },
      { name: 'trigdelay', seconds: 0.005 },
      { name: 'currthres', thresholdA: 0 },
      { name: 'pwr', state: 'get' },
      { name: 'pwrend', state: 'on' },
      { name: 'eventsrc', source: 'd7', edge: 'ris' },
      { name: 'targrst', seconds: 0 },
      { name: 'temp', unit: 'degc' },
      { name: 'autotest' }
    ]
    for (const cmd of all) {
      const parsed = parseCommandLine(encodeCommand(cmd))
      expect(parsed.ok, JSON.stringify(parsed)).toBe(true)
      if (!parsed.ok) continue
      if (cmd.name === 'volt' || cmd.name === 'trigdelay' || cmd.name === 'acqtime') {
        // numbers come back through the unit syntax: compare values
        expect(JSON.stringify(parsed.command).replace(/\d+\.\d+/g, (d) => String(Number(Number(d).toPrecision(9))))).toBe(JSON.stringify(cmd))
      } else expect(parsed.command).toEqual(cmd)
    }
    expect(parseCommandLine('acqtime 0\r\n')).toEqual({ ok: true, command: { name: 'acqtime', seconds: 'inf' } })
    expect(parseCommandLine('temp')).toEqual({ ok: true, command: { name: 'temp', unit: 'degc' } })
  })

  it('explains what is wrong with a bad line instead of throwing', () => {
    const cases: Array<[string, RegExp]> = [
      ['volt 5000m', /1\.8–3\.3 V/],
      ['freq 3k', /one of/],
      ['format csv', /ascii_dec\|bin_hexa/],
      ['frobnicate', /unknown command "frobnicate"/],
      ['', /empty/],
      ['htc now', /takes no argument/],
      ['lcd 3 "x"', /1 or 2/],
      ['pwr on loudly', /status\|nostatus/],
      ['eventsrc d3 fal', /eventsrc d7/]
    ]
    for (const [line, detail] of cases) {
      const parsed = parseCommandLine(line)
      expect(parsed.ok).toBe(false)
      if (!parsed.ok) expect(parsed.detail).toMatch(detail)
    }
  })
})

describe('LPM01A replies', () => {
  it('reads acks with and without the prompt, with values', () => {
    expect(parseReplyLine('PowerShield > ack htc\r')).toEqual({ kind: 'ack', words: ['htc'], text: 'ack htc' })
    expect(parseReplyLine('PowerShield > ack volt get 3292-03')).toMatchObject({ kind: 'ack', words: ['volt', 'get', '3292-03'] })
    expect(parseReplyLine('ack pwr on nostatus')).toMatchObject({ kind: 'ack', words: ['pwr', 'on', 'nostatus'] })
  })

  it('reads errors and their detail line', () => {
    expect(parseReplyLine('PowerShield > error volt 5000m')).toMatchObject({ kind: 'error', words: ['volt', '5000m'] })
    expect(parseReplyLine('PowerShield > Error detail: value out of range')).toEqual({ kind: 'error-detail', detail: 'value out of range' })
    expect(parseReplyLine('Error detail: x')).toEqual({ kind: 'error-detail', detail: 'x' })
  })

  it('recognises the end of an acquisition and ignores bare prompts', () => {
    expect(parseReplyLine('PowerShield > Acquisition completed')).toEqual({ kind: 'completed' })
    expect(parseReplyLine('PowerShield > ')).toBeNull()
    expect(parseReplyLine('PowerShield present')).toEqual({ kind: 'text', text: 'PowerShield present' })
  })

  it('matches a reply to the command that was sent by its command word', () => {
    const ack = parseReplyLine('PowerShield > ack freq 1k')!
    expect(answers(ack, 'freq 1k')).toBe(true)
    expect(answers(ack, 'format ascii_dec')).toBe(false)
    expect(answers(parseReplyLine('PowerShield > ack frequency')!, 'freq 1k')).toBe(false)
  })
})
