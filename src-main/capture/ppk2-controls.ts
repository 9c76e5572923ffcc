import { PPK2_RANGES, type Ppk2Driver } from '../instruments/ppk2'
import { PPK2_MAX_SUPPLY_MV, PPK2_MIN_SUPPLY_MV } from '../instruments/ppk2/protocol'
import { registerInstrumentControls, type InstrumentCapabilities, type InstrumentControls } from './instrument-controls'

/** The Power Profiler app's limits (reference/ppk2.md §2.3, §3.1): supply 0.8–5 V, gains 0.9–1.1, filter 1–10 samples, α 0–0.5. */
export const PPK2_CAPABILITIES: InstrumentCapabilities = {
  modes: ['source', 'ampere'],
  supplyV: { min: PPK2_MIN_SUPPLY_MV / 1000, max: PPK2_MAX_SUPPLY_MV / 1000 },
  dutPower: true,
  spikeFilter: { samples: { min: 1, max: 10 }, alpha: { min: 0, max: 0.5 }, alphaHighRange: { min: 0, max: 0.5 } },
  userGains: { ranges: PPK2_RANGES.map((r) => r.label), limits: { min: 0.9, max: 1.1 } }
}

/** The PPK2 panel: its settings in SI units, applied in the order the Power Profiler app sends them. */
export function ppk2Controls(driver: Ppk2Driver): InstrumentControls {
  return {
    capabilities: PPK2_CAPABILITIES,
    settings() {
      const f = driver.spikeFilter
      return {
        mode: driver.mode,
        supplyV: driver.supplyMv / 1000,
        dutPower: driver.dutPower,
        spikeFilter: f ? { samples: f.samples, alpha: f.alpha, alphaHighRange: f.alpha5 } : undefined,
        userGains: [...driver.calibration.ug]
      }
    },
    async configure(change) {
      const mv = change.supplyV !== undefined ? Math.round(change.supplyV * 1000) : driver.supplyMv
      // A mode switch sends the whole sequence (mode, regulator, DUT power); otherwise only what changed.
      if (change.mode === 'ampere' && driver.mode !== 'ampere') await driver.setAmpereMode(mv)
      else if (change.mode === 'source' && driver.mode !== 'source') await driver.setSourceMode(mv, change.dutPower ?? driver.dutPower)
      else if (mv !== driver.supplyMv) await driver.setSupplyMv(mv)
      if (change.dutPower !== undefined && change.dutPower !== driver.dutPower) await driver.setDutPower(change.dutPower)
      if (change.spikeFilter) driver.setSpikeFilter({ samples: change.spikeFilter.samples, alpha: change.spikeFilter.alpha, alpha5: change.spikeFilter.alphaHighRange })
      if (change.userGains) {
        for (let r = 0; r < change.userGains.length; r++) if (change.userGains[r] !== driver.calibration.ug[r]) await driver.setUserGain(r, change.userGains[r])
      }
    }
  }
}

registerInstrumentControls('ppk2', ppk2Controls)
