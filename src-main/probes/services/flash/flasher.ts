/**
 * Flashing with a CMSIS-Pack flash algorithm, the way pyOCD and probe-rs run one: reset-halt, copy the
 * algorithm into target RAM behind a two-instruction trap (BKPT; B .), and call its functions by setting
 * R0–R3, R9 (static base), SP, LR (the trap, Thumb bit set) and PC, then resume until the core halts on
 * the trap and read the result from R0. Where the probe can put a hardware breakpoint on the trap it
 * does (so the trap never executes); elsewhere the BKPT halts the core. Runs over any DebugTarget.
 */
import { CoreRegister, type DebugTarget } from '../../debug-target'
import type { LoadChunk } from '../../elf/elf-file'
import { firstDifference } from '../load'
import { sectorList, type FlashAlgorithm } from './flash-algorithm'

export interface RamRegion {
  start: number
  size: number
}

export interface FlashReport {
  bytes: number
  sectorsErased: number
  pagesProgrammed: number
  verified: boolean
  eraseS: number
  programS: number
  verifyS: number
}

export class FlashError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'FlashError'
  }
}

const TRAP = Uint8Array.of(0x00, 0xbe, 0xfe, 0xe7) // BKPT #0; B .
const STACK_BYTES = 1024
const XPSR_THUMB = 0x01000000

export class FlmFlasher {
  private readonly trap: number
  private readonly codeBase: number
  private readonly buffer: number
  private readonly stackTop: number
  private loaded = false

  constructor(
    readonly target: DebugTarget,
    readonly algorithm: FlashAlgorithm,
    readonly ram: RamRegion
  ) {
    this.trap = ram.start
    this.codeBase = (ram.start + 0x20) >>> 0
    this.buffer = (this.codeBase + ((algorithm.blob.length + 3) & ~3)) >>> 0
    this.stackTop = (ram.start + ram.size) >>> 0
    if (this.buffer + algorithm.pageSize + STACK_BYTES > this.stackTop) {
      throw new FlashError(
        `The flash algorithm ${algorithm.fileName} (${algorithm.blob.length} bytes) plus a ${algorithm.pageSize}-byte page buffer and ${STACK_BYTES} bytes of stack do not fit in ${ram.size} bytes of RAM at 0x${ram.start.toString(16)}. Give it a larger RAM region.`
      )
    }
  }

  private async load(): Promise<void> {
    await this.target.resetAndHalt()
    const image = new Uint8Array(this.buffer - this.trap)
    image.set(TRAP, 0)
    image.set(this.algorithm.blob, this.codeBase - this.trap)
    await this.target.writeMemory(this.trap, image)
    const back = await this.target.readMemory(this.trap, image.length)
    const bad = firstDifference(image, back)
    if (bad >= 0) throw new FlashError(`The flash algorithm did not stick in RAM at 0x${(this.trap + bad).toString(16)} on ${this.target.description}: is there RAM at 0x${this.ram.start.toString(16)}?`)
    this.loaded = true
  }

  /** Calls an algorithm function and returns R0. */
  async call(entryOffset: number, args: number[], timeoutMs: number, what: string): Promise<number> {
    if (!this.loaded) await this.load()
    const t = this.target
    for (let i = 0; i < args.length; i++) await t.writeRegister(i, args[i] >>> 0)
    await t.writeRegister(CoreRegister.r9, (this.codeBase + this.algorithm.staticBaseOffset) >>> 0)
    await t.writeRegister(CoreRegister.sp, this.stackTop)
    await t.writeRegister(CoreRegister.lr, (this.trap | 1) >>> 0)
    await t.writeRegister(CoreRegister.pc, (this.codeBase + entryOffset) >>> 0)
    await t.writeRegister(CoreRegister.xpsr, XPSR_THUMB)
    const useBreakpoint = t.canBreakAt(this.trap)
    if (useBreakpoint) await t.setBreakpoint(this.trap)
    try {
      await t.resume()
      const reason = await t.waitForHalt(timeoutMs / 1000 + 2)
      if (reason.kind === 'exited') throw new FlashError(`The target program exited during ${what}.`)
      const pc = reason.pc
      if (pc !== this.trap) {
        throw new FlashError(`${what} did not return to the trap on ${t.description}: the core stopped at 0x${pc.toString(16)} (${reason.kind}). The algorithm may have faulted; check that it matches this device.`)
      }
    } catch (e) {
      if (!(await t.isHalted().catch(() => true))) await t.halt().catch(() => undefined)
      throw e
    } finally {
      if (useBreakpoint) await t.clearBreakpoint(this.trap).catch(() => undefined)
    }
    return t.readRegister(CoreRegister.r0)
  }

