/** The LPM01A family's public surface: driver, virtual bench entry, emulator, and the codec pieces others reuse. */
export { Lpm01aDriver, Lpm01aError, DEFAULT_CAPTURE_SETTINGS, type Lpm01aCaptureSettings, type Lpm01aDriverOptions } from './driver'
export type { CaptureSummary as Lpm01aCaptureSummary } from './capture-assembler'
export { createVirtualLpm01a, lpm01aVirtualInstrument, type VirtualLpm01a } from './virtual'
export { startLpm01aEmulator, type Lpm01aEmulator, type Lpm01aEmulatorOptions, type Lpm01aEmulatorTruth, type Lpm01aFault, type ScheduledFault } from './emulator'
export { Lpm01aArgumentError, encodeCommand, parseCommandLine, type Lpm01aCommand } from './commands'
export { decodeRawSample } from './sample-formats'
export { LPM01A_BAUD, LPM01A_USB, FREQUENCIES_HZ, type Lpm01aFormat, type Lpm01aFrequencyHz, type Lpm01aOutput } from './protocol'
export { LPM01A_RAW_FORMAT_IDS, lpm01aRecordingFormat, type Lpm01aRawSnapshot } from './raw-format'
