import { describe, expect, it } from 'vitest'
import { dutBaudRate, dutLink, parsePlan, PlanError, validatePlan, type BenchmarkPlan } from '../../src-main/runs/plan'
import { defaultPlan, inferencesForWindow, KWS01_FACTS, kws01Model } from '../../src-main/runs/plan-defaults'
import { planInputBytes } from '../../src-main/runs/run-input'
import { prng } from '../helpers/prng'

/** A small valid plan written out by hand, as a user's plan file would be. */
function handPlan(): Record<string, any> {
  return {
    name: 'ic01 on my board',
    mode: 'performance',
    dut: { kind: 'serial', port: '/dev/ttyACM1' },
    analyzer: { id: 'lpm01a:/dev/ttyACM0' },
    supplyV: 1.8,
    model: { name: 'ic01', macs: 12_500_000 },
    repetitions: { inferences: 50, warmup: 1 },
    segmentation: { kind: 'threshold', level: 0.01, minDurationS: 0.001 }
  }
}

describe('benchmark plan validation', () => {
  it('fills the documented defaults of a minimal plan', () => {
    const p = parsePlan(handPlan())
    expect(p.version).toBe(1)
    expect(p.repetitions).toEqual({ inferences: 50, warmup: 1, windows: 1 })
    expect(p.input).toEqual({ kind: 'none' })
    expect(p.idle).toEqual({ kind: 'none' })
    expect(p.subtractIdle).toBe(false)
    expect(p.confidence).toBe(0.95)
    expect(p.tags).toEqual({ free: [] })
    expect(p.segmentation).toEqual({ kind: 'threshold', quantity: 'current', level: 0.01, hysteresis: 0, minDurationS: 0.001 })
    expect(p.model.params).toBeNull()
  })

  it('names each bad field with the value that was there', () => {
    const bad = handPlan()
    bad.repetitions.inferences = -3
    bad.supplyV = 'three'
    bad.segmentation = { kind: 'treshold', level: 1 }
    bad.analyzer.sampleRate = 1000
    const v = validatePlan(bad)
    expect(v.ok).toBe(false)
    const byPath = Object.fromEntries(v.issues.map((i) => [i.path, i.message]))
    expect(byPath['repetitions.inferences']).toMatch(/at least 1.*got -3/)
    expect(byPath['supplyV']).toMatch(/got "three"/)
    expect(byPath['segmentation.kind']).toMatch(/threshold/)
    expect(byPath['analyzer']).toMatch(/unknown field "sampleRate"/)
  })

  it('parsePlan lists every problem under the name of the plan file', () => {
    const bad = handPlan()
    bad.repetitions.warmup = 1.5
    bad.model.macs = -1
    try {
      parsePlan(bad, 'The plan lab/ic01.json')
      expect.unreachable()
    } catch (e) {
      expect(e).toBeInstanceOf(PlanError)
      const m = (e as Error).message
      expect(m).toMatch(/^The plan lab\/ic01\.json is not a valid benchmark plan \(2 problems\)/)
      expect(m).toContain('repetitions.warmup: must be a whole number; got 1.5')
      expect(m).toContain('model.macs: must be ≥ 0; got -1')
      expect((e as PlanError).issues).toHaveLength(2)
    }
  })

  it.each([
    ['energy mode without an analyzer', { mode: 'energy', analyzer: null, segmentation: { kind: 'dut-timestamps' } }, 'analyzer'],
    ['energy mode cut by threshold', { mode: 'energy' }, 'segmentation.kind'],
    ['performance mode without a DUT', { dut: { kind: 'none' } }, 'dut'],
    ['capture mode with a DUT', { mode: 'capture', repetitions: { inferences: 1, captureDurationS: 5 } }, 'dut.kind'],
    ['capture mode without a length', { mode: 'capture', dut: { kind: 'none' } }, 'repetitions.captureDurationS'],
    ['no analyzer and a threshold', { analyzer: null }, 'segmentation.kind'],
    ['dut-laps with an analyzer', { segmentation: { kind: 'dut-laps' } }, 'segmentation.kind'],
    ['subtract idle without an idle window', { subtractIdle: true }, 'subtractIdle'],
    ['a virtual DUT on a real analyzer', { dut: { kind: 'virtual', gapS: 0.01 } }, 'analyzer.id'],
    ['a real DUT on a virtual analyzer', { analyzer: { id: 'virtual:lpm01a' } }, 'analyzer.id'],
    ['back-to-back virtual inferences cut by threshold', { dut: { kind: 'virtual' }, analyzer: { id: 'virtual:lpm01a' } }, 'dut.gapS'],
    ['idle window that ends first', { idle: { kind: 'window', startS: 2, endS: 1 } }, 'idle.endS'],
    ['a manual window that ends first', { segmentation: { kind: 'windows', windows: [{ label: 'a', startS: 3, endS: 1 }] } }, 'segmentation.windows.0.endS'],
    [
      'event marks from an analyzer that records lines',
      { mode: 'energy', analyzer: { id: 'ppk2:/dev/ttyACM0' }, segmentation: { kind: 'dut-timestamps', source: { kind: 'marks' } } },
      'segmentation.source'
    ],
    [
      'LPM01A marks with the virtual timestamp on D0',
      { mode: 'energy', dut: { kind: 'virtual', timestampLine: 0 }, analyzer: { id: 'virtual:lpm01a' }, segmentation: { kind: 'dut-timestamps' } },
      'dut.timestampLine'
    ]
  ])('refuses %s, naming %s', (_label, change, path) => {
    const v = validatePlan({ ...handPlan(), ...change })
    expect(v.ok).toBe(false)
    expect(v.issues.map((i) => i.path)).toContain(path)
  })

  it('every default plan is valid and says what it is', () => {
    for (const kind of ['performance', 'energy', 'dut-only', 'capture'] as const) {
      const p = defaultPlan(kind)
      expect(validatePlan(JSON.parse(JSON.stringify(p))).ok).toBe(true)
      expect(p.name.length).toBeGreaterThan(5)
    }
  })

  it('the energy preset is the MLPerf Tiny rule: 5 windows of ≥ 10 s of inferences, D7 marks, interface board at 9600 baud behind it', () => {
    const p = defaultPlan('energy')
    expect(p.repetitions.windows).toBe(5)
    const latencyS = p.model.macs * (p.dut as Extract<BenchmarkPlan['dut'], { kind: 'virtual' }>).latencyPerMacS
    expect(p.repetitions.inferences * latencyS).toBeGreaterThanOrEqual(10)
    expect(p.segmentation).toEqual({ kind: 'dut-timestamps', source: { kind: 'marks' }, mlperfRule: true })
    expect(dutLink(p)).toBe('interface-board')
    expect(dutBaudRate(p)).toBe(115200)
    expect(inferencesForWindow(0.1)).toBe(110)
    // With a PPK2 the timestamp is read from its D7 logic input instead of event marks.
    expect(defaultPlan('energy', { analyzerId: 'virtual:ppk2' }).segmentation).toEqual({ kind: 'dut-timestamps', source: { kind: 'line', line: 7, edge: 'falling', glitchFilterS: 0 }, mlperfRule: true })
  })

  it('uses the MLPerf runner’s DUT rates: 115200 in performance mode, 9600 direct in energy mode', () => {
    expect(dutBaudRate(parsePlan(handPlan()))).toBe(115200)
    const energy = parsePlan({ ...handPlan(), mode: 'energy', segmentation: { kind: 'dut-timestamps' } })
    expect(dutBaudRate(energy)).toBe(9600)
    expect(dutBaudRate(parsePlan({ ...handPlan(), dut: { kind: 'serial', port: '/dev/x', baudRate: 57600 } }))).toBe(57600)
  })

  it('kws01 falls back to the embedded figures when the reference model is not beside the checkout', () => {
    const m = kws01Model('/nonexistent/place')
    expect(m).toMatchObject({ name: 'kws01', macs: KWS01_FACTS.macs, params: KWS01_FACTS.params })
    expect(m.file).toBeUndefined()
    expect(m.source).toMatch(/kws_ref_model\.tflite/)
  })

  it('never throws on mutated plans: every outcome is a valid plan or a list of named issues', () => {
    const random = prng(2026)
    const base = JSON.stringify(defaultPlan('performance'))
    const junk = [null, -1, 0, 1e308, 'x', '', true, [], {}, { kind: 'nope' }, NaN]
    for (let k = 0; k < 400; k++) {
      const plan = JSON.parse(base)
      for (let m = 0; m < 1 + Math.floor(random() * 3); m++) {
        // Walk to a random field and replace it with junk, or delete it.
        let node: any = plan
        let key: string | null = null
        for (let depth = 0; depth < 3 && node && typeof node === 'object'; depth++) {
          const keys = Object.keys(node)
          if (!keys.length) break
          key = keys[Math.floor(random() * keys.length)]
          if (depth < 2 && node[key] && typeof node[key] === 'object' && random() < 0.5) node = node[key]
          else break
        }
        if (key === null) continue
        if (random() < 0.2) delete node[key]
        else node[key] = structuredClone(junk[Math.floor(random() * junk.length)])
      }
      const v = validatePlan(plan)
      if (!v.ok) for (const i of v.issues) expect(typeof i.message).toBe('string')
    }
    expect(validatePlan(undefined).ok).toBe(false)
    const circular: any = JSON.parse(base)
    circular.repetitions.inferences = circular
    expect(validatePlan(circular).issues[0]).toMatchObject({ path: 'repetitions.inferences', message: expect.stringMatching(/got \[object Object\]/) })
    expect(validatePlan('plan').issues[0].message).toMatch(/got "plan"/)
  })
})

describe('plan input bytes', () => {
  it('random input repeats with its seed and differs across seeds', async () => {
    const a = await planInputBytes({ kind: 'random', bytes: 490, seed: 1 })
    const b = await planInputBytes({ kind: 'random', bytes: 490, seed: 1 })
    const c = await planInputBytes({ kind: 'random', bytes: 490, seed: 2 })
    expect(a).toHaveLength(490)
    expect(a).toEqual(b)
    expect(a).not.toEqual(c)
    // Not constant: a filler that exercises the DUT's hex loader.
    expect(new Set(a).size).toBeGreaterThan(100)
  })

  it('hex input is the bytes written', async () => {
    expect(Array.from((await planInputBytes({ kind: 'hex', hex: '00ff7F80' }))!)).toEqual([0, 255, 127, 128])
  })

  it('a missing input file names the file and the field', async () => {
    await expect(planInputBytes({ kind: 'file', path: '/no/such/input.bin' })).rejects.toThrow(/\/no\/such\/input\.bin \(input\.path\): no such file/)
  })
})
