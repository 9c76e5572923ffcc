import { afterEach, describe, expect, it } from 'vitest'
import { openPtyPair, type PtyPair } from '../../src-main/transports/pty-pair'
import { openSerial, type SerialTransport } from '../../src-main/transports/serial'
import { startVirtualDut, type VirtualDut } from '../../src-main/dut/mlperf-tiny/virtual-dut'
import { startVirtualInterfaceBoard, type VirtualInterfaceBoard } from '../../src-main/dut/mlperf-tiny/virtual-interface-board'
import { DutDisconnectedError, DutReplyError, DutTimeoutError, MlperfDut } from '../../src-main/dut/mlperf-tiny/driver'
import { MlperfCommandError } from '../../src-main/dut/mlperf-tiny/protocol'
import { fastClock, waitFor } from '../helpers/dut-bench'
import { randomInt, prng } from '../helpers/prng'

const cleanups: Array<() => Promise<void>> = []
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c().catch(() => {})
})
async function pair(): Promise<PtyPair> {
  const p = await openPtyPair('dut')
  cleanups.push(() => p.close())
  return p
}
async function port(path: string, baud = 115200): Promise<SerialTransport> {
  const t = await openSerial(path, baud)
  cleanups.push(() => t.close())
  return t
}
async function dut(opts: Parameters<typeof startVirtualDut>[0]): Promise<VirtualDut> {
  const d = await startVirtualDut(opts)
  cleanups.push(() => d.close())
  return d
}

describe('MlperfDut against the virtual DUT, performance mode', () => {
  it('reads the boot banner, name and profile, loads input and runs inferences with lap timestamps', async () => {
    const p = await pair()
    const host = await port(p.hostPath)
    const driver = new MlperfDut(host)
    const v = await dut({ devicePath: p.devicePath, mode: 'performance', model: { name: 'ic01', macs: 500_000 }, clock: fastClock(5) })
    await waitFor('the boot banner', () => driver.unsolicited.some((l) => l.line === 'm-ready'))
    expect(driver.unsolicited.map((l) => l.reply.kind)).toEqual(['timestamp-mode', 'lap', 'init-done', 'ready'])
    expect(driver.timestampMode).toBe('performance')

    expect(await driver.name()).toBe('unspecified')
    expect(await driver.profile()).toEqual({ profile: 'ULPMark for tinyML Firmware V0.0.1', model: 'ic01' })

    const rand = prng(8)
    const input = Uint8Array.from({ length: 3072 }, () => randomInt(rand, 0, 255))
    expect((await driver.load(input)).commands).toBe(1 + Math.ceil(3072 / 30))
    expect(await driver.printBuffer()).toEqual(input)

    const r = await driver.infer(5, 2)
    const truth = v.truth()
    const batch = truth.batches[0]
    expect(batch).toMatchObject({ count: 5, warmups: 2 })
    expect(truth.inferences.filter((i) => i.batch === 0 && i.warmup)).toHaveLength(2)
    const laps = truth.timestamps.filter((t) => t.timeS >= batch.startTimestampS && t.timeS <= batch.endTimestampS).map((t) => t.lapUs)
    expect(r.lapsUs).toEqual(laps)
    // Independently: the window is the first lap line's print time at 115200 baud plus 5 × (MACs × 10 ns).
    const firstLapLine = `m-lap-us-${laps[0]}\r\n`
    const windowS = (firstLapLine.length * 10) / 115200 + 5 * 500_000 * 10e-9
    expect(Math.abs(r.elapsedUs! - windowS * 1e6)).toBeLessThanOrEqual(1)
    expect(Math.abs(r.latencyPerInferenceS! - windowS / 5)).toBeLessThanOrEqual(1e-6 / 5)
    expect(r.results).toHaveLength(10)
    expect(await driver.results()).toEqual(r.results)
  })

  it('returns e-[…] replies from raw commands and throws them from typed ones', async () => {
    const p = await pair()
    const host = await port(p.hostPath)
    const driver = new MlperfDut(host)
    await dut({ devicePath: p.devicePath, mode: 'performance', model: { name: 'kws01', macs: 1000 } })
    expect((await driver.command('infer 0 0')).errors).toEqual(['Inference iterations must be >0'])
    expect((await driver.command('bogus')).errors).toEqual(['Unknown command: bogus'])
    await expect(driver.command('db zz')).resolves.toMatchObject({ errors: ["Invalid hex digit 'zz'"] })
    await expect(driver.infer(0, 0)).rejects.toThrow(MlperfCommandError)
    const tooBig = await driver.load(new Uint8Array(30000)).catch((e) => e)
    expect(tooBig).toBeInstanceOf(DutReplyError)
    expect(tooBig.message).toMatch(/did not accept a 30000-byte input.*"Supplied buffer size 30000 exceeds maximum of 27648".*MAX_DB_INPUT_SIZE/)
    // The link is still in step afterwards.
    expect((await driver.infer(1, 0)).results).toHaveLength(12)
  })

  it('puts the exact bytes of the public grammar on the wire (transcript)', async () => {
    const p = await pair()
    const host = await port(p.hostPath)
    let raw = ''
    host.onData((c) => (raw += c.toString('latin1')))
    const v = await dut({ devicePath: p.devicePath, mode: 'performance', model: { name: 'vww01', macs: 10_000 }, vendor: 'joulebench', results: () => [0.1, 0.9] })
    const exchange = async (cmd: string) => {
      const before = raw.length
      await host.write(cmd)
      await waitFor(`m-ready after ${cmd}`, () => raw.slice(before).includes('m-ready\r\n'))
      return raw.slice(before)
    }
    await waitFor('boot', () => raw.includes('m-ready\r\n'))
    const bootLap = v.truth().timestamps[0].lapUs
    expect(raw).toBe(`m-timestamp-mode-performance\r\nm-lap-us-${bootLap}\r\nm-init-done\r\nm-ready\r\n`)
    expect(await exchange('name%')).toBe('m-name-dut-[joulebench]\r\nm-ready\r\n')
    expect(await exchange('db load 3%')).toBe('m-[Expecting 3 bytes]\r\nm-ready\r\n')
    expect(await exchange('db 0aff10%')).toBe('m-load-done\r\nm-ready\r\n')
    expect(await exchange('db print%')).toBe('m-buffer-0a-ff-10\r\n\r\nm-ready\r\n')
    const inferOut = await exchange('infer 2 1%')
    const [, l1, l2] = v.truth().timestamps.map((t) => t.lapUs)
    expect(inferOut).toBe(
      `m-warmup-start-1\r\nm-warmup-done\r\nm-infer-start-2\r\nm-lap-us-${l1}\r\nm-lap-us-${l2}\r\nm-infer-done\r\nm-results-[0.100,0.900]\r\nm-ready\r\n`
    )
    expect(await exchange('timestamp%')).toMatch(/^m-lap-us-\d+\r\nm-ready\r\n$/)
  })

  it('reports the 32-bit counter wrap correctly', async () => {
    const p = await pair()
    const host = await port(p.hostPath)
    const driver = new MlperfDut(host)
    // A bench clock held still while the command travels, so where the wrap falls is exact: the counter
    // starts 15 ms before it wraps, the first lap comes ~11 ms after boot, the inference takes 20 ms.
    const clock = { t: 0, nowS() { return this.t } }
    const v = await dut({ devicePath: p.devicePath, mode: 'performance', model: { name: 'ic01', macs: 2_000_000 }, lapCounterAtBootUs: 2 ** 32 - 15_000, clock })
    const pending = driver.infer(1, 0)
    await waitFor('the DUT to take the command', () => v.truth().batches.length === 1)
    clock.t = 1
    const r = await pending
    expect(r.lapsUs[1]).toBeLessThan(r.lapsUs[0])
    const b = v.truth().batches[0]
    const truthUs = Math.floor(b.endTimestampS * 1e6) - Math.floor(b.startTimestampS * 1e6)
    expect(r.elapsedUs).toBe(truthUs)
    expect(r.latencyPerInferenceS!).toBeCloseTo(0.02 + (`m-lap-us-${r.lapsUs[0]}\r\n`.length * 10) / 115200, 5)
  })
})

