/**
 * Seeded pseudo-random numbers (mulberry32) for everything on the bench that must repeat exactly from
 * a seed: emulator noise, injected garbage, a plan's filler input. Small and fast; not for secrets.
 */
export function seededUniform(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

/** `count` bytes from the same generator: the low byte of each 32-bit draw. */
export function seededBytes(count: number, seed: number): Uint8Array {
  const uniform = seededUniform(seed)
  const out = new Uint8Array(count)
  for (let i = 0; i < count; i++) out[i] = (uniform() * 4294967296) & 0xff
  return out
}
