import { median } from './statistics'

/**
 * MLPerf Tiny's scoring rule as a preset: the score is the median of exactly 5 windows, and every
 * window must last at least 10 s (benchmark/MLPerfTiny_Rules.adoc; the runner's energy scripts loop
 * five times over "download, then infer N").
 */
export interface MlperfRule {
  windowCount: number
  minWindowS: number
}

export const MLPERF_TINY_RULE: MlperfRule = { windowCount: 5, minWindowS: 10 }

/** What one window contributes: from energy mode (timestamp edges) or performance mode (lap times). */
export interface RuleWindow {
  durationS: number
  inferenceCount: number
  /** Energy of the whole window; absent in performance mode. */
  energyJ?: number | null
}

export interface MlperfRuleResult {
  valid: boolean
  /** Each broken condition, in words the user can act on. */
  violations: string[]
  windowCount: number
  medianLatencyPerInferenceS: number | null
  medianEnergyPerInferenceJ: number | null
  medianInferencesPerS: number | null
  /** An N that would make the shortest window reach the minimum length (with 10 % margin). */
  suggestedInferenceCount: number | null
}

export function applyMlperfRule(windows: readonly RuleWindow[], rule: MlperfRule = MLPERF_TINY_RULE): MlperfRuleResult {
  const violations: string[] = []
  if (windows.length !== rule.windowCount) {
    violations.push(`The rule needs exactly ${rule.windowCount} windows; there are ${windows.length}.`)
  }
  let suggested: number | null = null
  windows.forEach((w, k) => {
    if (w.durationS < rule.minWindowS) {
      violations.push(
        `Window ${k + 1} lasts ${w.durationS.toPrecision(4)} s, shorter than the ${rule.minWindowS} s minimum: raise N in infer N W.`
      )
      const need = Math.ceil(((w.inferenceCount * rule.minWindowS) / Math.max(w.durationS, 1e-12)) * 1.1)
      suggested = Math.max(suggested ?? 0, need)
    }
  })
  const energies = windows.map((w) => (w.energyJ == null ? NaN : w.energyJ / w.inferenceCount))
  const haveEnergy = windows.length > 0 && energies.every(Number.isFinite)
  return {
    valid: violations.length === 0,
    violations,
    windowCount: windows.length,
    medianLatencyPerInferenceS: median(windows.map((w) => w.durationS / w.inferenceCount)),
    medianEnergyPerInferenceJ: haveEnergy ? median(energies) : null,
    medianInferencesPerS: median(windows.map((w) => w.inferenceCount / w.durationS)),
    suggestedInferenceCount: suggested
  }
}
