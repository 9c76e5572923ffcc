import { writeFileSync } from 'node:fs'
import { loadDefinitions, findAnalyzer, findBoard } from './src-main/wiring/definitions'
import { planWiring } from './src-main/wiring/plan'
import { renderWiringSvg } from './src-main/wiring/diagram'
const c = loadDefinitions('/work/wt/calibration/resources')
const p1 = planWiring({ analyzer: findAnalyzer(c,'ppk2'), board: findBoard(c,'nucleo-f401re'), method: 'source-meter' })
writeFileSync('/tmp/w1.svg', renderWiringSvg(p1))
const p2 = planWiring({ analyzer: findAnalyzer(c,'lpm01a'), board: findBoard(c,'nucleo-l4r5zi'), method: 'mlperf-energy', interfaceBoard: c.interfaces[0], levelShifter: c.levelShifters[0], supplyV: 3.0 })
writeFileSync('/tmp/w2.svg', renderWiringSvg(p2))
const p3 = planWiring({ analyzer: findAnalyzer(c,'js220'), board: findBoard(c,'grove-vision-ai-v2'), method: 'ampere-meter' })
writeFileSync('/tmp/w3.svg', renderWiringSvg(p3))
const p4 = planWiring({ analyzer: findAnalyzer(c,'ppk2'), board: findBoard(c,'nucleo-f401re'), method: 'ampere-meter' })
writeFileSync('/tmp/w4.svg', renderWiringSvg(p4))
console.log(JSON.stringify(p2.steps, null, 1))
console.log(p2.warnings, p2.unverified.length)
