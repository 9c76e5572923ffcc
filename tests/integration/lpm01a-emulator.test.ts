/**
 * The emulated board seen from the wire, without our driver: bytes written as a host would, replies
 * read back and checked against the public protocol facts with readers written here.
 */
import { closeSync, createReadStream, openSync, writeSync } from 'node:fs'
import { afterEach, describe, expect, it } from 'vitest'
import { CaptureAssembler } from '../../src-main/instruments/lpm01a/capture-assembler'
import { LPM01A_BAUD } from '../../src-main/instruments/lpm01a/protocol'
import { Lpm01aStreamDecoder } from '../../src-main/instruments/lpm01a/stream-decoder'
import { createVirtualLpm01a, type VirtualLpm01a } from '../../src-main/instruments/lpm01a/virtual'
import { openSerial, type SerialTransport } from '../../src-main/transports/serial'
import { realTimeClock, type DutSignal } from '../../src-main/virtual-bench/dut-signal'
import { RecordingSink, settableSignal } from '../helpers/lpm01a-bench'

const zeroClock = { nowS: () => 0 }

/** A host that writes lines and collects raw bytes. */
async function rawHost(path: string) {
  const port = await openSerial(path, LPM01A_BAUD)
  let bytes = Buffer.alloc(0)
  port.onData((c) => (bytes = Buffer.concat([bytes, c])))
  return {
    port,
    get bytes() {
      return bytes
    },
    clear() {
      bytes = Buffer.alloc(0)
    },
    send: (line: string) => port.write(`${line}\n`),
    async until(pred: (b: Buffer) => boolean) {
      while (!pred(bytes)) await new Promise((r) => setTimeout(r, 5))
      return bytes
    }
  }
}

const text = (b: Buffer) => b.toString('latin1')

