/** Options and argument parsing shared by the probe commands (probe, flash, rtt). */
import { UserError, numberOption, type CliOptions } from '../command'
import { openProbeSession, type ProbeSession } from '../../../probes/probe-session'

export const PROBE_OPTIONS: CliOptions = {
  probe: { type: 'string' },
  clock: { type: 'string' }
}

export const PROBE_HELP = [
  '--probe ID   cmsis-dap:SERIAL, stlink:SERIAL, gdb:[openocd|pyocd|jlink|probe-rs|qemu@]HOST:PORT,',
  '             or the virtual bench: virtual:cmsis-dap, virtual:stlink, virtual:qemu',
  '             (default: the only attached probe)',
  '--clock HZ   SWD clock for USB probes (default 1000000)'
].join('\n')

/** Parses 0x-hex or decimal; names the argument in the error. */
export function parseAddress(text: string | undefined, what: string): number {
  if (text === undefined) throw new UserError(`Missing ${what}.`, 2)
  const n = /^0x[0-9a-f]+$/i.test(text) ? parseInt(text, 16) : /^\d+$/.test(text) ? Number(text) : NaN
  if (!Number.isFinite(n) || n < 0 || n > 0xffffffff) throw new UserError(`${what} must be a number like 0x20000000 or 1024, got "${text}".`, 2)
  return n
}

/** START:SIZE, both hex or decimal. */
export function parseRange(text: string, what: string): { start: number; size: number } {
  const [a, b] = text.split(':')
  return { start: parseAddress(a, `${what} start`), size: parseAddress(b, `${what} size`) }
}

export async function openFromOptions(values: Record<string, unknown>, note: (t: string) => void): Promise<ProbeSession> {
  const id = typeof values.probe === 'string' ? values.probe : undefined
  if (id?.startsWith('virtual')) note(`Starting the virtual bench (${id}): QEMU running the benchmark firmware…`)
  return openProbeSession(id, { clockHz: numberOption(values, 'clock') })
}

export function hex32(n: number): string {
  return `0x${(n >>> 0).toString(16).padStart(8, '0')}`
}
