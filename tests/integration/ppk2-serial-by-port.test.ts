import { afterEach, describe, expect, it, vi } from 'vitest'
import { constantCurrent } from '../../src-main/instruments/ppk2/signals'
import { createVirtualPpk2 } from '../../src-main/instruments/ppk2/virtual'

// The OS's port list, as discovery sees it on a machine with a PPK2 on the emulator's port.
const listing = vi.hoisted(() => ({ path: '', serial: 'C0FFEE42' }))
vi.mock('../../src-main/instruments/ppk2/ports', async (importOriginal) => ({
  ...(await importOriginal<object>()),
  listPpk2Ports: async () => [{ path: listing.path, serialNumber: listing.serial, otherPaths: [], interfaceNumber: null }]
}))

const cleanups: Array<() => Promise<void>> = []
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c().catch(() => {})
})

describe('a PPK2 opened by its port path', () => {
  it('takes its USB serial number from the port list, so calibration records can find it', async () => {
    const { ppk2AnalyzerFamily } = await import('../../src-main/instruments/ppk2/analyzer-family')
    const virtual = await createVirtualPpk2(constantCurrent(1e-3))
    cleanups.push(() => virtual.close())
    const transport = await virtual.open()
    listing.path = transport.path
    const { analyzer } = await ppk2AnalyzerFamily.open(transport, {}, false)
    cleanups.push(() => analyzer.close())
    expect(analyzer.identity.serial).toBe('C0FFEE42')
    expect(analyzer.identity.virtual).toBe(false)
  })
})
