import { describe, expect, it } from 'vitest'
import { findAnalyzer, findBoard, loadDefinitions } from '../../src-main/wiring/definitions'
import { planWiring, WiringPlanError, type WiringPlan } from '../../src-main/wiring/plan'
import { renderWiringSvg } from '../../src-main/wiring/diagram'

const catalog = loadDefinitions()
const ppk2 = findAnalyzer(catalog, 'ppk2')
const lpm = findAnalyzer(catalog, 'lpm01a')
const js220 = findAnalyzer(catalog, 'js220')
const f401 = findBoard(catalog, 'nucleo-f401re')
const l4r5 = findBoard(catalog, 'nucleo-l4r5zi')
const grove = findBoard(catalog, 'grove-vision-ai-v2')
const uno = catalog.interfaces.find((i) => i.id === 'arduino-uno-io-manager')!
const h573 = catalog.interfaces.find((i) => i.id === 'stm32h573i-dk-interface')!
const bss138 = catalog.levelShifters[0]!

/** The wires as "role from → to" strings, from the SVG alone (what a user sees), in document order. */
function svgWires(svg: string): string[] {
  return [...svg.matchAll(/<g class="wire[^"]*" data-wire="(w\d+)" data-role="(\w+)" data-from="([^"]+)" data-to="([^"]+)">/g)].map(
    (m) => `${m[2]} ${m[3]} → ${m[4]}`
  )
}

function planWires(plan: WiringPlan): string[] {
  return plan.wires.map((w) => `${w.role} ${w.from.part}:${w.from.ref} → ${w.to.part}:${w.to.ref}`)
}

