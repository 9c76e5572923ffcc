/**
 * Builds the benchmark firmware in resources/firmware with Debian's gcc-arm-none-eabi (make is
 * incremental, so repeated builds into the same folder are cheap) and names the outputs.
 */
import { execFile } from 'node:child_process'
import { existsSync, mkdirSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'

export interface BenchFirmware {
  /** MLPerf Tiny DUT protocol on UART0, jbconv01 network, RTT mirror. */
  dut: string
  /** Semihosting selftest: checkpoints, RTT traffic, kernel cases, exit code from jb_exit_code. */
  selftest: string
  /** The selftest linked at 0x00200000 (the emulated flash), as ELF, BIN and HEX: images to flash. */
  flashImageElf: string
  flashImageBin: string
  flashImageHex: string
  /** Our flash algorithm (FLM layout) for the emulated flash at 0x00200000. */
  flashAlgorithm: string
}

export const FIRMWARE_SOURCE_DIR = fileURLToPath(new URL('../../../resources/firmware', import.meta.url))

export class FirmwareBuildError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'FirmwareBuildError'
  }
}

export function defaultFirmwareOutDir(): string {
  return join(tmpdir(), 'joulebench-firmware')
}

export async function buildBenchFirmware(outDir = defaultFirmwareOutDir(), cpu: 'cortex-m3' | 'cortex-m4' = 'cortex-m3'): Promise<BenchFirmware> {
  mkdirSync(outDir, { recursive: true })
  await new Promise<void>((resolve, reject) => {
    execFile('make', ['-s', '-C', FIRMWARE_SOURCE_DIR, `OUT=${outDir}`, `CPU=${cpu}`], { timeout: 120_000 }, (error, _stdout, stderr) => {
      if (!error) return resolve()
      const missing = /arm-none-eabi-gcc: (not found|No such file)|command not found/.test(stderr) || (error as NodeJS.ErrnoException).code === 'ENOENT'
      reject(
        new FirmwareBuildError(
          missing
            ? 'Building the benchmark firmware needs make and the Arm GCC toolchain. Install them with: sudo apt-get install make gcc-arm-none-eabi libnewlib-arm-none-eabi'
            : `Building the benchmark firmware in ${FIRMWARE_SOURCE_DIR} failed: ${stderr.trim().slice(-600)}`
        )
      )
    })
  })
  const out: BenchFirmware = {
    dut: join(outDir, 'dut.elf'),
    selftest: join(outDir, 'selftest.elf'),
    flashImageElf: join(outDir, 'selftest-flash.elf'),
    flashImageBin: join(outDir, 'selftest-flash.bin'),
    flashImageHex: join(outDir, 'selftest-flash.hex'),
    flashAlgorithm: join(outDir, 'jb-emuflash.flm')
  }
  for (const path of Object.values(out)) if (!existsSync(path)) throw new FirmwareBuildError(`The firmware build did not produce ${path}.`)
  return out
}
