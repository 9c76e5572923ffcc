/**
 * A USB device that exists only in software and presents the standard WebUSB `USBDevice` interface, so
 * drivers run unchanged against it. Descriptors are plain data; endpoint traffic goes to a handler.
 * Failures a real device shows (no permission, claimed by another program, unplugged) can be injected
 * with the messages the `usb` package (nusb) gives for them.
 */

export interface EmulatedEndpointSpec {
  endpointNumber: number
  direction: USBDirection
  type: USBEndpointType
  packetSize: number
}

export interface EmulatedInterfaceSpec {
  interfaceClass: number
  interfaceSubclass: number
  interfaceProtocol: number
  interfaceName: string | null
  endpoints: EmulatedEndpointSpec[]
}

export interface EmulatedDeviceSpec {
  vendorId: number
  productId: number
  manufacturerName: string | null
  productName: string | null
  serialNumber: string | null
  interfaces: EmulatedInterfaceSpec[]
}

export interface EndpointHandler {
  /** Host → device data. May wait (the device NAKs while its buffers are full). */
  out(endpointNumber: number, data: Uint8Array): Promise<void>
  /** Device → host data for an IN transfer of up to `length` bytes. */
  in(endpointNumber: number, length: number): Promise<Uint8Array>
  /** HID SET_REPORT and other control writes. */
  controlOut?(setup: USBControlTransferParameters, data: Uint8Array): Promise<void>
}

export interface InjectedFaults {
  /** open() rejects as without udev permission. */
  permissionDenied?: boolean
  /** claimInterface() rejects as when another program holds the interface. */
  busy?: boolean
}

export class EmulatedUsbDevice implements USBDevice {
  readonly usbVersionMajor = 2
  readonly usbVersionMinor = 0
  readonly usbVersionSubminor = 0
  readonly deviceClass = 0xef
  readonly deviceSubclass = 2
  readonly deviceProtocol = 1
  readonly deviceVersionMajor = 1
  readonly deviceVersionMinor = 0
  readonly deviceVersionSubminor = 0
  readonly vendorId: number
  readonly productId: number
  readonly manufacturerName: string | null
  readonly productName: string | null
  readonly serialNumber: string | null
  readonly configurations: USBConfiguration[]
  private selected: USBConfiguration | null = null
  private isOpen = false
  private claimedInterfaces = new Set<number>()
  private unplugged = false

  constructor(
    spec: EmulatedDeviceSpec,
    private readonly handler: EndpointHandler,
    readonly faults: InjectedFaults = {}
  ) {
    this.vendorId = spec.vendorId
    this.productId = spec.productId
    this.manufacturerName = spec.manufacturerName
    this.productName = spec.productName
    this.serialNumber = spec.serialNumber
    const device = this
    const configuration: USBConfiguration = { configurationValue: 1, configurationName: null, interfaces: [] }
    spec.interfaces.forEach((i, n) => {
      const alternate: USBAlternateInterface = {
        alternateSetting: 0,
        interfaceClass: i.interfaceClass,
        interfaceSubclass: i.interfaceSubclass,
        interfaceProtocol: i.interfaceProtocol,
        interfaceName: i.interfaceName,
        endpoints: i.endpoints.map((e) => ({ ...e }))
      }
      configuration.interfaces.push({
        interfaceNumber: n,
        alternate,
        alternates: [alternate],
        get claimed() {
          return device.claimedInterfaces.has(n)
        }
      })
    })
    this.configurations = [configuration]
  }

  get opened(): boolean {
    return this.isOpen
  }

  get configuration(): USBConfiguration | null {
    return this.selected
  }

  /** Simulates pulling the cable: every later transfer fails as it would on a real bus. */
  unplug(): void {
    this.unplugged = true
  }

  private checkAttached(): void {
    if (this.unplugged) throw new Error('No such device (os error 19)')
  }

  private checkOpen(): void {
    this.checkAttached()
    if (!this.isOpen) throw new Error('InvalidStateError: the device must be opened first.')
  }

