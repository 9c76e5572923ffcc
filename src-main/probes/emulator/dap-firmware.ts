/**
 * The probe side of CMSIS-DAP (ARM CMSIS-DAP reference, "Commands"): decodes each request, drives the
 * SWD target model, and encodes the reply. Written from the public command reference — independently
 * of our host-side codec — so the two check each other. Transfer counts report the transfers that
 * succeeded (as DAPLink does); WAIT is retried up to the configured count before it is reported.
 */
import { ACK_OK, ACK_WAIT, type SwdTarget } from './swd-target'

export interface DapFirmwareOptions {
  vendor?: string
  product?: string
  serial?: string
  firmwareVersion?: string
  packetSize: number
  packetCount: number
}

export class DapFirmware {
  private waitRetry = 100
  private matchRetry = 0
  private matchMask = 0xffffffff
  connectedPort = 0
  clockHz = 1_000_000
  readonly commandCounts = new Map<number, number>()

  constructor(
    readonly target: SwdTarget,
    readonly options: DapFirmwareOptions
  ) {}

  async process(request: Uint8Array): Promise<Uint8Array | undefined> {
    const id = request[0]
    this.commandCounts.set(id, (this.commandCounts.get(id) ?? 0) + 1)
    const view = new DataView(request.buffer, request.byteOffset, request.byteLength)
    const need = (n: number) => request.length >= n
    switch (id) {
      case 0x00:
        return need(2) ? this.info(request[1]) : invalid()
      case 0x01: // HostStatus
        return Uint8Array.of(0x01, 0x00)
      case 0x02: {
        const port = need(2) ? request[1] : 0
        // Port 0 means the default, SWD here; JTAG is not offered (capabilities say so).
        this.connectedPort = port === 0 || port === 1 ? 1 : 0
        return Uint8Array.of(0x02, this.connectedPort)
      }
      case 0x03:
        this.connectedPort = 0
        return Uint8Array.of(0x03, 0x00)
      case 0x04:
        if (!need(6)) return Uint8Array.of(0x04, 0xff)
        this.waitRetry = view.getUint16(2, true)
        this.matchRetry = view.getUint16(4, true)
        return Uint8Array.of(0x04, 0x00)
      case 0x05:
        return this.transfer(request)
      case 0x06:
        return this.transferBlock(request)
      case 0x07: // TransferAbort: no reply
        return undefined
      case 0x08:
        if (!need(6)) return Uint8Array.of(0x08, 0xff)
        await this.target.transfer(false, false, 0x0, view.getUint32(2, true))
        return Uint8Array.of(0x08, 0x00)
      case 0x09:
        return Uint8Array.of(0x09, 0x00)
      case 0x0a: // ResetTarget: no device-specific sequence here
        return Uint8Array.of(0x0a, 0x00, 0x00)
      case 0x10:
        return Uint8Array.of(0x10, 0x80 | 0x02) // nRESET high, SWDIO high
      case 0x11:
        if (!need(5)) return Uint8Array.of(0x11, 0xff)
        this.clockHz = view.getUint32(1, true)
        return Uint8Array.of(0x11, this.clockHz > 0 ? 0x00 : 0xff)
      case 0x12: {
        if (!need(2)) return Uint8Array.of(0x12, 0xff)
        const count = request[1] === 0 ? 256 : request[1]
        if (!need(2 + Math.ceil(count / 8))) return Uint8Array.of(0x12, 0xff)
        const bits: number[] = []
        for (let i = 0; i < count; i++) bits.push((request[2 + (i >> 3)] >> (i & 7)) & 1)
        this.target.sequence(bits)
        return Uint8Array.of(0x12, 0x00)
      }
      case 0x13:
        return Uint8Array.of(0x13, 0x00)
      default:
        return invalid()
    }
  }

  private info(which: number): Uint8Array {
    const text = (s: string | undefined) => {
      if (!s) return Uint8Array.of(0x00, 0)
      const bytes = new TextEncoder().encode(s + '\0')
      return Uint8Array.of(0x00, bytes.length, ...bytes)
    }
    switch (which) {
      case 0x01:
        return text(this.options.vendor)
      case 0x02:
        return text(this.options.product)
      case 0x03:
        return text(this.options.serial)
      case 0x04:
        return text('2.1.0')
      case 0x09:
        return text(this.options.firmwareVersion)
      case 0xf0:
        return Uint8Array.of(0x00, 1, 0x01) // SWD only
      case 0xfe:
        return Uint8Array.of(0x00, 1, this.options.packetCount)
      case 0xff:
        return Uint8Array.of(0x00, 2, this.options.packetSize & 0xff, this.options.packetSize >> 8)
      default:
        return Uint8Array.of(0x00, 0)
    }
  }

