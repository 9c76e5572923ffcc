import { describe, expect, it } from 'vitest'
import { latestOnly } from '../../src-renderer/src/lib/latest'
import { timeTicks } from '../../src-renderer/src/lib/time-ticks'

describe('latestOnly: one view request in flight, only the newest waiting one next', () => {
  it('drops requests overtaken while one is answered, and applies answers in order', async () => {
    const started: number[] = []
    const applied: number[] = []
    const answers: Array<() => void> = []
    const run = latestOnly(
      (n: number) =>
        new Promise<number>((resolve) => {
          started.push(n)
          answers.push(() => resolve(n * 10))
        }),
      (r, n) => applied.push(r + n)
    )
    run(1)
    run(2)
    run(3)
    run(4) // 2 and 3 are overtaken before 1 is answered
    expect(started).toEqual([1])
    answers.shift()!()
    await new Promise((r) => setTimeout(r, 0))
    expect(applied).toEqual([11])
    expect(started).toEqual([1, 4])
    answers.shift()!()
    await new Promise((r) => setTimeout(r, 0))
    expect(applied).toEqual([11, 44])
    run(5)
    expect(started).toEqual([1, 4, 5])
  })

  it('reports a failed request and keeps going', async () => {
    const errors: string[] = []
    let calls = 0
    const run = latestOnly(
      async (n: number) => {
        calls++
        if (n === 1) throw new Error('no such recording')
        return n
      },
      () => {},
      (e) => errors.push(e.message)
    )
    run(1)
    await new Promise((r) => setTimeout(r, 0))
    run(2)
    await new Promise((r) => setTimeout(r, 0))
    expect(errors).toEqual(['no such recording'])
    expect(calls).toBe(2)
  })
})

describe('time-axis labels', () => {
  it('uses one prefix and the decimals the step needs', () => {
    expect(timeTicks([0, 0.25, 0.5, 0.75, 1])).toEqual(['0.00 s', '0.25 s', '0.50 s', '0.75 s', '1.00 s'])
    expect(timeTicks([0.1, 0.2, 0.3])).toEqual(['100 ms', '200 ms', '300 ms'])
    expect(timeTicks([1.5e-4, 2e-4, 2.5e-4])).toEqual(['150 µs', '200 µs', '250 µs'])
    expect(timeTicks([12.0005, 12.001])).toEqual(['12.0005 s', '12.0010 s'])
    expect(timeTicks([0, 20, 40])).toEqual(['0 s', '20 s', '40 s'])
    expect(timeTicks([])).toEqual([])
  })
})
