/**
 * Answers GDB File-I/O requests (`F` packets), which is how a stub forwards the target's semihosting
 * calls to the debugger: writes to stdout/stderr and reads from stdin are served; files, time and
 * system() are refused with EPERM — benchmark firmware has no business with the host's files.
 */
import { FileIoErrno, type FileIoArg } from './stop-reply'
import type { SemihostingIo } from './gdb-client'

export interface FileIoContext {
  readMemory(address: number, length: number): Promise<Uint8Array>
  writeMemory(address: number, data: Uint8Array): Promise<void>
  io: SemihostingIo
}

const fail = (errno: number) => `F-1,${errno.toString(16)}`

/** The `F` reply payload for one request (`Fretcode[,errno]`). */
export async function answerFileIo(call: string, args: FileIoArg[], ctx: FileIoContext): Promise<string> {
  const num = (i: number) => {
    const a = args[i]
    return a && 'value' in a ? a.value : 0
  }
  switch (call) {
    case 'write': {
      const [fd, pointer, length] = [num(0), num(1), num(2)]
      if (fd !== 1 && fd !== 2) return fail(FileIoErrno.EBADF)
      ctx.io.write(fd, length > 0 ? await ctx.readMemory(pointer, length) : new Uint8Array(0))
      return `F${length.toString(16)}`
    }
    case 'read': {
      const [fd, pointer, length] = [num(0), num(1), num(2)]
      if (fd !== 0) return fail(FileIoErrno.EBADF)
      const data = (ctx.io.read?.(length) ?? new Uint8Array(0)).subarray(0, length)
      if (data.length > 0) await ctx.writeMemory(pointer, data)
      return `F${data.length.toString(16)}`
    }
    case 'isatty':
      return num(0) <= 2 ? 'F1' : `F0,${FileIoErrno.EBADF.toString(16)}`
    case 'close':
      return num(0) <= 2 ? 'F0' : fail(FileIoErrno.EBADF)
    default:
      return fail(FileIoErrno.EPERM)
  }
}
