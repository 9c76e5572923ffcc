/**
 * The GDB client against a scripted RSP stub on a real loopback socket: acks and resends, no-ack mode,
 * run-length encoded replies, monitor output, File-I/O semihosting requests, unsolicited stop replies,
 * and timeouts. The stub is written from the protocol description, not from the client.
 */
import { createServer, type Server, type Socket } from 'node:net'
import { afterEach, describe, expect, it } from 'vitest'
import { GdbClient, GdbErrorReply } from '../../src-main/probes/gdb/gdb-client'
import { TargetTimeoutError } from '../../src-main/probes/debug-target'

type Handler = (payload: string, stub: Stub) => string | string[] | undefined | void

/** A minimal stub: frames replies itself (sum of bytes mod 256), optionally run-length encodes, and tracks acks. */
class Stub {
  socket!: Socket
  received: string[] = []
  acks = 0
  nacks = 0
  noAck = false
  corruptNext = 0
  private buffer = ''
  constructor(private readonly handler: Handler) {}

  frame(body: string): string {
    let sum = 0
    for (const c of body) sum = (sum + c.charCodeAt(0)) & 0xff
    return `$${body}#${sum.toString(16).padStart(2, '0')}`
  }

  send(body: string): void {
    if (this.corruptNext > 0) {
      this.corruptNext--
      this.socket.write(`$${body}#00`) // wrong checksum: the client must ask again
      this.lastBody = body
      return
    }
    this.lastBody = body
    this.socket.write(this.frame(body))
  }
  lastBody = ''

