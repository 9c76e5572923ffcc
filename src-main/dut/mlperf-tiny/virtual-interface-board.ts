import { openSerial, type SerialTransport } from '../../transports/serial'

/**
 * A virtual MLCommons interface board (the STM32H573I-DK running benchmark/interface): the host talks
 * to it at 115200 baud; it talks to the isolated DUT at the DUT's rate. Only the two commands the
 * runner needs are emulated, `name` and `dut`, with the board's own menu rules:
 * - a command matches by prefix, then must be exact or followed by a space and arguments; a prefix
 *   match that is neither (e.g. "names") gets no answer at all; an unknown command gets just m-ready;
 * - `dut <command>` answers `m-dut-passthrough(<command>)` and m-ready, sends `<command>%` to the DUT,
 *   and relays each DUT line (split at CR LF) as `[dut]: <line>` until the DUT's m-ready;
 * - the board handles one command at a time; host bytes wait in its UART meanwhile.
 */

export interface VirtualInterfaceBoardOptions {
  /** The pty end the board owns on the host side (the host driver opens the other end). */
  hostDevicePath: string
  /** The host end of the DUT's pty pair: the board's UART to the DUT. */
  dutPath: string
  dutBaudRate?: number
}

export interface VirtualInterfaceBoard {
  /** DUT lines that arrived while no pass-through was waiting (the board discards them; kept here for inspection). */
  readonly unrelayed: readonly string[]
  close(): Promise<void>
}

export const INTERFACE_BOARD_NAME = 'tinyML Enhanced Interface Board'
const MENU = ['name', 'dut']

export async function startVirtualInterfaceBoard(options: VirtualInterfaceBoardOptions): Promise<VirtualInterfaceBoard> {
  const host = await openSerial(options.hostDevicePath, 115200)
  let dut: SerialTransport
  try {
    dut = await openSerial(options.dutPath, options.dutBaudRate ?? 9600)
  } catch (e) {
    await host.close()
    throw e
  }
  return new Board(host, dut)
}

class Board implements VirtualInterfaceBoard {
  readonly unrelayed: string[] = []
  private hostText = ''
  private dutText = ''
  private busy = false
  private relaying: ((line: string) => void) | null = null
  private readonly dutGone: Promise<void>

  constructor(
    private readonly host: SerialTransport,
    private readonly dut: SerialTransport
  ) {
    this.dutGone = new Promise<void>((resolve) => dut.onClose(() => resolve()))
    host.onData((chunk) => {
      this.hostText += chunk.toString('latin1')
      void this.serve()
    })
    dut.onData((chunk) => {
      this.dutText += chunk.toString('latin1')
      let at: number
      while ((at = this.dutText.indexOf('\r\n')) >= 0) {
        const line = this.dutText.slice(0, at)
        this.dutText = this.dutText.slice(at + 2)
        if (this.relaying) this.relaying(line)
        else if (this.unrelayed.push(line) > 100) this.unrelayed.shift()
      }
    })
  }

  async close(): Promise<void> {
    this.relaying = null
    await this.host.close()
    await this.dut.close()
  }

  private async serve(): Promise<void> {
    if (this.busy) return
    this.busy = true
    try {
      let at: number
      while ((at = this.hostText.indexOf('%')) >= 0) {
        const command = this.hostText.slice(0, at)
        this.hostText = this.hostText.slice(at + 1)
        await this.handle(command)
      }
    } finally {
      this.busy = false
    }
  }

  private async handle(buffer: string): Promise<void> {
    for (const name of MENU) {
      if (!buffer.startsWith(name)) continue
      let args: string
      if (buffer.length === name.length) args = ''
      else if (buffer.length > name.length + 1 && buffer[name.length] === ' ') args = buffer.slice(name.length + 1)
      else return
      if (name === 'name') await this.host.write(`${INTERFACE_BOARD_NAME}\r\nm-ready\r\n`)
      else await this.passthrough(args)
      return
    }
    await this.host.write('m-ready\r\n')
  }

  private async passthrough(command: string): Promise<void> {
    await this.host.write(`m-dut-passthrough(${command})\r\nm-ready\r\n`)
    const finished = new Promise<void>((resolve) => {
      this.relaying = (line) => {
        void this.host.write(`[dut]: ${line}\r\n`)
        if (line === 'm-ready') {
          this.relaying = null
          resolve()
        }
      }
    })
    await this.dut.write(`${command}%`)
    // Like the board, wait for the DUT as long as it takes; closing the board ends the wait.
    await Promise.race([finished, this.dutGone])
  }
}
