/**
 * Who holds an analyzer outside the capture manager: a wiring check or a calibration opens the
 * instrument itself for a while, and nothing else may open it meanwhile (a serial port has one owner,
 * and a calibration's loads would read as a DUT). Captures are asked through the capture manager.
 */
import type { JoulebenchCore } from './core'

export type ClaimPurpose = 'wiring check' | 'calibration'

const claims = new WeakMap<JoulebenchCore, Map<string, ClaimPurpose>>()

function claimsOf(core: JoulebenchCore): Map<string, ClaimPurpose> {
  let m = claims.get(core)
  if (!m) claims.set(core, (m = new Map()))
  return m
}

/** What holds the instrument outside the capture manager, if anything. */
export function claimOf(core: JoulebenchCore, instrumentId: string): ClaimPurpose | null {
  return claimsOf(core).get(instrumentId) ?? null
}

/** For the capture manager's callers: refuse an instrument a wiring check or calibration holds. */
export function assertNotClaimed(core: JoulebenchCore, instrumentId: string): void {
  const held = claimOf(core, instrumentId)
  if (held) throw new Error(`${instrumentId} is in use by a ${held}; finish or cancel it before capturing.`)
}

/** Why the instrument cannot be opened for `purpose` now, in words for the user; null when it is free. */
export function instrumentBusy(core: JoulebenchCore, instrumentId: string, purpose: ClaimPurpose): string | null {
  const held = claimsOf(core).get(instrumentId)
  if (held) {
    return held === purpose
      ? `A ${held} is already running on ${instrumentId}; wait for it to finish.`
      : `${instrumentId} is in use by a ${held}; finish or cancel it before the ${purpose}.`
  }
  if (core.captures.isOpen(instrumentId)) {
    const capturing = core.captures.status().captures.find((c) => c.instrumentId === instrumentId)
    return capturing
      ? `${instrumentId} is capturing into recording ${capturing.recordingId}; stop the capture on the Capture screen before the ${purpose}.`
      : `${instrumentId} is open on the Capture screen (its settings panel); disconnect it there before the ${purpose}.`
  }
  return null
}

/** Take the instrument for `purpose`, or throw saying who has it. Returns the release function. */
export function claimInstrument(core: JoulebenchCore, instrumentId: string, purpose: ClaimPurpose): () => void {
  const busy = instrumentBusy(core, instrumentId, purpose)
  if (busy) throw new Error(busy)
  const m = claimsOf(core)
  m.set(instrumentId, purpose)
  let released = false
  return () => {
    if (released) return
    released = true
    if (m.get(instrumentId) === purpose) m.delete(instrumentId)
  }
}

