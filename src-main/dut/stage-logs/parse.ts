import type { ReaderState, SequenceEntry, StageLogFormat } from './formats'

/** One stage duration read from the log. */
export interface StageEntry {
  stage: string
  /** The label as printed. */
  label: string
  durationS: number
  /** 1-based line number in the log. */
  lineNumber: number
  text: string
  /** Set when the printed value was replaced by a better one (and why). */
  correction?: string
}

/** One pass of the firmware through its stages. */
export interface StageRun {
  index: number
  stages: StageEntry[]
  /** Every stage of the sequence appeared (optional ones aside). */
  complete: boolean
  missing: string[]
}

export interface StageLogParse {
  format: string
  /** The execution order used (for a custom format without one, the order stages first appeared). */
  sequence: SequenceEntry[]
  anchorStage: string
  runs: StageRun[]
  memory: Array<{ what: string; usedBytes: number; totalBytes: number; lineNumber: number }>
  notes: Array<{ lineNumber: number; text: string }>
  /** Lines no rule recognised (boot chatter, prints of results …). */
  unmatchedLines: number
}

/**
 * Cut a UART log into runs. Each stage line takes the next matching position in the format's
 * sequence after the previous stage; a label with no later position starts a new run. That is how
 * WE2's second "Memory I/O" becomes the output copy, and how a repeated "Inference" starts run 2.
 */
export function parseStageLog(text: string, format: StageLogFormat): StageLogParse {
  const sequence = format.sequence.map((s) => ({ ...s }))
  const runs: StageRun[] = []
  const memory: StageLogParse['memory'] = []
  const notes: StageLogParse['notes'] = []
  const state: ReaderState = {}
  let unmatched = 0
  let current: StageEntry[] = []
  let position = -1

  const close = () => {
    if (current.length === 0) return
    const seen = new Set(current.map((e) => e.stage))
    const missing = sequence.filter((s) => !s.optional && !seen.has(s.stage)).map((s) => s.stage)
    runs.push({ index: runs.length, stages: current, complete: missing.length === 0, missing })
    current = []
    position = -1
  }

  const lines = text.split(/\r\n|\n|\r/)
  lines.forEach((raw, k) => {
    const line = raw.trim()
    if (!line) return
    const r = format.read(line, state)
    if (!r) {
      unmatched++
      return
    }
    if (r.kind === 'memory') memory.push({ what: r.what, usedBytes: r.usedBytes, totalBytes: r.totalBytes, lineNumber: k + 1 })
    else if (r.kind === 'note') notes.push({ lineNumber: k + 1, text: r.text })
    else {
      if (!sequence.some((s) => s.label === r.label)) sequence.push({ stage: r.label, label: r.label })
      let q = sequence.findIndex((s, i) => i > position && s.label === r.label)
      if (q < 0) {
        close()
        q = sequence.findIndex((s) => s.label === r.label)
      }
      position = q
      current.push({ stage: sequence[q].stage, label: r.label, durationS: r.durationS, lineNumber: k + 1, text: line, ...(r.correction ? { correction: r.correction } : {}) })
    }
  })
  close()
  return { format: format.id, sequence, anchorStage: format.anchorStage, runs, memory, notes, unmatchedLines: unmatched }
}
