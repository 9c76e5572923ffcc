/**
 * LPM01A stream decoding cost: how fast the codec and capture assembler turn board bytes into sample
 * blocks, and how many wire bytes a sample costs in each format. Pure CPU, no I/O.
 * Run: npx tsx bench/lpm01a-decode.ts
 */
import type { SampleSink } from '../src-main/capture/sample-block'
import { CaptureAssembler } from '../src-main/instruments/lpm01a/capture-assembler'
import { EmulatedAcquisition } from '../src-main/instruments/lpm01a/emulator-acquisition'
import { Lpm01aStreamDecoder } from '../src-main/instruments/lpm01a/stream-decoder'

const nullSink: SampleSink = { samples() {}, gap() {}, mark() {}, warning() {} }

function stream(format: 'bin_hexa' | 'ascii_dec', fs: number, seconds: number): Uint8Array {
  const signal = {
    render(t0: number, dt: number, cur: Float64Array, dig: Uint8Array) {
      for (let i = 0; i < cur.length; i++) cur[i] = 1e-3 * (1 + 0.5 * Math.sin((t0 + i * dt) * 50))
      dig.fill(0x80)
    }
  }
  const acq = new EmulatedAcquisition(
    { sampleRateHz: fs, acqtimeS: seconds, output: 'current', format, supplyV: 3.3, eventEdge: null, triggerOnD7: false, triggerDelayS: 0, overcurrent: { tripA: Infinity, spikeA: Infinity } },
    signal,
    0,
    { edgeResolutionS: 1 / fs, keepTruth: false, faults: [], targetPowered: () => true, bufferPercent: () => 0 }
  )
  const parts: Uint8Array[] = [Buffer.from('PowerShield > ack start\r\n')]
  while (acq.remaining > 0) parts.push(acq.advance(Infinity, 100_000))
  return Buffer.concat(parts)
}

function run(format: 'bin_hexa' | 'ascii_dec', fs: number, seconds: number) {
  const bytes = stream(format, fs, seconds)
  const samples = fs * seconds
  let best = Infinity
  for (let rep = 0; rep < 5; rep++) {
    const decoder = new Lpm01aStreamDecoder()
    decoder.expectAcquisition(format)
    const asm = new CaptureAssembler({ sink: nullSink, sampleRateHz: fs, output: 'current', supplyV: 3.3, deviceName: 'bench', expectedSamples: samples })
    const t0 = process.hrtime.bigint()
    for (let at = 0; at < bytes.length; at += 4096) for (const e of decoder.push(bytes.subarray(at, at + 4096))) asm.handle(e)
    const summary = asm.finish('end-of-acquisition')
    const s = Number(process.hrtime.bigint() - t0) / 1e9
    if (summary.samples !== samples) throw new Error(`decoded ${summary.samples} of ${samples} samples`)
    best = Math.min(best, s)
  }
  console.log(
    `${format.padEnd(9)} ${String(fs / 1000).padStart(3)} kHz × ${seconds} s: ${(bytes.length / samples).toFixed(3)} wire bytes/sample, ` +
      `decode+assemble ${(samples / best / 1e6).toFixed(1)} Msamples/s (${(bytes.length / best / 1e6).toFixed(1)} MB/s), ` +
      `${((best / seconds) * 1000).toFixed(2)} ms CPU per captured second (best of 5)`
  )
}

run('bin_hexa', 100_000, 20)
run('ascii_dec', 5_000, 120)
run('ascii_dec', 1_000, 600)
