/**
 * What an instrument panel can change on a power analyzer between and during captures: the PPK2's
 * source/ampere mode, supply voltage, DUT power, host-side spike filter and per-range user gains. Each
 * setting is optional, so an analyzer exposes only the ones it has (capabilities say which, with limits).
 */
export type InstrumentMode = 'source' | 'ampere'

export interface SpikeFilterSettings {
  /** Samples after a range switch that take the running average instead of the reading. */
  samples: number
  /** Weight of a new sample in the average used for the lower ranges. */
  alpha: number
  /** Weight of a new sample in the average used for the highest range. */
  alphaHighRange: number
}

export interface InstrumentSettings {
  mode?: InstrumentMode
  /** Supply voltage the analyzer sets (source mode) or assumes (ampere mode), volts. */
  supplyV?: number
  dutPower?: boolean
  spikeFilter?: SpikeFilterSettings
  /** Correction factor per current range, in the order of capabilities.userGains.ranges. */
  userGains?: number[]
}

export interface Interval {
  min: number
  max: number
}

export interface InstrumentCapabilities {
  modes: InstrumentMode[]
  supplyV: Interval | null
  dutPower: boolean
  spikeFilter: { samples: Interval; alpha: Interval; alphaHighRange: Interval } | null
  userGains: { ranges: string[]; limits: Interval } | null
}

export interface InstrumentControls {
  readonly capabilities: InstrumentCapabilities
  settings(): InstrumentSettings
  /** Applies the given settings (others stay as they are). Rejects with a message naming the device. */
  configure(change: InstrumentSettings): Promise<void>
}

export const NO_CONTROLS: InstrumentCapabilities = { modes: [], supplyV: null, dutPower: false, spikeFilter: null, userGains: null }

/**
 * Checks a change against the capabilities before it reaches a driver, so a panel or a script that asks
 * for 7 V on a 5-V analyzer gets a sentence, not a device in an odd state. Returns the problems found.
 */
export function checkSettings(device: string, caps: InstrumentCapabilities, change: InstrumentSettings): string[] {
  const out: string[] = []
  const within = (what: string, v: number, r: Interval, unit = '') => {
    if (!(v >= r.min && v <= r.max)) out.push(`${device}: ${what} must be from ${r.min}${unit} to ${r.max}${unit}, got ${v}${unit}.`)
  }
  if (change.mode !== undefined && !caps.modes.includes(change.mode)) {
    out.push(`${device} has no ${change.mode}-meter mode${caps.modes.length ? ` (it offers ${caps.modes.join(', ')})` : ''}.`)
  }
  if (change.supplyV !== undefined) {
    if (!caps.supplyV) out.push(`${device} does not set a supply voltage.`)
    else within('the supply voltage', change.supplyV, caps.supplyV, ' V')
  }
  if (change.dutPower !== undefined && !caps.dutPower) out.push(`${device} cannot switch the DUT's power.`)
  if (change.spikeFilter !== undefined) {
    const f = caps.spikeFilter
    if (!f) out.push(`${device} has no spike filter.`)
    else {
      within('the spike filter length', change.spikeFilter.samples, f.samples, ' samples')
      if (!Number.isInteger(change.spikeFilter.samples)) out.push(`${device}: the spike filter length is a whole number of samples.`)
      within('the spike filter weight', change.spikeFilter.alpha, f.alpha)
      within('the high-range spike filter weight', change.spikeFilter.alphaHighRange, f.alphaHighRange)
    }
  }
  if (change.userGains !== undefined) {
    const g = caps.userGains
    if (!g) out.push(`${device} has no user gains.`)
    else {
      if (change.userGains.length !== g.ranges.length) out.push(`${device}: give one user gain per range (${g.ranges.length}), got ${change.userGains.length}.`)
      change.userGains.forEach((v, i) => within(`the user gain of range ${g.ranges[i] ?? i}`, v, g.limits))
    }
  }
  return out
}

/**
 * How the panel reaches each family's settings: drivers keep their own method names (setSupplyMv,
 * setDutPower …); an adapter per family turns them into InstrumentControls. Families without one show
 * no settings.
 */
export type ControlsAdapter<A = unknown> = (analyzer: A) => InstrumentControls | null

const adapters = new Map<string, ControlsAdapter>()

export function registerInstrumentControls<A>(family: string, adapter: ControlsAdapter<A>): void {
  adapters.set(family, adapter as ControlsAdapter)
}

export function controlsFor(family: string, analyzer: unknown): InstrumentControls | null {
  return adapters.get(family)?.(analyzer) ?? null
}
