import { closeSync, createReadStream, fstatSync, openSync, readSync, writeSync } from 'node:fs'
import { createDeflateRaw, createInflateRaw, crc32 } from 'node:zlib'
import { FormatError } from './format-error'

/**
 * Just enough ZIP (PKWARE APPNOTE) for the archives recordings travel in (.ppk2, .stpm): read the
 * central directory, stream one entry's bytes (stored or deflated, CRC checked), and write entries
 * streaming, with ZIP64 fields when an entry or the archive passes 4 GiB. Written here rather than
 * taken from fflate because recordings are larger than memory and errors must say at which byte a
 * damaged archive broke.
 */
export interface ZipEntry {
  name: string
  method: number
  crc: number
  compressedSize: number
  size: number
  localHeaderOffset: number
}

const SIG_LOCAL = 0x04034b50
const SIG_CENTRAL = 0x02014b50
const SIG_EOCD = 0x06054b50
const SIG_Z64_EOCD = 0x06064b50
const SIG_Z64_LOCATOR = 0x07064b50
const U32 = 0xffffffff

function readAt(fd: number, position: number, length: number): Buffer {
  const b = Buffer.alloc(length)
  const n = readSync(fd, b, 0, length, position)
  return b.subarray(0, n)
}

export function readZipDirectory(path: string): ZipEntry[] {
  try {
    return readDirectory(path)
  } catch (e) {
    if (e instanceof RangeError) {
      throw new FormatError(path, 'the ZIP directory', 'entries within the directory', `a field pointing past its end (${e.message})`, 'The archive is damaged.')
    }
    throw e
  }
}

function readDirectory(path: string): ZipEntry[] {
  const fd = openSync(path, 'r')
  try {
    const size = fstatSync(fd).size
    const tailLength = Math.min(size, 22 + 65535)
    const tail = readAt(fd, size - tailLength, tailLength)
    let eocd = -1
    for (let i = tail.length - 22; i >= 0; i--) {
      if (tail.readUInt32LE(i) === SIG_EOCD) {
        eocd = i
        break
      }
    }
    if (eocd < 0) {
      const head = readAt(fd, 0, 4)
      throw new FormatError(
        path,
        `byte ${size}`,
        'a ZIP archive (its end-of-directory record)',
        head.length >= 2 && head[0] === 0x50 && head[1] === 0x4b ? 'a ZIP start but no directory: the file is truncated' : 'no ZIP structure at all',
        'Copy the file again from its source; a partial download or copy cuts off the directory at the end.'
      )
    }
    let count = tail.readUInt16LE(eocd + 10)
    let cdSize = tail.readUInt32LE(eocd + 12)
    let cdOffset = tail.readUInt32LE(eocd + 16)
    const eocdAt = size - tailLength + eocd
    if ((cdOffset === U32 || count === 0xffff || cdSize === U32) && eocdAt >= 20) {
      const loc = readAt(fd, eocdAt - 20, 20)
      if (loc.readUInt32LE(0) === SIG_Z64_LOCATOR) {
        const z64At = Number(loc.readBigUInt64LE(8))
        const z = readAt(fd, z64At, 56)
        if (z.length < 56 || z.readUInt32LE(0) !== SIG_Z64_EOCD) {
          throw new FormatError(path, `byte ${z64At}`, 'a ZIP64 end-of-directory record', 'other bytes', 'The archive is damaged.')
        }
        count = Number(z.readBigUInt64LE(32))
        cdSize = Number(z.readBigUInt64LE(40))
        cdOffset = Number(z.readBigUInt64LE(48))
      }
    }
    if (cdOffset + cdSize > size) {
      throw new FormatError(path, `byte ${eocdAt}`, `a directory of ${cdSize} bytes at byte ${cdOffset}`, `a file of only ${size} bytes`, 'The archive is truncated or damaged.')
    }
    const cd = readAt(fd, cdOffset, cdSize)
    const entries: ZipEntry[] = []
    let p = 0
    for (let k = 0; k < count; k++) {
      if (p + 46 > cd.length || cd.readUInt32LE(p) !== SIG_CENTRAL) {
        throw new FormatError(path, `byte ${cdOffset + p}`, `directory entry ${k + 1} of ${count}`, 'other bytes', 'The archive is damaged.')
      }
      const method = cd.readUInt16LE(p + 10)
      const crc = cd.readUInt32LE(p + 16)
      let compressedSize = cd.readUInt32LE(p + 20)
      let uncompressed = cd.readUInt32LE(p + 24)
      const nameLength = cd.readUInt16LE(p + 28)
      const extraLength = cd.readUInt16LE(p + 30)
      const commentLength = cd.readUInt16LE(p + 32)
      let localHeaderOffset = cd.readUInt32LE(p + 42)
      const name = cd.toString('utf8', p + 46, p + 46 + nameLength)
      let e = p + 46 + nameLength
      const extraEnd = e + extraLength
      if (extraEnd + commentLength > cd.length) {
        throw new FormatError(path, `byte ${cdOffset + p}`, `directory entry ${k + 1} to fit in the directory`, 'lengths that run past its end', 'The archive is damaged.')
      }
      while (e + 4 <= extraEnd) {
        const id = cd.readUInt16LE(e)
        const len = cd.readUInt16LE(e + 2)
        if (id === 0x0001) {
          let q = e + 4
          if (uncompressed === U32) ((uncompressed = Number(cd.readBigUInt64LE(q))), (q += 8))
          if (compressedSize === U32) ((compressedSize = Number(cd.readBigUInt64LE(q))), (q += 8))
          if (localHeaderOffset === U32) localHeaderOffset = Number(cd.readBigUInt64LE(q))
        }
        e += 4 + len
      }
      entries.push({ name, method, crc, compressedSize, size: uncompressed, localHeaderOffset })
      p = extraEnd + commentLength
    }
    return entries
  } finally {
    closeSync(fd)
  }
}

