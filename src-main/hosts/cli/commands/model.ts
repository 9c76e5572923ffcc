import type { ElfSizes } from '../../../models/elf-sizes'
import { describeModelFile, type ModelFileFacts } from '../../../models/model-file'
import type { ModelFacts } from '../../../models/tflite-facts'
import type { VelaSummary } from '../../../models/vela-summary'
import { UserError, type CliCommand } from '../command'

const int = (n: number) => Math.round(n).toLocaleString('en-US')
const shape = (s: number[]) => (s.length ? s.join('x') : 'scalar')

function tfliteText(f: ModelFacts & { fileName: string }): string {
  const main = f.subgraphs[0]
  const lines = [
    `${f.fileName} — TFLite model (schema ${f.schemaVersion}), ${f.layerCount} layers, ${int(f.fileBytes)} bytes${f.subgraphs.length > 1 ? `, ${f.subgraphs.length} subgraphs (totals are subgraph 0)` : ''}`,
    `  MACs ${int(f.macs)}   parameters ${int(f.params)} (${int(f.paramBytes)} bytes)   peak activations ≈ ${int(f.peakActivationBytes)} bytes (estimate from tensor lifetimes, at layer ${main.peakAtLayer})`,
    ...main.inputs.map((t) => `  input  ${t.name} ${shape(t.shape)} ${t.type}`),
    ...main.outputs.map((t) => `  output ${t.name} ${shape(t.shape)} ${t.type}`),
    ''
  ]
  const rows = main.layers.map((l) => [
    String(l.index),
    l.op,
    l.inputShapes.map(shape).join(' ') || '-',
    l.outputShapes.map(shape).join(' ') || '-',
    int(l.macs),
    int(l.params),
    int(l.paramBytes)
  ])
  lines.push(...table(['#', 'operator', 'input', 'output', 'MACs', 'params', 'bytes'], rows, [false, false, false, false, true, true, true]))
  return lines.join('\n')
}

function elfText(f: ElfSizes & { fileName: string }): string {
  const lines = [
    `${f.fileName} — ELF ${f.elfClass}-bit ${f.machine} image (${f.endianness} endian)`,
    `  flash ${int(f.flashBytes)} bytes (text ${int(f.textBytes)} + rodata ${int(f.rodataBytes)} + data ${int(f.dataBytes)})`,
    `  RAM   ${int(f.ramBytes)} bytes (data ${int(f.dataBytes)} + bss ${int(f.bssBytes)}; stack and heap only if the linker reserves them as sections)`,
    ''
  ]
  const rows = f.sections.map((s) => [s.name, s.kind, `0x${s.address.toString(16).padStart(8, '0')}`, int(s.sizeBytes)])
  lines.push(...table(['section', 'kind', 'address', 'bytes'], rows, [false, false, false, true]))
  return lines.join('\n')
}

function velaText(f: VelaSummary & { fileName: string }): string {
  const lines = [`${f.fileName} — Arm Vela summary, ${f.configurations.length} configuration(s)`]
  for (const c of f.configurations) {
    const clock = c.coreClockHz ? ` @ ${(c.coreClockHz / 1e6).toFixed(0)} MHz` : ''
    lines.push(`  ${c.network}: ${c.acceleratorConfiguration} / ${c.systemConfig}${c.memoryMode ? ` / ${c.memoryMode}` : ''}${clock}`)
    const t = c.inferenceTimeS !== null ? `${(c.inferenceTimeS * 1e3).toFixed(3)} ms` : 'unknown'
    const cyc = c.cycles.total !== undefined ? ` (${int(c.cycles.total)} cycles)` : ''
    lines.push(`    inference ${t}${cyc}, ${c.macs !== null ? int(c.macs) : '?'} MACs`)
    const mem = Object.entries(c.memoryUsedBytes)
      .filter(([, v]) => v !== null && v > 0)
      .map(([k, v]) => `${k.replace(/_/g, ' ')} ${int(v!)} bytes`)
    if (mem.length) lines.push(`    memory used: ${mem.join(', ')}`)
    if (c.originalWeightsBytes !== null) {
      lines.push(`    weights ${int(c.originalWeightsBytes)} bytes${c.npuEncodedWeightsBytes !== null ? `, ${int(c.npuEncodedWeightsBytes)} bytes encoded for the NPU` : ''}`)
    }
  }
  return lines.join('\n')
}

export function table(head: string[], rows: string[][], right: boolean[]): string[] {
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)))
  const fmt = (r: string[]) => '  ' + r.map((c, i) => (right[i] ? c.padStart(widths[i]) : c.padEnd(widths[i]))).join('  ').trimEnd()
  return [fmt(head), ...rows.map(fmt)]
}

function human(f: ModelFileFacts): string {
  switch (f.kind) {
    case 'tflite':
      return tfliteText(f)
    case 'elf':
      return elfText(f)
    case 'vela-summary':
      return velaText(f)
  }
}

export const modelCommand: CliCommand = {
  name: 'model',
  summary: 'Facts of a model or firmware file: per-layer MACs and parameters (.tflite), flash and RAM (.elf), Vela summary (.csv)',
  usage: 'FILE(.tflite|.elf|.csv) [--json]',
  help: [
    'A .tflite model: every layer with its operator, shapes, MACs, parameters and their bytes; totals;',
    'and an estimate of peak activation memory from tensor lifetimes (TFLite Micro\'s planner may differ).',
    'MACs count conv, depthwise, fully connected, transpose conv and batch matmul; other layers count 0.',
    'An ELF firmware image: text, rodata, data and bss; flash = text + rodata + data, RAM = data + bss.',
    'A Vela summary CSV: cycles, inference time, SRAM and flash use per Ethos-U configuration.',
    'The file type is recognised from its content. Sizes are in bytes, times in s, clocks in Hz.'
  ].join('\n'),
  async run(ctx, _values, positionals) {
    if (positionals.length !== 1) {
      throw new UserError(`model expects one FILE (a .tflite, .elf or Vela summary .csv), got ${positionals.length}. See joulebench model --help.`)
    }
    const facts = await describeModelFile(positionals[0])
    ctx.report(facts, () => human(facts))
  }
}
