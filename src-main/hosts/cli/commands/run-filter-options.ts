import { RUN_FILTER_KEYS, type RunFilter } from '../../../results/runs-table'
import { UserError } from '../command'

/** `--filter KEY=VALUE` given any number of times: one key's values are alternatives, keys must all match. */
export function parseRunFilters(raw: unknown): RunFilter {
  const items = Array.isArray(raw) ? (raw as string[]) : typeof raw === 'string' ? [raw] : []
  const filter: RunFilter = {}
  for (const item of items) {
    const eq = item.indexOf('=')
    const key = eq > 0 ? item.slice(0, eq).trim() : ''
    const value = eq > 0 ? item.slice(eq + 1).trim() : ''
    if (!key || !value) throw new UserError(`--filter expects KEY=VALUE (e.g. --filter implementation=SIMD), got "${item}".`, 2)
    if (!(RUN_FILTER_KEYS as readonly string[]).includes(key)) throw new UserError(`--filter ${key}=…: runs are filtered by ${RUN_FILTER_KEYS.join(', ')} (tag = a free tag of the plan).`, 2)
    ;(filter[key] ??= []).push(value)
  }
  return filter
}

export function describeRunFilter(filter: RunFilter): string {
  const parts = Object.entries(filter).map(([k, v]) => `${k} ${v.length > 1 ? `∈ {${v.join(', ')}}` : `= ${v[0]}`}`)
  return parts.length ? parts.join(', ') : 'all runs'
}

export const splitFields = (text: unknown): string[] => (typeof text === 'string' ? text.split(',').map((s) => s.trim()).filter(Boolean) : [])