/** The entry's bytes, in pieces as they decompress. Damage is reported with the entry's name and byte offset. */
export async function* readZipEntry(path: string, entry: ZipEntry): AsyncGenerator<Uint8Array> {
  const fd = openSync(path, 'r')
  let dataStart: number
  try {
    const h = readAt(fd, entry.localHeaderOffset, 30)
    if (h.length < 30 || h.readUInt32LE(0) !== SIG_LOCAL) {
      throw new FormatError(path, `byte ${entry.localHeaderOffset}`, `the local header of ${entry.name}`, 'other bytes', 'The archive is damaged.')
    }
    dataStart = entry.localHeaderOffset + 30 + h.readUInt16LE(26) + h.readUInt16LE(28)
    if (dataStart + entry.compressedSize > fstatSync(fd).size) {
      throw new FormatError(path, `byte ${entry.localHeaderOffset}`, `${entry.compressedSize} bytes of ${entry.name}`, 'the end of the file first', 'The archive is truncated.')
    }
  } finally {
    closeSync(fd)
  }
  if (entry.method !== 0 && entry.method !== 8) {
    throw new FormatError(path, `entry ${entry.name}`, 'stored or deflated data (methods 0 or 8)', `compression method ${entry.method}`, 'Re-save the archive with standard ZIP compression.')
  }
  let crc = 0
  let total = 0
  if (entry.compressedSize === 0 && entry.size === 0) return
  const raw = createReadStream(path, { start: dataStart, end: dataStart + Math.max(1, entry.compressedSize) - 1 })
  const source = entry.method === 8 ? raw.pipe(createInflateRaw()) : raw
  try {
    for await (const chunk of source as AsyncIterable<Buffer>) {
      crc = crc32(chunk, crc)
      total += chunk.length
      yield chunk
    }
  } catch (e) {
    if (e instanceof FormatError) throw e
    throw new FormatError(path, `entry ${entry.name}, after ${total} decompressed bytes`, 'valid deflate data', `damage (${(e as Error).message})`, 'The archive is damaged; copy it again from its source.')
  } finally {
    raw.destroy()
  }
  if (total !== entry.size) {
    throw new FormatError(path, `entry ${entry.name}`, `${entry.size} bytes`, `${total} bytes`, 'The archive is truncated or damaged.')
  }
  if ((crc >>> 0) !== entry.crc) {
    throw new FormatError(path, `entry ${entry.name}`, `CRC-32 ${entry.crc.toString(16)}`, `${(crc >>> 0).toString(16)}`, 'The archive is damaged; copy it again from its source.')
  }
}

