/**
 * The board's replies to commands, as text lines. Every line of the command interpreter starts with the
 * prompt (`PowerShield > ack htc`, as logged by the MLCommons runner and LPM01A-lib). A command is
 * answered by `ack <command> [value]`, or by `error <command>` followed by `Error detail: <why>`.
 * `stop` is not acknowledged: the end of an acquisition is announced by `Acquisition completed`.
 */
import { PROMPT } from './protocol'

export type Lpm01aReply =
  /** words[0] is the command name, the rest its echoed arguments and any value (`ack volt get 3292-03`). */
  | { kind: 'ack'; words: string[]; text: string }
  | { kind: 'error'; words: string[]; text: string }
  | { kind: 'error-detail'; detail: string }
  | { kind: 'completed' }
  | { kind: 'text'; text: string }

/** Strips any prompts a line starts with (the board prints one before each reply). */
export function stripPrompt(line: string): string {
  let s = line
  while (s.startsWith(PROMPT)) s = s.slice(PROMPT.length)
  if (s.startsWith(PROMPT.trimEnd())) s = s.slice(PROMPT.trimEnd().length)
  return s.trim()
}

export function parseReplyLine(line: string): Lpm01aReply | null {
  const text = stripPrompt(line.replace(/\r$/, ''))
  if (text === '') return null
  const ack = /^ack\s+(.*)$/.exec(text)
  if (ack) return { kind: 'ack', words: ack[1].split(/\s+/).filter(Boolean), text }
  const error = /^(?:error|err)\b:?\s*(.*)$/.exec(text)
  if (error && !/^Error detail/i.test(text)) return { kind: 'error', words: error[1].split(/\s+/).filter(Boolean), text }
  const detail = /^Error detail\s*:?\s*(.*)$/i.exec(text)
  if (detail) return { kind: 'error-detail', detail: detail[1] }
  if (/^Acquisition completed/i.test(text)) return { kind: 'completed' }
  return { kind: 'text', text }
}

/** True when an ack or error reply answers the command whose text was sent (matched on the command word). */
export function answers(reply: Lpm01aReply, sentText: string): boolean {
  if (reply.kind !== 'ack' && reply.kind !== 'error') return false
  const name = sentText.trim().split(/\s+/)[0]
  return reply.words[0] === name
}

/** The board's acknowledgement line for a command text, with an optional value (emulator side). */
export function formatAck(sentText: string, value?: string): string {
  return `${PROMPT}ack ${sentText}${value ? ` ${value}` : ''}\r\n`
}

/** The board's refusal of a command: the error line and its detail line (emulator side). */
export function formatError(sentText: string, detail: string): string {
  return `${PROMPT}error ${sentText}\r\n${PROMPT}Error detail: ${detail}\r\n`
}

export function formatCompleted(): string {
  return `${PROMPT}Acquisition completed\r\n`
}
