import { afterEach, describe, expect, it } from 'vitest'
import { openPtyPair, type PtyPair } from '../../src-main/transports/pty-pair'
import { openSerial, type SerialTransport } from '../../src-main/transports/serial'

describe('pty pair and serial transport', () => {
  let pair: PtyPair | undefined
  const ports: SerialTransport[] = []
  afterEach(async () => {
    for (const p of ports.splice(0)) await p.close()
    await pair?.close()
  })

  it('carries bytes both ways unchanged, including 0x00, 0x0d and 0xff', async () => {
    pair = await openPtyPair()
    const host = await openSerial(pair.hostPath)
    const device = await openSerial(pair.devicePath)
    ports.push(host, device)
    const received: Buffer[] = []
    const all = Buffer.from([0x00, 0xff, 0x10, 0x0d, 0x0a, 0x19, 0x11])
    const got = new Promise<void>((resolve) =>
      device.onData((c) => {
        received.push(c)
        if (Buffer.concat(received).length >= all.length) resolve()
      })
    )
    await host.write(all)
    await got
    expect(Buffer.concat(received)).toEqual(all)
  })

  it('tells the host when the other end goes away', async () => {
    pair = await openPtyPair()
    const host = await openSerial(pair.hostPath)
    ports.push(host)
    const reason = new Promise<string>((resolve) => host.onClose(resolve))
    await pair.close()
    expect(await reason).toMatch(/disconnected|closed|error/)
  })

  it('names the port and the fix when it cannot be opened', async () => {
    await expect(openSerial('/dev/does-not-exist-jb')).rejects.toThrow(/does-not-exist-jb.*joulebench devices/)
  })
})
