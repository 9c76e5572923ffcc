import type { SampleSink } from '../capture/sample-block'
import type { PowerAnalyzer } from '../instruments/power-analyzer'

export interface StreamWindowOptions {
  /** Supply voltage to set when the analyzer powers the DUT; null leaves the supply alone. */
  supplyV: number | null
  /** Stop once this many samples (after any the sink chooses to skip) have arrived. */
  samples: number
  /** Give up when samples stop arriving for this long. Default 3 s. */
  stallS?: number
  /** End the window early, without error, on a warning that means no more samples will come (a protection trip). */
  endsOnWarning?: (message: string) => boolean
}

/** One disconnect listener per analyzer (the interface has no way to remove one), dispatching to the window in progress. */
const watchers = new WeakMap<PowerAnalyzer, { gone: string | null; current: ((reason: string) => void) | null }>()

function watch(analyzer: PowerAnalyzer) {
  let w = watchers.get(analyzer)
  if (!w) {
    const entry: { gone: string | null; current: ((reason: string) => void) | null } = { gone: null, current: null }
    analyzer.onDisconnect((reason) => {
      entry.gone = reason
      entry.current?.(reason)
    })
    watchers.set(analyzer, entry)
    w = entry
  }
  return w
}

/**
 * Stream from an analyzer into `sink` until `options.samples` samples have arrived, then stop it.
 * Fails with a message naming the analyzer when it stalls, goes away or refuses to start; the
 * analyzer is stopped in every case it can still be stopped.
 */
export async function streamWindow(analyzer: PowerAnalyzer, sink: SampleSink, options: StreamWindowOptions): Promise<number> {
  const name = `${analyzer.identity.model} (${analyzer.identity.id})`
  const stallMs = (options.stallS ?? 3) * 1000
  let received = 0
  const watcher = watch(analyzer)
  if (watcher.gone) throw new Error(`${name} is disconnected (${watcher.gone}). Reconnect it and try again.`)
  let finish: (err?: Error) => void = () => {}
  watcher.current = (reason) => finish(new Error(`${name} went away (${reason}). Reconnect it and try again.`))
  const streamed = new Promise<void>((resolve, reject) => {
    let timer: NodeJS.Timeout | undefined
    let done = false
    const arm = () => {
      clearTimeout(timer)
      timer = setTimeout(
        () => finish(new Error(`${name} sent ${received} of the ${options.samples} samples asked for, then nothing for ${stallMs / 1000} s. Check its cable, or restart it.`)),
        stallMs
      )
    }
    finish = (err) => {
      if (done) return
      done = true
      clearTimeout(timer)
      if (err) reject(err)
      else resolve()
    }
    const counting: SampleSink = {
      samples(block) {
        if (done) return
        sink.samples(block)
        received += block.currentA.length
        arm()
        if (received >= options.samples) finish()
      },
      gap: (g) => !done && sink.gap(g),
      mark: (m) => !done && sink.mark(m),
      warning: (w) => {
        if (done) return
        sink.warning(w)
        if (options.endsOnWarning?.(w)) finish()
      }
    }
    arm()
    analyzer.start(counting, options.supplyV !== null ? { supplyV: options.supplyV } : {}).catch((e: Error) => finish(new Error(`${name} did not start: ${e.message}`)))
  })
  try {
    await streamed
  } finally {
    watcher.current = null
    if (!watcher.gone) await analyzer.stop().catch(() => {})
  }
  return received
}
