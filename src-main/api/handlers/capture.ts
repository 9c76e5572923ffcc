import { assertNotClaimed } from '../instrument-claims'
import type { HandlerMap } from '../core'

type CaptureMethods = 'capture.start' | 'capture.stop' | 'capture.status' | 'capture.connect' | 'capture.configure' | 'capture.disconnect'

export const captureHandlers: Pick<HandlerMap, CaptureMethods> = {
  'capture.start': async (core, p) => {
    assertNotClaimed(core, p.instrumentId)
    const status = await core.captures.start(p)
    core.emit('recordings.changed', { id: status.recordingId, change: 'added' })
    return status
  },
  'capture.stop': async (core, p) => {
    const info = await core.captures.stop(p.instrumentId)
    core.emit('recordings.changed', { id: info.id, change: 'updated' })
    return info
  },
  'capture.status': (core) => core.captures.status(),
  'capture.connect': (core, p) => {
    assertNotClaimed(core, p.instrumentId)
    return core.captures.connect(p.instrumentId)
  },
  'capture.configure': (core, { instrumentId, ...change }) => core.captures.configure(instrumentId, change),
  'capture.disconnect': async (core, p) => {
    await core.captures.disconnect(p.instrumentId)
    return { instrumentId: p.instrumentId, connected: false as const }
  }
}
