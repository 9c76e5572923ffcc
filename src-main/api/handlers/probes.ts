import type { HandlerMap } from '../core'
import { flashThroughProbe, ProgressThrottle } from '../probes/flash-upload'
import { measureKernelLatency } from '../probes/kernel-latency-run'
import { countCycles } from '../probes/cycle-counts'
import { probeSessions } from '../probes/session-manager'

type ProbeMethod =
  | 'probes.list'
  | 'probes.sessions'
  | 'probes.connect'
  | 'probes.disconnect'
  | 'probes.status'
  | 'probes.reset'
  | 'probes.halt'
  | 'probes.resume'
  | 'probes.read'
  | 'probes.flash'
  | 'probes.rtt.start'
  | 'probes.rtt.stop'
  | 'probes.rtt.write'
  | 'probes.cycles'
  | 'probes.kernelLatency'

export const probeHandlers: Pick<HandlerMap, ProbeMethod> = {
  'probes.list': (core) => probeSessions(core).list(),

  'probes.sessions': async (core) => {
    const m = probeSessions(core)
    return { sessions: await Promise.all(m.sessionList().map((s) => m.info(s))) }
  },

  'probes.connect': async (core, p) => {
    const m = probeSessions(core)
    return m.info(await m.connect(p.id, p.clockHz))
  },

  'probes.disconnect': async (core, p) => ({ closed: await probeSessions(core).disconnect(p.sessionId) }),

  'probes.status': (core, p) => {
    const s = probeSessions(core).get(p.sessionId)
    return s.exclusive(() => s.status())
  },

  'probes.reset': (core, p) => {
    const s = probeSessions(core).get(p.sessionId)
    return s.exclusive(async () => {
      if (p.halt) await s.target.resetAndHalt()
      else await s.target.reset()
      return s.status()
    })
  },

  'probes.halt': (core, p) => {
    const s = probeSessions(core).get(p.sessionId)
    return s.exclusive(async () => {
      const reason = await s.target.halt()
      return { ...(await s.status()), reason: reason.kind === 'exited' ? `the program exited with code ${reason.exitCode}` : reason.kind }
    })
  },

  'probes.resume': (core, p) => {
    const s = probeSessions(core).get(p.sessionId)
    return s.exclusive(async () => {
      if (await s.target.isHalted()) await s.target.resume()
      return s.status()
    })
  },

  'probes.read': (core, p) => {
    const s = probeSessions(core).get(p.sessionId)
    return s.exclusive(() =>
      s.withMemory(async () => {
        const bytes = await s.target.readMemory(p.address, p.length)
        // A Node Buffer would cross the wire as JSON numbers: send a plain Uint8Array.
        return { address: p.address, bytes: bytes.constructor === Uint8Array ? bytes : new Uint8Array(bytes) }
      })
    )
  },

  'probes.flash': (core, p) => {
    const m = probeSessions(core)
    const s = m.get(p.sessionId)
    return flashThroughProbe(s, p, core.emit.bind(core), () => m.rtt(p.sessionId).stopAll('The image changed (flash or load): start RTT again once the new firmware runs.'))
  },

  'probes.rtt.start': (core, p) => probeSessions(core).rtt(p.sessionId).start({ channel: p.channel ?? 0, controlBlockAddress: p.controlBlockAddress, scan: p.scan ? { start: p.scan.start, size: p.scan.sizeBytes } : undefined, resume: p.resume !== false }),

  'probes.rtt.stop': (core, p) => ({ stopped: probeSessions(core).rtt(p.sessionId).stop(p.channel) }),

  'probes.rtt.write': (core, p) => probeSessions(core).rtt(p.sessionId).write(p.channel ?? 0, p.text),

  'probes.cycles': (core, p) => countCycles(probeSessions(core).get(p.sessionId), p),

  'probes.kernelLatency': (core, p) => {
    let stop: () => Promise<void> = async () => undefined
    const throttle = new ProgressThrottle((e) => core.emit('probes.progress', e))
    return probeSessions(core).track({ stop: () => stop() }, () =>
      measureKernelLatency({
        board: p.board,
        level: p.level,
        onBoard: (s) => (stop = s),
        progress: (phase, done, total) => throttle.report({ sessionId: null, operation: 'kernel-latency', phase, done, total, fraction: done / total })
      })
    )
  }
}

