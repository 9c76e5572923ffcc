import { CaptureSession } from '../../../capture/capture-session'
import { discoverInstruments } from '../../../instruments/discovery'
import { ANALYZER_FAMILIES, openAnalyzer } from '../../../instruments/analyzers'
import { RecordingStore } from '../../../store/recording-store'
import { VirtualBench } from '../../../virtual-bench/bench'
import { numberOption, UserError, type CliCommand, type CliContext } from '../command'
import { si } from './si-text'

/** The analyzer to use: what the user named, an attached one, or the virtual bench's (and say so). */
async function chooseAnalyzer(ctx: CliContext, requested: string | undefined): Promise<string> {
  const families = ANALYZER_FAMILIES.map((f) => f.family)
  const wantedFamily = requested && !requested.includes(':') ? requested : undefined
  if (requested && requested.includes(':')) return requested
  if (wantedFamily && !families.includes(wantedFamily)) {
    throw new UserError(`Unknown analyzer "${wantedFamily}". Joulebench drives: ${families.join(', ')}.`)
  }
  const found = (await discoverInstruments()).instruments.filter(
    (i) => i.kind === 'power-analyzer' && families.includes(i.family) && (!wantedFamily || i.family === wantedFamily)
  )
  if (found.length === 1) return found[0].id
  if (found.length > 1) {
    throw new UserError(`More than one analyzer is attached (${found.map((i) => i.id).join(', ')}). Choose one with --analyzer ID.`)
  }
  const family = wantedFamily ?? (families.includes('ppk2') ? 'ppk2' : families[0])
  ctx.note(`No ${wantedFamily ?? 'analyzer'} is attached: using the virtual ${family} of the virtual bench.`)
  return `virtual:${family}`
}

export const captureCommand: CliCommand = {
  name: 'capture',
  summary: 'Record current (and digital lines) from an analyzer into the workspace',
  usage: '[--analyzer FAMILY[:PORT]|virtual:FAMILY] [--mode source|ampere] [--voltage V] [--rate HZ] [--duration S] [--reconnect] [--name TEXT]',
  help: [
    'Records for --duration seconds (default 10; Ctrl-C stops early and keeps everything) and prints the recording id,',
    'samples, gaps, lost samples, mean/min/max current, charge and energy. With no analyzer attached it uses the',
    'virtual bench and says so. A pulled cable ends the recording as interrupted, with every sample before it kept;',
    'with --reconnect (PPK2) the capture waits for the unit to come back and resumes into the same recording, with a gap.'
  ].join('\n'),
  options: {
    analyzer: { type: 'string' },
    mode: { type: 'string' },
    voltage: { type: 'string' },
    rate: { type: 'string' },
    duration: { type: 'string' },
    reconnect: { type: 'boolean', default: false },
    name: { type: 'string' }
  },
  async run(ctx, values) {
    const durationS = numberOption(values, 'duration', 10)!
    if (!(durationS > 0)) throw new UserError(`--duration must be more than 0 s, got ${durationS}.`)
    const supplyV = numberOption(values, 'voltage')
    const sampleRateHz = numberOption(values, 'rate')
    const mode = values.mode as string | undefined
    if (mode !== undefined && mode !== 'source' && mode !== 'ampere') throw new UserError(`--mode is source or ampere, got "${mode}".`)
    const id = await chooseAnalyzer(ctx, values.analyzer as string | undefined)

    const db = ctx.workspace()
    const bench = new VirtualBench()
    const opened = await openAnalyzer(id, { supplyV, sampleRateHz, mode, reconnect: values.reconnect === true }, bench)
    let session: CaptureSession
    try {
      session = await CaptureSession.start(db, opened.analyzer, {
        ...opened.recordingFormat,
        supplyV,
        name: (values.name as string | undefined) ?? `${opened.identity.model} capture`
      })
    } catch (e) {
      await opened.close()
      await bench.close()
      throw e
    }
    session.on('warning', (w: { message?: string } | string) => ctx.note(`warning: ${typeof w === 'string' ? w : w.message}`))
    ctx.note(`Recording from ${opened.identity.model}${opened.identity.virtual ? ' (virtual)' : ''} for ${durationS} s…`)
    const ended = new Promise<'timer' | 'signal' | 'device'>((resolve) => {
      const timer = setTimeout(() => resolve('timer'), durationS * 1000)
      const onSignal = () => resolve('signal')
      process.once('SIGINT', onSignal)
      session.on('state', (s: string) => {
        if (s === 'interrupted') {
          clearTimeout(timer)
          resolve('device')
        }
      })
    })
    // After an unplug the session has already closed the recording as interrupted; stop() returns it.
    await ended
    const info = await session.stop()
    await opened.close()
    await bench.close()

    const store = RecordingStore.open(db, ctx.dbPath)
    const s = store.stats(info.id)
    const p = session.progress()
    const doc = {
      recording: { id: info.id, uuid: info.uuid, name: info.name, state: info.state },
      analyzer: opened.identity,
      samples: s.count,
      gaps: store.gaps(info.id).length,
      lostSamples: s.gapSamples,
      lostToBackpressure: p.lostToBackpressure,
      durationS: s.durationS,
      currentA: s.currentA,
      chargeC: s.chargeC,
      energyJ: s.energyJ,
      averagePowerW: s.averagePowerW
    }
    ctx.report(doc, () =>
      [
        `Recording ${info.id} (${info.state}) from ${opened.identity.id}`,
        `  samples    ${s.count}  gaps ${doc.gaps}  lost samples ${s.gapSamples}`,
        `  current    mean ${si(s.currentA.mean, 'A')}  min ${si(s.currentA.min, 'A')}  max ${si(s.currentA.max, 'A')}`,
        `  charge     ${si(s.chargeC, 'C')}   energy ${si(s.energyJ, 'J')}`
      ].join('\n')
    )
    return info.state === 'interrupted' ? 1 : 0
  }
}
