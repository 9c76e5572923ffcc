import { segmentationSchema, type PlanSegmentation } from './plan'

/**
 * The command line's short way to say how to cut a recording (`joulebench analyze --segment …`):
 *
 *   gpio:D0[,low][,edges][,falling][,min=S][,glitch=S]    inferences while D0 is high (or low), or between edges
 *   threshold:LEVEL[,hyst=LEVEL][,min=S]                  LEVEL in A (5m, 5mA, 0.005) or W (12mW): current or power
 *   windows:A-B[,LABEL@C-D…]                              seconds from the start; unlabelled = inference
 *   timestamps:marks|D7,n=N[,windows=K][,mlperf]          MLPerf Tiny energy mode: between DUT timestamps
 *
 * Errors say which part was wrong and show the accepted forms.
 */

export class SegmentSpecError extends Error {
  override name = 'SegmentSpecError'
}

const FORMS = 'gpio:D0[,low][,edges][,min=S]  |  threshold:LEVEL[,hyst=LEVEL][,min=S]  |  windows:A-B[,LABEL@C-D…]  |  timestamps:marks|D7,n=N[,windows=K][,mlperf]'

const PREFIX: Record<string, number> = { G: 1e9, M: 1e6, k: 1e3, '': 1, m: 1e-3, u: 1e-6, µ: 1e-6, n: 1e-9, p: 1e-12 }

/**
 * A number with an optional SI prefix and unit: "5m", "5mA", "5 mA", "12mW", "0.005", "2e-3", "10ms".
 * Returns the value in base units and the unit that was written (if any).
 */
export function parseQuantity(text: string, units: readonly string[], what: string): { value: number; unit: string | null } {
  const m = /^\s*([-+]?(?:\d+\.?\d*|\.\d+)(?:e[-+]?\d+)?)\s*([GMkmuµnp]?)([A-Za-z]*)\s*$/.exec(text)
  const unit = m?.[3] ?? ''
  if (!m || (unit && !units.includes(unit))) {
    throw new SegmentSpecError(`${what}: "${text}" is not a quantity; write a number with an optional prefix and unit (${units.map((u) => `5m${u}`).join(', ')} or 0.005).`)
  }
  // A lone "m" with no unit is milli, as in "5m"; "5 m" would be metres, which no option takes.
  return { value: Number(m[1]) * PREFIX[m[2]], unit: unit || null }
}

function seconds(text: string, what: string): number {
  const q = parseQuantity(text, ['s'], what)
  if (!(q.value >= 0)) throw new SegmentSpecError(`${what} must be ≥ 0 s, got "${text}".`)
  return q.value
}

function options(parts: string[], allowed: string[], kind: string): Map<string, string> {
  const out = new Map<string, string>()
  for (const p of parts) {
    const [k, v] = p.includes('=') ? [p.slice(0, p.indexOf('=')), p.slice(p.indexOf('=') + 1)] : [p, '']
    if (!allowed.includes(k)) throw new SegmentSpecError(`"${p}" is not an option of ${kind}: it takes ${allowed.join(', ')}.`)
    out.set(k, v)
  }
  return out
}

export interface ParsedSegmentSpec {
  segmentation: PlanSegmentation
  /** timestamps: N of the infer command, and how many windows to take from the end. */
  inferenceCount?: number
  timestampWindows?: number
}