describe('MlperfDut when things go wrong', () => {
  it('times out clearly, naming the port and what to check, when the DUT never answers', async () => {
    const p = await pair()
    const host = await port(p.hostPath)
    const driver = new MlperfDut(host, { replyTimeoutS: 0.3, baudRate: 115200 })
    const err = await driver.name().catch((e) => e)
    expect(err).toBeInstanceOf(DutTimeoutError)
    expect(err.message).toContain(p.hostPath)
    expect(err.message).toMatch(/No reply .* to "name%" within 0\.3 s\. Nothing was received\. Check 115200 baud .*9600 in energy mode.*m-timestamp-mode.*--via-board/)
  })

  it('times out on a half-finished reply, shows what came, and recovers for the next command', async () => {
    const p = await pair()
    const host = await port(p.hostPath)
    const fake = await port(p.devicePath)
    let n = 0
    fake.onData((c) => {
      if (!c.includes('%')) return
      void fake.write(n++ === 0 ? 'm-warmup-start-1\r\nm-warm' : 'm-name-dut-[late]\r\nm-ready\r\n')
    })
    const driver = new MlperfDut(host)
    const err = await driver.command('infer 1 1', { timeoutS: 0.5 }).catch((e) => e)
    expect(err).toBeInstanceOf(DutTimeoutError)
    expect(err.message).toMatch(/No m-ready .*within 0\.5 s\. Received: "m-warmup-start-1", "m-warm" \(unfinished\)\..*raise the timeout/)
    expect(await driver.name()).toBe('late')
  })

  it('rejects the command in flight when the cable is pulled', async () => {
    const p = await pair()
    const host = await port(p.hostPath)
    const driver = new MlperfDut(host)
    // 1 G MACs at 10 ns = 10 s per inference in real time: it will still be running when the link goes.
    await dut({ devicePath: p.devicePath, mode: 'performance', model: { name: 'ic01', macs: 1e9 } })
    const pending = driver.infer(1, 0).catch((e) => e)
    await new Promise((r) => setTimeout(r, 100))
    await p.close()
    const err = await pending
    expect(err).toBeInstanceOf(DutDisconnectedError)
    expect(err.message).toMatch(/went away during `infer 1 0`.*Received: "m-warmup-start-0".*Reconnect/)
    await expect(driver.name()).rejects.toThrow(/is closed/)
  })
})

