import type { Gap, Mark, SampleBlock, SampleSink } from '../../src-main/capture/sample-block'

/** Collects what a driver emits and checks it arrives in sample order without overlaps. */
export class CollectingSink implements SampleSink {
  readonly blocks: SampleBlock[] = []
  readonly gaps: Gap[] = []
  readonly marks: Mark[] = []
  readonly warnings: string[] = []
  /** Index of the next slot expected (samples and gaps must tile the timeline). */
  next = 0
  disorder: string[] = []

  samples(block: SampleBlock): void {
    if (block.startIndex !== this.next) this.disorder.push(`block at ${block.startIndex}, expected ${this.next}`)
    if (block.raw && block.raw.length !== block.currentA.length) this.disorder.push('raw and current differ in length')
    this.blocks.push(block)
    this.next = block.startIndex + block.currentA.length
  }

  gap(gap: Gap): void {
    if (gap.startIndex !== this.next) this.disorder.push(`gap at ${gap.startIndex}, expected ${this.next}`)
    this.gaps.push(gap)
    this.next = gap.startIndex + gap.count
  }

  mark(mark: Mark): void {
    this.marks.push(mark)
  }

  warning(message: string): void {
    this.warnings.push(message)
  }

  get sampleCount(): number {
    return this.blocks.reduce((n, b) => n + b.currentA.length, 0)
  }

  get lostCount(): number {
    return this.gaps.reduce((n, g) => n + g.count, 0)
  }

  /** Every delivered sample as [index, raw word, current]. */
  *entries(): Generator<[number, number, number]> {
    for (const b of this.blocks) for (let k = 0; k < b.currentA.length; k++) yield [b.startIndex + k, b.raw![k], b.currentA[k]]
  }
}

/** A bench clock running `factor` times faster than real time, shared by emulator and driver. */
export function fastClock(factor: number): { nowS(): number } {
  const start = performance.now()
  return { nowS: () => ((performance.now() - start) / 1000) * factor }
}

export function waitFor(condition: () => boolean, timeoutMs = 20_000): Promise<void> {
  const deadline = performance.now() + timeoutMs
  return new Promise((resolve, reject) => {
    const poll = () => {
      if (condition()) resolve()
      else if (performance.now() > deadline) reject(new Error('condition not met in time'))
      else setTimeout(poll, 5)
    }
    poll()
  })
}
