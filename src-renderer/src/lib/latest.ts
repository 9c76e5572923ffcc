/**
 * Runs an async request so that at most one is in flight and only the newest waiting one runs next:
 * zooming, panning and live refreshes ask faster than answers come, and stale answers are worth nothing.
 */
export function latestOnly<A extends unknown[], R>(
  request: (...args: A) => Promise<R>,
  apply: (result: R, ...args: A) => void,
  fail: (error: Error) => void = () => {}
): (...args: A) => void {
  let running = false
  let waiting: A | null = null
  const run = async (args: A): Promise<void> => {
    running = true
    try {
      apply(await request(...args), ...args)
    } catch (e) {
      fail(e as Error)
    } finally {
      running = false
      if (waiting) {
        const next = waiting
        waiting = null
        void run(next)
      }
    }
  }
  return (...args: A) => {
    if (running) waiting = args
    else void run(args)
  }
}
