/**
 * Latency against MACs for the convolution kernels of the benchmark firmware: times every kernel call
 * the selftest makes (it runs the case table `jb_bench_cases`), reads each call's shape from its first
 * argument, computes the theoretical MACs from the shape, and fits count = intercept + slope × MACs per
 * kernel kind.
 */
import type { ElfFile } from '../elf/elf-file'
import { CoreRegister, type DebugTarget } from '../debug-target'
import { timeNextCall } from './region-timing'

export type KernelKind = 'standard' | 'depthwise' | 'shift-pointwise'

/** The firmware's jb_conv_shape_t (resources/firmware/src/kernels.h), 12 bytes. */
export interface ConvShape {
  h: number
  w: number
  cin: number
  cout: number
  k: number
  rshift: number
}

export const KERNEL_SYMBOLS: Record<KernelKind, string> = {
  standard: 'jb_conv_std_s8',
  depthwise: 'jb_conv_dw_s8',
  'shift-pointwise': 'jb_conv_shift_pw_s8'
}

export function decodeConvShape(bytes: Uint8Array): ConvShape {
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  return { h: v.getUint16(0, true), w: v.getUint16(2, true), cin: v.getUint16(4, true), cout: v.getUint16(6, true), k: bytes[8], rshift: bytes[9] }
}

/** Theoretical multiply-accumulates of one call (stride 1, no padding; the shift stage costs none). */
export function convMacs(kind: KernelKind, s: ConvShape): number {
  const ho = s.h - s.k + 1
  const wo = s.w - s.k + 1
  switch (kind) {
    case 'standard':
      return ho * wo * s.cout * s.k * s.k * s.cin
    case 'depthwise':
      return ho * wo * s.cin * s.k * s.k
    case 'shift-pointwise':
      return s.h * s.w * s.cout * s.cin
  }
}

export interface KernelCallTiming {
  kind: KernelKind
  shape: ConvShape
  macs: number
  count: number
  unit: 'cycles' | 'instructions'
}

export interface LineFit {
  intercept: number
  slope: number
  /** Coefficient of determination. */
  r2: number
  points: number
}

export function fitLine(xs: number[], ys: number[]): LineFit {
  const n = xs.length
  const mx = xs.reduce((a, b) => a + b, 0) / n
  const my = ys.reduce((a, b) => a + b, 0) / n
  let sxx = 0
  let sxy = 0
  let syy = 0
  for (let i = 0; i < n; i++) {
    sxx += (xs[i] - mx) ** 2
    sxy += (xs[i] - mx) * (ys[i] - my)
    syy += (ys[i] - my) ** 2
  }
  const slope = sxx === 0 ? 0 : sxy / sxx
  return { slope, intercept: my - slope * mx, r2: syy === 0 ? 1 : (sxy * sxy) / (sxx * syy), points: n }
}

/**
 * Runs the halted selftest firmware from its current point until `stopSymbol` (a checkpoint after the
 * cases), timing every kernel call on the way.
 */
export async function timeKernelCalls(target: DebugTarget, elf: ElfFile, options: { stopSymbol?: string; timeoutS?: number } = {}): Promise<KernelCallTiming[]> {
  const counter = await target.cycleCounter()
  if (!counter) throw new Error(`${target.description} has no working cycle counter (no DWT_CYCCNT, or QEMU without instruction counting).`)
  await counter.start()
  const entries = new Map<number, KernelKind>()
  for (const [kind, symbol] of Object.entries(KERNEL_SYMBOLS) as Array<[KernelKind, string]>) entries.set(elf.address(symbol), kind)
  const stop = elf.address(options.stopSymbol ?? 'jb_checkpoint')
  const results: KernelCallTiming[] = []
  for (const a of entries.keys()) await target.setBreakpoint(a)
  await target.setBreakpoint(stop)
  try {
    for (;;) {
      await target.resume()
      const reason = await target.waitForHalt(options.timeoutS ?? 60)
      if (reason.kind !== 'breakpoint') throw new Error(`The core stopped unexpectedly on ${target.description} (${reason.kind}) while timing kernels.`)
      if (reason.pc === stop) {
        // The checkpoint before the cases (stage 1) is not the end; stop at any later one.
        if ((await target.readRegister(CoreRegister.r0)) >= 2) break
        continue
      }
      const kind = entries.get(reason.pc)
      if (!kind) continue
      // Other kernel breakpoints must not fire inside this call (they do not nest, but be safe).
      for (const a of entries.keys()) await target.clearBreakpoint(a)
      const timing = await timeNextCall(target, counter, reason.pc, { alreadyAtEntry: true, timeoutS: options.timeoutS })
      for (const a of entries.keys()) await target.setBreakpoint(a)
      const shape = decodeConvShape(await target.readMemory(timing.args[0], 12))
      results.push({ kind, shape, macs: convMacs(kind, shape), count: timing.count, unit: timing.unit })
    }
  } finally {
    for (const a of entries.keys()) await target.clearBreakpoint(a).catch(() => undefined)
    await target.clearBreakpoint(stop).catch(() => undefined)
  }
  return results
}

export function fitByKind(calls: KernelCallTiming[]): Map<KernelKind, LineFit> {
  const fits = new Map<KernelKind, LineFit>()
  for (const kind of Object.keys(KERNEL_SYMBOLS) as KernelKind[]) {
    const mine = calls.filter((c) => c.kind === kind)
    if (mine.length >= 2) fits.set(kind, fitLine(mine.map((c) => c.macs), mine.map((c) => c.count)))
  }
  return fits
}
