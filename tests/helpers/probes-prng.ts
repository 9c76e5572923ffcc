/** Seeded PRNG (mulberry32) for the probes fuzz tests: failures reproduce from the seed. */
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

export function randomBytes(rand: () => number, n: number): Uint8Array {
  const out = new Uint8Array(n)
  for (let i = 0; i < n; i++) out[i] = Math.floor(rand() * 256)
  return out
}

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
