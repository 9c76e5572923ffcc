import { existsSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { discoverInstruments, systemSources } from '../../src-main/instruments/discovery'
import { recognise } from '../../src-main/instruments/known-devices'

describe('device discovery', () => {
  it('recognises instruments by their public USB ids and CMSIS-DAP probes by their string', () => {
    expect(recognise(0x1915, 0xc00a)?.family).toBe('ppk2')
    expect(recognise(0x0483, 0x5740)?.family).toBe('lpm01a')
    expect(recognise(0x16d0, 0x10ba)?.family).toBe('js220')
    expect(recognise(0x16d0, 0x0e88)?.family).toBe('js110')
    expect(recognise(0x2ab9, 0x0001)?.family).toBe('monsoon')
    expect(recognise(0x0483, 0x3748)?.family).toBe('stlink')
    expect(recognise(0x0483, 0x374e)?.family).toBe('stlink')
    expect(recognise(0x0483, 0x3754)?.family).toBe('stlink')
    expect(recognise(0x0483, 0x3758)).toBeNull()
    expect(recognise(0x1366, 0x0105)?.family).toBe('jlink')
    expect(recognise(0x0d28, 0x0204, ['DAPLink CMSIS-DAP'])?.family).toBe('cmsis-dap')
    expect(recognise(0x0d28, 0x0204, ['Some keyboard'])).toBeNull()
  })

  it('finds a PPK2 on its serial port and a probe on USB', async () => {
    const r = await discoverInstruments({
      listSerialPorts: async () => [
        { path: '/dev/ttyACM0', vendorId: '1915', productId: 'c00a', serialNumber: 'C1A2B3', manufacturer: 'Nordic Semiconductor' },
        { path: '/dev/ttyS0' }
      ],
      listUsbDevices: async () => [
        { vendorId: 0x1915, productId: 0xc00a, serialNumber: 'C1A2B3' },
        { vendorId: 0x2e8a, productId: 0x000c, productName: 'Debugprobe on Pico (CMSIS-DAP)', serialNumber: 'E66' },
        { vendorId: 0x046d, productId: 0xc52b, productName: 'USB Receiver' }
      ]
    })
    expect(r.instruments.map((i) => [i.family, i.location])).toEqual([
      ['ppk2', '/dev/ttyACM0'],
      ['cmsis-dap', 'usb 2e8a:000c']
    ])
    expect(r.instruments[0]).toMatchObject({ id: 'ppk2:/dev/ttyACM0', serial: 'C1A2B3', virtual: false })
    expect(r.hints).toEqual([])
  })

  it('says what to install when udevadm is missing, and still lists USB instruments', async () => {
    const r = await discoverInstruments({
      listSerialPorts: async () => {
        throw Object.assign(new Error('spawn udevadm ENOENT'), { code: 'ENOENT' })
      },
      listUsbDevices: async () => [{ vendorId: 0x1915, productId: 0xc00a, serialNumber: 'X' }]
    })
    expect(r.hints[0]).toMatch(/udevadm is missing.*apt-get install udev/)
    expect(r.instruments.map((i) => i.family)).toEqual(['ppk2'])
  })

  it('on a machine with no USB bus reports none found with a hint, never a crash', async () => {
    const r = await discoverInstruments({ listSerialPorts: async () => [], listUsbDevices: systemSources.listUsbDevices })
    if (!existsSync('/sys/bus/usb/devices')) {
      expect(r.hints.join('\n')).toMatch(/no USB bus/)
    }
    expect(r.instruments).toEqual([])
    expect(r.hints.join('\n')).toMatch(/No instruments found\. The virtual bench is always available\./)
  })

  it('names the udev rules when USB access is denied', async () => {
    const r = await discoverInstruments({
      listSerialPorts: async () => [],
      listUsbDevices: async () => {
        throw new Error('LIBUSB_ERROR_ACCESS: Access denied (insufficient permissions)')
      }
    })
    expect(r.hints[0]).toMatch(/60-joulebench\.rules/)
  })
})