  async open(): Promise<void> {
    this.checkAttached()
    if (this.faults.permissionDenied) throw new Error('Permission denied (os error 13)')
    this.isOpen = true
  }

  async close(): Promise<void> {
    this.isOpen = false
    this.claimedInterfaces.clear()
  }

  async forget(): Promise<void> {
    await this.close()
  }

  async selectConfiguration(configurationValue: number): Promise<void> {
    this.checkOpen()
    const c = this.configurations.find((x) => x.configurationValue === configurationValue)
    if (!c) throw new Error(`NotFoundError: no configuration ${configurationValue}`)
    this.selected = c
  }

  async claimInterface(interfaceNumber: number): Promise<void> {
    this.checkOpen()
    if (!this.selected) throw new Error('InvalidStateError: select a configuration first.')
    if (!this.selected.interfaces.some((i) => i.interfaceNumber === interfaceNumber)) throw new Error(`NotFoundError: no interface ${interfaceNumber}`)
    if (this.faults.busy) throw new Error('Device or resource busy (os error 16)')
    this.claimedInterfaces.add(interfaceNumber)
  }

  async releaseInterface(interfaceNumber: number): Promise<void> {
    this.claimedInterfaces.delete(interfaceNumber)
  }

  async selectAlternateInterface(): Promise<void> {
    this.checkOpen()
  }

  private endpointClaimed(direction: USBDirection, endpointNumber: number): boolean {
    return (this.selected?.interfaces ?? []).some(
      (i) => this.claimedInterfaces.has(i.interfaceNumber) && i.alternate.endpoints.some((e) => e.direction === direction && e.endpointNumber === endpointNumber)
    )
  }

  async controlTransferIn(): Promise<USBInTransferResult> {
    this.checkOpen()
    return { status: 'stall' }
  }

  async controlTransferOut(setup: USBControlTransferParameters, data?: ArrayBuffer | ArrayBufferView): Promise<USBOutTransferResult> {
    this.checkOpen()
    if (!this.handler.controlOut) return { status: 'stall', bytesWritten: 0 }
    const bytes = toBytes(data)
    await this.handler.controlOut(setup, bytes)
    return { status: 'ok', bytesWritten: bytes.length }
  }

  async clearHalt(): Promise<void> {
    this.checkOpen()
  }

  async transferIn(endpointNumber: number, length: number): Promise<USBInTransferResult> {
    this.checkOpen()
    if (!this.endpointClaimed('in', endpointNumber)) throw new Error(`InvalidStateError: endpoint ${endpointNumber} IN is not part of a claimed interface.`)
    const data = await this.handler.in(endpointNumber, length)
    this.checkAttached()
    if (data.length > length) return { status: 'babble', data: new DataView(data.buffer, data.byteOffset, length) }
    return { status: 'ok', data: new DataView(data.buffer, data.byteOffset, data.byteLength) }
  }

  async transferOut(endpointNumber: number, data: ArrayBuffer | ArrayBufferView): Promise<USBOutTransferResult> {
    this.checkOpen()
    if (!this.endpointClaimed('out', endpointNumber)) throw new Error(`InvalidStateError: endpoint ${endpointNumber} OUT is not part of a claimed interface.`)
    const bytes = toBytes(data)
    await this.handler.out(endpointNumber, bytes)
    return { status: 'ok', bytesWritten: bytes.length }
  }

  async isochronousTransferIn(): Promise<USBIsochronousInTransferResult> {
    throw new Error('NotSupportedError: no isochronous endpoints')
  }

  async isochronousTransferOut(): Promise<USBIsochronousOutTransferResult> {
    throw new Error('NotSupportedError: no isochronous endpoints')
  }

  async reset(): Promise<void> {
    this.checkOpen()
  }
}

function toBytes(data: ArrayBuffer | ArrayBufferView | undefined): Uint8Array {
  if (!data) return new Uint8Array(0)
  if (data instanceof ArrayBuffer) return new Uint8Array(data.slice(0))
  return new Uint8Array(data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength))
}
