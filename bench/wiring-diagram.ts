/**
 * Wiring diagrams for every valid analyzer × board × method: wires, SVG size, and render time.
 * Run: npx tsx bench/wiring-diagram.ts
 */
import { performance } from 'node:perf_hooks'
import { loadDefinitions } from '../src-main/wiring/definitions'
import { WIRING_METHODS } from '../src-main/wiring/definition-schema'
import { planWiring, WiringPlanError } from '../src-main/wiring/plan'
import { renderWiringSvg } from '../src-main/wiring/diagram'

const catalog = loadDefinitions()
const rows: string[] = []
let total = 0
let refused = 0
let bestMs = Infinity
for (const analyzer of catalog.analyzers) {
  for (const board of catalog.duts) {
    for (const method of WIRING_METHODS) {
      try {
        const req = { analyzer, board, method, interfaceBoard: catalog.interfaces[0], levelShifter: catalog.levelShifters[0] }
        const plan = planWiring(req)
        const svg = renderWiringSvg(plan)
        let best = Infinity
        for (let i = 0; i < 20; i++) {
          const t = performance.now()
          renderWiringSvg(planWiring(req))
          best = Math.min(best, performance.now() - t)
        }
        bestMs = Math.min(bestMs, best)
        total++
        rows.push(`${analyzer.id.padEnd(7)} ${board.id.padEnd(19)} ${method.padEnd(13)} wires ${String(plan.wires.length).padStart(2)}  svg ${String(Buffer.byteLength(svg)).padStart(6)} B  plan+render best ${best.toFixed(3)} ms`)
      } catch (e) {
        if (!(e instanceof WiringPlanError)) throw e
        refused++
      }
    }
  }
}
console.log(rows.join('\n'))
console.log(`\n${total} combinations drawn, ${refused} refused with a reason (method unsupported or voltage out of range).`)
console.log('Timing is best of 20 per combination on a shared, busy machine.')
