/**
 * A machine without QEMU: connecting a virtual probe fails with a message that names the probe and the
 * package to install. The test runs in its own process with a PATH that holds every program of /usr/bin
 * except qemu-system-arm (the firmware build still finds make and the Arm toolchain).
 */
import { mkdtempSync, readdirSync, symlinkSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { JoulebenchCore } from '../../src-main/api/core'
import { buildBenchFirmware } from '../../src-main/probes/qemu/bench-firmware'

let core: JoulebenchCore
const savedPath = process.env.PATH

beforeAll(async () => {
  await buildBenchFirmware() // while QEMU and everything else is still on the PATH
  const bin = mkdtempSync(join(tmpdir(), 'jb-no-qemu-bin-'))
  for (const name of readdirSync('/usr/bin')) if (!name.startsWith('qemu-system-')) symlinkSync(join('/usr/bin', name), join(bin, name))
  process.env.PATH = bin
  core = new JoulebenchCore({ dbPath: join(mkdtempSync(join(tmpdir(), 'jb-no-qemu-')), 'w.db'), host: 'test', discovery: { listSerialPorts: async () => [], listUsbDevices: async () => [] } })
})
afterAll(async () => {
  process.env.PATH = savedPath
  await core?.close()
})

describe('probes API without QEMU', () => {
  it('says which probe could not start and how to install QEMU', async () => {
    for (const id of ['virtual:cmsis-dap', 'virtual:qemu']) {
      const reply = await core.handle({ id: 1, method: 'probes.connect', params: { id } })
      expect(reply.ok).toBe(false)
      if (reply.ok) return
      expect(reply.error.message).toMatch(new RegExp(`^Cannot connect to ${id}: qemu-system-arm is not installed\\. Install it with: sudo apt-get install qemu-system-arm`))
    }
    const k = await core.handle({ id: 2, method: 'probes.kernelLatency', params: {} })
    expect(k.ok === false && k.error.message).toMatch(/qemu-system-arm is not installed/)
    // The list still works and still offers the virtual probes.
    const list = await core.handle({ id: 3, method: 'probes.list', params: {} })
    expect(list.ok).toBe(true)
  })
})
