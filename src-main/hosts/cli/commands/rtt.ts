import { readFileSync } from 'node:fs'
import { UserError, numberOption, type CliCommand } from '../command'
import { ElfFile } from '../../../probes/elf/elf-file'
import { RttClient, RttError } from '../../../probes/services/rtt'
import { openFromOptions, parseRange, PROBE_HELP, PROBE_OPTIONS } from './probe-options'

const POLL_MS = 10

export const rttCommand: CliCommand = {
  name: 'rtt',
  summary: 'Read (and write) SEGGER RTT channels of the running target',
  usage: '[--probe ID] [--elf FILE | --scan START:SIZE] [--channel N] [--duration S] [--send TEXT]',
  help: [
    '--elf FILE        the firmware ELF: the control block is found by its _SEGGER_RTT symbol (preferred)',
    '--scan START:SIZE RAM to search for the "SEGGER RTT" control block instead',
    '--channel N       up channel to read (default 0)',
    '--duration S      read for S seconds, then stop (default: until Ctrl-C)',
    '--send TEXT       write TEXT to down channel 0 once attached',
    '--no-run          do not resume a halted target',
    '',
    PROBE_HELP
  ].join('\n'),
  options: {
    ...PROBE_OPTIONS,
    elf: { type: 'string' },
    scan: { type: 'string' },
    channel: { type: 'string' },
    duration: { type: 'string' },
    send: { type: 'string' },
    'no-run': { type: 'boolean', default: false }
  },
  async run(ctx, values) {
    const channel = numberOption(values, 'channel', 0)!
    const durationS = numberOption(values, 'duration')
    if (ctx.json && durationS === undefined) throw new UserError('With --json, give --duration S: the JSON document is printed when reading stops.', 2)
    let elf: ElfFile | undefined
    if (typeof values.elf === 'string') {
      try {
        elf = new ElfFile(readFileSync(values.elf), values.elf)
      } catch (e) {
        throw new UserError(`Cannot use ${values.elf}: ${(e as Error).message}`)
      }
    }
    const session = await openFromOptions(values, ctx.note)
    try {
      const t = session.target
      if (!elf && !values.scan && session.board) elf = new ElfFile(readFileSync(session.board.firmware), session.board.firmware)
      const scan = typeof values.scan === 'string' ? [parseRange(values.scan, '--scan')] : session.board ? [session.board.memory.firmwareRam] : undefined
      if (!elf && !scan) throw new UserError('Tell joulebench rtt where the control block is: --elf FIRMWARE.elf (symbol _SEGGER_RTT) or --scan START:SIZE (RAM to search).', 2)
      if (!values['no-run'] && (await t.isHalted())) await t.resume()
      // The firmware sets the block up at start: retry attaching for a moment.
      let client: RttClient | undefined
      const deadline = performance.now() + 3000
      for (;;) {
        try {
          client = await RttClient.attach(t, { elf, scan, ram: session.board?.memory.ram })
          break
        } catch (e) {
          if (!(e instanceof RttError) || performance.now() > deadline) throw e
          await new Promise((r) => setTimeout(r, 50))
        }
      }
      const up = client.up.find((c) => c.index === channel)
      if (!up) throw new UserError(`${t.description} has no RTT up channel ${channel}; it has ${client.up.map((c) => `${c.index} (${c.name})`).join(', ')}.`)
      if (typeof values.send === 'string') {
        const data = new TextEncoder().encode(values.send)
        const n = await client.write(0, data)
        if (n < data.length) ctx.note(`Only ${n} of ${data.length} bytes fitted in down channel 0.`)
      }
      if (!ctx.json) ctx.note(`RTT control block at 0x${client.controlBlockAddress.toString(16)}; reading up channel ${channel} (${up.name ?? 'unnamed'})${durationS === undefined ? '; Ctrl-C to stop' : ''}.`)
      const decoder = new TextDecoder()
      let text = ''
      let bytes = 0
      let stop = false
      const onSigint = () => (stop = true)
      process.once('SIGINT', onSigint)
      const started = performance.now()
      try {
        while (!stop && (durationS === undefined || performance.now() - started < durationS * 1000)) {
          const data = await client.read(channel)
          if (data.length) {
            bytes += data.length
            const s = decoder.decode(data, { stream: true })
            if (ctx.json) text += s
            else ctx.stdout(s)
          }
          await new Promise((r) => setTimeout(r, POLL_MS))
        }
      } finally {
        process.removeListener('SIGINT', onSigint)
      }
      if (ctx.json) {
        ctx.report({ probe: session.id, controlBlock: client.controlBlockAddress, channel: { index: channel, name: up.name, sizeBytes: up.size }, bytes, text, durationS: (performance.now() - started) / 1000 }, '')
      }
    } finally {
      await session.close()
    }
  }
}
