/**
 * Register numbering of a GDB stub, from its target description (qXfer:features:read:target.xml and
 * the documents it includes). Without a description, the classic Arm `g` layout is assumed.
 */
import type { GdbClient } from './gdb-client'

export interface RegisterInfo {
  name: string
  regnum: number
  bitsize: number
  /** Byte offset in the `g` packet. */
  offset: number
}

export class RegisterLayout {
  private byName = new Map<string, RegisterInfo>()

  constructor(readonly registers: RegisterInfo[]) {
    for (const r of registers) this.byName.set(r.name.toLowerCase(), r)
  }

  get(name: string): RegisterInfo | undefined {
    return this.byName.get(name.toLowerCase())
  }
}

/** Parses the `<reg>` elements of one or more feature documents, numbering as GDB does. */
export function parseTargetDescription(documents: string[]): RegisterLayout {
  const registers: RegisterInfo[] = []
  let next = 0
  let offset = 0
  for (const doc of documents) {
    for (const match of doc.matchAll(/<reg\b([^>]*)\/?>/g)) {
      const attrs = new Map<string, string>()
      for (const a of match[1].matchAll(/([a-zA-Z_:-]+)\s*=\s*"([^"]*)"/g)) attrs.set(a[1], a[2])
      const name = attrs.get('name')
      const bitsize = Number(attrs.get('bitsize'))
      if (!name || !Number.isFinite(bitsize) || bitsize <= 0) continue
      const regnum = attrs.has('regnum') ? Number(attrs.get('regnum')) : next
      registers.push({ name, regnum, bitsize, offset: -1 })
      next = regnum + 1
    }
  }
  // `g` carries registers in regnum order.
  for (const r of [...registers].sort((a, b) => a.regnum - b.regnum)) {
    r.offset = offset
    offset += r.bitsize / 8
  }
  return new RegisterLayout(registers)
}

/** The layout GDB assumes for Arm when a stub sends no description. */
export function classicArmLayout(): RegisterLayout {
  const regs: RegisterInfo[] = []
  let offset = 0
  const names = ['r0', 'r1', 'r2', 'r3', 'r4', 'r5', 'r6', 'r7', 'r8', 'r9', 'r10', 'r11', 'r12', 'sp', 'lr', 'pc']
  names.forEach((name, i) => {
    regs.push({ name, regnum: i, bitsize: 32, offset })
    offset += 4
  })
  for (let i = 0; i < 8; i++) {
    regs.push({ name: `f${i}`, regnum: 16 + i, bitsize: 96, offset })
    offset += 12
  }
  regs.push({ name: 'fps', regnum: 24, bitsize: 32, offset })
  offset += 4
  regs.push({ name: 'xpsr', regnum: 25, bitsize: 32, offset })
  return new RegisterLayout(regs)
}

export async function fetchRegisterLayout(client: GdbClient): Promise<RegisterLayout> {
  if (client.features.get('qXfer:features:read') !== true) return classicArmLayout()
  const documents: string[] = []
  const seen = new Set<string>()
  const load = async (annex: string): Promise<void> => {
    if (seen.has(annex) || seen.size > 16) return
    seen.add(annex)
    const doc = await client.readXfer('features', annex)
    documents.push(doc)
    for (const inc of doc.matchAll(/<xi:include\s+href="([^"]+)"/g)) await load(inc[1])
  }
  await load('target.xml')
  const layout = parseTargetDescription(documents)
  if (!layout.get('pc')) return classicArmLayout()
  // Cortex-M descriptions call the status register xpsr; older ones cpsr.
  if (!layout.get('xpsr') && layout.get('cpsr')) layout.registers.push({ ...layout.get('cpsr')!, name: 'xpsr' })
  return new RegisterLayout(layout.registers)
}