export async function readZipEntryBytes(path: string, entry: ZipEntry, limit = 64 * 2 ** 20): Promise<Buffer> {
  if (entry.size > limit) throw new FormatError(path, `entry ${entry.name}`, `at most ${limit} bytes`, `${entry.size} bytes`)
  const parts: Uint8Array[] = []
  for await (const p of readZipEntry(path, entry)) parts.push(p)
  return Buffer.concat(parts)
}

function dosDateTime(d: Date): { time: number; date: number } {
  return {
    time: (d.getHours() << 11) | (d.getMinutes() << 5) | (d.getSeconds() >> 1),
    date: ((Math.max(1980, d.getFullYear()) - 1980) << 9) | ((d.getMonth() + 1) << 5) | d.getDate()
  }
}

interface Written {
  name: Buffer
  crc: number
  compressedSize: number
  size: number
  offset: number
  zip64: boolean
}

/**
 * Writes a ZIP archive entry by entry, each deflated as it streams. The local header is patched with
 * CRC and sizes once the entry is complete (no data descriptors: the simplest form for other readers).
 */
export class ZipWriter {
  private readonly fd: number
  private position = 0
  private readonly written: Written[] = []
  private readonly stamp = dosDateTime(new Date())

  constructor(
    readonly path: string,
    private readonly level = 6
  ) {
    this.fd = openSync(path, 'w')
  }

  private write(b: Uint8Array, at?: number): void {
    let off = 0
    while (off < b.length) off += writeSync(this.fd, b, off, b.length - off, at === undefined ? this.position + off : at + off)
    if (at === undefined) this.position += b.length
  }

  /** Adds an entry whose bytes come from `chunks`; expectedSize (if known) decides ZIP64 up front. */
  async addEntry(name: string, chunks: AsyncIterable<Uint8Array> | Iterable<Uint8Array>, expectedSize = 0): Promise<void> {
    const nameBytes = Buffer.from(name, 'utf8')
    const zip64 = expectedSize > 0xf0000000
    const offset = this.position
    const header = Buffer.alloc(30 + nameBytes.length + (zip64 ? 20 : 0))
    header.writeUInt32LE(SIG_LOCAL, 0)
    header.writeUInt16LE(zip64 ? 45 : 20, 4)
    header.writeUInt16LE(0x0800, 6) // UTF-8 names
    header.writeUInt16LE(8, 8)
    header.writeUInt16LE(this.stamp.time, 10)
    header.writeUInt16LE(this.stamp.date, 12)
    header.writeUInt16LE(nameBytes.length, 26)
    header.writeUInt16LE(zip64 ? 20 : 0, 28)
    nameBytes.copy(header, 30)
    if (zip64) {
      header.writeUInt16LE(0x0001, 30 + nameBytes.length)
      header.writeUInt16LE(16, 32 + nameBytes.length)
    }
    this.write(header)
    const deflate = createDeflateRaw({ level: this.level })
    let crc = 0
    let size = 0
    let compressedSize = 0
    const drained = (async () => {
      for await (const out of deflate as AsyncIterable<Buffer>) {
        this.write(out)
        compressedSize += out.length
      }
    })()
    for await (const chunk of chunks as AsyncIterable<Uint8Array>) {
      crc = crc32(chunk, crc)
      size += chunk.length
      if (!deflate.write(chunk)) await new Promise((r) => deflate.once('drain', r))
    }
    deflate.end()
    await drained
    if (!zip64 && (size > U32 || compressedSize > U32)) throw new Error(`${this.path}: entry ${name} grew past 4 GiB without ZIP64; give its size up front.`)
    const patch = Buffer.alloc(12)
    patch.writeUInt32LE(crc >>> 0, 0)
    patch.writeUInt32LE(zip64 ? U32 : compressedSize, 4)
    patch.writeUInt32LE(zip64 ? U32 : size, 8)
    this.write(patch, offset + 14)
    if (zip64) {
      const z = Buffer.alloc(16)
      z.writeBigUInt64LE(BigInt(size), 0)
      z.writeBigUInt64LE(BigInt(compressedSize), 8)
      this.write(z, offset + 30 + nameBytes.length + 4)
    }
    this.written.push({ name: nameBytes, crc: crc >>> 0, compressedSize, size, offset, zip64: zip64 || offset > U32 })
  }

