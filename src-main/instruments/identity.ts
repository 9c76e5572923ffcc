/** What an instrument says about itself; shown in the Instruments list and stored with every recording. */
export interface InstrumentIdentity {
  /** Stable id used by the API and the command line: `ppk2:/dev/ttyACM0`, `virtual:ppk2`. */
  id: string
  kind: 'power-analyzer' | 'debug-probe' | 'dut-link' | 'unknown'
  /** Driver family folder name: `ppk2`, `lpm01a`, `js220`, `cmsis-dap` … */
  family: string
  model: string
  serial: string | null
  firmware: string | null
  /** Serial port path or USB location the instrument was found at. */
  location: string | null
  /** True for emulated instruments of the virtual bench. */
  virtual: boolean
}
