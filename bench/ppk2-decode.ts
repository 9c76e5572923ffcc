/**
 * PPK2 host-side throughput: recorded sample bytes → framing/counter check → calibrated current →
 * spike filter → D0–D7, on one core, as the driver runs it (64 KiB serial chunks).
 *
 *   npx tsx bench/ppk2-decode.ts [million samples, default 10]
 *
 * The bytes come from the emulator's front end: pulses that switch ranges every 500 µs, ADC noise and
 * switching spikes, so the spike filter and range lookups do real work.
 */
import { decodePpk2Words, extractPpk2Logic, newSpikeFilterState } from '../src-main/instruments/ppk2/conversion'
import { EmulatedFrontEnd, EMULATED_CALIBRATION } from '../src-main/instruments/ppk2/emulator-model'
import { parsePpk2Metadata } from '../src-main/instruments/ppk2/metadata'
import { formatMetadata } from '../src-main/instruments/ppk2/emulator-model'
import { squarePulses } from '../src-main/instruments/ppk2/signals'
import { Ppk2StreamDecoder } from '../src-main/instruments/ppk2/stream-decoder'

const samples = Math.round(Number(process.argv[2] ?? 10) * 1e6)
const supplyMv = 3300

function record(): Uint8Array {
  const frontEnd = new EmulatedFrontEnd({ seed: 7 })
  const signal = squarePulses({ lowA: 12e-6, highA: 18e-3, periodS: 1e-3, duty: 0.5, highDigital: 0x01 })
  const words = new Uint32Array(samples)
  const block = 65536
  const current = new Float64Array(block)
  const digital = new Uint8Array(block)
  for (let at = 0; at < samples; at += block) {
    const n = Math.min(block, samples - at)
    signal.render(at * 1e-5, 1e-5, current.subarray(0, n), digital.subarray(0, n))
    frontEnd.encode(current.subarray(0, n), digital.subarray(0, n), supplyMv, true, words.subarray(at, at + n))
  }
  return new Uint8Array(words.buffer)
}

const t0 = performance.now()
const bytes = record()
console.log(`recorded ${samples.toLocaleString()} samples (${(bytes.length / 1e6).toFixed(0)} MB) in ${((performance.now() - t0) / 1000).toFixed(1)} s`)

const calibration = parsePpk2Metadata(
  formatMetadata({ calibration: EMULATED_CALIBRATION, ug: [1, 1, 1, 1, 1], vddMv: supplyMv, mode: 2, calibrated: 1, hw: 9173, ia: 56 })
).calibration

function run(): { seconds: number; decoded: number; checksum: number } {
  const filter = newSpikeFilterState()
  let decoded = 0
  let checksum = 0
  let current = new Float32Array(65536)
  let digital = new Uint8Array(65536)
  const decoder = new Ppk2StreamDecoder({
    words(_start, words) {
      if (current.length < words.length) {
        current = new Float32Array(words.length)
        digital = new Uint8Array(words.length)
      }
      decodePpk2Words(words, calibration, supplyMv, current, filter)
      extractPpk2Logic(words, digital)
      decoded += words.length
      checksum += current[0] + digital[0]
    },
    gap() {
      throw new Error('unexpected gap in a clean recording')
    }
  })
  const chunk = 65536
  const start = performance.now()
  for (let at = 0; at < bytes.length; at += chunk) decoder.push(bytes.subarray(at, at + chunk))
  decoder.finish()
  return { seconds: (performance.now() - start) / 1000, decoded, checksum }
}

let best = Number.POSITIVE_INFINITY
for (let round = 1; round <= 5; round++) {
  const r = run()
  if (r.decoded !== samples) throw new Error(`decoded ${r.decoded} of ${samples} samples`)
  best = Math.min(best, r.seconds)
  console.log(`round ${round}: ${(samples / r.seconds / 1e6).toFixed(1)} M samples/s (${r.seconds.toFixed(3)} s)`)
}
console.log(`best: ${(samples / best / 1e6).toFixed(1)} M samples/s decode + convert + filter + D0–D7 on one core`)
console.log(`input: 4 bytes per sample; output kept per sample: 4 (raw word) + 4 (float32 current) + 1 (D0–D7) bytes`)