describe('MlperfDut against a DUT that sends garbage', () => {
  it('settles every command with a reply or a typed error, never a hang or a stray exception', async () => {
    const p = await pair()
    const host = await port(p.hostPath)
    const fake = await port(p.devicePath)
    const rand = prng(4242)
    fake.onData((c) => {
      if (!c.includes('%')) return
      const junk = Buffer.from(Array.from({ length: randomInt(rand, 0, 120) }, () => randomInt(rand, 0, 255)))
      const tail = rand() < 0.6 ? Buffer.from(rand() < 0.5 ? 'm-ready\r\n' : 'e-[bad]\r\nm-ready\r\n') : Buffer.alloc(0)
      void fake.write(Buffer.concat([junk, Buffer.from('\n'), tail]))
    })
    const driver = new MlperfDut(host, { replyTimeoutS: 0.2, commandTimeoutS: 0.3 })
    const outcomes = { replied: 0, typedError: 0 }
    for (let k = 0; k < 15; k++) {
      try {
        await (k % 3 === 0 ? driver.name() : driver.command(k % 3 === 1 ? 'profile' : 'results'))
        outcomes.replied++
      } catch (e) {
        expect((e as Error).name).toMatch(/^Dut(Timeout|Reply)?Error$/)
        expect((e as Error).message).toContain(p.hostPath)
        outcomes.typedError++
      }
    }
    expect(outcomes.replied + outcomes.typedError).toBe(15)
    expect(outcomes.replied).toBeGreaterThan(0)
    expect(outcomes.typedError).toBeGreaterThan(0)
  })
})

describe('MlperfDut through an interface board, energy mode', () => {
  async function bench(withDut: boolean) {
    const hostPair = await pair()
    const dutPair = await pair()
    const board: VirtualInterfaceBoard = await startVirtualInterfaceBoard({ hostDevicePath: hostPair.devicePath, dutPath: dutPair.hostPath })
    cleanups.push(() => board.close())
    let v: VirtualDut | null = null
    if (withDut) {
      v = await dut({ devicePath: dutPair.devicePath, mode: 'energy', model: { name: 'kws01', macs: 100_000 }, clock: fastClock(5) })
      // The DUT's boot banner reaches the board while it relays nothing: it drops it, as the real board
      // would. Wait for that, or the banner's m-ready would end the first pass-through early.
      await waitFor('the board to see the DUT boot', () => board.unrelayed.includes('m-ready'))
    }
    const host = await port(hostPair.hostPath)
    return { v, driver: new MlperfDut(host, { viaInterfaceBoard: true, replyTimeoutS: 2, commandTimeoutS: 10 }), host }
  }

  it('passes commands through and reads the relayed replies; timestamps are pulses, not laps', async () => {
    const { v, driver } = await bench(true)
    expect(await driver.name()).toBe('unspecified')
    expect(driver.timestampMode).toBeNull() // the board dropped the DUT's banner before we were listening
    expect((await driver.profile()).model).toBe('kws01')
    await driver.load(Uint8Array.from({ length: 490 }, (_, k) => k & 0xff))
    const r = await driver.infer(3, 1)
    expect(r.lapsUs).toEqual([])
    expect(r.elapsedUs).toBeNull()
    expect(r.exchange.lines[0].line).toBe('m-dut-passthrough(infer 3 1)')
    expect(r.exchange.lines[1].line).toBe('m-ready')
    expect(r.exchange.lines.at(-1)!.line).toBe('[dut]: m-ready')
    const truth = v!.truth()
    expect(truth.timestamps).toHaveLength(3) // boot, then the two around the 3 inferences
    expect(truth.batches[0].endTimestampS - truth.batches[0].startTimestampS).toBeCloseTo(100e-6 + 3 * 100_000 * 10e-9, 9)
  })

  it('says the board relayed the command but the DUT never answered', async () => {
    const { driver } = await bench(false)
    const err = await driver.command('name', { timeoutS: 0.6 }).catch((e) => e)
    expect(err).toBeInstanceOf(DutTimeoutError)
    expect(err.message).toMatch(/"dut name%".*Received: "m-dut-passthrough\(name\)", "m-ready"\..*relayed the command but the DUT never finished it \(no \[dut\]: line at all\).*9600/)
  })
})
