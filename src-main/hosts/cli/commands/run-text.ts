import type { Summary } from '../../../analysis/statistics'
import type { RunSegment, RunSummary } from '../../../runs/run-analysis'
import { si, table } from './si-text'

/** Human text for run and analysis results: "mean ± CI half-width", then sd, median and n. */

export function spread(s: Summary | null, unit: string): string {
  if (!s || s.mean === null) return '—'
  const ci = s.ci ? ` ± ${si(s.ci.halfWidth, unit, 3)} (${Math.round(s.ci.level * 100)} % CI)` : ''
  const sd = s.sd !== null ? `   sd ${si(s.sd, unit, 3)}` : ''
  return `${si(s.mean, unit)}${ci}${sd}   median ${si(s.median, unit)}   n ${s.n}`
}

export function summaryLines(s: RunSummary): string[] {
  const between = s.energyPerInferenceJ ? 'its energy and time between the DUT timestamps' : 'the time between its m-lap-us timestamps'
  const per = s.basis === 'windows' ? `${s.n} window${s.n === 1 ? '' : 's'} (one figure per window: ${between} ÷ N)` : `${s.n} inferences measured`
  const lines = [`  ${per}${s.warmupDiscarded ? `, ${s.warmupDiscarded} warm-ups left out` : ''}`]
  const row = (label: string, value: string) => lines.push(`  ${label.padEnd(22)} ${value}`)
  if (s.energyPerInferenceJ) row(`energy / inference${s.energySubtractsIdle ? ' (net)' : ''}`, spread(s.energyPerInferenceJ, 'J'))
  if (s.latencyPerInferenceS) row('latency / inference', spread(s.latencyPerInferenceS, 's'))
  if (s.energySubtractsIdle && s.grossEnergyJ) row('gross energy', spread(s.grossEnergyJ, 'J'))
  if (!s.energySubtractsIdle && s.netEnergyJ) row('net of idle', spread(s.netEnergyJ, 'J'))
  if (s.averagePowerW) row('average power', spread(s.averagePowerW, 'W'))
  if (s.peakPowerW) row('peak power', spread(s.peakPowerW, 'W'))
  if (s.dutLatencyPerInferenceS && s.dutLatencyPerInferenceS.mean !== s.latencyPerInferenceS?.mean) row('DUT window ÷ N', spread(s.dutLatencyPerInferenceS, 's'))
  if (s.baseline) row('idle baseline', `${si(s.baseline.currentA, 'A')}, ${si(s.baseline.powerW, 'W')}`)
  for (const st of s.stages) row(`  stage ${st.stage}`, `${spread(st.latencyS, 's')}; energy ${si(st.energyJ.mean, 'J')}`)
  if (s.mlperf) {
    const m = s.mlperf
    row('MLPerf Tiny score', `median ${si(m.medianEnergyPerInferenceJ, 'J')} / inference, ${si(m.medianLatencyPerInferenceS, 's')} / inference over ${m.windowCount} windows`)
    if (m.valid) lines.push('  (valid: exactly 5 windows, each ≥ 10 s)')
    else for (const v of m.violations) lines.push(`  not valid: ${v}`)
    if (m.suggestedInferenceCount) lines.push(`  use N = ${m.suggestedInferenceCount} to reach the minimum window length`)
  }
  return lines
}

/** A table of segments: inferences (or windows) with their figures, warm-ups marked. */
export function segmentTable(segments: readonly RunSegment[], limit = 200): string[] {
  const hasInferences = segments.some((s) => s.kind === 'inference')
  // Infer windows carry figures of their own only when they are the unit of measurement (DUT timestamps).
  const rows = segments.filter((s) => s.kind === 'inference' || s.kind === 'idle' || (s.kind === 'window' && !hasInferences))
  const windowsOnly = !hasInferences
  const shown = rows.slice(0, limit)
  const out = table([
    ['#', 'kind', 'start', 'end', 'duration', 'energy', 'charge', 'avg power', 'peak power', ...(windowsOnly ? ['N', 'energy/inf', 'latency/inf'] : [])],
    ...shown.map((s) => [
      s.kind === 'inference' ? String(s.inference! + 1) : s.kind === 'window' ? `w${s.window! + 1}` : '-',
      s.kind === 'inference' && s.role !== 'measured' ? s.role : s.kind,
      si(s.startS, 's'),
      si(s.endS, 's'),
      si(s.durationS, 's'),
      si(s.energyJ, 'J'),
      si(s.chargeC, 'C'),
      si(s.averagePowerW, 'W'),
      si(s.peakPowerW, 'W'),
      ...(windowsOnly ? [s.inferenceCount === null ? '-' : String(s.inferenceCount), si(s.energyPerInferenceJ, 'J'), si(s.latencyPerInferenceS, 's')] : [])
    ])
  ]).split('\n')
  if (rows.length > shown.length) out.push(`… ${rows.length - shown.length} more (all of them with --json)`)
  return out.map((l) => `  ${l}`)
}