/** A tiny independent XML well-formedness check: tags nest and close, attributes are quoted. */
function assertWellFormed(xml: string): void {
  const body = xml.replace(/<style>[\s\S]*?<\/style>/, '')
  const stack: string[] = []
  for (const m of body.matchAll(/<(\/?)([a-zA-Z]+)((?:\s+[\w:-]+="[^"<]*")*)\s*(\/?)>/g)) {
    if (m[1]) expect(stack.pop()).toBe(m[2])
    else if (!m[4]) stack.push(m[2]!)
  }
  expect(stack).toEqual([])
  expect(body.replace(/<[^>]*>/g, '')).not.toMatch(/[<>]|&(?!amp;|lt;|gt;|quot;|#39;)/)
}

describe('wiring plan and diagram', () => {
  it('source meter: PPK2 powers the F401RE through the removed IDD jumper, D7 goes to D0, VCC reference from the DUT supply', () => {
    const plan = planWiring({ analyzer: ppk2, board: f401, method: 'source-meter' })
    expect(plan.supplyV).toBe(3.3)
    expect(planWires(plan)).toEqual([
      'ground analyzer:dut.GND → dut:arduino.GND',
      'supply analyzer:dut.VOUT → dut:jp6.MCU',
      'signal dut:arduino.D7 → analyzer:logic.D0',
      'reference dut:jp6.MCU → analyzer:logic.VCC',
      'ground analyzer:logic.GND → dut:arduino.GND'
    ])
    expect(plan.jumpers.map((j) => [j.ref, j.action])).toEqual([['JP6', 'remove']])
    expect(plan.parts.map((p) => p.id)).toEqual(['analyzer', 'dut'])
    const svg = renderWiringSvg(plan)
    expect(svgWires(svg)).toEqual(planWires(plan).map((w) => w.replace(/^(\w+) (\w+):(\S+) → (\w+):(\S+)$/, '$1 $2:$3 → $4:$5')))
    expect(svg).toContain('data-jumper="JP6"')
    assertWellFormed(svg)
  })

  it('ampere meter: the board’s own 3.3 V goes into VIN and VOUT feeds the MCU side of the jumper', () => {
    const plan = planWiring({ analyzer: ppk2, board: f401, method: 'ampere-meter' })
    expect(plan.analyzerSources).toBe(false)
    expect(planWires(plan).filter((w) => w.startsWith('supply'))).toEqual([
      'supply dut:jp6.3V3 → analyzer:dut.VIN',
      'supply analyzer:dut.VOUT → dut:jp6.MCU'
    ])
    expect(plan.parts.map((p) => p.id)).not.toContain('supply')
  })

  it('ampere meter without a jumper: an external supply part feeds IN+ and its ground returns to IN−', () => {
    const plan = planWiring({ analyzer: js220, board: grove, method: 'ampere-meter' })
    expect(plan.parts.map((p) => p.id)).toEqual(['supply', 'analyzer', 'dut'])
    expect(planWires(plan)).toEqual(
      expect.arrayContaining([
        'ground supply:out.- → analyzer:current.IN-',
        'supply supply:out.+ → analyzer:current.IN+',
        'supply analyzer:current.OUT+ → dut:header.5V'
      ])
    )
    // The JS220's Vref is optional, so no reference wire is drawn.
    expect(plan.wires.some((w) => w.role === 'reference')).toBe(false)
  })

  it('MLPerf energy mode with the LPM01A, UNO and BSS138: unmeasured VCC_U feeds the shifter, UART crosses it, D7 timestamps', () => {
    const plan = planWiring({ analyzer: lpm, board: l4r5, method: 'mlperf-energy', interfaceBoard: uno, levelShifter: bss138, supplyV: 3.0 })
    const wires = planWires(plan)
    expect(wires).toEqual(
      expect.arrayContaining([
        'supply analyzer:cn14.3 → dut:idd.MCU',
        'ground analyzer:cn14.1 → dut:arduino.GND',
        'signal dut:arduino.D7 → analyzer:arduino.D7',
        'supply analyzer:cn14.2 → shifter:ls.LV',
        'supply interface:uno.5V → shifter:ls.HV',
        'signal interface:uno.D9 → shifter:ls.HV1',
        'signal shifter:ls.LV1 → dut:arduino.D0',
        'signal dut:arduino.D1 → shifter:ls.LV2',
        'signal shifter:ls.HV2 → interface:uno.D10'
      ])
    )
    expect(plan.wires.filter((w) => w.optional).map((w) => `${w.from.ref}→${w.to.ref}`)).toEqual(['arduino.D7→ls.LV3', 'ls.HV3→uno.D3'])
    // Nothing from the interface board may power the DUT.
    expect(plan.wires.some((w) => w.role === 'supply' && w.from.part === 'interface' && w.to.part === 'dut')).toBe(false)
    expect(plan.jumpers.map((j) => j.ref)).toEqual(['IDD', 'MCU_RST'])
    expect(plan.parts.map((p) => p.id)).toEqual(['analyzer', 'dut', 'shifter', 'interface'])
    const svg = renderWiringSvg(plan)
    expect(svgWires(svg)).toHaveLength(plan.wires.length)
    expect(svg.match(/class="wire role-signal optional"/g)).toHaveLength(2)
    assertWellFormed(svg)
  })

  it('MLPerf with a 3.3 V interface board and a 3.3 V DUT needs no shifter', () => {
    const plan = planWiring({ analyzer: lpm, board: l4r5, method: 'mlperf-energy', interfaceBoard: h573, levelShifter: bss138 })
    expect(plan.parts.map((p) => p.id)).not.toContain('shifter')
    expect(planWires(plan)).toEqual(expect.arrayContaining(['signal interface:arduino.D1 → dut:arduino.D0', 'signal dut:arduino.D1 → interface:arduino.D0']))
  })

  it('refuses combinations that cannot work, saying what to choose instead', () => {
    expect(() => planWiring({ analyzer: lpm, board: f401, method: 'ampere-meter' })).toThrow(WiringPlanError)
    expect(() => planWiring({ analyzer: lpm, board: f401, method: 'ampere-meter' })).toThrow(/supports: .*source meter/)
    expect(() => planWiring({ analyzer: lpm, board: grove, method: 'source-meter' })).toThrow(/supplies 1\.8–3\.3 V, so it cannot run .*Grove.* at 5 V/)
    expect(() => planWiring({ analyzer: ppk2, board: f401, method: 'source-meter', supplyV: 5 })).toThrow(/takes 1\.7–3\.6 V .* 5 V is outside/)
    expect(() => planWiring({ analyzer: lpm, board: l4r5, method: 'mlperf-energy' })).toThrow(/needs an interface board/)
    expect(() => planWiring({ analyzer: lpm, board: l4r5, method: 'mlperf-energy', interfaceBoard: uno })).toThrow(/need a level shifter/)
    expect(() => planWiring({ analyzer: lpm, board: l4r5, method: 'mlperf-energy', interfaceBoard: uno, levelShifter: bss138, supplyV: 1.75 })).toThrow(/supplies 1\.8–3\.3 V/)
  })

  it('warns when the DUT’s logic level does not suit a fixed-level trigger input', () => {
    const plan = planWiring({ analyzer: lpm, board: f401, method: 'source-meter', supplyV: 1.8 })
    expect(plan.warnings.join(' ')).toMatch(/1\.8 V, below the 2\.31 V .* level-shifter/)
  })

  it('is deterministic and lists unverified facts for the user to check', () => {
    const a = renderWiringSvg(planWiring({ analyzer: ppk2, board: f401, method: 'source-meter' }))
    const b = renderWiringSvg(planWiring({ analyzer: ppk2, board: f401, method: 'source-meter' }))
    expect(a).toBe(b)
    const plan = planWiring({ analyzer: ppk2, board: f401, method: 'source-meter' })
    expect(plan.unverified.join('\n')).toMatch(/JP6 MCU side/)
    expect(plan.unverified.join('\n')).toMatch(/current limit 0\.5 A/)
    expect(a).toMatch(/class="pin unverified"[^>]*>JP6 MCU side \(VDD\) \?</)
  })

  it('draws every role in a colour defined for both light and dark themes', () => {
    const svg = renderWiringSvg(planWiring({ analyzer: ppk2, board: f401, method: 'source-meter' }))
    const style = /<style>([\s\S]*)<\/style>/.exec(svg)![1]!
    const [light, dark] = style.split('@media (prefers-color-scheme:dark)')
    for (const role of ['supply', 'ground', 'signal', 'reference']) {
      expect(light).toMatch(new RegExp(`\\.role-${role}\\{stroke:var\\(--jb-${role},#[0-9a-f]{6}\\)`))
      expect(dark).toMatch(new RegExp(`\\.role-${role}\\{stroke:var\\(--jb-${role},#[0-9a-f]{6}\\)`))
    }
    // No external assets: the drawing is one self-contained document.
    expect(svg).not.toMatch(/href=|url\(|@import/)
  })
})
