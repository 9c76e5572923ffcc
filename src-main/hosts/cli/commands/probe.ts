import { UserError, type CliCommand } from '../command'
import { CoreRegister } from '../../../probes/debug-target'
import { listProbes, VIRTUAL_PROBE_IDS } from '../../../probes/probe-session'
import { hex32, openFromOptions, parseAddress, PROBE_HELP, PROBE_OPTIONS } from './probe-options'

const MAX_READ = 1 << 20

function hexdump(address: number, bytes: Uint8Array): string {
  const lines: string[] = []
  for (let i = 0; i < bytes.length; i += 16) {
    const row = bytes.subarray(i, i + 16)
    const hex = Array.from(row, (b) => b.toString(16).padStart(2, '0')).join(' ')
    const text = Array.from(row, (b) => (b >= 0x20 && b < 0x7f ? String.fromCharCode(b) : '.')).join('')
    lines.push(`${hex32(address + i)}  ${hex.padEnd(47)}  ${text}`)
  }
  return lines.join('\n')
}

export const probeCommand: CliCommand = {
  name: 'probe',
  summary: 'Debug probes: list them, show a target, reset it, read its memory',
  usage: 'list | info | reset [--halt] | read ADDR LEN   [--probe ID] [--clock HZ]',
  help: [
    'list          probes attached over USB, and the virtual ones',
    'info          connect and describe the probe and its core (CPU, state, PC, cycle counter)',
    'reset         reset the target and let it run (--halt: stop it at the reset vector)',
    'read ADDR LEN read LEN bytes at ADDR (hex 0x… or decimal); --json gives the bytes as hex',
    '',
    PROBE_HELP
  ].join('\n'),
  options: { ...PROBE_OPTIONS, halt: { type: 'boolean', default: false } },
  async run(ctx, values, positionals) {
    const [action, ...args] = positionals
    if (action === 'list') {
      const { probes, hint } = await listProbes()
      const document = {
        probes: probes.map((p) => ({ id: p.id, family: p.family, model: p.model, serial: p.serial, detail: p.detail, virtual: false })),
        virtual: [...VIRTUAL_PROBE_IDS],
        hint
      }
      ctx.report(document, () =>
        [
          probes.length ? `${probes.length} probe${probes.length === 1 ? '' : 's'} attached:` : 'No USB probe attached.',
          ...probes.map((p) => `  ${p.id.padEnd(32)} ${p.model}  ${p.detail}`),
          `Virtual: ${VIRTUAL_PROBE_IDS.join(', ')}`,
          ...(hint ? [`hint: ${hint}`] : [])
        ].join('\n')
      )
      return
    }
    if (action !== 'info' && action !== 'reset' && action !== 'read') {
      throw new UserError(`joulebench probe needs an action: list, info, reset or read (got "${action ?? ''}"). See joulebench probe --help.`, 2)
    }
    const address = action === 'read' ? parseAddress(args[0], 'ADDR') : 0
    const length = action === 'read' ? parseAddress(args[1], 'LEN') : 0
    if (action === 'read' && (length === 0 || length > MAX_READ)) throw new UserError(`LEN must be 1 to ${MAX_READ} bytes, got ${length}.`, 2)

    const session = await openFromOptions(values, ctx.note)
    try {
      const t = session.target
      if (action === 'info') {
        const halted = await t.isHalted()
        const pc = halted ? await t.readRegister(CoreRegister.pc) : null
        const counter = await t.cycleCounter()
        const extra = t as { cpu?: { name: string; partNumber: number }; dpidr?: { raw: number }; probe?: { info?: Record<string, unknown>; targetVoltageV?: number } }
        const document = {
          probe: { id: session.id, kind: session.kind, description: t.description, info: extra.probe?.info ?? null, targetVoltageV: extra.probe?.targetVoltageV ?? null },
          target: { cpu: extra.cpu?.name ?? null, dpidr: extra.dpidr ? hex32(extra.dpidr.raw) : null, halted, pc: pc === null ? null : hex32(pc) },
          cycleCounter: counter ? { unit: counter.unit, description: counter.description } : null
        }
        ctx.report(document, () =>
          [
            t.description,
            `  core ${document.target.cpu ?? 'unknown'}${document.target.dpidr ? `, DPIDR ${document.target.dpidr}` : ''}, ${halted ? `halted at ${document.target.pc}` : 'running'}`,
            `  cycle counter: ${counter ? counter.description : 'none (no DWT_CYCCNT on this core or target)'}`
          ].join('\n')
        )
      } else if (action === 'reset') {
        if (values.halt) await t.resetAndHalt()
        else await t.reset()
        const pc = values.halt ? await t.readRegister(CoreRegister.pc) : null
        ctx.report({ probe: session.id, reset: values.halt ? 'halt' : 'run', pc: pc === null ? null : hex32(pc) }, values.halt ? `Reset ${t.description}; halted at ${hex32(pc!)}.` : `Reset ${t.description}; running.`)
      } else {
        const bytes = await t.readMemory(address, length)
        ctx.report({ probe: session.id, address: hex32(address), length, hex: Buffer.from(bytes).toString('hex') }, () => hexdump(address, bytes))
      }
    } finally {
      await session.close()
    }
  }
}
