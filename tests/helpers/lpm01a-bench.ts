import type { Gap, Mark, SampleBlock, SampleSink } from '../../src-main/capture/sample-block'
import type { DutSignal } from '../../src-main/virtual-bench/dut-signal'

/** A SampleSink that keeps everything, as a recording would. */
export class RecordingSink implements SampleSink {
  blocks: SampleBlock[] = []
  gaps: Gap[] = []
  marks: Mark[] = []
  warnings: string[] = []

  samples(block: SampleBlock) {
    this.blocks.push(block)
  }
  gap(gap: Gap) {
    this.gaps.push(gap)
  }
  mark(mark: Mark) {
    this.marks.push(mark)
  }
  warning(message: string) {
    this.warnings.push(message)
  }

  get sampleCount(): number {
    return this.blocks.reduce((n, b) => n + b.currentA.length, 0)
  }

  /** Every sample's current in arrival order (gaps not included). */
  currents(): Float64Array {
    const out = new Float64Array(this.sampleCount)
    let at = 0
    for (const b of this.blocks) {
      out.set(b.currentA, at)
      at += b.currentA.length
    }
    return out
  }

  raws(): Uint32Array {
    const out = new Uint32Array(this.sampleCount)
    let at = 0
    for (const b of this.blocks) {
      out.set(b.raw!, at)
      at += b.raw!.length
    }
    return out
  }

  /** Blocks must tile the index line with the gaps, in order, without overlap. */
  checkContiguous(): string | null {
    const spans = [
      ...this.blocks.map((b) => ({ start: b.startIndex, end: b.startIndex + b.currentA.length })),
      ...this.gaps.map((g) => ({ start: g.startIndex, end: g.startIndex + g.count }))
    ].sort((a, b) => a.start - b.start)
    let next = 0
    for (const s of spans) {
      if (s.start !== next) return `span at ${s.start}, expected ${next}`
      next = s.end
    }
    return null
  }
}

/** A DUT drawing a current the test can change, with D7 held high. */
export function settableSignal(initialA: number): DutSignal & { currentA: number } {
  return {
    currentA: initialA,
    render(_t0S, _periodS, currentA, digital) {
      currentA.fill(this.currentA)
      digital.fill(0x80)
    }
  }
}

/**
 * A DUT that draws `highA` inside [start, end) windows and `lowA` outside, pulling D7 low for 100 µs at
 * each window start. Times are computed in whole microseconds so window edges fall on exact sub-samples.
 */
export function windowSignal(windows: Array<[number, number]>, lowA: number, highA: number): DutSignal {
  return {
    render(t0S, periodS, currentA, digital) {
      for (let i = 0; i < currentA.length; i++) {
        const us = Math.round((t0S + i * periodS) * 1e6)
        let high = false
        let pulse = false
        for (const [s, e] of windows) {
          const su = Math.round(s * 1e6)
          if (us >= su && us < Math.round(e * 1e6)) high = true
          if (us >= su && us < su + 100) pulse = true
        }
        currentA[i] = high ? highA : lowA
        digital[i] = pulse ? 0 : 0x80
      }
    }
  }
}
