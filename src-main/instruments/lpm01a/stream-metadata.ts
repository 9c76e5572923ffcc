/**
 * What the board interleaves with samples during an acquisition, in both formats (encoders: the
 * emulator and tests use them; the decoder lives in stream-decoder.ts).
 *
 * bin_hexa frames (zissis-pap/x-nucleo-lpm01a-gui core/data_parser.py, Zephyr's PowerShield.py):
 *   F0 F1 <ascii> FF FF           error message
 *   F0 F2 <ascii> FF FF           info message
 *   F0 F3 <u32 BE ms> <u8 %> FF FF timestamp and transmit-buffer fill; bit 31 of ms = buffer overflowed
 *   F0 F4 FF FF                   end of acquisition
 *   F0 F5 FF FF                   overcurrent
 *   F0 F6 FF FF                   target powered down
 *   F0 F7 <u16 BE mV> FF FF       voltage
 * ascii_dec lines (mlcommons/tiny runner, LPM01A-lib): `TimeStamp: 001s 000ms, buff 00%`, `event <n> ris`,
 * `end`, and `error …` lines.
 *
 * Judgment (not in the public sources): in bin_hexa, D7 events travel as info frames with the same text
 * as the ascii line (`event <n> ris`); overflow, overcurrent and power-down messages are recognised by
 * their wording (classifyStreamMessage), since their exact ascii_dec text is not published.
 */
import { FRAME_END, FRAME_START, FrameType, TIMESTAMP_OVERFLOW_BIT } from './protocol'

const TERMINATOR = [FRAME_END, FRAME_END]

export function encodeTimestampFrame(timeMs: number, bufferPercent: number, overflow = false): Uint8Array {
  const ms = ((timeMs & 0x7fff_ffff) | (overflow ? TIMESTAMP_OVERFLOW_BIT : 0)) >>> 0
  return Uint8Array.from([
    FRAME_START,
    FrameType.timestamp,
    ms >>> 24,
    (ms >>> 16) & 0xff,
    (ms >>> 8) & 0xff,
    ms & 0xff,
    Math.max(0, Math.min(100, Math.round(bufferPercent))),
    ...TERMINATOR
  ])
}

export function encodeFlagFrame(type: typeof FrameType.end | typeof FrameType.overcurrent | typeof FrameType.targetPoweredDown): Uint8Array {
  return Uint8Array.from([FRAME_START, type, ...TERMINATOR])
}

export function encodeVoltageFrame(voltageV: number): Uint8Array {
  const mv = Math.max(0, Math.min(0xffff, Math.round(voltageV * 1000)))
  return Uint8Array.from([FRAME_START, FrameType.voltage, mv >>> 8, mv & 0xff, ...TERMINATOR])
}

/** Error or info text frame; the text is ASCII and must not contain 0xFF (it would end the frame). */
export function encodeTextFrame(type: typeof FrameType.error | typeof FrameType.info, text: string): Uint8Array {
  const body = Array.from(text, (c) => c.charCodeAt(0) & 0x7f)
  return Uint8Array.from([FRAME_START, type, ...body, ...TERMINATOR])
}

/** `TimeStamp: 001s 000ms, buff 00%` — the exact shape the MLCommons runner matches. */
export function formatTimestampLine(timeMs: number, bufferPercent: number): string {
  const s = Math.floor(timeMs / 1000)
  const ms = timeMs % 1000
  const pct = Math.max(0, Math.min(99, Math.round(bufferPercent)))
  return `TimeStamp: ${String(s).padStart(3, '0')}s ${String(ms).padStart(3, '0')}ms, buff ${String(pct).padStart(2, '0')}%\r\n`
}

export const TIMESTAMP_LINE = /^TimeStamp:\s*(\d+)\s*s\s+(\d+)\s*ms,\s*buff\s+(\d+)\s*%$/

/** The D7 event text; the runner reads `event (\d+) ris` even with `eventsrc d7 fal` set. */
export function eventText(eventNumber: number): string {
  return `event ${eventNumber} ris`
}

export const EVENT_TEXT = /^event\s+(\d+)(?:\s+(\w+))?$/

export const OVERFLOW_TEXT = 'Tx buffer overflow'
export const OVERCURRENT_TEXT = 'overcurrent'
export const TARGET_DOWN_TEXT = 'target powered down'

export type StreamMessageClass = 'overflow' | 'overcurrent' | 'target-powered-down' | 'other'

export function classifyStreamMessage(text: string): StreamMessageClass {
  if (/overflow/i.test(text)) return 'overflow'
  if (/over\s*-?current/i.test(text)) return 'overcurrent'
  if (/power(ed)?\s*(down|off)/i.test(text)) return 'target-powered-down'
  return 'other'
}