  private async expectZero(result: Promise<number>, what: string): Promise<void> {
    const r = await result
    if (r !== 0) throw new FlashError(`${what} failed on ${this.target.description}: the flash algorithm ${this.algorithm.fileName} returned ${r}.`)
  }

  /** Erases the sectors the chunks touch, programs them page by page, and reads everything back. */
  async flash(chunks: LoadChunk[], options: { verify?: boolean; onProgress?: (done: number, total: number, phase: 'erase' | 'program' | 'verify') => void } = {}): Promise<FlashReport> {
    const a = this.algorithm
    const flashEnd = a.flashStart + a.flashSize
    for (const c of chunks) {
      if (c.address < a.flashStart || c.address + c.data.length > flashEnd) {
        throw new FlashError(
          `The image has ${c.data.length} bytes at 0x${c.address.toString(16)}, outside the flash 0x${a.flashStart.toString(16)}–0x${flashEnd.toString(16)} that ${a.fileName} ("${a.name}") programs. Check the image's link address or use the algorithm for that memory.`
        )
      }
    }
    // The image as pages: untouched bytes of a partly used page keep the erased value.
    const pages = new Map<number, Uint8Array>()
    for (const c of chunks) {
      for (let i = 0; i < c.data.length; ) {
        const address = c.address + i
        const pageStart = address - ((address - a.flashStart) % a.pageSize)
        let page = pages.get(pageStart)
        if (!page) pages.set(pageStart, (page = new Uint8Array(a.pageSize).fill(a.erasedValue)))
        const n = Math.min(a.pageSize - (address - pageStart), c.data.length - i)
        page.set(c.data.subarray(i, i + n), address - pageStart)
        i += n
      }
    }
    const sectors = sectorList(a).filter((s) => [...pages.keys()].some((p) => p < s.address + s.size && p + a.pageSize > s.address))
    const total = sectors.length + pages.size
    let done = 0

    const t0 = performance.now()
    await this.expectZero(this.call(a.entries.init, [a.flashStart, 0, 1], 5000, 'Init (erase)'), 'Init for erase')
    for (const s of sectors) {
      await this.expectZero(this.call(a.entries.eraseSector, [s.address], a.eraseTimeoutMs, `EraseSector(0x${s.address.toString(16)})`), `Erasing the sector at 0x${s.address.toString(16)}`)
      options.onProgress?.(++done, total, 'erase')
    }
    await this.expectZero(this.call(a.entries.uninit, [1], 5000, 'UnInit (erase)'), 'UnInit after erase')
    const t1 = performance.now()
    await this.expectZero(this.call(a.entries.init, [a.flashStart, 0, 2], 5000, 'Init (program)'), 'Init for programming')
    for (const [address, page] of [...pages.entries()].sort((x, y) => x[0] - y[0])) {
      await this.target.writeMemory(this.buffer, page)
      await this.expectZero(this.call(a.entries.programPage, [address, a.pageSize, this.buffer], a.programTimeoutMs, `ProgramPage(0x${address.toString(16)})`), `Programming the page at 0x${address.toString(16)}`)
      options.onProgress?.(++done, total, 'program')
    }
    await this.expectZero(this.call(a.entries.uninit, [2], 5000, 'UnInit (program)'), 'UnInit after programming')
    const t2 = performance.now()
    if (options.verify !== false) {
      for (const c of chunks) {
        const back = await this.target.readMemory(c.address, c.data.length)
        const i = firstDifference(c.data, back)
        if (i >= 0) {
          throw new FlashError(
            `Verify failed on ${this.target.description} at 0x${(c.address + i).toString(16)}: wrote 0x${c.data[i].toString(16).padStart(2, '0')}, read back 0x${back[i].toString(16).padStart(2, '0')}. The sector may be write-protected, or the algorithm does not match the device.`
          )
        }
      }
      options.onProgress?.(total, total, 'verify')
    }
    const t3 = performance.now()
    return {
      bytes: chunks.reduce((n, c) => n + c.data.length, 0),
      sectorsErased: sectors.length,
      pagesProgrammed: pages.size,
      verified: options.verify !== false,
      eraseS: (t1 - t0) / 1000,
      programS: (t2 - t1) / 1000,
      verifyS: (t3 - t2) / 1000
    }
  }
}
