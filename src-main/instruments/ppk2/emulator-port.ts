import { closeSync, constants, createWriteStream, openSync } from 'node:fs'
import tty from 'node:tty'

/**
 * The device end of a pseudo-terminal for an emulator, through Node's own streams rather than the
 * `serialport` binding. Under a steady 0.4–8 MB/s of writes while also reading commands, writes through
 * the binding were seen to stall for good on a pty (its poller stops waiting for "writable"); a blocking
 * write on libuv's thread pool simply waits for room. The host end stays on `serialport`, as in
 * production. Reading and writing use two descriptors so each has its own handle.
 */
export interface DevicePort {
  readonly path: string
  /** Resolves once the bytes are handed to the pty (with backpressure when the host reads slowly). */
  write(data: Uint8Array | string): Promise<void>
  onData(listener: (chunk: Buffer) => void): void
  close(): Promise<void>
}

export function openDevicePort(path: string): DevicePort {
  const flags = constants.O_RDWR | constants.O_NOCTTY
  const readFd = openSync(path, flags)
  let writeFd: number
  try {
    writeFd = openSync(path, flags)
  } catch (err) {
    closeSync(readFd)
    throw err
  }
  const input = new tty.ReadStream(readFd)
  input.setRawMode(true)
  // Not tty.WriteStream: it makes writes synchronous, which stalls the whole process while the host
  // (often in the same process) has not read yet. A file stream writes from libuv's thread pool instead.
  const output = createWriteStream('', { fd: writeFd })
  let listener: (chunk: Buffer) => void = () => {}
  let closed = false
  input.on('data', (chunk: Buffer) => listener(chunk))
  // A hang-up when the pair goes away is expected: the emulator is closing.
  input.on('error', () => {})
  output.on('error', () => {})
  return {
    path,
    write(data) {
      if (closed) return Promise.resolve()
      return new Promise((resolve) => {
        output.write(typeof data === 'string' ? data : Buffer.from(data.buffer, data.byteOffset, data.byteLength), () => resolve())
      })
    },
    onData(l) {
      listener = l
    },
    async close() {
      if (closed) return
      closed = true
      input.destroy()
      output.destroy()
    }
  }
}
