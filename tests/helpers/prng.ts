/**
 * Seeded pseudo-random numbers for fuzz input and noise in tests: the same seed gives the same sequence
 * on every run, so a failure reproduces from its seed. mulberry32 — small, and every test that pinned a
 * seed was written against this exact sequence. Kept apart from the product's own generator so a change
 * there never changes what a test feeds in.
 */
export function prng(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

/** One standard normal draw from two uniforms (Box–Muller). */
export function gaussian(rand: () => number): number {
  const u = Math.max(rand(), 1e-300)
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rand())
}

/** An integer in [lo, hi], both ends included. */
export function randomInt(rand: () => number, lo: number, hi: number): number {
  return lo + Math.floor(rand() * (hi - lo + 1))
}

export function randomBytes(rand: () => number, n: number): Uint8Array {
  const out = new Uint8Array(n)
  for (let i = 0; i < n; i++) out[i] = Math.floor(rand() * 256)
  return out
}

/** A copy of `input` with `edits` random byte replacements, insertions and deletions. */
export function mutate(rand: () => number, input: Uint8Array, edits = 3): Uint8Array {
  const bytes = Array.from(input)
  for (let e = 0; e < edits; e++) {
    const kind = Math.floor(rand() * 3)
    const at = Math.floor(rand() * (bytes.length + 1))
    if (kind === 0 && bytes.length > 0) bytes[Math.min(at, bytes.length - 1)] = Math.floor(rand() * 256)
    else if (kind === 1) bytes.splice(at, 0, Math.floor(rand() * 256))
    else bytes.splice(at, 1)
  }
  return Uint8Array.from(bytes)
}
