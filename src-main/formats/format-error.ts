/**
 * A file that does not hold what its format says. The message names the file, where it broke (line or
 * byte), what was expected there, what was found, and what to do.
 */
export class FormatError extends Error {
  constructor(
    readonly file: string,
    readonly where: string,
    readonly expected: string,
    readonly found: string,
    readonly hint = ''
  ) {
    super(`${file}, ${where}: expected ${expected}, found ${found}.${hint ? ` ${hint}` : ''}`)
    this.name = 'FormatError'
  }
}

/** Shows a piece of a line as found, short enough for one line of an error message. */
export function quoted(text: string, max = 60): string {
  const t = text.length > max ? `${text.slice(0, max)}…` : text
  return JSON.stringify(t)
}
