/** Replies a GDB stub sends while or after the target runs: stop reasons, exits, console output, File-I/O. */
import { hexToBytes, hexToText } from './rsp-codec'

export type StopReply =
  | {
      kind: 'stopped'
      signal: number
      /** Registers the stub sent along (number → little-endian bytes). */
      registers: Map<number, Uint8Array>
      /** `swbreak`, `hwbreak`, `watch`, … when the stub says why. */
      reason: string | undefined
      thread: string | undefined
    }
  | { kind: 'exited'; exitCode: number }
  | { kind: 'terminated'; signal: number }
  | { kind: 'output'; text: string }
  | { kind: 'file-io'; call: string; args: FileIoArg[] }

/** A File-I/O argument: a number, or a pointer/length pair for strings (`path`, `ptr/len`). */
export type FileIoArg = { value: number } | { pointer: number; length: number }

export class StopReplyError extends Error {
  constructor(
    readonly reply: string,
    detail: string
  ) {
    super(`Unexpected stop reply "${reply.slice(0, 60)}": ${detail}`)
    this.name = 'StopReplyError'
  }
}

const SIGTRAP = 5

function hexNumber(text: string, reply: string, what: string): number {
  if (!/^[0-9a-fA-F]+$/.test(text)) throw new StopReplyError(reply, `${what} "${text}" is not hex`)
  return parseInt(text, 16)
}

/** Parses one stop-reply payload. Throws StopReplyError (typed, with the reply) on malformed input. */
export function parseStopReply(reply: string): StopReply {
  const head = reply[0]
  const rest = reply.slice(1)
  switch (head) {
    case 'S':
      return { kind: 'stopped', signal: hexNumber(rest.slice(0, 2), reply, 'signal'), registers: new Map(), reason: undefined, thread: undefined }
    case 'T': {
      const signal = hexNumber(rest.slice(0, 2), reply, 'signal')
      const registers = new Map<number, Uint8Array>()
      let reason: string | undefined
      let thread: string | undefined
      for (const pair of rest.slice(2).split(';')) {
        if (pair === '') continue
        const colon = pair.indexOf(':')
        const key = colon < 0 ? pair : pair.slice(0, colon)
        const value = colon < 0 ? '' : pair.slice(colon + 1)
        if (/^[0-9a-fA-F]+$/.test(key)) {
          const bytes = hexToBytes(value)
          if (!bytes) throw new StopReplyError(reply, `register ${key} value "${value}" is not hex bytes`)
          registers.set(parseInt(key, 16), bytes)
        } else if (key === 'thread') {
          thread = value
        } else if (['swbreak', 'hwbreak', 'watch', 'rwatch', 'awatch', 'library', 'replaylog', 'exec', 'fork', 'vfork', 'create'].includes(key)) {
          reason ??= key
        }
        // Other keys are extensions we do not use; the protocol says to ignore them.
      }
      return { kind: 'stopped', signal, registers, reason, thread }
    }
    case 'W':
      return { kind: 'exited', exitCode: hexNumber(rest.split(';')[0], reply, 'exit status') }
    case 'X':
      return { kind: 'terminated', signal: hexNumber(rest.split(';')[0], reply, 'signal') }
    case 'O': {
      const text = hexToText(rest)
      if (text === undefined) throw new StopReplyError(reply, 'console output is not hex')
      return { kind: 'output', text }
    }
    case 'F': {
      const [call, ...params] = rest.split(',')
      if (!call || !/^[a-z_]+$/.test(call)) throw new StopReplyError(reply, 'File-I/O call name missing')
      const args: FileIoArg[] = params.map((p) => {
        const slash = p.indexOf('/')
        if (slash >= 0) return { pointer: hexNumber(p.slice(0, slash), reply, 'pointer'), length: hexNumber(p.slice(slash + 1), reply, 'length') }
        return { value: hexNumber(p, reply, 'argument') }
      })
      return { kind: 'file-io', call, args }
    }
    default:
      throw new StopReplyError(reply, 'expected S, T, W, X, O or F')
  }
}

export function isBreakpointStop(reply: StopReply): boolean {
  return reply.kind === 'stopped' && reply.signal === SIGTRAP
}

/** GDB File-I/O errno values (the protocol's own numbering, not the host's). */
export const FileIoErrno = {
  EPERM: 1,
  ENOENT: 2,
  EINTR: 4,
  EBADF: 9,
  EACCES: 13,
  EFAULT: 14,
  EBUSY: 16,
  EINVAL: 22,
  ESPIPE: 29,
  ENAMETOOLONG: 91,
  EUNKNOWN: 9999
} as const