  private async withRetries(ap: boolean, read: boolean, a32: number, value: number): Promise<{ ack: number; value: number }> {
    let r = await this.target.transfer(ap, read, a32, value)
    for (let i = 0; r.ack === ACK_WAIT && i < this.waitRetry; i++) r = await this.target.transfer(ap, read, a32, value)
    return r
  }

  private async transfer(request: Uint8Array): Promise<Uint8Array> {
    if (request.length < 3 || this.connectedPort === 0) return Uint8Array.of(0x05, 0, 0)
    const count = request[2]
    const view = new DataView(request.buffer, request.byteOffset, request.byteLength)
    const out: number[] = [0x05, 0, 0]
    let offset = 3
    let done = 0
    let ack = ACK_OK
    let mismatch = false
    for (let i = 0; i < count; i++) {
      if (offset >= request.length) {
        ack = 0x08 // malformed request: report a protocol error
        break
      }
      const req = request[offset++]
      const ap = (req & 1) !== 0
      const read = (req & 2) !== 0
      const a32 = req & 0x0c
      const match = (req & 0x10) !== 0
      const setMask = (req & 0x20) !== 0
      let value = 0
      if (!read || match) {
        if (offset + 4 > request.length) {
          ack = 0x08
          break
        }
        value = view.getUint32(offset, true)
        offset += 4
      }
      if (setMask && !read) {
        this.matchMask = value
        done++
        continue
      }
      if (match && read) {
        let r = await this.withRetries(ap, true, a32, 0)
        for (let n = 0; r.ack === ACK_OK && ((r.value & this.matchMask) >>> 0) !== ((value & this.matchMask) >>> 0) && n < this.matchRetry; n++) r = await this.withRetries(ap, true, a32, 0)
        ack = r.ack
        if (ack !== ACK_OK) break
        if (((r.value & this.matchMask) >>> 0) !== ((value & this.matchMask) >>> 0)) {
          mismatch = true
          break
        }
        done++
        continue
      }
      const r = await this.withRetries(ap, read, a32, value)
      ack = r.ack
      if (ack !== ACK_OK) break
      if (read) out.push(r.value & 0xff, (r.value >>> 8) & 0xff, (r.value >>> 16) & 0xff, r.value >>> 24)
      done++
    }
    out[1] = done
    out[2] = (ack & 0x0f) | (mismatch ? 0x10 : 0)
    return Uint8Array.from(out)
  }

  private async transferBlock(request: Uint8Array): Promise<Uint8Array> {
    if (request.length < 5 || this.connectedPort === 0) return Uint8Array.of(0x06, 0, 0, 0)
    const view = new DataView(request.buffer, request.byteOffset, request.byteLength)
    const count = view.getUint16(2, true)
    const req = request[4]
    const ap = (req & 1) !== 0
    const read = (req & 2) !== 0
    const a32 = req & 0x0c
    if (!read && request.length < 5 + 4 * count) return Uint8Array.of(0x06, 0, 0, 0x08)
    let done = 0
    let ack = ACK_OK
    const words: number[] = []
    const data = read ? undefined : Uint32Array.from({ length: count }, (_, i) => view.getUint32(5 + 4 * i, true))
    // DRW blocks are memory blocks: hand them to the target in one piece when it can take them so.
    const block = ap && a32 === 0x0c ? await this.target.drwBlock(read, count, data) : undefined
    if (block) {
      done = block.done
      ack = block.ack
      if (read) words.push(...block.values)
    } else {
      for (; done < count; done++) {
        const r = await this.withRetries(ap, read, a32, data ? data[done] : 0)
        ack = r.ack
        if (ack !== ACK_OK) break
        if (read) words.push(r.value)
      }
    }
    const out = new Uint8Array(4 + 4 * words.length)
    out[0] = 0x06
    out[1] = done & 0xff
    out[2] = done >> 8
    out[3] = ack & 0x0f
    const ov = new DataView(out.buffer)
    words.forEach((w, i) => ov.setUint32(4 + 4 * i, w >>> 0, true))
    return out
  }
}

function invalid(): Uint8Array {
  return Uint8Array.of(0xff)
}
