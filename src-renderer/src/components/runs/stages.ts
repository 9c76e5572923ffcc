import type { RunSegment } from '../../../../src-main/api/contract'

/**
 * One colour per stage, the same in the trace overlay, the legend and the charts. Stage names come from
 * the analysis (virtual DUT and stage logs: init, memory, inference, post); anything else gets grey.
 */
export const STAGE_COLORS: Record<string, string> = {
  init: '#8e44ad',
  memory: '#d35400',
  inference: '#1a7f37',
  post: '#b7950b',
  idle: '#7f8c8d',
  window: '#0b6bcb'
}

export const STAGE_NAMES: Record<string, string> = {
  init: 'Initialization',
  memory: 'Memory I/O',
  inference: 'Inference',
  post: 'Post-processing',
  idle: 'Idle',
  window: 'Infer window'
}

/** The colour key of a segment: stages by their name, whole inferences as "inference". */
export function stageKey(s: Pick<RunSegment, 'kind' | 'label'>): string {
  if (s.kind === 'stage') return /^(init|memory|inference|post)/i.test(s.label) ? s.label.toLowerCase().replace(/[^a-z].*$/, '') : s.label
  return s.kind
}

export function stageColor(key: string): string {
  return STAGE_COLORS[key] ?? '#888888'
}

export function stageName(key: string): string {
  return STAGE_NAMES[key] ?? key
}
