import { describe, expect, it } from 'vitest'
import { interfaceNumber, selectPpk2DataPorts, type SerialPortListing } from '../../src-main/instruments/ppk2/ports'

const ppk2 = (path: string, extra: Partial<SerialPortListing>): SerialPortListing => ({ path, vendorId: '1915', productId: 'c00a', ...extra })

describe('PPK2 data-port selection', () => {
  it('picks the lower USB interface of a unit showing two ports (Linux pnpId)', () => {
    const choices = selectPpk2DataPorts([
      ppk2('/dev/ttyACM1', { serialNumber: 'C4A1', pnpId: 'usb-Nordic_Semiconductor_PPK2_C4A1-if02' }),
      ppk2('/dev/ttyACM0', { serialNumber: 'C4A1', pnpId: 'usb-Nordic_Semiconductor_PPK2_C4A1-if00' }),
      { path: '/dev/ttyUSB0', vendorId: '0403', productId: '6001' }
    ])
    expect(choices).toEqual([{ path: '/dev/ttyACM0', serialNumber: 'C4A1', otherPaths: ['/dev/ttyACM1'], interfaceNumber: 0 }])
  })

  it('reads the interface from Windows MI_xx and from a USB location', () => {
    expect(interfaceNumber({ path: 'COM7', pnpId: 'USB\\VID_1915&PID_C00A&MI_02\\7&1A2B3C4D&0&0002' })).toBe(2)
    expect(interfaceNumber({ path: '/dev/ttyACM3', locationId: '1-2.4:1.0' })).toBe(0)
    expect(interfaceNumber({ path: '/dev/ttyACM3' })).toBeNull()
  })

  it('keeps two units apart by serial number, and orders by path naturally when the OS gives no interface', () => {
    const choices = selectPpk2DataPorts([
      ppk2('/dev/cu.usbmodemE1B2C3D4E5F63', { serialNumber: 'E1B2', vendorId: '0x1915', productId: '0xC00A' }),
      ppk2('/dev/ttyACM10', { serialNumber: 'A000' }),
      ppk2('/dev/cu.usbmodemE1B2C3D4E5F61', { serialNumber: 'E1B2' }),
      ppk2('/dev/ttyACM2', { serialNumber: 'A000' })
    ])
    expect(choices.map((c) => [c.serialNumber, c.path, c.otherPaths])).toEqual([
      ['A000', '/dev/ttyACM2', ['/dev/ttyACM10']],
      ['E1B2', '/dev/cu.usbmodemE1B2C3D4E5F61', ['/dev/cu.usbmodemE1B2C3D4E5F63']]
    ])
  })

  it('pairs the ports of a unit by USB location when there is no serial number', () => {
    const choices = selectPpk2DataPorts([
      ppk2('/dev/ttyACM5', { locationId: '3-1:1.2' }),
      ppk2('/dev/ttyACM4', { locationId: '3-1:1.0' }),
      ppk2('/dev/ttyACM6', { locationId: '3-2:1.0' })
    ])
    expect(choices.map((c) => [c.path, c.otherPaths])).toEqual([
      ['/dev/ttyACM4', ['/dev/ttyACM5']],
      ['/dev/ttyACM6', []]
    ])
  })

  it('returns nothing when no PPK2 is attached', () => {
    expect(selectPpk2DataPorts([{ path: '/dev/ttyS0' }, { path: '/dev/ttyACM0', vendorId: '1915', productId: 'c00b' }])).toEqual([])
  })
})