describe('LPM01A emulator on the wire', () => {
  let bench: VirtualLpm01a | undefined
  const ports: SerialTransport[] = []
  afterEach(async () => {
    for (const p of ports.splice(0)) await p.close()
    await bench?.close()
    bench = undefined
  })

  async function board(signal: DutSignal, options: Parameters<typeof createVirtualLpm01a>[2] = {}) {
    bench = await createVirtualLpm01a(signal, zeroClock, { pace: 'fast', keepTruth: true, ...options })
    const host = await rawHost(bench.hostPath)
    ports.push(host.port)
    return host
  }

  it('prompts and acks like the board, refuses with an error detail line, and wants host control first', async () => {
    const host = await board(settableSignal(1e-3))
    await host.send('freq 1k')
    await host.until((b) => text(b).includes('Error detail'))
    expect(text(host.bytes)).toBe('PowerShield > error freq 1k\r\nPowerShield > Error detail: PowerShield is in standalone mode: send htc to take host control first\r\n')
    host.clear()
    for (const line of ['htc', 'volt 1800m', 'volt get', 'freq 1k', 'pwr on nostatus', 'temp degc']) await host.send(line)
    await host.until((b) => text(b).includes('ack temp'))
    expect(text(host.bytes).split('\r\n')).toEqual([
      'PowerShield > ack htc',
      'PowerShield > ack volt 1800m',
      'PowerShield > ack volt get 1800-03',
      'PowerShield > ack freq 1k',
      'PowerShield > ack pwr on nostatus',
      'PowerShield > ack temp degc 25.0',
      ''
    ])
    host.clear()
    await host.send('volt 3400m')
    await host.until((b) => text(b).includes('Error detail'))
    expect(text(host.bytes)).toMatch(/^PowerShield > error volt 3400m\r\nPowerShield > Error detail: supply voltage must be 1\.8-3\.3 V, got 3\.4 V/)
  })

  it('streams bin_hexa exactly as published: timestamp frame, 2-byte words quantised to 12 bits, end frame', async () => {
    const host = await board(settableSignal(640.9e-6))
    for (const line of ['htc', 'format bin_hexa', 'freq 1k', 'acqtime 2', 'start']) await host.send(line)
    await host.until((b) => text(b).includes('Acquisition completed'))
    const all = host.bytes
    const ack = Buffer.from('PowerShield > ack start\r\n')
    const at = all.indexOf(ack) + ack.length
    const stream = all.subarray(at)
    // F0 F3, 0 ms, buffer %, FF FF
    expect([...stream.subarray(0, 2)]).toEqual([0xf0, 0xf3])
    expect(stream.readUInt32BE(2)).toBe(0)
    expect([...stream.subarray(7, 9)]).toEqual([0xff, 0xff])
    // then 1000 samples of 0x52A0 (640.9 µA = 0x2A0 × 16^-5), a timestamp at 1000 ms, 1000 more, a timestamp at 2000 ms
    for (let i = 0; i < 1000; i++) expect(stream.readUInt16BE(9 + 2 * i)).toBe(0x52a0)
    const second = 9 + 2000
    expect([...stream.subarray(second, second + 2)]).toEqual([0xf0, 0xf3])
    expect(stream.readUInt32BE(second + 2)).toBe(1000)
    const third = second + 9 + 2000
    expect(stream.readUInt32BE(third + 2)).toBe(2000)
    expect([...stream.subarray(third + 9, third + 13)]).toEqual([0xf0, 0xf4, 0xff, 0xff])
    expect(text(stream.subarray(third + 13))).toBe('PowerShield > Acquisition completed\r\n')
  })

  it('streams ascii_dec lines and refuses ascii_dec beyond its documented limits', async () => {
    const host = await board(settableSignal(12.34e-3))
    for (const line of ['htc', 'format ascii_dec', 'freq 10k', 'acqtime inf', 'start']) await host.send(line)
    await host.until((b) => text(b).includes('Error detail'))
    expect(text(host.bytes)).toMatch(/error start\r\nPowerShield > Error detail: ascii_dec at 10000 Hz is limited to 1 s/)
    for (const line of ['freq 20k', 'acqtime 600m', 'start']) await host.send(line)
    await host.until((b) => text(b).split('Error detail').length === 3)
    expect(text(host.bytes)).toMatch(/ascii_dec at 20000 Hz is limited to 0\.5 s/)
    host.clear()
    for (const line of ['freq 5k', 'acqtime 1m', 'start']) await host.send(line)
    await host.until((b) => text(b).includes('Acquisition completed'))
    expect(text(host.bytes).split('\r\n')).toEqual([
      'PowerShield > ack freq 5k',
      'PowerShield > ack acqtime 1m',
      'PowerShield > ack start',
      'TimeStamp: 000s 000ms, buff 00%',
      '1234-05',
      '1234-05',
      '1234-05',
      '1234-05',
      '1234-05',
      'end',
      'PowerShield > Acquisition completed',
      ''
    ])
  })

  it('limits energy output to 10 kHz', async () => {
    const host = await board(settableSignal(1e-3))
    for (const line of ['htc', 'output energy', 'format bin_hexa', 'freq 20k', 'start']) await host.send(line)
    await host.until((b) => text(b).includes('Error detail'))
    expect(text(host.bytes)).toMatch(/Error detail: energy output is limited to 10 kHz/)
  })

  it('reports D7 falling edges as `event <n> ris` before the sample whose period holds the edge', async () => {
    const edges = [0.0123, 0.0301, 0.0777]
    const signal: DutSignal = {
      render(t0S, periodS, currentA, digital) {
        currentA.fill(1e-3)
        for (let i = 0; i < digital.length; i++) {
          const us = Math.round((t0S + i * periodS) * 1e6)
          digital[i] = edges.some((e) => us >= Math.round(e * 1e6) && us < Math.round(e * 1e6) + 50) ? 0 : 0x80
        }
      }
    }
    const host = await board(signal)
    // trigdelay defaults to 1 ms on the board: set 0 so sample 0 starts at bench time 0
    for (const line of ['htc', 'format ascii_dec', 'freq 1k', 'acqtime 100m', 'trigdelay 0', 'eventsrc d7 fal', 'start']) await host.send(line)
    await host.until((b) => text(b).includes('Acquisition completed'))
    const lines = text(host.bytes).split('\r\n')
    const dataLines = lines.slice(lines.indexOf('PowerShield > ack start') + 1)
    let samplesBefore = 0
    const events: Array<[string, number]> = []
    for (const l of dataLines) {
      if (/^\d{4}[+-]\d{2}$/.test(l)) samplesBefore++
      else if (l.startsWith('event')) events.push([l, samplesBefore])
    }
    expect(events).toEqual([
      ['event 1 ris', 12],
      ['event 2 ris', 30],
      ['event 3 ris', 77]
    ])
    expect(samplesBefore).toBe(100)
  })

  it('starts on a D7 falling edge with trigsrc d7, after trigdelay', async () => {
    const ramp: DutSignal = {
      render(t0S, periodS, currentA, digital) {
        for (let i = 0; i < currentA.length; i++) {
          const t = t0S + i * periodS
          currentA[i] = 1e-3 * (1 + t)
          digital[i] = Math.round(t * 1e6) >= 250_000 ? 0 : 0x80
        }
      }
    }
    const host = await board(ramp)
    for (const line of ['htc', 'format bin_hexa', 'freq 1k', 'acqtime 10m', 'trigsrc d7', 'trigdelay 5m', 'start']) await host.send(line)
    await host.until((b) => text(b).includes('Acquisition completed'))
    const truth = bench!.emulator.truth().acquisitions[0]
    expect(truth.startS).toBeCloseTo(0.255, 9)
    const stream = host.bytes.subarray(host.bytes.indexOf('ack start\r\n') + 11 + 9)
    const word = stream.readUInt16BE(0)
    const first = (word & 0xfff) / 16 ** (word >> 12)
    expect(Math.abs(first - 1.255e-3) / 1.255e-3).toBeLessThan(0.002)
  })

  it('answers only stop, pwr and targrst during an acquisition, in frames inside a bin_hexa stream', async () => {
    bench = await createVirtualLpm01a(settableSignal(1e-3), realTimeClock, { pace: 'real-time' })
    const live = await rawHost(bench.hostPath)
    ports.push(live.port)
    for (const line of ['htc', 'format bin_hexa', 'freq 1k', 'acqtime inf', 'start']) await live.send(line)
    await live.until((b) => b.includes('ack start'))
    await live.send('freq 2k')
    await live.until((b) => b.includes('acquisition in progress'))
    const frame = live.bytes.subarray(live.bytes.indexOf(Buffer.from([0xf0, 0xf1])))
    expect(text(frame.subarray(2, frame.indexOf(Buffer.from([0xff, 0xff]))))).toBe('error freq 2k')
    await live.send('pwr off')
    await live.until((b) => b.includes('ack pwr off'))
    await live.send('stop')
    await live.until((b) => text(b).includes('Acquisition completed'))
  })

  it('cuts the target power for the targrst time during an acquisition: the board measures zero meanwhile', async () => {
    const host = await board(settableSignal(3e-3))
    for (const line of ['htc', 'format bin_hexa', 'freq 1k', 'acqtime inf', 'start']) await host.send(line)
    await host.until((b) => b.includes('ack start'))
    await host.send('targrst 20m')
    await host.until((b) => b.includes('ack targrst 20m'))
    await host.send('stop')
    await host.until((b) => text(b).includes('Acquisition completed'))
    const all = host.bytes
    const ack = all.indexOf('ack targrst 20m')
    let at = all.indexOf(Buffer.from([0xff, 0xff]), ack) + 2
    const words: number[] = []
    while (words.length < 40) {
      if (all[at] === 0xf0) at = all.indexOf(Buffer.from([0xff, 0xff]), at) + 2 // skip a timestamp frame
      else {
        words.push(all.readUInt16BE(at))
        at += 2
      }
    }
    const zeros = words.findIndex((w) => w !== 0)
    // 20 ms at 1 kHz is 20 samples (one more if the window's end rounds onto a sample's start)
    expect(zeros === 20 || zeros === 21).toBe(true)
    expect(words.slice(zeros).every((w) => Math.abs((w & 0xfff) / 16 ** (w >> 12) - 3e-3) < 3e-3 * 0.005)).toBe(true)
  })

  it('overflows as it reports when the host stops reading: losses match the gaps the assembler finds', async () => {
    bench = await createVirtualLpm01a(settableSignal(1e-3), realTimeClock, { pace: 'real-time', txBufferBytes: 8 * 1024, keepTruth: true })
    const fd = openSync(bench.hostPath, 'r+')
    try {
      writeSync(fd, 'htc\nformat bin_hexa\nfreq 100k\nacqtime 3\nstart\n')
      // read nothing for 1.5 s: the pty and the board's transmit buffer fill up
      await new Promise((r) => setTimeout(r, 1500))
      const decoder = new Lpm01aStreamDecoder()
      decoder.expectAcquisition('bin_hexa')
      const sink = new RecordingSink()
      const asm = new CaptureAssembler({ sink, sampleRateHz: 100_000, output: 'current', supplyV: 3.3, deviceName: 'test', expectedSamples: 300_000 })
      await new Promise<void>((resolve, reject) => {
        const stream = createReadStream('', { fd, autoClose: false, highWaterMark: 64 * 1024 })
        stream.on('data', (chunk) => {
          for (const e of decoder.push(chunk as Buffer)) {
            if (e.kind === 'reply' && e.reply.kind === 'completed') {
              stream.destroy()
              resolve()
            } else asm.handle(e)
          }
        })
        stream.on('error', reject)
      })
      const summary = asm.finish('end-of-acquisition')
      const truth = bench.emulator.truth().acquisitions[0]
      const lost = truth.losses.reduce((n, l) => n + l.count, 0)
      expect(lost).toBeGreaterThan(0)
      expect(summary.lostSamples).toBe(lost)
      expect(summary.samples).toBe(truth.samplesSent)
      expect(summary.slots).toBe(300_000)
      expect(sink.gaps[0].startIndex).toBe(truth.losses[0].atSample)
      expect(sink.checkContiguous()).toBeNull()
    } finally {
      try {
        closeSync(fd)
      } catch {
        // the read stream closed it already
      }
    }
  })
})
