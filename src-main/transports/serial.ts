import { existsSync } from 'node:fs'
import { SerialPort } from 'serialport'

/**
 * The byte pipe a serial driver talks through. Drivers get one of these already open,
 * so tests and the virtual bench hand them a pseudo-terminal and production hands them a USB CDC port.
 */
export interface SerialTransport {
  readonly path: string
  write(data: Uint8Array | string): Promise<void>
  /** Bytes as they arrive. One listener; setting a new one replaces the old. */
  onData(listener: (chunk: Buffer) => void): void
  /** Called once when the port goes away (unplug, closed by the other end, close()). */
  onClose(listener: (reason: string) => void): void
  /** Discard bytes the OS has buffered but we have not read yet. */
  flush(): Promise<void>
  close(): Promise<void>
  readonly isOpen: boolean
}

export class SerialOpenError extends Error {
  constructor(
    readonly path: string,
    cause: Error
  ) {
    super(serialOpenMessage(path, cause))
    this.name = 'SerialOpenError'
  }
}

function serialOpenMessage(path: string, cause: Error): string {
  const text = cause.message
  if (/permission denied|EACCES/i.test(text)) {
    return `Cannot open ${path}: permission denied. Install Joulebench's udev rules (resources/udev/60-joulebench.rules: sudo cp it to /etc/udev/rules.d/ and run sudo udevadm control --reload && sudo udevadm trigger), or add yourself to the dialout group, then replug the instrument.`
  }
  if (/busy|EBUSY|lock/i.test(text)) {
    return `Cannot open ${path}: the port is busy. Close other programs using it (Power Profiler, STM32CubeMonitor, a serial terminal) and try again.`
  }
  if (/no such file|ENOENT/i.test(text)) {
    return `Cannot open ${path}: no such port. Check the cable and run \`joulebench devices\` to see what is attached.`
  }
  return `Cannot open ${path}: ${text}`
}

/** How long close() waits for the operating system to release the port before going on without it. */
const CLOSE_WAIT_MS = 3000

export async function openSerial(path: string, baudRate = 115200): Promise<SerialTransport> {
  const port = new SerialPort({ path, baudRate, autoOpen: false })
  await new Promise<void>((resolve, reject) => port.open((err) => (err ? reject(new SerialOpenError(path, err)) : resolve())))
  return wrapSerialPort(port)
}

export function wrapSerialPort(port: SerialPort): SerialTransport {
  let dataListener: (chunk: Buffer) => void = () => {}
  const closeListeners: Array<(reason: string) => void> = []
  let closeReason: string | null = null
  const closedBy = (reason: string) => {
    if (closeReason !== null) return
    closeReason = reason
    clearInterval(watchdog)
    if (port.isOpen) port.close()
    for (const l of closeListeners) l(reason)
  }
  // A pulled USB cable removes the device node, and a closed pseudo-terminal removes its link, but the
  // serial binding does not always notice (a pty at hang-up reads 0 bytes forever): watch the path too.
  const watchdog = setInterval(() => {
    if (port.path.startsWith('/') && !existsSync(port.path)) closedBy('device disconnected')
  }, 200)
  watchdog.unref()
  port.on('data', (chunk: Buffer) => dataListener(chunk))
  port.on('error', (err: Error) => closedBy(`port error: ${err.message}`))
  port.on('close', (err: (Error & { disconnected?: boolean }) | null) =>
    closedBy(err?.disconnected ? 'device disconnected' : 'port closed')
  )
  return {
    path: port.path,
    get isOpen() {
      return port.isOpen
    },
    write(data) {
      return new Promise((resolve, reject) => {
        port.write(typeof data === 'string' ? data : Buffer.from(data.buffer, data.byteOffset, data.byteLength), (err) =>
          err ? reject(new Error(`Write to ${port.path} failed: ${err.message}`)) : resolve()
        )
      })
    },
    onData(listener) {
      dataListener = listener
    },
    onClose(listener) {
      if (closeReason !== null) listener(closeReason)
      else closeListeners.push(listener)
    },
    flush() {
      return new Promise((resolve) => port.flush(() => resolve()))
    },
    close() {
      return new Promise((resolve) => {
        clearInterval(watchdog)
        if (!port.isOpen) return resolve()
        // close(2) on a tty can block in the kernel while another process is stuck writing to its
        // other end; the descriptor is released when that ends, but the caller need not wait for it.
        const giveUp = setTimeout(resolve, CLOSE_WAIT_MS)
        port.close(() => {
          clearTimeout(giveUp)
          resolve()
        })
      })
    }
  }
}
