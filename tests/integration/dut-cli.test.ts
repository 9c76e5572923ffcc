import { afterEach, describe, expect, it } from 'vitest'
import { cli } from '../helpers/cli'
import { openPtyPair, type PtyPair } from '../../src-main/transports/pty-pair'
import { startVirtualDut, type VirtualDut } from '../../src-main/dut/mlperf-tiny/virtual-dut'
import { fastClock } from '../helpers/dut-bench'

const cleanups: Array<() => Promise<void>> = []
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c().catch(() => {})
})

async function bench(): Promise<{ pair: PtyPair; dut: VirtualDut }> {
  const pair = await openPtyPair('dutcli')
  cleanups.push(() => pair.close())
  const dut = await startVirtualDut({ devicePath: pair.devicePath, mode: 'performance', model: { name: 'kws01', macs: 300_000 }, clock: fastClock(4) })
  cleanups.push(() => dut.close())
  await dut.drained()
  return { pair, dut }
}

describe('joulebench dut', () => {
  it('prints the name and profile replies, as text and as JSON', async () => {
    const { pair } = await bench()
    const r = await cli(['dut', pair.hostPath, 'name'])
    expect(r.code).toBe(0)
    expect(r.stdout).toBe('m-name-dut-[unspecified]\nm-ready\n')
    const j = await cli(['dut', pair.hostPath, 'profile', '--json'])
    expect(j.code).toBe(0)
    expect(j.json()).toMatchObject({ port: pair.hostPath, command: 'profile', model: 'kws01', profile: 'ULPMark for tinyML Firmware V0.0.1' })
  })

  it('runs infer N W and prints the latency per inference from the lap timestamps', async () => {
    const { pair, dut } = await bench()
    const r = await cli(['dut', pair.hostPath, 'infer', '3', '1', '--json'])
    expect(r.code).toBe(0)
    const doc = r.json()
    const b = dut.truth().batches[0]
    expect(b).toMatchObject({ count: 3, warmups: 1 })
    const truthUs = Math.floor((b.endTimestampS - dut.truth().bootS) * 1e6) - Math.floor((b.startTimestampS - dut.truth().bootS) * 1e6)
    expect(doc.elapsedS).toBeCloseTo(truthUs / 1e6, 9)
    expect(doc.latencyPerInferenceS).toBeCloseTo(truthUs / 1e6 / 3, 9)
    expect(doc.results).toHaveLength(12)
    expect(doc.lines[0]).toBe('m-warmup-start-1')
    const text = await cli(['dut', pair.hostPath, 'infer', '2'])
    expect(text.stdout).toMatch(/m-infer-done\nm-results-\[[\d.,]+\]\nm-ready\nLatency per inference: [\d.]+ ms \(2 inferences in [\d.]+ ms, from m-lap-us \d+ to \d+\)\n$/)
    const res = await cli(['dut', pair.hostPath, 'results', '--json'])
    expect(res.json().results).toHaveLength(12)
  })

  it('explains bad usage in one line', async () => {
    expect((await cli(['dut'])).stderr).toMatch(/^joulebench: Give a port and a command/)
    expect((await cli(['dut', '/dev/null', 'dance'])).stderr).toMatch(/Unknown DUT command "dance": use one of name, profile, infer, results/)
    const bad = await cli(['dut', '/dev/null', 'infer', 'x'])
    expect(bad.code).toBe(1)
    expect(bad.stderr).toMatch(/infer expects N \(inferences\) as a whole number ≥ 1, got "x"/)
    expect((await cli(['dut', '/dev/null', 'name', '--baud', 'fast'])).stderr).toMatch(/--baud expects a number/)
  })

  it('fails with a clear timeout when nothing answers, and names a missing port', async () => {
    const pair = await openPtyPair('dutcli')
    cleanups.push(() => pair.close())
    const r = await cli(['dut', pair.hostPath, 'name', '--timeout', '0.4'])
    expect(r.code).toBe(1)
    expect(r.stderr.trim().split('\n')).toHaveLength(1)
    expect(r.stderr).toMatch(/No reply from the DUT on .* to "name%" within 0\.4 s.*115200 baud/)
    const j = await cli(['dut', '/dev/ttyNOPE9', 'name', '--json'])
    expect(j.json().error).toMatch(/Cannot open \/dev\/ttyNOPE9: no such port/)
  })

  it('talks to a virtual DUT when the port is "virtual"', async () => {
    const r = await cli(['dut', 'virtual', 'profile', '--json'])
    expect(r.stdout + r.stderr).not.toMatch(/error/)
    expect(r.code).toBe(0)
    expect(r.json().model).toBe('ic01')
    expect(r.stderr).toMatch(/Started a virtual DUT/)
  })
})
