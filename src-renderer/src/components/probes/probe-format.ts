/** Pure formatting for the probe panel: addresses, a hex dump of a memory read, and address input. */

export function hex32(n: number): string {
  return `0x${(n >>> 0).toString(16).padStart(8, '0')}`
}

export interface HexDumpLine {
  address: string
  /** 16 bytes as "00 11 22 …", shorter on the last line. */
  hex: string
  /** Printable ASCII, '.' for the rest. */
  ascii: string
}

export function hexDump(address: number, bytes: Uint8Array, perLine = 16): HexDumpLine[] {
  const lines: HexDumpLine[] = []
  for (let i = 0; i < bytes.length; i += perLine) {
    const row = bytes.subarray(i, i + perLine)
    lines.push({
      address: hex32(address + i),
      hex: Array.from(row, (b) => b.toString(16).padStart(2, '0')).join(' '),
      ascii: Array.from(row, (b) => (b >= 0x20 && b < 0x7f ? String.fromCharCode(b) : '.')).join('')
    })
  }
  return lines
}

/** "0x2000_0000", "0x20000000", "536870912" → a number in 0..2^32−1; anything else → null. */
export function parseAddress(text: string): number | null {
  const t = text.trim().replace(/_/g, '')
  const n = /^0x[0-9a-f]{1,8}$/i.test(t) ? parseInt(t, 16) : /^\d{1,10}$/.test(t) ? Number(t) : NaN
  return Number.isInteger(n) && n >= 0 && n <= 0xffffffff ? n : null
}

export function byteSize(n: number): string {
  if (n < 1024) return `${n} B`
  if (n < 1024 * 1024) return `${(n / 1024).toPrecision(3)} KiB`
  return `${(n / 1048576).toPrecision(3)} MiB`
}
