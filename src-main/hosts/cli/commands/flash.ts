import { readFileSync } from 'node:fs'
import { basename } from 'node:path'
import { UserError, type CliCommand } from '../command'
import { readFirmwareImage } from '../../../probes/image/firmware-image'
import { parseFlashAlgorithm } from '../../../probes/services/flash/flash-algorithm'
import { FlmFlasher } from '../../../probes/services/flash/flasher'
import { openFromOptions, parseAddress, parseRange, PROBE_HELP, PROBE_OPTIONS } from './probe-options'
import { si } from './si-text'

export const flashCommand: CliCommand = {
  name: 'flash',
  summary: 'Program an ELF, HEX or BIN image with a CMSIS-Pack flash algorithm, and verify it',
  usage: 'FIRMWARE [--probe ID] [--algorithm FLM] [--ram START:SIZE] [--base ADDR] [--no-verify] [--run]',
  help: [
    'FIRMWARE        .elf, .hex or .bin (a .bin needs --base, the address it goes to)',
    '--algorithm FLM the device\'s flash algorithm from its CMSIS-Pack (the virtual bench has its own)',
    '--ram START:SIZE target RAM the algorithm runs in, e.g. 0x20000000:0x4000',
    '--no-verify     skip reading the image back',
    '--run           reset the target and let it run afterwards',
    '',
    PROBE_HELP
  ].join('\n'),
  options: {
    ...PROBE_OPTIONS,
    algorithm: { type: 'string' },
    ram: { type: 'string' },
    base: { type: 'string' },
    'no-verify': { type: 'boolean', default: false },
    run: { type: 'boolean', default: false }
  },
  async run(ctx, values, positionals) {
    const file = positionals[0]
    if (!file) throw new UserError('joulebench flash needs a FIRMWARE file (.elf, .hex or .bin). See joulebench flash --help.', 2)
    const image = readFirmwareImage(file, { binBaseAddress: typeof values.base === 'string' ? parseAddress(values.base, '--base') : undefined })
    const session = await openFromOptions(values, ctx.note)
    try {
      const algorithmPath = typeof values.algorithm === 'string' ? values.algorithm : session.board?.flashAlgorithm
      const ram = typeof values.ram === 'string' ? parseRange(values.ram, '--ram') : session.board?.memory.algorithmRam
      if (!algorithmPath || !ram) {
        throw new UserError(
          `Flashing through ${session.target.description} needs the device's flash algorithm and the RAM it may run in: add --algorithm path/to/Device.FLM (from the device's CMSIS-Pack) and --ram START:SIZE (e.g. 0x20000000:0x8000).`
        )
      }
      let bytes: Uint8Array
      try {
        bytes = readFileSync(algorithmPath)
      } catch (e) {
        throw new UserError(`Cannot read the flash algorithm ${algorithmPath}: ${(e as Error).message}.`)
      }
      const algorithm = parseFlashAlgorithm(bytes, basename(algorithmPath))
      const flasher = new FlmFlasher(session.target, algorithm, ram)
      const started = performance.now()
      const report = await flasher.flash(image.chunks, {
        verify: !values['no-verify'],
        onProgress: ctx.json ? undefined : (done, total, phase) => ctx.note(`${phase} ${done}/${total}`)
      })
      if (values.run) await session.target.reset()
      const durationS = (performance.now() - started) / 1000
      const document = {
        probe: session.id,
        image: { file: image.fileName, format: image.format, bytes: image.sizeBytes },
        algorithm: { file: algorithm.fileName, device: algorithm.name, flashStart: algorithm.flashStart, flashSizeBytes: algorithm.flashSize },
        ...report,
        durationS,
        bytesPerS: image.sizeBytes / durationS,
        running: values.run === true
      }
      ctx.report(
        document,
        `Flashed ${image.fileName} (${image.sizeBytes} bytes, ${report.sectorsErased} sectors, ${report.pagesProgrammed} pages) with ${algorithm.fileName} through ${session.target.description}${report.verified ? ', verified' : ''} in ${si(durationS, 's', 3)} (${si(document.bytesPerS, 'B/s', 3)}).`
      )
    } finally {
      await session.close()
    }
  }
}
