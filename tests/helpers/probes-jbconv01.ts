/**
 * An independent TypeScript model of the firmware's jbconv01 network, written from the description in
 * resources/firmware/src/model.h and kernels.h (not from the C code): the expected `m-results` values.
 */

function xorshift32(state: { x: number }): number {
  let x = state.x
  x ^= x << 13
  x >>>= 0
  x ^= x >>> 17
  x ^= x << 5
  x >>>= 0
  state.x = x
  return x
}

const toInt8 = (v: number) => ((v & 0xff) << 24) >> 24

function requantise(acc: number, r: number): number {
  const v = r > 0 ? Math.floor((acc + 2 ** (r - 1)) / 2 ** r) : acc
  return Math.max(-128, Math.min(127, v))
}

export function jbconv01(input: Uint8Array): number[] {
  const st = { x: 0x4a420001 }
  const weights = (n: number) => Array.from({ length: n }, () => toInt8(xorshift32(st) >>> 24) >> 2)
  const biases = (n: number) => Array.from({ length: n }, () => toInt8(xorshift32(st) >>> 24))
  const w1 = weights(8 * 3 * 3 * 3)
  const b1 = biases(8)
  const w2 = weights(3 * 3 * 8)
  const b2 = biases(8)
  const w3 = weights(8 * 8)
  const b3 = biases(8)

  const x = Array.from({ length: 16 * 16 * 3 }, (_, i) => (input[i] ?? 0) - 128)
  // Standard 3x3, 3 -> 8, weights [co][ky][kx][ci], 16x16 -> 14x14, r = 7.
  const a1: number[] = []
  for (let y = 0; y < 14; y++)
    for (let xx = 0; xx < 14; xx++)
      for (let co = 0; co < 8; co++) {
        let acc = b1[co]
        for (let ky = 0; ky < 3; ky++)
          for (let kx = 0; kx < 3; kx++)
            for (let ci = 0; ci < 3; ci++) acc += x[((y + ky) * 16 + xx + kx) * 3 + ci] * w1[((co * 3 + ky) * 3 + kx) * 3 + ci]
        a1[(y * 14 + xx) * 8 + co] = requantise(acc, 7)
      }
  // Depthwise 3x3 on 8 channels, weights [ky][kx][c], 14x14 -> 12x12, r = 6.
  const a2: number[] = []
  for (let y = 0; y < 12; y++)
    for (let xx = 0; xx < 12; xx++)
      for (let c = 0; c < 8; c++) {
        let acc = b2[c]
        for (let ky = 0; ky < 3; ky++) for (let kx = 0; kx < 3; kx++) acc += a1[((y + ky) * 14 + xx + kx) * 8 + c] * w2[(ky * 3 + kx) * 8 + c]
        a2[(y * 12 + xx) * 8 + c] = requantise(acc, 6)
      }
  // Shift (channel c moves by ((c%9)/3-1, (c%9)%3-1), zero fill) then pointwise 8 -> 8, r = 6.
  const a3: number[] = []
  for (let y = 0; y < 12; y++)
    for (let xx = 0; xx < 12; xx++)
      for (let co = 0; co < 8; co++) {
        let acc = b3[co]
        for (let ci = 0; ci < 8; ci++) {
          const g = ci % 9
          const sy = y + Math.floor(g / 3) - 1
          const sx = xx + (g % 3) - 1
          const v = sy >= 0 && sy < 12 && sx >= 0 && sx < 12 ? a2[(sy * 12 + sx) * 8 + ci] : 0
          acc += v * w3[co * 8 + ci]
        }
        a3[(y * 12 + xx) * 8 + co] = requantise(acc, 6)
      }
  // Global average pool, truncated toward zero.
  return Array.from({ length: 8 }, (_, c) => {
    let sum = 0
    for (let p = 0; p < 144; p++) sum += a3[p * 8 + c]
    return Math.trunc(sum / 144) + 0 // + 0 turns -0 into 0
  })
}
