/**
 * Cost of the MLPerf Tiny link. Load-independent figures first (bytes on the wire to load each
 * benchmark's input, direct and through an interface board, and the UART time that takes), then a
 * measured round trip against the virtual DUT over a pty (best of 3; machine shared, so indicative).
 *
 *   npx tsx bench/dut-protocol.ts
 */
import { dbHexCommands, dbLoadCommand, encodeCommand } from '../src-main/dut/mlperf-tiny/protocol'
import { openPtyPair } from '../src-main/transports/pty-pair'
import { openSerial } from '../src-main/transports/serial'
import { startVirtualDut } from '../src-main/dut/mlperf-tiny/virtual-dut'
import { MlperfDut } from '../src-main/dut/mlperf-tiny/driver'

const inputs = { kws01: 490, ic01: 3072, vww01: 27648 }
console.log('Input loading (db load + db HEX commands, each ≤ 64 bytes on the wire):')
for (const [model, size] of Object.entries(inputs)) {
  for (const via of [false, true]) {
    const cmds = [dbLoadCommand(size), ...dbHexCommands(new Uint8Array(size), via)]
    // What the DUT's UART carries: each command with its %, and the DUT's replies.
    const dutReplies = cmds.map((c, k) => (k === 0 ? `m-[Expecting ${size} bytes]\r\n` : k === cmds.length - 1 ? 'm-load-done\r\n' : '') + 'm-ready\r\n')
    const dutBytes = cmds.reduce((a, c) => a + c.length + 1, 0) + dutReplies.reduce((a, r) => a + r.length, 0)
    // What the host's port carries: the commands (with "dut " through a board) and everything coming back.
    const sent = cmds.reduce((a, c) => a + encodeCommand(c, { viaInterfaceBoard: via }).length, 0)
    const received = via
      ? cmds.reduce((a, c, k) => a + `m-dut-passthrough(${c})\r\nm-ready\r\n`.length + dutReplies[k].split('\r\n').filter(Boolean).length * '[dut]: '.length + dutReplies[k].length, 0)
      : dutReplies.reduce((a, r) => a + r.length, 0)
    const baud = via ? 9600 : 115200
    console.log(
      `  ${model.padEnd(6)} ${String(size).padStart(6)} B ${via ? 'via board' : 'direct   '}: ${String(cmds.length).padStart(4)} commands, host sends ${String(sent).padStart(6)} B (${(sent / size).toFixed(2)} B per input byte) and receives ${String(received).padStart(6)} B; the DUT's UART carries ${dutBytes} B = ${((dutBytes * 10) / baud).toFixed(2)} s at ${baud} baud`
    )
  }
}

const pair = await openPtyPair('bench')
const dut = await startVirtualDut({ devicePath: pair.devicePath, mode: 'performance', model: { name: 'ic01', macs: 1000 } })
const host = await openSerial(pair.hostPath)
const driver = new MlperfDut(host)
await driver.settle()
let bestName = Infinity
let bestLoad = Infinity
for (let k = 0; k < 3; k++) {
  let t0 = performance.now()
  for (let i = 0; i < 50; i++) await driver.name()
  bestName = Math.min(bestName, (performance.now() - t0) / 50)
  t0 = performance.now()
  await driver.load(new Uint8Array(3072))
  bestLoad = Math.min(bestLoad, performance.now() - t0)
}
console.log(`Measured over a pty against the virtual DUT (its modelled 115200-baud print time included; best of 3, machine shared):`)
console.log(`  name round trip: ${bestName.toFixed(2)} ms; ic01 input load (104 commands): ${bestLoad.toFixed(0)} ms`)
await driver.close()
await dut.close()
await pair.close()
