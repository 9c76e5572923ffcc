/**
 * Stage logs in a run: what placing them costs on top of the plain analysis, per inference, and what
 * the kept lines weigh in the workspace (bytes per line and per inference of stage_log_json).
 * A synthetic 10 kS/s trace of 20 windows × 250 MAX78000-like inferences (5,000, four stages each).
 * Run: npx tsx bench/runs-stage-logs.ts
 */
import { performance } from 'node:perf_hooks'
import { arrayTrace } from '../src-main/analysis/array-trace'
import { analyzeRun, type InferWindowRange } from '../src-main/runs/run-analysis'
import { stageLogFormat } from '../src-main/runs/plan-stages'
import { StageLogTap } from '../src-main/runs/stage-log-tap'

const DT = 1e-4
const STAGES: Array<[string, number, number]> = [
  ['Initialization', 20, 2e-3],
  ['Memory I/O', 30, 3e-3],
  ['Inference', 50, 8e-3],
  ['Post-Processing', 10, 1.5e-3]
]
const WINDOWS = 20
const PER_WINDOW = 250
const GAP = 40

const current: number[] = []
const windows: InferWindowRange[] = []
const tap = new StageLogTap('bench')
const idle = (n: number) => {
  for (let i = 0; i < n; i++) current.push(1e-3)
}
idle(GAP)
let t = Date.now()
for (let w = 0; w < WINDOWS; w++) {
  const startIndex = current.length
  tap.beginWindow(w)
  for (let k = 0; k < PER_WINDOW; k++) {
    for (const [label, n, a] of STAGES) {
      for (let i = 0; i < n; i++) current.push(a)
      tap.push(`${label} Time: ${Math.round(n * DT * 1e6)} us`, (t += 3))
    }
    idle(GAP)
  }
  windows.push({ index: w, startIndex, endIndex: current.length, inferences: PER_WINDOW - 2, warmup: 2, dutLatencyPerInferenceS: null })
}
const trace = arrayTrace({ samplePeriodS: DT, currentA: current, supplyV: 3.3 })
const request = { segmentation: { kind: 'threshold', quantity: 'current', level: 5e-3, hysteresis: 0.5e-3, minDurationS: 0 } as const, supplyV: 3.3, windows }
const log = { lines: tap.lines, format: stageLogFormat('max78000'), source: 'bench', uartBaud: 115200 }

function best(f: () => void, runs = 5): number {
  let b = Infinity
  for (let r = 0; r < runs; r++) {
    const t0 = performance.now()
    f()
    b = Math.min(b, performance.now() - t0)
  }
  return b
}

const inferences = WINDOWS * PER_WINDOW
let staged = 0
const plainMs = best(() => void analyzeRun(trace, request))
const stagedMs = best(() => {
  const a = analyzeRun(trace, { ...request, runStageLog: log })
  staged = a.summary.stages.length
})
const json = Buffer.byteLength(JSON.stringify({ source: 'max78000 stage log on the DUT\'s UART', lines: tap.lines, overflow: 0 }))
console.log(`${inferences} inferences, ${tap.lines.length} stage lines, ${current.length} samples; ${staged} stages summarized`)
console.log(`analysis without stage log   ${plainMs.toFixed(1)} ms (best of 5)`)
console.log(`analysis with stage log      ${stagedMs.toFixed(1)} ms (best of 5): ${(((stagedMs - plainMs) / inferences) * 1000).toFixed(1)} µs more per inference`)
console.log(`stage_log_json               ${json} bytes: ${(json / tap.lines.length).toFixed(1)} bytes per line, ${(json / inferences).toFixed(1)} per inference`)
