import { hostname } from 'node:os'

/** The columns a row written by a live process carries (recordings, runs): who writes it, and when it last did. */
export interface WriterColumns {
  writer_pid: number | null
  writer_host: string | null
  updated_at: string
}

/**
 * Whether the process that was writing a row has gone, so the row can be closed as interrupted. On this
 * machine the pid answers; another machine's writer (a workspace on a shared drive) counts as gone only
 * after ten minutes of silence.
 */
export function writerIsGone(row: WriterColumns): boolean {
  if (row.writer_pid === null) return true
  if (row.writer_host !== null && row.writer_host !== hostname()) return Date.now() - Date.parse(row.updated_at) > 10 * 60 * 1000
  if (row.writer_pid === process.pid) return true
  try {
    process.kill(row.writer_pid, 0)
    return false
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'ESRCH'
  }
}
