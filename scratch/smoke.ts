import { openWorkspace } from '../src-main/store/workspace'
import '../src-main/instruments/raw-formats'
import { BenchmarkRun } from '../src-main/runs/run-plan'
import { defaultPlan } from '../src-main/runs/plan-defaults'
import { VirtualBench } from '../src-main/virtual-bench/bench'
const kind = (process.argv[2] ?? 'performance') as any
const db = openWorkspace(`/tmp/jbr/ws-${Date.now()}.db`)
const plan = defaultPlan(kind, { clockSpeed: Number(process.argv[3] ?? 1) })
console.log(JSON.stringify(plan.repetitions), plan.model)
const bench = new VirtualBench()
const t0 = Date.now()
const run = BenchmarkRun.start(db, plan, { bench })
run.on('progress', (p) => console.log(p.phase, p.window, p.inferencesDone, p.samples, p.elapsedS.toFixed(1), p.message))
const d = await run.done
console.log(d.state, d.stateReason, (Date.now() - t0) / 1000)
console.log(JSON.stringify(d.summary, null, 1).slice(0, 3000))
console.log(d.notes, d.segments.length)
const truth = run.virtualDut ? null : null
await bench.close()
