/** The Nordic PPK2: codec, driver, emulator and the virtual-bench entry, for the rest of the core. */
export { Ppk2Driver, Ppk2Error, PPK2_RANGES, type Ppk2ClockStats, type Ppk2DriverOptions, type Ppk2DriverState, type Ppk2ReconnectOptions } from './driver'
export { HostClockCheck, type HostClockCheckOptions, type HostClockEvent, type HostClockStats } from './clock-check'
export {
  decodePpk2Words,
  extractPpk2Logic,
  newSpikeFilterState,
  ppk2AdcToCurrentA,
  DEFAULT_SPIKE_FILTER,
  PPK2_RAW_FORMAT_ID,
  type Ppk2SpikeFilterSettings,
  type Ppk2SpikeFilterState
} from './conversion'
export { defaultPpk2Calibration, parsePpk2Metadata, Ppk2MetadataError, type Ppk2Calibration, type Ppk2Metadata } from './metadata'
export { PPK2_SAMPLE_PERIOD_S, type Ppk2PowerMode } from './protocol'
export { Ppk2StreamDecoder, type Ppk2StreamOutput, type Ppk2StreamStats } from './stream-decoder'
export { listPpk2Ports, selectPpk2DataPorts, type Ppk2PortChoice, type SerialPortListing } from './ports'
export { openPpk2, reopenBySerial } from './open'
export { ppk2RecordingFormat, type Ppk2RawSnapshot } from './raw-format'
export { ppk2AnalyzerFamily } from './analyzer-family'
export { startPpk2Emulator, type Ppk2EmulatorHandle, type Ppk2EmulatorOptions, type Ppk2EmulatorTruth, type Ppk2Fault, type Ppk2WiringFault } from './emulator'
export { createVirtualPpk2, ppk2VirtualInstrument, type VirtualPpk2, type VirtualPpk2Options } from './virtual'
export { constantCurrent, ramp, squarePulses, steps, withDigitalScript, type DigitalEvent, type Step } from './signals'