  feed(chunk: string): void {
    this.buffer += chunk
    for (;;) {
      this.buffer = this.buffer.replace(/^\+/, () => (this.acks++, ''))
      if (this.buffer.startsWith('-')) {
        this.nacks++
        this.buffer = this.buffer.slice(1)
        this.socket.write(this.frame(this.lastBody))
        continue
      }
      if (this.buffer.startsWith('\x03')) {
        this.buffer = this.buffer.slice(1)
        this.send('T02thread:01;')
        continue
      }
      const m = /^\$([^#]*)#([0-9a-f]{2})/.exec(this.buffer)
      if (!m) return
      this.buffer = this.buffer.slice(m[0].length)
      if (!this.noAck) this.socket.write('+')
      const payload = m[1].replace(/\}(.)/g, (_, c: string) => String.fromCharCode(c.charCodeAt(0) ^ 0x20))
      this.received.push(payload)
      const reply = this.handler(payload, this)
      if (reply === undefined) continue
      for (const r of Array.isArray(reply) ? reply : [reply]) this.send(r)
    }
  }
}

const servers: Server[] = []
const clients: GdbClient[] = []
afterEach(async () => {
  for (const c of clients.splice(0)) await c.close().catch(() => undefined)
  for (const s of servers.splice(0)) await new Promise((r) => s.close(r))
})

async function start(handler: Handler, options: { timeoutS?: number } = {}): Promise<{ client: GdbClient; stub: Stub; output: string[] }> {
  const stub = new Stub(handler)
  const server = createServer((socket) => {
    stub.socket = socket
    socket.setEncoding('latin1')
    socket.on('data', (d: string) => stub.feed(d))
  })
  servers.push(server)
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  const port = (server.address() as { port: number }).port
  const output: string[] = []
  const client = await GdbClient.connect('127.0.0.1', port, { timeoutS: options.timeoutS ?? 2, onConsoleOutput: (t) => output.push(t) })
  clients.push(client)
  return { client, stub, output }
}

const basics: Handler = (p) => {
  if (p.startsWith('qSupported')) return 'PacketSize=100;QStartNoAckMode+;vContSupported+'
  if (p === 'vCont?') return 'vCont;c;C;s;S'
  if (p === 'QStartNoAckMode') return 'OK'
  if (p === '?') return 'S05'
  return undefined
}

describe('GDB client', () => {
  it('negotiates qSupported and no-ack mode, and splits memory reads by the packet size', async () => {
    const memory = Uint8Array.from({ length: 300 }, (_, i) => i & 0xff)
    const { client, stub } = await start((p, s) => {
      if (p === 'QStartNoAckMode') {
        s.send('OK')
        s.noAck = true
        return
      }
      const m = /^m([0-9a-f]+),([0-9a-f]+)$/.exec(p)
      if (m) {
        const a = parseInt(m[1], 16) - 0x1000
        return Buffer.from(memory.subarray(a, a + parseInt(m[2], 16))).toString('hex')
      }
      return basics(p, s)
    })
    expect(client.features.get('PacketSize')).toBe('100')
    expect(await client.readMemory(0x1000, 300)).toEqual(memory)
    // PacketSize 0x100 = 256 bytes of packet: at most 120 data bytes per m request.
    const reads = stub.received.filter((r) => r.startsWith('m'))
    expect(reads.length).toBe(3)
    for (const r of reads) expect(parseInt(r.split(',')[1], 16)).toBeLessThanOrEqual(120)
  })

  it('asks again after a corrupt reply and expands run-length encoded replies', async () => {
    const { client, stub } = await start((p, s) => {
      if (p.startsWith('qSupported')) return 'PacketSize=400'
      if (p === 'm0,4') {
        s.corruptNext = 1
        return '0* 1* ' // "0000" + "1111": RLE with count ' ' = 3 repeats
      }
      return basics(p, s)
    })
    expect(Array.from(await client.readMemory(0, 4))).toEqual([0x00, 0x00, 0x11, 0x11])
    expect(stub.nacks).toBe(1)
    expect(client.anomalies.corruptFrames).toBe(1)
  })

  it('collects monitor output sent as O packets before OK', async () => {
    const { client } = await start((p, s) => {
      if (p.startsWith('qRcmd,')) return [`O${Buffer.from('target halted\n').toString('hex')}`, `O${Buffer.from('pc 0x100\n').toString('hex')}`, 'OK']
      return basics(p, s)
    })
    expect(await client.monitor('reset halt')).toBe('target halted\npc 0x100\n')
  })

  it('serves semihosting writes (F packets) and reports the exit code', async () => {
    const text = 'hello from the target\n'
    const { client, stub, output } = await start((p, s) => {
      if (p === 'vCont;c') return [`O${Buffer.from('console\n').toString('hex')}`, `Fwrite,2,20000000,${text.length.toString(16)}`]
      if (p === 'm20000000,' + text.length.toString(16)) return Buffer.from(text).toString('hex')
      if (p.startsWith('F')) return 'W07'
      return basics(p, s)
    })
    await client.resume()
    expect(await client.waitForStop(5)).toEqual({ kind: 'exited', exitCode: 7 })
    expect(client.semihostingOutput).toBe(text)
    expect(output).toEqual(['console\n'])
    expect(stub.received).toContain(`F${text.length.toString(16)}`)
  })

  it('stops a running target with Ctrl-C', async () => {
    const { client } = await start(basics)
    await client.resume()
    expect(client.isRunning).toBe(true)
    expect(await client.interrupt()).toMatchObject({ kind: 'stopped', signal: 2 })
    expect(client.isRunning).toBe(false)
  })

  it('drops an unsolicited stop reply instead of taking it for an answer', async () => {
    const { client } = await start((p, s) => {
      if (p === 'p0') return ['T05thread:01;', '78563412']
      return basics(p, s)
    })
    expect(Array.from(await client.readRegister(0))).toEqual([0x78, 0x56, 0x34, 0x12])
    expect(client.anomalies.unsolicitedStops).toBe(1)
  })

  it('names the server and the request in errors and timeouts', async () => {
    const { client } = await start((p, s) => {
      if (p.startsWith('m')) return 'E14'
      if (p.startsWith('Z0')) return ''
      if (p === 'g') return undefined // never answers
      return basics(p, s)
    }, { timeoutS: 0.3 })
    await expect(client.readMemory(0x30000000, 4)).rejects.toThrow(GdbErrorReply)
    await expect(client.readMemory(0x30000000, 4)).rejects.toThrow(/GDB server at 127.0.0.1:\d+ refused "m30000000,4": error E14/)
    await expect(client.insertBreakpoint(0x100)).rejects.toThrow(/not supported/)
    await expect(client.readAllRegisters()).rejects.toThrow(TargetTimeoutError)
    await expect(client.readMemory(0, 4)).rejects.toThrow(/disconnected .*request timed out/)
  })
})