  close(): void {
    const cdOffset = this.position
    for (const w of this.written) {
      const extra = w.zip64 ? Buffer.alloc(4 + 24) : Buffer.alloc(0)
      if (w.zip64) {
        extra.writeUInt16LE(0x0001, 0)
        extra.writeUInt16LE(24, 2)
        extra.writeBigUInt64LE(BigInt(w.size), 4)
        extra.writeBigUInt64LE(BigInt(w.compressedSize), 12)
        extra.writeBigUInt64LE(BigInt(w.offset), 20)
      }
      const h = Buffer.alloc(46)
      h.writeUInt32LE(SIG_CENTRAL, 0)
      h.writeUInt16LE(w.zip64 ? 45 : 20, 4)
      h.writeUInt16LE(w.zip64 ? 45 : 20, 6)
      h.writeUInt16LE(0x0800, 8)
      h.writeUInt16LE(8, 10)
      h.writeUInt16LE(this.stamp.time, 12)
      h.writeUInt16LE(this.stamp.date, 14)
      h.writeUInt32LE(w.crc, 16)
      h.writeUInt32LE(w.zip64 ? U32 : w.compressedSize, 20)
      h.writeUInt32LE(w.zip64 ? U32 : w.size, 24)
      h.writeUInt16LE(w.name.length, 28)
      h.writeUInt16LE(extra.length, 30)
      h.writeUInt32LE(w.zip64 ? U32 : w.offset, 42)
      this.write(h)
      this.write(w.name)
      this.write(extra)
    }
    const cdSize = this.position - cdOffset
    const needs64 = this.written.some((w) => w.zip64) || cdOffset > U32
    if (needs64) {
      const z64At = this.position
      const z = Buffer.alloc(56)
      z.writeUInt32LE(SIG_Z64_EOCD, 0)
      z.writeBigUInt64LE(44n, 4)
      z.writeUInt16LE(45, 12)
      z.writeUInt16LE(45, 14)
      z.writeBigUInt64LE(BigInt(this.written.length), 24)
      z.writeBigUInt64LE(BigInt(this.written.length), 32)
      z.writeBigUInt64LE(BigInt(cdSize), 40)
      z.writeBigUInt64LE(BigInt(cdOffset), 48)
      this.write(z)
      const loc = Buffer.alloc(20)
      loc.writeUInt32LE(SIG_Z64_LOCATOR, 0)
      loc.writeBigUInt64LE(BigInt(z64At), 8)
      loc.writeUInt32LE(1, 16)
      this.write(loc)
    }
    const e = Buffer.alloc(22)
    e.writeUInt32LE(SIG_EOCD, 0)
    e.writeUInt16LE(this.written.length, 8)
    e.writeUInt16LE(this.written.length, 10)
    e.writeUInt32LE(needs64 ? U32 : cdSize, 12)
    e.writeUInt32LE(needs64 ? U32 : cdOffset, 16)
    this.write(e)
    closeSync(this.fd)
  }

  /** Closes the file without a directory (after a failure); the caller removes it. */
  abort(): void {
    try {
      closeSync(this.fd)
    } catch {
      /* already closed */
    }
  }
}