export function parseSegmentSpec(spec: string): ParsedSegmentSpec {
  const colon = spec.indexOf(':')
  if (colon < 0) throw new SegmentSpecError(`--segment "${spec}" names no method. Use one of: ${FORMS}`)
  const method = spec.slice(0, colon).trim().toLowerCase()
  const rest = spec.slice(colon + 1)
  const [head, ...tail] = rest.split(',').map((s) => s.trim())
  let seg: unknown
  let extra: Omit<ParsedSegmentSpec, 'segmentation'> = {}
  switch (method) {
    case 'gpio': {
      const line = /^D?([0-7])$/i.exec(head)
      if (!line) throw new SegmentSpecError(`gpio needs a line D0 to D7, got "${head}" (e.g. gpio:D0).`)
      const o = options(tail, ['low', 'high', 'edges', 'pulses', 'rising', 'falling', 'min', 'glitch'], 'gpio')
      seg = {
        kind: 'gpio',
        line: Number(line[1]),
        mode: o.has('edges') ? 'edges' : 'pulses',
        activeLevel: o.has('low') ? 'low' : 'high',
        edge: o.has('falling') ? 'falling' : 'rising',
        minDurationS: o.has('min') ? seconds(o.get('min')!, 'min') : 0,
        glitchFilterS: o.has('glitch') ? seconds(o.get('glitch')!, 'glitch') : 0
      }
      break
    }
    case 'threshold': {
      const level = parseQuantity(head, ['A', 'W'], 'threshold level')
      if (!(level.value > 0)) throw new SegmentSpecError(`The threshold level must be more than 0, got "${head}".`)
      const o = options(tail, ['hyst', 'min'], 'threshold')
      const hyst = o.has('hyst') ? parseQuantity(o.get('hyst')!, ['A', 'W'], 'hyst') : null
      if (hyst?.unit && level.unit && hyst.unit !== level.unit) throw new SegmentSpecError(`hyst is in ${hyst.unit} but the level is in ${level.unit}: use the same unit.`)
      seg = {
        kind: 'threshold',
        quantity: level.unit === 'W' ? 'power' : 'current',
        level: level.value,
        hysteresis: hyst?.value ?? 0,
        minDurationS: o.has('min') ? seconds(o.get('min')!, 'min') : 0
      }
      break
    }
    case 'windows': {
      const windows = [head, ...tail].filter(Boolean).map((w, k) => {
        const at = w.lastIndexOf('@')
        const label = at >= 0 ? w.slice(0, at).trim() : ''
        const range = /^\s*([^-]+?)\s*-\s*(.+?)\s*$/.exec(at >= 0 ? w.slice(at + 1) : w)
        if (!range) throw new SegmentSpecError(`Window ${k + 1} "${w}" is not A-B (seconds from the start, e.g. 1.2-1.5 or init@0.10-0.15).`)
        const startS = seconds(range[1], `window ${k + 1} start`)
        const endS = seconds(range[2], `window ${k + 1} end`)
        if (endS <= startS) throw new SegmentSpecError(`Window ${k + 1} "${w}" ends before it starts.`)
        return label ? { label, startS, endS } : { label: 'inference', startS, endS, kind: 'inference' as const }
      })
      if (!windows.length) throw new SegmentSpecError('windows needs at least one A-B window (e.g. windows:1.2-1.5,2.0-2.3).')
      seg = { kind: 'windows', windows }
      break
    }
    case 'timestamps': {
      const line = /^D?([0-7])$/i.exec(head)
      if (head.toLowerCase() !== 'marks' && !line) throw new SegmentSpecError(`timestamps reads "marks" (analyzer events, LPM01A D7) or a line D0–D7, got "${head}".`)
      const o = options(tail, ['n', 'windows', 'mlperf', 'rising'], 'timestamps')
      const n = Number(o.get('n'))
      if (!o.has('n') || !Number.isInteger(n) || n < 1) throw new SegmentSpecError('timestamps needs n=N, the inference count of the infer command (e.g. timestamps:marks,n=400).')
      const windows = o.has('windows') ? Number(o.get('windows')) : o.has('mlperf') ? 5 : 1
      if (!Number.isInteger(windows) || windows < 1) throw new SegmentSpecError(`windows= must be a whole number ≥ 1, got "${o.get('windows')}".`)
      seg = {
        kind: 'dut-timestamps',
        source: line ? { kind: 'line', line: Number(line[1]), edge: o.has('rising') ? 'rising' : 'falling' } : { kind: 'marks' },
        mlperfRule: o.has('mlperf')
      }
      extra = { inferenceCount: n, timestampWindows: windows }
      break
    }
    default:
      throw new SegmentSpecError(`Unknown segmentation "${method}". Use one of: ${FORMS}`)
  }
  const checked = segmentationSchema.safeParse(seg)
  if (!checked.success) throw new SegmentSpecError(`--segment "${spec}": ${checked.error.issues.map((i) => `${i.path.join('.')} ${i.message}`).join('; ')}`)
  return { segmentation: checked.data, ...extra }
}

/** "A-B" in seconds (the --idle option). */
export function parseWindow(text: string, what: string): { startS: number; endS: number } {
  const range = /^\s*([^-]+?)\s*-\s*(.+?)\s*$/.exec(text)
  if (!range) throw new SegmentSpecError(`${what} "${text}" is not A-B in seconds from the start (e.g. 0.2-0.8).`)
  const startS = seconds(range[1], `${what} start`)
  const endS = seconds(range[2], `${what} end`)
  if (endS <= startS) throw new SegmentSpecError(`${what} "${text}" ends before it starts.`)
  return { startS, endS }
}
