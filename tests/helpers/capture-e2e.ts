import { writeFileSync } from 'node:fs'
import { zipSync, strToU8 } from 'fflate'
import type { Page } from 'playwright-core'

/**
 * A Nordic .ppk2 file built in the test from the public format facts (a ZIP of session.raw — 6-byte
 * frames of float32 LE µA and a big-endian uint16 of D0–D7 bit pairs, 01 low / 10 high — and
 * metadata.json), with a known signal: 1 mA, 20 mA pulses of 0.1 s every 0.4 s with D0 high, D1
 * toggling every 1000 samples, and 0.1 s of samples missing (NaN) at 1.5 s.
 */
export const PPK2_RATE = 100_000
export const PPK2_N = 200_000
export const PPK2_GAP = { start: 150_000, count: 10_000 }

export const ppk2MicroAmps = (i: number) => (i % 40_000 < 10_000 ? 20_000 : 1_000)
export const ppk2Lines = (i: number) => (i % 40_000 < 10_000 ? 1 : 0) | (Math.floor(i / 1000) % 2 ? 2 : 0)
export const ppk2Missing = (i: number) => i >= PPK2_GAP.start && i < PPK2_GAP.start + PPK2_GAP.count

export function writeSyntheticPpk2(path: string): void {
  const raw = new Uint8Array(PPK2_N * 6)
  const dv = new DataView(raw.buffer)
  for (let i = 0; i < PPK2_N; i++) {
    dv.setFloat32(i * 6, ppk2Missing(i) ? NaN : ppk2MicroAmps(i), true)
    let pairs = 0
    for (let n = 0; n < 8; n++) pairs |= ((ppk2Lines(i) >> n) & 1 ? 2 : 1) << (2 * n)
    dv.setUint16(i * 6 + 4, ppk2Missing(i) ? 0 : pairs, false)
  }
  const zip = zipSync({
    'session.raw': raw,
    'metadata.json': strToU8(JSON.stringify({ metadata: { samplesPerSecond: PPK2_RATE, startSystemTime: Date.UTC(2026, 0, 5, 10, 0, 0) }, formatVersion: 2 }))
  })
  writeFileSync(path, zip)
}

/** Statistics over [fromS, toS] of the synthetic signal, computed here from its definition. */
export function ppk2Truth(fromS: number, toS: number, supplyV: number) {
  const T = 1 / PPK2_RATE
  const a = Math.ceil(fromS / T - 1e-9)
  const b = Math.min(PPK2_N, Math.ceil(toS / T - 1e-9))
  let count = 0
  let sum = 0
  let sumsq = 0
  let min = Infinity
  let max = -Infinity
  for (let i = a; i < b; i++) {
    if (ppk2Missing(i)) continue
    const v = Math.fround(ppk2MicroAmps(i) * 1e-6)
    count++
    sum += v
    sumsq += v * v
    min = Math.min(min, v)
    max = Math.max(max, v)
  }
  const mean = sum / count
  const chargeC = sum * T
  return { count, mean, min, max, sd: Math.sqrt(Math.max(0, sumsq / count - mean * mean)), chargeC, energyJ: chargeC * supplyV, powerW: (chargeC * supplyV) / (count * T), durationS: toS - fromS }
}

const PREFIX: Record<string, number> = { G: 1e9, M: 1e6, k: 1e3, '': 1, m: 1e-3, 'µ': 1e-6, n: 1e-9, p: 1e-12 }

/** "12.35 mA" → 0.01235; what the Capture screen shows, read back as a number in SI units. */
export function parseSi(text: string): number {
  const m = /^(-?[\d.]+(?:e[+-]?\d+)?) ([GMkmµnp]?)([A-Za-z]+)/.exec(text.trim())
  if (!m) throw new Error(`not an SI value: "${text}"`)
  return Number(m[1]) * PREFIX[m[2]]
}

/** The statistics a box on the Capture screen shows, by name, as numbers. */
export async function readStats(page: Page, testid: string): Promise<Record<string, number> & { fromS: number; toS: number }> {
  const box = page.getByTestId(testid)
  const out: Record<string, number> = {
    fromS: Number(await box.getAttribute('data-from-s')),
    toS: Number(await box.getAttribute('data-to-s'))
  }
  for (const dd of await box.locator('dd[data-stat]').all()) {
    const key = (await dd.getAttribute('data-stat'))!
    if (key === 'measured') continue
    out[key] = parseSi((await dd.textContent())!)
  }
  return out as Record<string, number> & { fromS: number; toS: number }
}
